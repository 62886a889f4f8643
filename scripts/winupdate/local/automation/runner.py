"""Running one execution: the step loop and, for rate control, the parent over its targets.

The engine, not the action, decides what runs next (``onFailure``, ``nextStep``,
``isEnd``, ``maxAttempts``), as automation-actions.md describes the shared properties.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from .context import ActionResult, StepCancelled, StepContext, StepFailed, StepTimedOut
from .exceptions import AutomationExecutionLimitExceededException
from .models import Execution, StepRecord
from .rate_control import Ramp
from .registry import implementation
from .runbook import Step
from .selectors import OutputTypeError, SelectorError, api_output, select, typed_output
from .statuses import ERRORS, Status
from .variables import UnresolvedVariable, substitute

if TYPE_CHECKING:
    from .service import AutomationService

Runner = Generator[float, None, None]
# A parent of a rate-controlled run sleeps this long unless a child's end wakes it.
IDLE_SECONDS = 3600.0
# When the account's Automation queue is full, a parent looks again this often.
QUEUE_RETRY_SECONDS = 60.0
# automation-actions.md, onCancel: "Automation runs the cancellation workflow for a
# maximum of two minutes".
CANCEL_WORKFLOW_SECONDS = 120


def run_execution(svc: AutomationService, ex: Execution) -> Runner:
    runbook = ex.runbook
    svc.set_status(ex, Status.IN_PROGRESS)
    step: Step | None = runbook.steps[0]
    first_failure: tuple[Status, str] | None = None
    cancelled = False
    cancel_deadline: float | None = None
    while step is not None:
        if cancel_deadline is not None and svc.now() > cancel_deadline:
            break
        record = svc.record_for(ex, step)
        outcome = yield from _run_step(svc, ex, step, record, cancellable=not cancelled)
        if outcome is Status.SUCCESS:
            chosen = record.chosen_next
            step = (
                runbook.step(chosen) if chosen else (None if step.is_end else _following(ex, step))
            )
            continue
        if outcome is Status.CANCELLED:
            cancelled = True
            target = step.cancel_target
            if target is None:
                break
            cancel_deadline = svc.now() + CANCEL_WORKFLOW_SECONDS
            step = runbook.step(target)
            continue
        if step.is_critical and first_failure is None:
            first_failure = (outcome, record.failure_message or f"Step {step.name} {outcome}.")
        if step.on_failure == "Abort":
            if first_failure is None:
                first_failure = (outcome, record.failure_message or "")
            break
        if step.on_failure == "Continue":
            step = None if step.is_end else _following(ex, step)
        else:
            step = runbook.step(step.failure_target or "")
    if cancelled:
        final, message = Status.CANCELLED, None
    elif first_failure is not None:
        final, message = first_failure
    else:
        final, message = Status.SUCCESS, None
    ex.outputs = _execution_outputs(ex)
    ex.kept_reads.clear()
    svc.finish(ex, final, message)


def _following(ex: Execution, step: Step) -> Step | None:
    if step.next_step:
        return ex.runbook.step(step.next_step)
    index = ex.runbook.index(step.name)
    return ex.runbook.steps[index + 1] if index + 1 < len(ex.runbook.steps) else None


def _run_step(
    svc: AutomationService, ex: Execution, step: Step, record: StepRecord, cancellable: bool
) -> Generator[float, None, Status]:
    svc.begin_step(ex, record)
    try:
        inputs = substitute(step.inputs, svc.scope(ex).lookup)
    except UnresolvedVariable as err:
        return svc.end_step(
            ex,
            record,
            Status.FAILED,
            f"Step fails when it is validating and resolving the step inputs. {err}.",
            "InputValidation",
        )
    except StepFailed as err:
        return svc.end_step(ex, record, Status.FAILED, err.message, err.failure_type)
    record.inputs = inputs
    impl = implementation(step.action)
    if impl is None:
        return svc.end_step(
            ex,
            record,
            Status.FAILED,
            f"Action {step.action} is not supported by the embedded AWS.",
            "Unsupported",
        )
    outcome: tuple[Status, str, str] = (Status.FAILED, "", "Verification")
    for attempt in range(1, max(1, step.max_attempts) + 1):
        record.attempts = attempt
        timeout = step.timeout_seconds
        most = getattr(impl, "max_seconds", None)
        if most is not None:
            # An action with a documented maximum duration (aws:executeAwsApi: 25 s) is
            # stopped there whatever timeoutSeconds says.
            timeout = min(timeout, most) if timeout else most
        timed_here = timeout and not getattr(impl, "times_itself", False)
        budget = float(timeout) if timed_here else None
        ctx = StepContext(svc, ex, record)
        try:
            result = yield from _drive(svc, ex, impl(ctx).run(inputs), budget, cancellable)
            _store_outputs(svc, ex, step, record, result)
        except StepFailed as err:
            outcome = (Status.FAILED, err.message, err.failure_type)
        except SelectorError as err:
            outcome = (Status.FAILED, str(err), "InputValidation")
        except StepTimedOut:
            outcome = (
                Status.TIMED_OUT,
                f"Step timed out while step is verifying. Timeout: {timeout} seconds.",
                "Verification",
            )
        except StepCancelled:
            return svc.end_step(ex, record, Status.CANCELLED, None, None)
        else:
            return svc.end_step(ex, record, Status.SUCCESS, None, None)
    status, message, failure_type = outcome
    return svc.end_step(ex, record, status, message, failure_type)


def _drive(
    svc: AutomationService,
    ex: Execution,
    run: Generator[float, None, ActionResult],
    budget: float | None,
    cancellable: bool,
) -> Generator[float, None, ActionResult]:
    """Run an action's generator, enforcing the step's timeout (``budget`` modelled
    seconds) and cancellation.

    The step's time is the time its action waited (its yields), each wait counted up to
    what the action asked for. Neither the wall time our own Python spends answering its
    calls nor the engine's lateness in resuming it is the step's: on the scaled clock
    (600 modelled seconds a wall second in tests) 40 ms of either are 24 s, and a throttled
    CreateImage step (aws:executeAwsApi, 25 s at most) timed out for them on a loaded
    machine, where AWS answers a call in milliseconds. In virtual time neither moves the
    clock, so nothing changes there.
    """
    waited = 0.0
    try:
        while True:
            if cancellable and ex.cancel_requested:
                raise StepCancelled()
            try:
                wait = next(run)
            except StopIteration as stop:
                return stop.value if stop.value is not None else ActionResult()
            wait = max(0.0, wait)
            if budget is not None:
                wait = min(wait, budget - waited)
            asked = svc.now()
            yield asked + wait
            if budget is not None:
                waited += min(svc.now() - asked, wait)
                if waited >= budget:
                    raise StepTimedOut()
    finally:
        run.close()


def _store_outputs(
    svc: AutomationService, ex: Execution, step: Step, record: StepRecord, result: ActionResult
) -> None:
    record.chosen_next = result.next_step
    values: dict[str, Any] = dict(result.outputs)
    for decl in step.outputs:
        try:
            value = typed_output(select(decl.selector, result.response), decl.type)
        except OutputTypeError as err:
            raise StepFailed(
                f"Step fails when it is processing its outputs. Output {decl.name} "
                f"(Selector {decl.selector}) must be of type {decl.type}: {err}.",
                "Verification",
            ) from err
        if value is not None:
            values[decl.name] = value
    with svc.lock:
        for name, value in values.items():
            if value is None:
                continue
            ex_outputs = svc.step_outputs(ex)
            ex_outputs[f"{step.name}.{name}"] = value
            record.outputs[name] = api_output(value)
    if result.response is not None and step.action == "aws:executeAwsApi":
        from .context import response_text

        record.response = response_text(result.response)


def _execution_outputs(ex: Execution) -> dict[str, list[str]]:
    outputs: dict[str, list[str]] = {}
    for name in ex.runbook.outputs:
        step, _, output = name.partition(".")
        record = next((r for r in reversed(ex.steps) if r.step.name == step), None)
        value = record.outputs.get(output) if record else None
        outputs[name] = (
            value
            if value is not None
            else ["No output available yet because the step is not successfully executed"]
        )
    return outputs


# -- rate control ------------------------------------------------------------
def limit(value: str | None, total: int, default: int | None) -> int | None:
    """MaxConcurrency / MaxErrors: a number, or a percentage of the targets."""
    if value is None:
        return default
    text = value.strip()
    if text.endswith("%"):
        return math.floor(int(text[:-1]) * total / 100)
    return int(text)


def run_rate_control(svc: AutomationService, ex: Execution) -> Runner:
    """The parent of a run with Targets: one child per target, rate controlled
    (running-automations-scale-controls.md)."""
    svc.set_status(ex, Status.IN_PROGRESS)
    targets = list(ex.resolved_targets or [])
    total = len(targets)
    concurrency = max(1, limit(ex.max_concurrency, total, 10) or 1)
    max_errors = limit(ex.max_errors, total, None)
    ramp = Ramp(concurrency)
    running: list[str] = []
    errors = 0
    halted = False
    while (targets and not halted and not ex.cancel_requested) or running:
        while targets and not halted and not ex.cancel_requested and len(running) < ramp.allowed:
            try:
                child = svc.start_child(ex, targets[0])
            except AutomationExecutionLimitExceededException:
                break  # the account's queue is full: try again a little later
            svc.begin_target_step(ex, child, targets.pop(0))
            running.append(child.execution_id)
        if not running and (halted or ex.cancel_requested or not targets):
            break
        yield svc.now() + (IDLE_SECONDS if running else QUEUE_RETRY_SECONDS)
        if ex.cancel_requested:
            for child_id in running:
                svc.request_cancel(svc.get(child_id))
        for child_id in list(running):
            child = svc.get(child_id)
            if not child.is_terminal:
                continue
            running.remove(child_id)
            svc.end_target_step(ex, child)
            ramp.completed()
            svc.count_progress(ex, child.status)
            if child.status in ERRORS:
                errors += 1
                # "If you specify 3 ... stops ... when the fourth error is received."
                if max_errors is not None and errors > max_errors:
                    halted = True
    if ex.cancel_requested:
        final = Status.CANCELLED
    elif errors:
        final = Status.FAILED
    else:
        final = Status.SUCCESS
    message = f"{errors} of {total} targets failed." if errors else None
    svc.finish(ex, final, message)
