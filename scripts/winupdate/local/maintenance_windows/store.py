"""SSM maintenance windows: what moto 5.2.5 lacks or answers wrongly, on moto's own store.

moto keeps windows, targets and tasks as ``FakeMaintenanceWindow`` objects in its SSM
backend; we read and change those same objects, so moto's operations (create, register,
delete) keep seeing what we update. What we fix (each pinned by a unit test citing the
SSM API reference, as modelled by botocore):

- ``DescribeMaintenanceWindowTargets`` / ``...Tasks`` honour ``Filters`` (moto answers an
  empty list to any filter; the AWS provider reads a target or task back by filtering on
  its id) and ``MaxResults``/``NextToken``; targets keep their ``OwnerInformation``; tasks
  carry ``Type``, ``CutoffBehavior`` and ``AlarmConfiguration``.
- ``GetMaintenanceWindowTask`` (missing in moto).
- ``UpdateMaintenanceWindow`` / ``...Target`` / ``...Task`` (missing in moto), with
  ``Replace`` semantics.
- ``GetMaintenanceWindow`` / ``DescribeMaintenanceWindows``: ``Enabled`` and
  ``AllowUnassociatedTargets`` are stored instead of always ``true`` / absent; the
  ``Enabled`` filter works; ``CreatedDate`` / ``ModifiedDate`` are answered.
- ``RegisterTaskWithMaintenanceWindow`` keeps ``AlarmConfiguration`` (moto reads a
  misspelt ``AlarmConfigurations``).
- ``Deregister*FromMaintenanceWindow`` answer ``DoesNotExistException`` for an unknown id
  (moto fails with an internal error).
- A task without targets refuses ``MaxConcurrency`` and ``MaxErrors``, when registered or
  updated (moto stores them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from moto.ssm.models import (
    FakeMaintenanceWindow,
    FakeMaintenanceWindowTarget,
    FakeMaintenanceWindowTask,
    SimpleSystemManagerBackend,
    ssm_backends,
)

from ..dispatch import Call, after, before, operation
from ..errors import AwsError, ValidationException

# Filter keys the API reference lists for each Describe operation, and how to read them.
TARGET_FILTERS: dict[str, Callable[[FakeMaintenanceWindowTarget], Any]] = {
    "Type": lambda t: t.resource_type,
    "WindowTargetId": lambda t: t.window_target_id,
    "OwnerInformation": lambda t: t.owner_information,
}
TASK_FILTERS: dict[str, Callable[[FakeMaintenanceWindowTask], Any]] = {
    "WindowTaskId": lambda t: t.window_task_id,
    "TaskArn": lambda t: t.task_arn,
    "Priority": lambda t: t.priority,
    "TaskType": lambda t: t.task_type,
}
WINDOW_FILTERS: dict[str, Callable[[FakeMaintenanceWindow], Any]] = {
    "Name": lambda w: w.name,
    "Enabled": lambda w: _window_enabled(w),
}

# Fields an Update...(Replace=true) sets to null when the request omits them.
WINDOW_UPDATABLE = {
    "Name": "name",
    "Description": "description",
    "StartDate": "start_date",
    "EndDate": "end_date",
    "Schedule": "schedule",
    "ScheduleTimezone": "schedule_timezone",
    "ScheduleOffset": "schedule_offset",
    "Duration": "duration",
    "Cutoff": "cutoff",
    "AllowUnassociatedTargets": "allow_unassociated_targets",
    "Enabled": "enabled",
}
WINDOW_REQUIRED = {"Name", "Schedule", "Duration", "Cutoff", "AllowUnassociatedTargets"}
TARGET_UPDATABLE = {
    "Targets": "targets",
    "OwnerInformation": "owner_information",
    "Name": "name",
    "Description": "description",
}
TASK_UPDATABLE = {
    "Targets": "targets",
    "TaskArn": "task_arn",
    "ServiceRoleArn": "service_role_arn",
    "TaskParameters": "task_parameters",
    "TaskInvocationParameters": "task_invocation_parameters",
    "Priority": "priority",
    "MaxConcurrency": "max_concurrency",
    "MaxErrors": "max_errors",
    "LoggingInfo": "logging_info",
    "Name": "name",
    "Description": "description",
    "CutoffBehavior": "cutoff_behavior",
    "AlarmConfiguration": "alarm_configurations",
}
TASK_REQUIRED = {"TaskArn"}


# -- the store ------------------------------------------------------------------------
def _backend(call: Call) -> SimpleSystemManagerBackend:
    return ssm_backends[call.account_id][call.region]


def _window(call: Call) -> FakeMaintenanceWindow:
    window_id = call.params.get("WindowId")
    window = _backend(call).windows.get(window_id)
    if window is None:
        raise AwsError("DoesNotExistException", f"Maintenance window {window_id} does not exist")
    return window


def _target(call: Call) -> FakeMaintenanceWindowTarget:
    return _registered(call, "target", "WindowTargetId")


def _task(call: Call) -> FakeMaintenanceWindowTask:
    return _registered(call, "task", "WindowTaskId")


def _registered(call: Call, kind: str, id_member: str) -> Any:
    """The window's target or task (``kind``) whose id the request's ``id_member`` names."""
    window = _window(call)
    item_id = call.params.get(id_member)
    item = getattr(window, f"{kind}s").get(item_id)
    if item is None:
        raise AwsError(
            "DoesNotExistException",
            f"Maintenance window {kind} {item_id} does not exist in window {window.id}",
        )
    return item


def _window_enabled(window: FakeMaintenanceWindow) -> bool:
    return getattr(window, "enabled", True)


def _now(call: Call) -> float:
    return call.aws.clock.now()


# -- response shapes (botocore's SSM model) ---------------------------------------------
def _compact(fields: dict[str, Any]) -> dict[str, Any]:
    """Drop members we have no value for: AWS omits them rather than sending null."""
    return {k: v for k, v in fields.items() if v is not None}


def window_identity(window: FakeMaintenanceWindow) -> dict[str, Any]:
    """A ``MaintenanceWindowIdentity``."""
    return _compact(
        {
            "WindowId": window.id,
            "Name": window.name,
            "Description": window.description,
            "Enabled": _window_enabled(window),
            "Duration": window.duration,
            "Cutoff": window.cutoff,
            "Schedule": window.schedule,
            "ScheduleTimezone": window.schedule_timezone,
            "ScheduleOffset": window.schedule_offset,
            "EndDate": window.end_date,
            "StartDate": window.start_date,
        }
    )


def window_description(window: FakeMaintenanceWindow) -> dict[str, Any]:
    """``GetMaintenanceWindow``'s output."""
    return _compact(
        {
            **window_identity(window),
            "AllowUnassociatedTargets": getattr(window, "allow_unassociated_targets", False),
            "CreatedDate": getattr(window, "created_date", None),
            "ModifiedDate": getattr(window, "modified_date", None),
        }
    )


