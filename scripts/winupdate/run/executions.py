"""Find the executions of a run: the Start run, the rate-controlled Process execution(s) it
started, and one execution per instance under them.

Nothing here depends on step names: the module and the seed name their steps differently,
and the module's are still moving. A Start step launched a Process execution if its outputs
hold an execution id, or (the seed's step declares no outputs) if it called
StartAutomationExecution: then the execution of the document named in its inputs that began
while the step ran is the one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from .aws import Aws
from .errors import ExecutionNotFound, error_code

EXECUTION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
INSTANCE_ID = re.compile(r"^(mi|i)-[0-9a-f]{8,17}$")
SUCCEEDED = frozenset({"Success", "CompletedWithSuccess"})
# Every status of AutomationExecutionStatus that can still change.
ACTIVE = frozenset(
    {
        "Pending",
        "InProgress",
        "Waiting",
        "Cancelling",
        "RunbookInProgress",
        "PendingApproval",
        "Approved",
        "Scheduled",
        "PendingChangeCalendarOverride",
        "ChangeCalendarOverrideApproved",
    }
)
FAILED_STEP = frozenset({"Failed", "TimedOut", "Cancelled"})
# Clock skew between a step's recorded times and its child's start time.
SLACK = timedelta(seconds=5)


def get_execution(aws: Aws, execution_id: str) -> dict[str, Any]:
    """GetAutomationExecution; a missing id is :class:`ExecutionNotFound`."""
    ssm = aws.client("ssm")
    with aws.errors(f"reading execution {execution_id}"):
        try:
            return ssm.get_automation_execution(AutomationExecutionId=execution_id)[
                "AutomationExecution"
            ]
        except ClientError as err:
            if error_code(err) in ("AutomationExecutionNotFoundException", "ValidationException"):
                raise ExecutionNotFound(
                    f"automation execution {execution_id} does not exist in {aws.region}"
                ) from err
            raise


def describe_executions(aws: Aws, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ssm = aws.client("ssm")
    with aws.errors("listing automation executions"):
        pages = ssm.get_paginator("describe_automation_executions").paginate(Filters=filters)
        return [e for page in pages for e in page.get("AutomationExecutionMetadataList", [])]


def is_rate_control_parent(execution: dict[str, Any]) -> bool:
    """The parent of a rate-controlled run: it has targets. A per-instance run it starts has
    a parent and its one Target; the parent itself may have a parent too (the Start
    runbook's aws:executeAutomation step), but no Target."""
    has_targets = bool(
        execution.get("TargetParameterName")
        or execution.get("Targets")
        or execution.get("TargetMaps")
    )
    return has_targets and not (
        execution.get("ParentAutomationExecutionId") and execution.get("Target")
    )


def output_execution_ids(step: dict[str, Any]) -> list[str]:
    """Execution ids among a step's outputs (ExecutionId, AutomationExecutionId, ...).

    Only outputs named so, or of a step that starts an execution: a Run Command id is a
    UUID too.
    """
    found: list[str] = []
    starts = starts_an_execution(step) is not None
    for key, values in (step.get("Outputs") or {}).items():
        if key in WINDOW_EXECUTION_OUTPUTS or not (starts or key.endswith("ExecutionId")):
            continue  # a window execution's id is a UUID too
        for value in values:
            if EXECUTION_ID.match(str(value)) and value not in found:
                found.append(str(value))
    return found


def starts_an_execution(step: dict[str, Any]) -> str | None:
    """The document a step starts (aws:executeAutomation, or StartAutomationExecution)."""
    inputs = step.get("Inputs") or {}
    if step.get("Action") == "aws:executeAutomation" or (
        step.get("Action") == "aws:executeAwsApi"
        and inputs.get("Api", "").lower() == "startautomationexecution"
    ):
        name = inputs.get("DocumentName")
        return str(name) if name else None
    return None


def instance_of(execution: dict[str, Any], parent: dict[str, Any] | None = None) -> str:
    """The instance a per-instance execution works on."""
    target = execution.get("Target")
    if target:
        return str(target)
    parameters = execution.get("Parameters") or {}
    names = [parent.get("TargetParameterName")] if parent else []
    names += ["InstanceId", "InstanceIdIn", *parameters]
    for name in names:
        for value in parameters.get(name or "", []):
            if INSTANCE_ID.match(str(value)):
                return str(value)
    return "?"


@dataclass
class Discovery:
    """Remembers what was found, so a follow loop does not ask again every poll."""

    aws: Aws
    by_step: dict[str, list[str]] = field(default_factory=dict)

    def launched_by(self, execution: dict[str, Any]) -> list[str]:
        """Ids of the executions the steps of ``execution`` started, in step order: those
        of a window execution a step names (the run window's) included."""
        ids: list[str] = []
        for step in execution.get("StepExecutions", []):
            key = step.get("StepExecutionId") or step.get("StepName", "")
            if key in self.by_step:
                ids.extend(self.by_step[key])
                continue
            windows = window_executions(step)
            if windows:
                # Not kept: the window goes on starting runs after the step has ended.
                for window in windows:
                    runs = window_runs(self.aws.client("ssm"), window)
                    ids.extend(i for i in runs if i not in ids)
                continue
            found = output_execution_ids(step)
            document = starts_an_execution(step)
            if not found and document and step.get("ExecutionStartTime"):
                found = self._started_while(step, document, execution["AutomationExecutionId"])
            if step.get("StepStatus") not in ("Pending", "InProgress", "Waiting"):
                self.by_step[key] = found
            ids.extend(i for i in found if i not in ids)
        return ids

    def _started_while(self, step: dict[str, Any], document: str, own_id: str) -> list[str]:
        began: datetime = step["ExecutionStartTime"] - SLACK
        ended: datetime | None = step.get("ExecutionEndTime")
        candidates = describe_executions(
            self.aws,
            [
                {"Key": "DocumentNamePrefix", "Values": [document]},
                {
                    "Key": "StartTimeAfter",
                    "Values": [began.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")],
                },
            ],
        )
        return [
            e["AutomationExecutionId"]
            for e in sorted(candidates, key=lambda e: e["ExecutionStartTime"])
            if e["DocumentName"] == document
            and e["AutomationExecutionId"] != own_id
            # Started by the step: with no parent (StartAutomationExecution), or with this
            # execution as its parent (aws:executeAutomation).
            and e.get("ParentAutomationExecutionId") in (None, own_id)
            and (ended is None or e["ExecutionStartTime"] <= ended + SLACK)
        ]

    def children(self, parent_id: str) -> list[dict[str, Any]]:
        """The rate-controlled (or aws:executeAutomation) children of an execution."""
        found = describe_executions(self.aws, [{"Key": "ParentExecutionId", "Values": [parent_id]}])
        return sorted(found, key=lambda e: e["ExecutionStartTime"])


# The outputs of the Start runbook's steps that name the run window's executions (fan_out
# window: one a wave, GetRunWindowExecution's, and Summarize's list of them): their
# invocations are the per-instance runs.
WINDOW_EXECUTION_OUTPUT = "WindowExecutionId"
WINDOW_EXECUTION_OUTPUTS = (WINDOW_EXECUTION_OUTPUT, "WindowExecutionIds")


def window_executions(step: dict[str, Any]) -> list[str]:
    """The window execution ids a step's outputs name."""
    outputs = step.get("Outputs") or {}
    return [str(v) for key in WINDOW_EXECUTION_OUTPUTS for v in outputs.get(key) or []]


def window_invocations(ssm: Any, window_execution_id: str) -> Iterator[dict[str, Any]]:
    """Every task invocation of a maintenance window execution, task by task, every page."""
    tasks = ssm.describe_maintenance_window_execution_tasks(WindowExecutionId=window_execution_id)
    pages = ssm.get_paginator("describe_maintenance_window_execution_task_invocations")
    for task in tasks["WindowExecutionTaskIdentities"]:
        for page in pages.paginate(
            WindowExecutionId=window_execution_id, TaskId=task["TaskExecutionId"]
        ):
            yield from page["WindowExecutionTaskInvocationIdentities"]


def window_runs(ssm: Any, window_execution_id: str) -> list[str]:
    """The Automation executions a maintenance window execution's tasks started, in order."""
    ids: list[str] = []
    for invocation in window_invocations(ssm, window_execution_id):
        if invocation.get("ExecutionId") and invocation["ExecutionId"] not in ids:
            ids.append(invocation["ExecutionId"])
    return ids


def step_inputs(step: dict[str, Any]) -> dict[str, Any]:
    """A step's inputs with JSON-encoded values decoded (AWS sends lists as JSON text)."""
    decoded: dict[str, Any] = {}
    for key, value in (step.get("Inputs") or {}).items():
        try:
            decoded[key] = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            decoded[key] = value
    return decoded
