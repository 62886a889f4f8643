"""The maintenance window execution APIs, answered from our records, and the control
that runs a window now (``POST /_winupdate/maintenance-windows/run``).

Shapes are botocore's SSM output shapes; unknown ids answer ``DoesNotExistException``
("the ID specified for a resource, such as a maintenance window ..., doesn't exist").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ssm.models import FakeMaintenanceWindow, ssm_backends

from ..dispatch import Call, control, operation
from ..errors import AwsError, ValidationException
from .models import RunStatus, TaskExecution, WindowExecution, new_id, store_of
from .runner import engine_key, run_window
from .store import page

if TYPE_CHECKING:
    from ..server import EmbeddedAws

HOUR = 3600.0
STATUS_FILTER = "STATUS"


# -- starting ---------------------------------------------------------------------------
def start_window_execution(
    aws: EmbeddedAws, account_id: str, region: str, window_id: str, start: float | None = None
) -> WindowExecution:
    """Start a window execution now; it runs on the Automation engine's modelled clock.

    ``start``: the time the window opened (a scheduled time, which the clock may have just
    passed); its StartTime and cutoff count from it. Default: now."""
    window = _window(account_id, region, window_id)
    store = store_of(aws)
    automation = aws.service("automation")
    now = aws.clock.now()
    opened = now if start is None else min(start, now)
    duration, cutoff = float(window.duration or 0), float(window.cutoff or 0)
    run = WindowExecution(
        window_execution_id=new_id(),
        window_id=window.id,
        account_id=account_id,
        region=region,
        start=opened,
        stop_scheduling_at=opened + max(0.0, duration - cutoff) * HOUR,
    )
    with store.lock:
        overlapping = any(not r.is_terminal for r in store.of_window(window.id))
        if overlapping:
            # The status AWS gives a run that would start while the last one still runs.
            run.status, run.end = RunStatus.SKIPPED_OVERLAPPING, now
            run.status_details = "The previous execution of the window is still running."
        store.add(run)
    if not overlapping:
        automation.engine.submit(engine_key(run), run_window(automation, store, run, window))
    return run


@control("POST", "maintenance-windows/run")
def run_maintenance_window(aws: EmbeddedAws, params: dict[str, Any]) -> dict[str, Any]:
    """``{"WindowId": "mw-..."}`` (optional ``Region``) -> ``{"WindowExecutionId": ...}``."""
    run = start_window_execution(
        aws, DEFAULT_ACCOUNT_ID, params.get("Region") or aws.region, params["WindowId"]
    )
    return {"WindowExecutionId": run.window_execution_id, "Status": str(run.status)}


@control("POST", "maintenance-windows/schedules")
def maintenance_window_schedules(aws: EmbeddedAws, params: dict[str, Any]) -> dict[str, Any]:
    """How schedules drive the clock (``scheduler``): ``FollowUntil`` (virtual time: an ISO
    8601 time or epoch seconds up to which scheduled times are events the clock jumps to;
    null: none), ``Paused`` (any clock: scheduled times pass without starting anything).
    Answers the settings and the executions schedules have started."""
    from .scheduler import scheduler_of

    scheduler = scheduler_of(aws)
    if scheduler is None:
        raise ValueError("the embedded AWS runs no maintenance window scheduler")
    scheduler.apply_settings(params)
    with scheduler.lock:
        started = list(scheduler.started)
    return {"FollowUntil": scheduler.follow_until, "Paused": scheduler.paused, "Started": started}


# -- lookups ------------------------------------------------------------------------------
def _window(account_id: str, region: str, window_id: str | None) -> FakeMaintenanceWindow:
    window = ssm_backends[account_id][region].windows.get(window_id)
    if window is None:
        raise AwsError("DoesNotExistException", f"Maintenance window {window_id} does not exist")
    return window


def _run(call: Call) -> WindowExecution:
    run_id = call.params.get("WindowExecutionId")
    run = store_of(call.aws).get(run_id or "")
    if run is None or (run.account_id, run.region) != (call.account_id, call.region):
        raise AwsError(
            "DoesNotExistException", f"Maintenance window execution {run_id} does not exist"
        )
    return run


def _task(call: Call) -> TaskExecution:
    run = _run(call)
    task_id = call.params.get("TaskId")
    task = run.task(task_id or "")
    if task is None:
        raise AwsError(
            "DoesNotExistException",
            f"Task execution {task_id} does not exist in window execution "
            f"{run.window_execution_id}",
        )
    return task


# -- filters and pages ----------------------------------------------------------------------
def _by_status(items: list[Any], filters: list[dict[str, Any]] | None) -> list[Any]:
    """The tasks/invocations filters: "The supported filter key is STATUS"."""
    for flt in filters or []:
        if flt.get("Key") != STATUS_FILTER:
            raise ValidationException(
                f"Filter key {flt.get('Key')!r} is not supported; the supported key is STATUS"
            )
        wanted = {str(v).upper() for v in flt.get("Values") or []}
        items = [item for item in items if str(item.status) in wanted]
    return items


def _executed(runs: list[WindowExecution], filters: list[dict[str, Any]] | None) -> list:
    """ "Supported keys include ExecutedBefore and ExecutedAfter", ISO 8601 values."""
    for flt in filters or []:
        key = flt.get("Key")
        if key not in ("ExecutedBefore", "ExecutedAfter"):
            raise ValidationException(
                f"Filter key {key!r} is not supported; supported keys: ExecutedBefore, "
                "ExecutedAfter"
            )
        for value in flt.get("Values") or []:
            try:
                at = datetime.fromisoformat(str(value)).timestamp()
            except ValueError as err:
                raise ValidationException(
                    f"Filter {key} value {value!r} is not an ISO 8601 date/time"
                ) from err
            if key == "ExecutedBefore":
                runs = [r for r in runs if r.start < at]
            else:
                runs = [r for r in runs if r.start > at]
    return runs


def _page(call: Call, items: list[Any], member: str, render: Callable) -> dict[str, Any]:
    return page(call, items, member, render, _lock(call))


def _page_by_status(call: Call, items: list[Any], member: str, render: Callable) -> dict[str, Any]:
    """A page of a run's tasks or a task's invocations, after the STATUS filter."""
    with _lock(call):
        items = list(items)
    return _page(call, _by_status(items, call.params.get("Filters")), member, render)


def _lock(call: Call) -> Any:
    # Runner threads change the records while a request reads them.
    return store_of(call.aws).lock


# -- operations -----------------------------------------------------------------------------
@operation("ssm", "DescribeMaintenanceWindowExecutions")
def describe_maintenance_window_executions(call: Call) -> dict[str, Any]:
    window = _window(call.account_id, call.region, call.params.get("WindowId"))
    runs = _executed(store_of(call.aws).of_window(window.id), call.params.get("Filters"))
    # Newest first, as the console lists them.
    runs.sort(key=lambda r: r.start, reverse=True)
    return _page(call, runs, "WindowExecutions", WindowExecution.summary)


@operation("ssm", "GetMaintenanceWindowExecution")
def get_maintenance_window_execution(call: Call) -> dict[str, Any]:
    run = _run(call)
    with _lock(call):
        return run.description()


@operation("ssm", "DescribeMaintenanceWindowExecutionTasks")
def describe_maintenance_window_execution_tasks(call: Call) -> dict[str, Any]:
    run = _run(call)
    return _page_by_status(call, run.tasks, "WindowExecutionTaskIdentities", TaskExecution.identity)


@operation("ssm", "GetMaintenanceWindowExecutionTask")
def get_maintenance_window_execution_task(call: Call) -> dict[str, Any]:
    task = _task(call)
    with _lock(call):
        return task.description()


@operation("ssm", "DescribeMaintenanceWindowExecutionTaskInvocations")
def describe_maintenance_window_execution_task_invocations(call: Call) -> dict[str, Any]:
    task = _task(call)
    return _page_by_status(
        call,
        task.invocations,
        "WindowExecutionTaskInvocationIdentities",
        lambda invocation: invocation.to_api(),
    )


@operation("ssm", "GetMaintenanceWindowExecutionTaskInvocation")
def get_maintenance_window_execution_task_invocation(call: Call) -> dict[str, Any]:
    task = _task(call)
    invocation_id = call.params.get("InvocationId")
    with _lock(call):
        invocation = next((i for i in task.invocations if i.invocation_id == invocation_id), None)
        if invocation is None:
            raise AwsError(
                "DoesNotExistException",
                f"Invocation {invocation_id} does not exist in task execution "
                f"{task.task_execution_id}",
            )
        return invocation.to_api()


@operation("ssm", "CancelMaintenanceWindowExecution")
def cancel_maintenance_window_execution(call: Call) -> dict[str, Any]:
    """Tasks not started are cancelled; "tasks already in progress will continue to
    completion"; the execution is CANCELLING until they have."""
    run = _run(call)
    with _lock(call):
        if not run.is_terminal:
            run.cancel_requested = True
            run.status = RunStatus.CANCELLING
            wake = True
        else:
            wake = False
    if wake:
        call.aws.service("automation").engine.wake(engine_key(run))
    return {"WindowExecutionId": run.window_execution_id}
