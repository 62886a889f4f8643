"""aws:executeAutomation — automation-action-executeAutomation.md.

Starts a child execution and waits for it; the step fails as soon as the child
ends in any status but Success (no polling until a timeout).
"""

from __future__ import annotations

from typing import Any

from ..parameters import api_parameters
from ..registry import implements
from ..statuses import Status
from .base import Action, ActionResult, ActionRun, StepFailed, require

FOREVER = 30 * 86400.0


@implements("aws:executeAutomation")
class ExecuteAutomation(Action):
    def run(self, inputs: dict[str, Any]) -> ActionRun:
        require(inputs, "DocumentName")
        parent = self.ctx.execution
        svc = self.ctx.service
        try:
            # The child is started by the parent's principal, as its own call would be.
            svc.aws.service("iam").authorize(
                parent.access_key,
                "ssm",
                "StartAutomationExecution",
                parent.region,
                {
                    "DocumentName": str(inputs["DocumentName"]),
                    "DocumentVersion": inputs.get("DocumentVersion"),
                },
            )
            child = svc.start_execution(
                account_id=parent.account_id,
                region=parent.region,
                document_name=str(inputs["DocumentName"]),
                document_version=inputs.get("DocumentVersion"),
                parameters=api_parameters(inputs.get("RuntimeParameters") or {}),
                executed_by=parent.executed_by,
                parent_id=parent.execution_id,
                targets=inputs.get("Targets"),
                target_parameter_name=inputs.get("TargetParameterName"),
                max_concurrency=inputs.get("MaxConcurrency"),
                max_errors=inputs.get("MaxErrors"),
                tags=inputs.get("Tags"),
                caller_key=parent.access_key,
            )
        except Exception as err:
            message = getattr(err, "message", str(err))
            raise StepFailed(f"The child automation could not start: {message}") from err
        self.ctx.record.outputs["ExecutionId"] = [child.execution_id]
        try:
            while not child.is_terminal:
                yield FOREVER
        finally:
            if not child.is_terminal and parent.cancel_requested:
                svc.request_cancel(child)
        outputs = {
            "ExecutionId": child.execution_id,
            "Status": str(child.status),
            "Output": {k: v for k, v in child.outputs.items()},
        }
        if child.status != Status.SUCCESS:
            raise StepFailed(
                f"Child automation {child.execution_id} ended with status {child.status}"
                + (f": {child.failure_message}" if child.failure_message else "."),
                "Verification",
            )
        return ActionResult(outputs=outputs, response=outputs)
