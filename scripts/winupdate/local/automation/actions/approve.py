"""aws:approve — automation-action-approve.md.

Publishes the approval request to the SNS topic (whose name must start with
"Automation"), waits in Waiting, counts approvals against MinRequiredApprovals; a
rejection fails the step; the step's timeout (7 days by default) times it out.
"""

from __future__ import annotations

from typing import Any

from ..registry import implements
from .base import Action, ActionResult, ActionRun, StepFailed, as_list, require

FOREVER = 30 * 86400.0
# automation-action-approve.md: "The default timeout for this action is 7 days (604800
# seconds) and the maximum value is 30 days (2592000 seconds)"; "The maximum number of
# approvers is 10".
MAX_TIMEOUT_SECONDS = 2592000
MAX_APPROVERS = 10
MAX_MESSAGE_CHARACTERS = 4096


def approval_findings(step: Any) -> list[str]:
    """What AWS refuses in an aws:approve step when the document is created: a timeout over
    the maximum, more than 10 approvers, MinRequiredApprovals over the approver count (when
    both are written in the document rather than as {{ }} variables)."""
    findings = []
    timeout = step.raw.get("timeoutSeconds")
    if isinstance(timeout, int) and not isinstance(timeout, bool) and timeout > MAX_TIMEOUT_SECONDS:
        findings.append(
            f"step {step.name}: timeoutSeconds {timeout} is over aws:approve's maximum of "
            f"{MAX_TIMEOUT_SECONDS} seconds (30 days)."
        )
    approvers = step.inputs.get("Approvers")
    needed = step.inputs.get("MinRequiredApprovals")
    if isinstance(approvers, list):
        if len(approvers) > MAX_APPROVERS:
            findings.append(
                f"step {step.name}: Approvers lists {len(approvers)} principals; the maximum "
                f"is {MAX_APPROVERS}."
            )
        literal = not any("{{" in str(a) for a in approvers)
        countable = isinstance(needed, int) and not isinstance(needed, bool)
        if literal and countable and needed > len(approvers):
            findings.append(
                f"step {step.name}: MinRequiredApprovals {needed} is more than the "
                f"{len(approvers)} approvers listed."
            )
    return findings


def approver_matches(approver: str, caller_arn: str) -> bool:
    """An approver is a user name, a user ARN, a role ARN or an assumed-role ARN."""
    caller = caller_arn
    partition_account = caller.split(":")[1:5]
    names = {caller}
    if ":sts::" in caller and ":assumed-role/" in caller:
        role = caller.split(":assumed-role/", 1)[1].split("/", 1)[0]
        names.add(f"arn:{partition_account[0]}:iam::{partition_account[3]}:role/{role}")
        names.add(role)
    elif ":user/" in caller:
        user = caller.rsplit("/", 1)[1]
        names.add(f"arn:{partition_account[0]}:iam::{partition_account[3]}:user/{user}")
        names.add(user)
    return approver in names


@implements("aws:approve")
class Approve(Action):
    def run(self, inputs: dict[str, Any]) -> ActionRun:
        require(inputs, "Approvers")
        approvers = [str(a) for a in as_list(inputs["Approvers"])]
        if len(approvers) > MAX_APPROVERS:
            raise StepFailed("Approvers takes at most 10 principals.", "InputValidation")
        timeout = self.ctx.record.step.timeout_seconds
        if timeout is not None and timeout > MAX_TIMEOUT_SECONDS:
            raise StepFailed(
                f"timeoutSeconds {timeout} is over aws:approve's maximum of "
                f"{MAX_TIMEOUT_SECONDS} seconds (30 days).",
                "InputValidation",
            )
        message = str(inputs.get("Message") or "")
        if len(message) > MAX_MESSAGE_CHARACTERS:
            # automation-action-approve.md, Message: "The maximum message length is 4096
            # characters" (the resolved text: a variable can make it longer than written).
            raise StepFailed(
                f"Message is {len(message)} characters; aws:approve takes at most "
                f"{MAX_MESSAGE_CHARACTERS}.",
                "InputValidation",
            )
        raw_needed = inputs.get("MinRequiredApprovals")
        try:
            needed = 1 if raw_needed in (None, "") else int(str(raw_needed).strip())
        except ValueError:
            needed = 0  # refused just below, naming the value
        if isinstance(raw_needed, bool) or needed < 1 or needed > len(approvers):
            raise StepFailed(
                f"MinRequiredApprovals must be between 1 and the number of approvers "
                f"({len(approvers)}), not {needed}.",
                "InputValidation",
            )
        topic = inputs.get("NotificationArn")
        if topic:
            if not str(topic).rsplit(":", 1)[-1].startswith("Automation"):
                raise StepFailed(
                    f"The SNS topic {topic} cannot be used for approvals: its name must start "
                    "with 'Automation'.",
                    "InputValidation",
                )
            yield from self.ctx.call(
                "sns", "Publish", {"TopicArn": topic, "Message": self._request(inputs)}
            )
        decisions: dict[str, str] = {}
        # A simulated approver (emulator-only control, for benchmarks in virtual time):
        # the approval arrives this many modelled seconds after the request.
        simulated = self.ctx.service.auto_approve
        answer_at = self.ctx.clock.now() + float(simulated["after"]) if simulated else None
        self.ctx.set_waiting(True)
        try:
            while True:
                if answer_at is not None and self.ctx.clock.now() >= answer_at:
                    decisions[str(simulated["principal"])] = "Approved"
                for signal in self.ctx.take_signals():
                    decisions[signal["caller"]] = (
                        "Approved" if signal["type"] == "Approve" else "Rejected"
                    )
                    if signal["type"] == "Reject":
                        raise StepFailed(f"Step is rejected by {signal['caller']}.", "Verification")
                if sum(1 for d in decisions.values() if d == "Approved") >= needed:
                    break
                now = self.ctx.clock.now()
                yield answer_at - now if answer_at is not None and answer_at > now else FOREVER
        finally:
            self.ctx.set_waiting(False)
        return ActionResult(
            outputs={
                "ApprovalStatus": "Approved",
                "ApproverDecisions": [
                    {"Approver": who, "Decision": what} for who, what in decisions.items()
                ],
            }
        )

    def _request(self, inputs: dict[str, Any]) -> str:
        ex = self.ctx.execution
        region = ex.region
        console = (
            f"https://console.aws.amazon.com/systems-manager/automation/execution/"
            f"{ex.execution_id}/approve?region={region}"
        )
        return "\n".join(
            [
                f"Automation execution {ex.execution_id} of {ex.document_name} is waiting for "
                f"approval at step {self.ctx.record.step.name}.",
                "",
                str(inputs.get("Message") or ""),
                "",
                f"Approve or reject in the console: {console}",
                "Or with the AWS CLI:",
                f"aws ssm send-automation-signal --automation-execution-id {ex.execution_id} "
                f"--signal-type Approve --region {region}",
                f"aws ssm send-automation-signal --automation-execution-id {ex.execution_id} "
                f"--signal-type Reject --region {region}",
            ]
        )
