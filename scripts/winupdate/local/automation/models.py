"""Executions and step executions: the records the Automation API returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.moto_api._internal import mock_random

from .runbook import Runbook, Step
from .statuses import TERMINAL, Status


def _ts(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=UTC)


@dataclass
class StepRecord:
    """One step execution (botocore shape ``StepExecution``)."""

    step: Step
    step_execution_id: str = field(default_factory=lambda: str(mock_random.uuid4()))
    status: Status = Status.PENDING
    start: float | None = None
    end: float | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, list[str]] = field(default_factory=dict)
    response: str | None = None
    response_code: str | None = None
    failure_message: str | None = None
    failure_type: str | None = None
    failure_stage: str | None = None
    attempts: int = 0
    # aws:branch chose this step to run next
    chosen_next: str | None = None

    def to_api(self) -> dict[str, Any]:
        step = self.step
        out: dict[str, Any] = {
            "StepName": step.name,
            "Action": step.action,
            "OnFailure": step.on_failure,
            "MaxAttempts": step.max_attempts,
            "StepStatus": str(self.status),
            "StepExecutionId": self.step_execution_id,
            "IsEnd": step.is_end,
            "IsCritical": step.is_critical,
        }
        if step.timeout_seconds is not None:
            out["TimeoutSeconds"] = step.timeout_seconds
        if step.next_step:
            out["NextStep"] = step.next_step
        if self.start is not None:
            out["ExecutionStartTime"] = _ts(self.start)
        if self.end is not None:
            out["ExecutionEndTime"] = _ts(self.end)
        if self.inputs:
            out["Inputs"] = {
                k: v if isinstance(v, str) else json.dumps(v) for k, v in self.inputs.items()
            }
        if self.outputs:
            out["Outputs"] = self.outputs
        if self.response is not None:
            out["Response"] = self.response
        if self.response_code is not None:
            out["ResponseCode"] = self.response_code
        if self.failure_message is not None:
            out["FailureMessage"] = self.failure_message
            out["FailureDetails"] = {
                "FailureStage": self.failure_stage or "Execution",
                "FailureType": self.failure_type or "Verification",
                "Details": {"ErrorMessage": [self.failure_message]},
            }
        return out


@dataclass
class Execution:
    """One automation execution: a runbook run, or the parent of a rate-controlled run."""

    execution_id: str
    document_name: str
    document_version: str
    runbook: Runbook
    parameters: dict[str, Any]
    api_parameters: dict[str, list[str]]
    account_id: str
    region: str
    executed_by: str
    start: float
    status: Status = Status.PENDING
    end: float | None = None
    parent_id: str | None = None
    mode: str = "Auto"
    failure_message: str | None = None
    steps: list[StepRecord] = field(default_factory=list)
    outputs: dict[str, list[str]] = field(default_factory=dict)
    # rate control
    target_parameter_name: str | None = None
    targets: list[dict[str, Any]] | None = None
    target_maps: list[dict[str, list[str]]] | None = None
    resolved_targets: list[str] | None = None
    max_concurrency: str | None = None
    max_errors: str | None = None
    target: str | None = None
    children: list[str] = field(default_factory=list)
    # child execution id -> the parent's step execution for its target
    target_steps: dict[str, StepRecord] = field(default_factory=dict, repr=False)
    progress: dict[str, int] | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    # IAM: the key its steps' calls are signed with (its assumeRole's session, or its
    # caller's key when the runbook assumes no role), and the key it was started with.
    access_key: str | None = None
    caller_key: str | None = None
    role_arn: str | None = None
    # control
    cancel_requested: bool = False
    signals: list[dict[str, Any]] = field(default_factory=list)
    api_calls: int = 0
    running_since: float | None = None  # left the Pending queue and began to run
    current_step: str | None = None
    current_action: str | None = None
    # Virtual time: (region, service, api, params) -> (fingerprint, answer) of its last read
    # (StepContext.call); dropped when the execution ends.
    kept_reads: dict[tuple[str, ...], tuple[Any, Any]] = field(default_factory=dict, repr=False)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def is_rate_control_parent(self) -> bool:
        return self.resolved_targets is not None

    def to_api(self, full: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "AutomationExecutionId": self.execution_id,
            "DocumentName": self.document_name,
            "DocumentVersion": self.document_version,
            "AutomationExecutionStatus": str(self.status),
            "ExecutionStartTime": _ts(self.start),
            "ExecutedBy": self.executed_by,
            "Mode": self.mode,
            "Outputs": self.outputs,
        }
        if self.end is not None:
            out["ExecutionEndTime"] = _ts(self.end)
        if self.parent_id:
            out["ParentAutomationExecutionId"] = self.parent_id
        if self.failure_message:
            out["FailureMessage"] = self.failure_message
        if self.current_step and not self.is_terminal:
            out["CurrentStepName"] = self.current_step
            out["CurrentAction"] = self.current_action
        if self.target_parameter_name:
            out["TargetParameterName"] = self.target_parameter_name
        if self.targets is not None:
            out["Targets"] = self.targets
        if self.target_maps is not None:
            out["TargetMaps"] = self.target_maps
        if self.resolved_targets is not None:
            out["ResolvedTargets"] = {
                "ParameterValues": list(self.resolved_targets),
                "Truncated": False,
            }
        if self.max_concurrency is not None:
            out["MaxConcurrency"] = self.max_concurrency
        if self.max_errors is not None:
            out["MaxErrors"] = self.max_errors
        if self.target:
            out["Target"] = self.target
        if full:
            out["Parameters"] = self.api_parameters
            out["StepExecutions"] = [r.to_api() for r in self.steps]
            out["StepExecutionsTruncated"] = False
            if self.progress is not None:
                out["ProgressCounters"] = {
                    "TotalSteps": self.progress["total"],
                    "SuccessSteps": self.progress["success"],
                    "FailedSteps": self.progress["failed"],
                    "CancelledSteps": self.progress["cancelled"],
                    "TimedOutSteps": self.progress["timed_out"],
                }
        else:
            out["AutomationType"] = "Local"
            out["LogFile"] = ""
        return out