def target_description(target: FakeMaintenanceWindowTarget) -> dict[str, Any]:
    """A ``MaintenanceWindowTarget``."""
    return _compact(
        {
            "WindowId": target.window_id,
            "WindowTargetId": target.window_target_id,
            "ResourceType": target.resource_type,
            "Targets": target.targets,
            "OwnerInformation": target.owner_information,
            "Name": target.name,
            "Description": target.description,
        }
    )


def task_summary(task: FakeMaintenanceWindowTask) -> dict[str, Any]:
    """A ``MaintenanceWindowTask`` (Describe...Tasks): its type is ``Type``, not ``TaskType``."""
    return _compact(
        {
            "WindowId": task.window_id,
            "WindowTaskId": task.window_task_id,
            "TaskArn": task.task_arn,
            "Type": task.task_type,
            "Targets": task.targets,
            "TaskParameters": task.task_parameters,
            "Priority": task.priority,
            "LoggingInfo": task.logging_info,
            "ServiceRoleArn": task.service_role_arn,
            "MaxConcurrency": task.max_concurrency,
            "MaxErrors": task.max_errors,
            "Name": task.name,
            "Description": task.description,
            "CutoffBehavior": task.cutoff_behavior,
            "AlarmConfiguration": task.alarm_configurations,
        }
    )


