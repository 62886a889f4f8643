"""aws:runCommand — automation-action-runcommand.md: send a command, wait for its end.

Outputs CommandId, Status, ResponseCode and Output (the first invocation's plugin
output); a command that does not end in Success fails the step.
"""

from __future__ import annotations

from typing import Any

from ..context import POLL_SECONDS
from ..registry import implements
from .base import Action, ActionResult, ActionRun, StepFailed, as_list, require

PASSED = (
    "DocumentName",
    "DocumentHash",
    "DocumentHashType",
    "DocumentVersion",
    "Targets",
    "Comment",
    "OutputS3BucketName",
    "OutputS3KeyPrefix",
    "MaxConcurrency",
    "MaxErrors",
    "ServiceRoleArn",
    "NotificationConfig",
    "CloudWatchOutputConfig",
)
TERMINAL = {"Success", "Failed", "TimedOut", "Cancelled", "Cancelling"}


@implements("aws:runCommand")
class RunCommand(Action):
    def run(self, inputs: dict[str, Any]) -> ActionRun:
        require(inputs, "DocumentName")
        if not inputs.get("InstanceIds") and not inputs.get("Targets"):
            raise StepFailed("aws:runCommand needs InstanceIds or Targets.", "InputValidation")
        params: dict[str, Any] = {k: inputs[k] for k in PASSED if inputs.get(k) is not None}
        if inputs.get("InstanceIds"):
            params["InstanceIds"] = [str(i) for i in as_list(inputs["InstanceIds"])]
        if inputs.get("Parameters"):
            params["Parameters"] = {
                k: [str(x) for x in as_list(v)] for k, v in dict(inputs["Parameters"]).items()
            }
        if inputs.get("TimeoutSeconds") is not None:
            params["TimeoutSeconds"] = int(inputs["TimeoutSeconds"])
        command = (yield from self.ctx.call("ssm", "SendCommand", params))["Command"]
        command_id = command["CommandId"]
        self.ctx.record.outputs["CommandId"] = [command_id]
        while True:
            yield POLL_SECONDS
            listed = (yield from self.ctx.call("ssm", "ListCommands", {"CommandId": command_id}))[
                "Commands"
            ]
            status = listed[0]["Status"] if listed else "Pending"
            if status in TERMINAL:
                break
        listed_invocations = yield from self.ctx.call(
            "ssm", "ListCommandInvocations", {"CommandId": command_id, "Details": True}
        )
        invocations = listed_invocations["CommandInvocations"]
        first = invocations[0] if invocations else {}
        plugins = first.get("CommandPlugins") or [{}]
        output = str(plugins[0].get("Output", ""))
        response_code = plugins[0].get("ResponseCode", -1)
        outputs = {
            "CommandId": command_id,
            "Status": status,
            "ResponseCode": response_code,
            "Output": output,
        }
        if status != "Success":
            details = first.get("StatusDetails") or status
            raise StepFailed(
                f"Step fails when it is polling the command status. Command {command_id} "
                f"returns unexpected invocation result: {details}; ResponseCode {response_code}. "
                f"Output: {output[-500:]}",
                "Verification",
            )
        return ActionResult(outputs=outputs, response=outputs)
