"""Follow a run until every execution of it has ended: poll, snapshot, report progress."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .approve import ApprovalRequest, pending_approval
from .aws import Aws
from .executions import (
    ACTIVE,
    SUCCEEDED,
    Discovery,
    get_execution,
    instance_of,
    is_rate_control_parent,
)


@dataclass
class InstanceProgress:
    instance_id: str
    execution_id: str
    status: str
    current_step: str | None
    start: datetime | None
    end: datetime | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def elapsed(self, now: datetime) -> float:
        if self.start is None:
            return 0.0
        return max(0.0, ((self.end or now) - self.start).total_seconds())


@dataclass
class RunSnapshot:
    """What a run looks like at one poll."""

    start: dict[str, Any]
    processes: list[dict[str, Any]] = field(default_factory=list)
    instances: list[InstanceProgress] = field(default_factory=list)
    expected: int | None = None
    # Our best guess at the service's clock: the newest time the service reported, or ours
    # when that is later (an endpoint whose clock runs fast keeps elapsed times honest).
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def execution_id(self) -> str:
        return str(self.start["AutomationExecutionId"])

    @property
    def status(self) -> str:
        return str(self.start["AutomationExecutionStatus"])

    @property
    def total(self) -> int:
        return max(self.expected or 0, len(self.instances))

    @property
    def finished(self) -> int:
        return sum(1 for i in self.instances if not i.active)

    @property
    def failed(self) -> int:
        return sum(1 for i in self.instances if not i.active and i.status not in SUCCEEDED)

    @property
    def done(self) -> bool:
        return (
            self.status not in ACTIVE
            and all(p["AutomationExecutionStatus"] not in ACTIVE for p in self.processes)
            and not any(i.active for i in self.instances)
        )

    @property
    def approval(self) -> ApprovalRequest | None:
        return pending_approval(self.start)

    @property
    def succeeded(self) -> bool:
        """The Start run and every instance succeeded (a run that updated nothing fails)."""
        return (
            self.status in SUCCEEDED
            and bool(self.instances)
            and all(i.status in SUCCEEDED for i in self.instances)
        )


def _newest(execution: dict[str, Any], now: datetime) -> datetime:
    times = [now]
    for key in ("ExecutionStartTime", "ExecutionEndTime"):
        if execution.get(key):
            times.append(execution[key])
    for step in execution.get("StepExecutions", []):
        for key in ("ExecutionStartTime", "ExecutionEndTime"):
            if step.get(key):
                times.append(step[key])
    return max(times)


def take_snapshot(aws: Aws, execution_id: str, discovery: Discovery) -> RunSnapshot:
    """Read the run as it is now: the Start execution, its Process executions, the instances.

    ``execution_id`` may also be a Process execution, a single per-instance execution or a
    Restore execution: ``report`` accepts any of them.
    """
    root = get_execution(aws, execution_id)
    snapshot = RunSnapshot(start=root, now=_newest(root, datetime.now(UTC)))
    if root.get("ParentAutomationExecutionId") and not is_rate_control_parent(root):
        # One per-instance execution of a rate-controlled run: it is its own single row.
        snapshot.instances.append(_progress(root, None))
        return snapshot
    process_ids = [execution_id] if is_rate_control_parent(root) else discovery.launched_by(root)
    if not process_ids and (root.get("Parameters") or {}).get("InstanceId"):
        # A runbook of one instance started by hand (a Restore, a Process run with its
        # InstanceId): it launched no run, so it is its own single row.
        snapshot.instances.append(_progress(root, None))
        return snapshot
    for process_id in process_ids:
        process = root if process_id == execution_id else get_execution(aws, process_id)
        snapshot.now = _newest(process, snapshot.now)
        if not is_rate_control_parent(process):
            # A Start step that ran one Process execution itself (aws:executeAutomation with
            # one instance): that execution is the instance's run.
            snapshot.processes.append(process)
            snapshot.instances.append(_progress(process, None))
            continue
        snapshot.processes.append(process)
        targets = (process.get("ResolvedTargets") or {}).get("ParameterValues")
        if targets is not None:
            snapshot.expected = (snapshot.expected or 0) + len(targets)
        for child in discovery.children(process_id):
            if child["AutomationExecutionStatus"] in ACTIVE:
                # The full record of a running instance: its current step, and step times
                # that tell how far the service's clock has got.
                child = {**child, **get_execution(aws, child["AutomationExecutionId"])}
            snapshot.now = _newest(child, snapshot.now)
            snapshot.instances.append(_progress(child, process))
    return snapshot


def _progress(execution: dict[str, Any], parent: dict[str, Any] | None) -> InstanceProgress:
    return InstanceProgress(
        instance_id=instance_of(execution, parent),
        execution_id=execution["AutomationExecutionId"],
        status=execution["AutomationExecutionStatus"],
        current_step=execution.get("CurrentStepName"),
        start=execution.get("ExecutionStartTime"),
        end=execution.get("ExecutionEndTime"),
    )


class Follower:
    """Polls a run until it is done, calling ``on_snapshot`` after every poll.

    ``sleep`` is injected so tests can interrupt the loop (a KeyboardInterrupt from it is
    exactly what Ctrl-C looks like) without waiting.
    """

    def __init__(
        self,
        aws: Aws,
        execution_id: str,
        on_snapshot: Callable[[RunSnapshot], None],
        interval: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.aws = aws
        self.execution_id = execution_id
        self.on_snapshot = on_snapshot
        self.interval = interval
        self.sleep = sleep
        self.discovery = Discovery(aws)

    def poll(self) -> RunSnapshot:
        snapshot = take_snapshot(self.aws, self.execution_id, self.discovery)
        self.on_snapshot(snapshot)
        return snapshot

    def run(self) -> RunSnapshot:
        while True:
            snapshot = self.poll()
            if snapshot.done:
                return snapshot
            self.sleep(self.interval)


def stop_run(aws: Aws, snapshot: RunSnapshot) -> list[str]:
    """Cancel the Start run and its Process executions that are still active.

    Cancelling a rate-control parent cancels its children (StopAutomationExecution).
    """
    ssm = aws.client("ssm")
    stopped: list[str] = []
    for execution in [snapshot.start, *snapshot.processes]:
        if execution["AutomationExecutionStatus"] not in ACTIVE:
            continue
        execution_id = execution["AutomationExecutionId"]
        with aws.errors(f"stopping execution {execution_id}"):
            try:
                ssm.stop_automation_execution(AutomationExecutionId=execution_id, Type="Cancel")
            except ssm.exceptions.InvalidAutomationStatusUpdateException:
                continue  # it ended between the poll and the stop
        stopped.append(execution_id)
    return stopped