def task_description(task: FakeMaintenanceWindowTask) -> dict[str, Any]:
    """``GetMaintenanceWindowTask``'s output (and ``UpdateMaintenanceWindowTask``'s)."""
    summary = task_summary(task)
    summary.pop("Type")
    return _compact(
        {
            **summary,
            "TaskType": task.task_type,
            "TaskInvocationParameters": task.task_invocation_parameters,
        }
    )


# -- filters and pages --------------------------------------------------------------------
def _filtered(items: Iterable[Any], filters: list[dict[str, Any]] | None, keys: dict) -> list:
    """Items matching every filter: a filter matches when the item's value is in its Values."""
    selected = list(items)
    for flt in filters or []:
        key = flt.get("Key")
        if key not in keys:
            raise ValidationException(
                f"Filter key {key!r} is not supported; supported keys: {', '.join(keys)}"
            )
        values = {str(v).lower() for v in flt.get("Values") or []}
        selected = [item for item in selected if str(keys[key](item)).lower() in values]
    return selected


def page(
    call: Call,
    items: list[Any],
    member: str,
    render: Callable,
    lock: AbstractContextManager[Any] | None = None,
) -> dict[str, Any]:
    """One page of ``items`` under ``member`` (``MaxResults``/``NextToken``), rendered.

    The maintenance window execution APIs page the same way; they pass their store's
    ``lock``, held while the items are rendered.
    """
    max_results = call.params.get("MaxResults")
    try:
        start = int(call.params.get("NextToken") or 0)
    except ValueError as err:
        raise ValidationException("The NextToken is not valid") from err
    end = len(items) if not max_results else start + int(max_results)
    with lock if lock is not None else nullcontext():
        result: dict[str, Any] = {member: [render(item) for item in items[start:end]]}
    if end < len(items):
        result["NextToken"] = str(end)
    return result


def _apply_update(call: Call, obj: Any, fields: dict[str, str], required: set[str]) -> None:
    """Set the fields the request carries; with ``Replace=true`` null the optional rest."""
    replace = bool(call.params.get("Replace"))
    if replace:
        missing = sorted(k for k in required if call.params.get(k) is None)
        if missing:
            raise ValidationException(
                f"Replace=true requires every field the create operation requires: "
                f"missing {', '.join(missing)}"
            )
    for member, attribute in fields.items():
        if member in call.params:
            setattr(obj, attribute, call.params[member])
        elif replace:
            setattr(obj, attribute, None)


# -- windows --------------------------------------------------------------------------------
@after("ssm", "CreateMaintenanceWindow")
def remember_window_fields(call: Call, status: int, body: bytes) -> None:
    """Keep what moto drops at creation: ``AllowUnassociatedTargets``, the creation date."""
    if status != 200:
        return
    window = _backend(call).windows.get(json.loads(body).get("WindowId"))
    if window is not None:
        window.allow_unassociated_targets = bool(call.params.get("AllowUnassociatedTargets"))
        window.enabled = True
        window.created_date = window.modified_date = _now(call)


def _with_next_execution(call: Call, window: FakeMaintenanceWindow, shape: dict) -> dict:
    """NextExecutionTime: "the next time the maintenance window will actually run, taking
    into account any specified times for the maintenance window to become active or
    inactive" (none for a disabled window, or one with no run to come)."""
    from .schedule import api_time
    from .scheduler import scheduler_of

    scheduler = scheduler_of(call.aws)
    when = (
        scheduler.next_execution_time(call.account_id, call.region, window.id)
        if scheduler is not None
        else None
    )
    if when is not None:
        shape["NextExecutionTime"] = api_time(when)
    return shape


