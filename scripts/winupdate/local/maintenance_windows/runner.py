"""Running a maintenance window now: tasks by priority, invocations per target.

What AWS documents (botocore's SSM model, RegisterTaskWithMaintenanceWindow and
CreateMaintenanceWindow; user guide mw-cli-register-tasks-parameters.md and
maintenance-windows-targetless-tasks.md), and so what this runner does:

- Priority: "the lower the number the higher the priority. Tasks in a maintenance
  window are scheduled in priority order with tasks that have the same priority
  scheduled in parallel." A priority group starts when the one before it has ended.
- Cutoff: "the number of hours before the end of the maintenance window that Systems
  Manager stops scheduling new tasks": no task starts at or after
  ``start + (Duration - Cutoff) h``; the window then ends ``TIMED_OUT``.
- CutoffBehavior: ``CONTINUE_TASK`` (the default) lets a running task go on starting
  invocations; ``CANCEL_TASK`` (Automation) lets running invocations end but starts no
  new one, and "the status for tasks that are not completed is TIMED_OUT".
- MaxConcurrency / MaxErrors (numbers or percentages of the targets): at most that many
  invocations at once; "the maximum number of errors allowed before this task stops being
  scheduled", counted as Run Command and Automation count it (the error after the
  allowed number stops the task). A targetless task runs once; its placeholder values
  "don't affect the running of your task".
- Pseudo parameters in the Automation parameters are replaced per invocation.
- CancelMaintenanceWindowExecution "cancels any tasks in the window that haven't already
  starting running. Tasks already in progress will continue to completion."
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from moto.ssm.models import FakeMaintenanceWindow, FakeMaintenanceWindowTask

from ..automation.runner import limit
from ..errors import AwsError
from .models import (
    ERRORS,
    FROM_AUTOMATION,
    Invocation,
    RunStatus,
    Target,
    TaskExecution,
    WindowExecution,
    new_id,
)
from .targets import TargetError, task_targets

if TYPE_CHECKING:
    from ..automation.service import AutomationService
    from .models import RunStore

Runner = Generator[float, None, None]
# The runner sleeps this long unless an invocation's end (or the cutoff) wakes it first.
IDLE_SECONDS = 300.0
# ``{{RESOURCE_ID}}`` and ``{{ RESOURCE_ID }}``; other ``{{...}}`` are left to the runbook.
PSEUDO = re.compile(r"\{\{\s*([A-Z_]+)\s*\}\}")
# The service-linked role a task without ServiceRoleArn runs as (sysman-maintenance-permissions).
SERVICE_LINKED_ROLE = (
    "arn:aws:iam::{account}:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM"
)


def engine_key(run: WindowExecution) -> str:
    # Automation execution ids are bare UUIDs too: keep the engine's keys apart.
    return f"maintenance-window:{run.window_execution_id}"


def run_window(
    svc: AutomationService,
    store: RunStore,
    run: WindowExecution,
    window: FakeMaintenanceWindow,
) -> Runner:
    """The engine runner of one window execution."""
    try:
        yield from _run(svc, store, run, window)
    except Exception as err:  # a bug of ours must still end the window execution
        traceback.print_exc()
        with store.lock:
            run.status, run.end = RunStatus.FAILED, svc.now()
            run.status_details = f"Internal error of the embedded AWS: {err}"


def _run(
    svc: AutomationService, store: RunStore, run: WindowExecution, window: FakeMaintenanceWindow
) -> Runner:
    with store.lock:
        if not run.cancel_requested:
            run.status = RunStatus.IN_PROGRESS
    # The tasks registered when the window starts: a task registered or deregistered
    # meanwhile does not change this run (and the dict is not read while others edit it).
    registered = list(window.tasks.values())
    groups = sorted({_priority(t) for t in registered})
    not_started = 0
    for priority in groups:
        definitions = [t for t in registered if _priority(t) == priority]
        if run.cancel_requested or svc.now() >= run.stop_scheduling_at:
            not_started = sum(1 for t in registered if _priority(t) >= priority)
            break
        tasks = [_start_task(svc, store, run, window, d) for d in definitions]
        while True:
            for task in tasks:
                if not task.is_terminal:
                    _advance(svc, store, run, task)
            if all(task.is_terminal for task in tasks):
                break
            now = svc.now()
            wake = now + IDLE_SECONDS
            if now < run.stop_scheduling_at:
                wake = min(wake, run.stop_scheduling_at)
            yield wake
    _finish(svc, store, run, not_started)


def _priority(task: FakeMaintenanceWindowTask) -> int:
    return int(task.priority or 0)


def _start_task(
    svc: AutomationService,
    store: RunStore,
    run: WindowExecution,
    window: FakeMaintenanceWindow,
    definition: FakeMaintenanceWindowTask,
) -> TaskExecution:
    # The task as registered now: a later UpdateMaintenanceWindowTask does not change it.
    task = TaskExecution(
        task_execution_id=new_id(),
        window_execution_id=run.window_execution_id,
        window_task_id=definition.window_task_id,
        task_arn=definition.task_arn,
        task_type=definition.task_type,
        priority=_priority(definition),
        service_role=definition.service_role_arn,
        max_concurrency=definition.max_concurrency,
        max_errors=definition.max_errors,
        cutoff_behavior=definition.cutoff_behavior or "CONTINUE_TASK",
        alarm_configuration=getattr(definition, "alarm_configurations", None),
        invocation_parameters=dict(definition.task_invocation_parameters or {}),
        start=svc.now(),
        status=RunStatus.IN_PROGRESS,
    )
    with store.lock:
        run.tasks.append(task)
    if task.task_type != "AUTOMATION":
        _end_task(
            svc,
            store,
            task,
            RunStatus.FAILED,
            f"Task type {task.task_type} is not supported by the embedded AWS; "
            "only AUTOMATION tasks run.",
        )
        return task
    try:
        task.targets = task_targets(window, definition, run.account_id, run.region)
    except (TargetError, AwsError) as err:
        message = err.message if isinstance(err, AwsError) else str(err)
        _end_task(svc, store, task, RunStatus.FAILED, message)
        return task
    task.pending = [None] if task.targets is None else list(task.targets)
    return task


def _advance(
    svc: AutomationService, store: RunStore, run: WindowExecution, task: TaskExecution
) -> None:
    """Collect ended invocations, start the ones the limits allow, end the task when done."""
    for invocation in list(task.running):
        execution = svc.get(invocation.execution_id or "")
        with store.lock:
            invocation.status = FROM_AUTOMATION.get(execution.status, RunStatus.IN_PROGRESS)
            if not execution.is_terminal:
                continue
            invocation.end = execution.end
            invocation.status_details = str(execution.status) + (
                f": {execution.failure_message}" if execution.failure_message else ""
            )
        task.running.remove(invocation)
        _count(task, invocation)
    targetless = task.targets is None
    total = 1 if targetless else len(task.targets or [])
    concurrency = 1 if targetless else max(1, limit(task.max_concurrency, total, 1) or 1)
    max_errors = None if targetless else limit(task.max_errors, total, None)
    while task.pending and len(task.running) < concurrency:
        if max_errors is not None and task.errors > max_errors:
            task.halted = True
            break
        if task.cutoff_behavior == "CANCEL_TASK" and svc.now() >= run.stop_scheduling_at:
            task.cut_off = True
            break
        _invoke(svc, store, run, task, task.pending.pop(0))
    if task.running or (task.pending and not (task.halted or task.cut_off)):
        return
    ran = len(task.invocations)
    if task.cut_off and task.pending:
        status = RunStatus.TIMED_OUT
        message = (
            f"The maintenance window cutoff was reached (CANCEL_TASK): {len(task.pending)} "
            f"of {total} target(s) not run."
        )
    elif task.errors:
        status = RunStatus.FAILED
        message = f"{task.errors} of {ran} invocation(s) failed."
        if task.halted and task.pending:
            message += (
                f" MaxErrors ({task.max_errors}) was exceeded: {len(task.pending)} target(s) "
                "not run."
            )
    else:
        status, message = RunStatus.SUCCESS, None
    _end_task(svc, store, task, status, message)


def _count(task: TaskExecution, invocation: Invocation) -> None:
    if invocation.status in ERRORS:
        task.errors += 1


def _invoke(
    svc: AutomationService,
    store: RunStore,
    run: WindowExecution,
    task: TaskExecution,
    target: Target | None,
) -> None:
    invocation_id = new_id()
    automation = task.invocation_parameters.get("Automation") or {}
    values = _pseudo_values(run, task, invocation_id, target)
    parameters = {
        name: [_substitute(str(v), values) for v in (given or [])]
        for name, given in (automation.get("Parameters") or {}).items()
    }
    version = automation.get("DocumentVersion")
    invocation = Invocation(
        invocation_id=invocation_id,
        window_execution_id=run.window_execution_id,
        task_execution_id=task.task_execution_id,
        task_type=task.task_type,
        parameters=json.dumps(
            {"DocumentVersion": version, "Parameters": parameters}
            if version
            else {"Parameters": parameters}
        ),
        target=target,
        start=svc.now(),
    )
    with store.lock:
        task.invocations.append(invocation)
    try:
        caller_key = _task_session(svc, run, task)
        svc.aws.service("iam").authorize(
            caller_key,
            "ssm",
            "StartAutomationExecution",
            run.region,
            {"DocumentName": task.task_arn, "DocumentVersion": version},
        )
        execution = svc.start_execution(
            account_id=run.account_id,
            region=run.region,
            document_name=task.task_arn,
            document_version=version,
            parameters=parameters,
            executed_by=task.service_role or SERVICE_LINKED_ROLE.format(account=run.account_id),
            caller_key=caller_key,
        )
    except AwsError as err:
        # AWS records the invocation and its failure; the task goes on with the others.
        with store.lock:
            invocation.status, invocation.end = RunStatus.FAILED, svc.now()
            invocation.status_details = f"{err.code}: {err.message}"
        _count(task, invocation)
        return
    with store.lock:
        invocation.execution_id = execution.execution_id
        invocation.status = RunStatus.IN_PROGRESS
    task.running.append(invocation)
    svc.wake_when_finished(execution.execution_id, engine_key(run))


def _task_session(svc: Any, run: WindowExecution, task: TaskExecution) -> str | None:
    """The window starts a task's runbooks as the task's service role (mw-cli-task-options:
    ServiceRoleArn); without one, as Systems Manager's service-linked role, which the
    embedded AWS does not restrict."""
    if not task.service_role:
        return None
    if task.session_key is None:
        from ..automation.exceptions import InvalidAutomationExecutionParametersException
        from ..iam.service_roles import CannotAssume, assume_for_service

        try:
            task.session_key = assume_for_service(
                svc.aws.service("iam"),
                caller_key=None,
                caller_service="ssm",
                service_principal="ssm.amazonaws.com",
                role_arn=task.service_role,
                source_arn=f"arn:aws:ssm:{run.region}:{run.account_id}:maintenancewindow/{run.window_id}",
                session_name=task.task_execution_id,
                region=run.region,
            )
        except CannotAssume as err:
            raise InvalidAutomationExecutionParametersException(
                f"The task's service role {task.service_role}: {err}"
            ) from err
    return task.session_key


def _pseudo_values(
    run: WindowExecution, task: TaskExecution, invocation_id: str, target: Target | None
) -> dict[str, str]:
    values = {
        "WINDOW_ID": run.window_id,
        "WINDOW_EXECUTION_ID": run.window_execution_id,
        "WINDOW_TASK_ID": task.window_task_id,
        "TASK_EXECUTION_ID": task.task_execution_id,
        "INVOCATION_ID": invocation_id,
    }
    if target is not None:
        values.update(
            RESOURCE_ID=target.resource_id,
            TARGET_ID=target.target_id,
            TARGET_TYPE=target.target_type,
        )
        if target.window_target_id:
            values["WINDOW_TARGET_ID"] = target.window_target_id
    return values


def _substitute(text: str, values: dict[str, str]) -> str:
    # A pseudo parameter with no value here (a targetless task's RESOURCE_ID) stays as
    # written: the runbook sees what it was given rather than an invented value.
    return PSEUDO.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _end_task(
    svc: AutomationService,
    store: RunStore,
    task: TaskExecution,
    status: RunStatus,
    message: str | None,
) -> None:
    with store.lock:
        task.status, task.status_details, task.end = status, message, svc.now()


def _finish(
    svc: AutomationService, store: RunStore, run: WindowExecution, not_started: int
) -> None:
    statuses = {task.status for task in run.tasks}
    if run.cancel_requested:
        status, message = RunStatus.CANCELLED, "The maintenance window execution was cancelled."
    elif not_started:
        status = RunStatus.TIMED_OUT
        message = f"The maintenance window cutoff was reached: {not_started} task(s) not started."
    elif RunStatus.TIMED_OUT in statuses:
        status, message = RunStatus.TIMED_OUT, "One or more tasks timed out."
    elif statuses & {RunStatus.FAILED, RunStatus.CANCELLED}:
        status, message = RunStatus.FAILED, "One or more tasks failed."
    else:
        status = RunStatus.SUCCESS
        message = None if run.tasks else "No tasks to run."
    with store.lock:
        run.status, run.status_details, run.end = status, message, svc.now()
