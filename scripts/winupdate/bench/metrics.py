"""What the fleet benchmark reports, computed from the embedded AWS's own records."""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import random
import statistics
from collections import deque
from collections.abc import Iterable
from typing import Any

from ..local.automation.rate_control import Ramp
from ..local.fleet.durations import Durations
from ..local.fleet.windows_update import Install

FAILED = {"Failed", "TimedOut", "Cancelled"}


def peak_overlap(intervals: Iterable[tuple[float, float]]) -> int:
    """The most intervals open at one instant (an end before a start at the same time)."""
    intervals = list(intervals)
    events = sorted(
        [(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals],
        key=lambda e: (e[0], e[1]),
    )
    peak = current = 0
    for _, delta in events:
        current += delta
        peak = max(peak, current)
    return peak


def interval(execution: Any, now: float) -> tuple[float, float]:
    began = execution.running_since if execution.running_since is not None else execution.start
    return began, execution.end if execution.end is not None else now


def instance_of(execution: Any, instances: set[str]) -> str | None:
    """The instance an execution works for: its rate-control target or an instance id in
    its parameters (the seed's child runbooks take ``InstanceId``)."""
    if execution.target in instances:
        return execution.target
    for values in execution.api_parameters.values():
        for value in values:
            if value in instances:
                return value
    return None


def ideal_instance_seconds(durations: Durations, install: Install) -> float:
    """One instance's before-AMI + update + after-AMI, nothing else."""
    return 2 * durations.image + install.seconds


def ideal_seconds(instances: int, concurrency: int, per_instance: list[float]) -> float:
    """ceil(N/C) waves of the mean before-AMI + update + after-AMI of one instance."""
    mean = sum(per_instance) / len(per_instance) if per_instance else 0.0
    return math.ceil(instances / max(1, concurrency)) * mean


def scheduled_seconds(concurrency: int, per_target: list[float], ramp: bool = True) -> float:
    """The makespan of the fan-out's scheduler itself: the targets started in the given
    order, each taking exactly its duration, with no overhead anywhere. ``ramp``: AWS's
    rate control (one, then doubling on each completion, up to ``concurrency``); without,
    a maintenance window's MaxConcurrency (``concurrency`` at once from the start)."""
    ramp = Ramp(concurrency) if ramp else Ramp(concurrency, start=concurrency)
    waiting = deque(per_target)
    ends: list[float] = []
    now = 0.0
    while waiting or ends:
        while waiting and len(ends) < ramp.allowed:
            heapq.heappush(ends, now + waiting.popleft())
        now = heapq.heappop(ends)
        ramp.completed()
        # Targets that end together are all seen before the next ones start, as the
        # rate-controlled parent handles every ended child when it wakes.
        while ends and ends[0] == now:
            heapq.heappop(ends)
            ramp.completed()
    return now


def blind_order_seconds(concurrency: int, durations: list[float], orders: int = 101) -> float:
    """The median makespan of ``durations`` started in ``orders`` random orders (seeded:
    the same every run), C at once: what a fan-out that does not know the durations can
    expect, whatever its own overhead."""
    if not durations:
        return 0.0
    shuffled = random.Random(0)
    spans = []
    for _ in range(orders):
        order = list(durations)
        shuffled.shuffle(order)
        spans.append(scheduled_seconds(concurrency, order, ramp=False))
    return statistics.median(spans)


def failure_to_message(
    executions: list[Any], messages: list[dict[str, Any]], instances: set[str], process: str
) -> float | None:
    """For each instance whose run failed: from its first failed step (in any execution
    working for it) to the first message its own per-instance run published after that —
    the message that tells the operator the instance's patching failed (its run of the
    design's per-instance runbook ``process``, however the run was started). The longest of
    these; None when nothing failed."""
    delays = []
    for instance in sorted(instances):
        mine = [ex for ex in executions if instance_of(ex, instances) == instance]
        failed_at = [
            record.end
            for ex in mine
            for record in ex.steps
            if str(record.status) in FAILED and record.end is not None
        ]
        if not failed_at:
            continue
        first = min(failed_at)
        runs = {
            ex.execution_id
            for ex in mine
            if ex.document_name == process and ex.resolved_targets is None
        }
        told = [
            m["Timestamp"]
            for m in messages
            if m.get("PublishedBy") in runs
            and m.get("Timestamp") is not None
            and m["Timestamp"] >= first
        ]
        if told:
            delays.append(min(told) - first)
    return max(delays) if delays else None


def run_digest(executions: list[Any], messages: list[dict[str, Any]]) -> str:
    """A short hash of everything a run did that ids and times show: every execution (id,
    runbook, status, times, each step's status, times and outputs) and every message. Two
    runs with the same digest did the same things at the same modelled times."""
    seen = [
        [
            ex.execution_id,
            ex.document_name,
            str(ex.status),
            ex.start,
            ex.end,
            [
                [r.step_execution_id, r.step.name, str(r.status), r.start, r.end, r.outputs]
                for r in ex.steps
            ],
        ]
        for ex in executions
    ]
    text = json.dumps([seen, messages], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