@operation("ssm", "GetMaintenanceWindow")
def get_maintenance_window(call: Call) -> dict[str, Any]:
    window = _window(call)
    return _with_next_execution(call, window, window_description(window))


@operation("ssm", "DescribeMaintenanceWindows")
def describe_maintenance_windows(call: Call) -> dict[str, Any]:
    windows = _filtered(_backend(call).windows.values(), call.params.get("Filters"), WINDOW_FILTERS)
    return page(
        call,
        windows,
        "WindowIdentities",
        lambda window: _with_next_execution(call, window, window_identity(window)),
    )


@before("ssm", "CreateMaintenanceWindow")
@before("ssm", "UpdateMaintenanceWindow")
def refuse_schedules_aws_refuses(call: Call) -> None:
    """A Schedule, ScheduleTimezone, ScheduleOffset or StartDate/EndDate that Systems
    Manager would not run (Reference: Cron and rate expressions for Systems Manager), or a
    Cutoff not shorter than the Duration, is a ValidationException, as AWS answers it,
    rather than a window that never runs."""
    from .schedule import ScheduleError, WindowSchedule

    params = call.params
    current = _backend(call).windows.get(params.get("WindowId")) if "WindowId" in params else None

    def value(member: str) -> Any:
        if member in params or current is None or params.get("Replace"):
            return params.get(member)
        return getattr(current, WINDOW_UPDATABLE[member])

    duration, cutoff = value("Duration"), value("Cutoff")
    if isinstance(duration, int) and isinstance(cutoff, int) and cutoff >= duration:
        # AWS's answer, as users report it (awsdocs/aws-cloudformation-user-guide#891:
        # "Cuttoff was 12 but must be smaller than 5"); its exact bound is not documented,
        # a cutoff of the whole duration or more is refused at least: no task could start.
        raise ValidationException(f"Cutoff was {cutoff} but must be smaller than {duration}")
    schedule = value("Schedule")
    if schedule is None:
        return  # Replace without a Schedule is refused by _apply_update
    try:
        WindowSchedule.of(
            schedule,
            timezone=value("ScheduleTimezone"),
            offset=value("ScheduleOffset"),
            start_date=value("StartDate"),
            end_date=value("EndDate"),
            since=_now(call),
        )
    except ScheduleError as err:
        raise ValidationException(str(err)) from err


@after("ssm", "CreateMaintenanceWindow")
@after("ssm", "DeleteMaintenanceWindow")
def reschedule(call: Call, status: int, body: bytes) -> None:
    _schedules_changed(call)


def _schedules_changed(call: Call) -> None:
    from .scheduler import scheduler_of

    scheduler = scheduler_of(call.aws)
    if scheduler is not None:
        scheduler.changed()


@operation("ssm", "UpdateMaintenanceWindow")
def update_maintenance_window(call: Call) -> dict[str, Any]:
    window = _window(call)
    _apply_update(call, window, WINDOW_UPDATABLE, WINDOW_REQUIRED)
    if getattr(window, "enabled", None) is None:
        window.enabled = True
    window.modified_date = _now(call)
    _schedules_changed(call)
    description = window_description(window)
    for member in ("CreatedDate", "ModifiedDate"):
        description.pop(member, None)
    return description


# -- targets --------------------------------------------------------------------------------
@operation("ssm", "DescribeMaintenanceWindowTargets")
def describe_maintenance_window_targets(call: Call) -> dict[str, Any]:
    window = _window(call)
    targets = _filtered(window.targets.values(), call.params.get("Filters"), TARGET_FILTERS)
    return page(call, targets, "Targets", target_description)


