"""A step's timeout counts the time its action waited (automation-handling-timeouts.md:
the step times out after timeoutSeconds), not the wall time the embedded AWS spends
answering its calls or resuming it: on the scaled clock 40 ms of those are 24 modelled
seconds, and aws:executeAwsApi has 25 (runner._drive)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from winupdate.local.automation.context import ActionResult, StepTimedOut
from winupdate.local.automation.runner import _drive


class Clock:
    def __init__(self) -> None:
        self.now = 0.0


def drive(action, budget: float, late: float, clock: Clock) -> ActionResult:
    """Run ``action`` under _drive; the engine resumes it ``late`` seconds after each wake."""
    svc = SimpleNamespace(now=lambda: clock.now)
    ex = SimpleNamespace(cancel_requested=False)
    steps = _drive(svc, ex, action, budget, cancellable=True)
    try:
        wake = next(steps)
        while True:
            clock.now = wake + late
            wake = steps.send(None)
    except StopIteration as stop:
        return stop.value


def test_the_time_spent_answering_calls_and_resuming_late_is_not_the_steps():
    clock = Clock()

    def throttled_call():
        for backoff in (1.0, 2.0):
            clock.now += 180.0  # a call answered slowly on a loaded machine
            yield backoff
        clock.now += 180.0
        return ActionResult(outputs={"ok": True})

    result = drive(throttled_call(), budget=25.0, late=30.0, clock=clock)
    assert result.outputs == {"ok": True}


def test_waiting_longer_than_the_budget_times_the_step_out():
    clock = Clock()

    def poll():
        while True:
            yield 10.0

    with pytest.raises(StepTimedOut):
        drive(poll(), budget=25.0, late=0.0, clock=clock)
    assert clock.now == 25.0  # the last wait was cut at the budget
