"""The run's approval: find the waiting aws:approve step and answer it as the caller."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .aws import Aws
from .errors import NotAnApprover, error_code, error_message


@dataclass(frozen=True)
class ApprovalRequest:
    execution_id: str
    step_name: str
    approvers: list[str]
    # Which execution of the step (a loop, such as the Start runbook's waves, asks again).
    step_execution_id: str = ""


def _approvers(step: dict[str, Any]) -> list[str]:
    raw = (step.get("Inputs") or {}).get("Approvers")
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        value = raw
    if isinstance(value, str):
        return [value]
    # The seed nests its StringList parameter inside a list.
    flat: list[str] = []
    for item in value:
        flat.extend(item if isinstance(item, list) else [str(item)])
    return flat


def pending_approval(execution: dict[str, Any]) -> ApprovalRequest | None:
    """The approval the execution waits for, or None.

    Found by the step's action, not its name: the module and the seed name it differently.
    """
    if execution.get("AutomationExecutionStatus") != "Waiting":
        return None
    for step in execution.get("StepExecutions", []):
        if step.get("Action") == "aws:approve" and step.get("StepStatus") in (
            "Waiting",
            "InProgress",
        ):
            return ApprovalRequest(
                execution["AutomationExecutionId"],
                step["StepName"],
                _approvers(step),
                step.get("StepExecutionId") or step["StepName"],
            )
    return None


def approve_command(execution_id: str, region: str) -> str:
    """The AWS CLI command an approver runs."""
    return (
        "aws ssm send-automation-signal --signal-type Approve "
        f"--automation-execution-id {shlex.quote(execution_id)} --region {shlex.quote(region)}"
    )


def approve(aws: Aws, request: ApprovalRequest, caller_arn: str) -> None:
    """Send Approve as the caller; a caller who may not approve gets :class:`NotAnApprover`."""
    ssm = aws.client("ssm")
    with aws.errors(f"approving run {request.execution_id}"):
        try:
            ssm.send_automation_signal(
                AutomationExecutionId=request.execution_id, SignalType="Approve"
            )
        except ClientError as err:
            if error_code(err) in (
                "InvalidAutomationSignalException",
                "AccessDenied",
                "AccessDeniedException",
            ):
                approvers = ", ".join(request.approvers) or "unknown"
                raise NotAnApprover(
                    f"{caller_arn} is not an approver of this run; approvers: {approvers} "
                    f"({error_message(err)})"
                ) from err
            raise


def answer_approval(
    aws: Aws, request: ApprovalRequest, approve_it: bool, caller: str, say: Callable[[str], None]
) -> None:
    """A run's (or a restore's) approval request, once: approve it as the caller when asked
    to, otherwise say who may approve it and how."""
    if approve_it:
        approve(aws, request, caller)
        say(f"approved as {caller}")
        return
    approvers = ", ".join(request.approvers) or "see the runbook"
    say(
        f"waiting for approval (approvers: {approvers}); to approve run:\n"
        f"  {approve_command(request.execution_id, aws.region)}"
    )