@operation("ssm", "UpdateMaintenanceWindowTarget")
def update_maintenance_window_target(call: Call) -> dict[str, Any]:
    target = _target(call)
    _apply_update(call, target, TARGET_UPDATABLE, set())
    description = target_description(target)
    description.pop("ResourceType")  # not a member of UpdateMaintenanceWindowTargetResult
    return description


@operation("ssm", "DeregisterTargetFromMaintenanceWindow")
def deregister_target(call: Call) -> dict[str, Any]:
    target = _target(call)
    safe = call.params.get("Safe")
    if safe:
        users = [
            task.window_task_id
            for task in _window(call).tasks.values()
            if any(
                target.window_target_id in (t.get("Values") or [])
                for t in task.targets or []
                if t.get("Key") == "WindowTargetIds"
            )
        ]
        if users:
            raise AwsError(
                "TargetInUseException",
                f"Target {target.window_target_id} is referenced by task(s) {', '.join(users)}",
            )
    del _window(call).targets[target.window_target_id]
    return {"WindowId": target.window_id, "WindowTargetId": target.window_target_id}


# -- tasks ----------------------------------------------------------------------------------
@after("ssm", "RegisterTaskWithMaintenanceWindow")
def remember_task_fields(call: Call, status: int, body: bytes) -> None:
    """moto reads ``AlarmConfigurations``; the API's member is ``AlarmConfiguration``."""
    if status != 200:
        return
    window = _backend(call).windows.get(call.params.get("WindowId"))
    task = window.tasks.get(json.loads(body).get("WindowTaskId")) if window else None
    if task is not None:
        task.alarm_configurations = call.params.get("AlarmConfiguration")


@before("ssm", "RegisterTaskWithMaintenanceWindow")
def refuse_rate_controls_without_targets(call: Call) -> None:
    _refuse_rate_controls_if_targetless(call, call.params.get("Targets"))


@before("ssm", "UpdateMaintenanceWindowTask")
def refuse_rate_controls_on_a_targetless_update(call: Call) -> None:
    if "Targets" in call.params:
        targets = call.params["Targets"]
    elif call.params.get("Replace"):
        targets = None  # Replace nulls what the request leaves out
    else:
        targets = _task(call).targets
    _refuse_rate_controls_if_targetless(call, targets)


def _refuse_rate_controls_if_targetless(call: Call, targets: Any) -> None:
    """maintenance-windows-targetless-tasks.md: "For maintenance window tasks without a
    target specified, you can't supply values for --max-errors and --max-concurrency".
    The message is AWS's (as reported in terraform-provider-aws issue 19396)."""
    if targets:
        return
    refused = [
        f"Maintenance window tasks without targets do not support {member} values."
        for member in ("MaxErrors", "MaxConcurrency")
        if call.params.get(member) is not None
    ]
    if refused:
        raise ValidationException(" ".join(refused))


@operation("ssm", "DescribeMaintenanceWindowTasks")
def describe_maintenance_window_tasks(call: Call) -> dict[str, Any]:
    window = _window(call)
    tasks = _filtered(window.tasks.values(), call.params.get("Filters"), TASK_FILTERS)
    return page(call, tasks, "Tasks", task_summary)


@operation("ssm", "GetMaintenanceWindowTask")
def get_maintenance_window_task(call: Call) -> dict[str, Any]:
    return task_description(_task(call))


@operation("ssm", "UpdateMaintenanceWindowTask")
def update_maintenance_window_task(call: Call) -> dict[str, Any]:
    task = _task(call)
    _apply_update(call, task, TASK_UPDATABLE, TASK_REQUIRED)
    description = task_description(task)
    description.pop("TaskType")
    return description


@operation("ssm", "DeregisterTaskFromMaintenanceWindow")
def deregister_task(call: Call) -> dict[str, Any]:
    task = _task(call)
    del _window(call).tasks[task.window_task_id]
    return {"WindowId": task.window_id, "WindowTaskId": task.window_task_id}
