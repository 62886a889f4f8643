"""Maintenance window executions: the records the execution APIs answer from.

A window execution holds one task execution per task that started, and each task
execution one invocation per target (one for a targetless task). Statuses are
botocore's ``MaintenanceWindowExecutionStatus``; times are modelled epoch seconds.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from moto.moto_api._internal import mock_random

from ..automation.statuses import Status

if TYPE_CHECKING:
    from ..server import EmbeddedAws

# botocore: MaintenanceWindowExecutionStatusDetails has a maximum length of 250.
DETAILS_MAX = 250


class RunStatus(StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    SKIPPED_OVERLAPPING = "SKIPPED_OVERLAPPING"


TERMINAL = frozenset(
    {
        RunStatus.SUCCESS,
        RunStatus.FAILED,
        RunStatus.TIMED_OUT,
        RunStatus.CANCELLED,
        RunStatus.SKIPPED_OVERLAPPING,
    }
)

# An invocation's status follows the Automation execution it started.
FROM_AUTOMATION = {
    Status.PENDING: RunStatus.PENDING,
    Status.IN_PROGRESS: RunStatus.IN_PROGRESS,
    Status.WAITING: RunStatus.IN_PROGRESS,
    Status.CANCELLING: RunStatus.CANCELLING,
    Status.SUCCESS: RunStatus.SUCCESS,
    Status.COMPLETED_WITH_SUCCESS: RunStatus.SUCCESS,
    Status.FAILED: RunStatus.FAILED,
    Status.COMPLETED_WITH_FAILURE: RunStatus.FAILED,
    Status.TIMED_OUT: RunStatus.TIMED_OUT,
    Status.CANCELLED: RunStatus.CANCELLED,
}
# Invocations that count against a task's MaxErrors.
ERRORS = frozenset({RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.CANCELLED})


def details(text: str | None) -> str | None:
    if text is None or len(text) <= DETAILS_MAX:
        return text
    return text[: DETAILS_MAX - 3] + "..."


def _compact(fields: dict[str, Any]) -> dict[str, Any]:
    """AWS omits members it has no value for rather than sending null."""
    return {k: v for k, v in fields.items() if v is not None}


def _status_and_times(record: Invocation | TaskExecution | WindowExecution) -> dict[str, Any]:
    """The Status, StatusDetails, StartTime and EndTime members of every execution record."""
    return {
        "Status": str(record.status),
        "StatusDetails": details(record.status_details),
        "StartTime": record.start,
        "EndTime": record.end,
    }


def new_id() -> str:
    return str(mock_random.uuid4())


@dataclass
class Target:
    """One resource a task runs on, with where it came from (its pseudo parameters)."""

    resource_id: str
    target_id: str  # {{TARGET_ID}}: the instance id, or the resource's ARN for a group
    target_type: str  # INSTANCE or RESOURCE_GROUP
    window_target_id: str | None = None
    owner_information: str | None = None


@dataclass
class Invocation:
    """One target of one task execution (``MaintenanceWindowExecutionTaskInvocationIdentity``)."""

    invocation_id: str
    window_execution_id: str
    task_execution_id: str
    task_type: str
    parameters: str
    target: Target | None
    start: float
    execution_id: str | None = None
    status: RunStatus = RunStatus.PENDING
    status_details: str | None = None
    end: float | None = None

    def to_api(self) -> dict[str, Any]:
        return _compact(
            {
                "WindowExecutionId": self.window_execution_id,
                "TaskExecutionId": self.task_execution_id,
                "InvocationId": self.invocation_id,
                "ExecutionId": self.execution_id,
                "TaskType": self.task_type,
                "Parameters": self.parameters,
                **_status_and_times(self),
                "OwnerInformation": self.target.owner_information if self.target else None,
                "WindowTargetId": self.target.window_target_id if self.target else None,
            }
        )


@dataclass
class TaskExecution:
    """One task of a window execution, as registered when it started."""

    task_execution_id: str
    window_execution_id: str
    window_task_id: str
    task_arn: str
    task_type: str
    priority: int
    service_role: str | None
    max_concurrency: str | None
    max_errors: str | None
    cutoff_behavior: str
    alarm_configuration: dict[str, Any] | None
    invocation_parameters: dict[str, Any]
    start: float
    # None for a targetless task: it runs once.
    targets: list[Target] | None = None
    status: RunStatus = RunStatus.PENDING
    status_details: str | None = None
    end: float | None = None
    invocations: list[Invocation] = field(default_factory=list)
    # runner state
    pending: list[Target | None] = field(default_factory=list)
    running: list[Invocation] = field(default_factory=list)
    errors: int = 0
    # the session of service_role the task's invocations are started with
    session_key: str | None = None
    halted: bool = False
    cut_off: bool = False

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def identity(self) -> dict[str, Any]:
        """A ``MaintenanceWindowExecutionTaskIdentity``."""
        return _compact(
            {
                "WindowExecutionId": self.window_execution_id,
                "TaskExecutionId": self.task_execution_id,
                **_status_and_times(self),
                "TaskArn": self.task_arn,
                "TaskType": self.task_type,
                "AlarmConfiguration": self.alarm_configuration,
            }
        )

    def description(self) -> dict[str, Any]:
        """``GetMaintenanceWindowExecutionTask``'s output."""
        return _compact(
            {
                "WindowExecutionId": self.window_execution_id,
                "TaskExecutionId": self.task_execution_id,
                "TaskArn": self.task_arn,
                "ServiceRole": self.service_role,
                "Type": self.task_type,
                "Priority": self.priority,
                "MaxConcurrency": self.max_concurrency,
                "MaxErrors": self.max_errors,
                **_status_and_times(self),
                "AlarmConfiguration": self.alarm_configuration,
            }
        )


@dataclass
class WindowExecution:
    """One run of a maintenance window (``MaintenanceWindowExecution``)."""

    window_execution_id: str
    window_id: str
    account_id: str
    region: str
    start: float
    # No task starts at or after this time: the window's Duration minus its Cutoff.
    stop_scheduling_at: float
    status: RunStatus = RunStatus.PENDING
    status_details: str | None = None
    end: float | None = None
    tasks: list[TaskExecution] = field(default_factory=list)
    cancel_requested: bool = False

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def summary(self) -> dict[str, Any]:
        """A ``MaintenanceWindowExecution`` (DescribeMaintenanceWindowExecutions)."""
        return _compact(
            {
                "WindowId": self.window_id,
                "WindowExecutionId": self.window_execution_id,
                **_status_and_times(self),
            }
        )

    def description(self) -> dict[str, Any]:
        """``GetMaintenanceWindowExecution``'s output."""
        out = self.summary()
        out.pop("WindowId")
        out["TaskIds"] = [task.task_execution_id for task in self.tasks]
        return out

    def task(self, task_execution_id: str) -> TaskExecution | None:
        return next((t for t in self.tasks if t.task_execution_id == task_execution_id), None)


class RunStore:
    """Every window execution of one embedded AWS; ``lock`` guards the records."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.executions: dict[str, WindowExecution] = {}

    def add(self, run: WindowExecution) -> None:
        with self.lock:
            self.executions[run.window_execution_id] = run

    def get(self, window_execution_id: str) -> WindowExecution | None:
        return self.executions.get(window_execution_id)

    def of_window(self, window_id: str) -> list[WindowExecution]:
        with self.lock:
            return [r for r in self.executions.values() if r.window_id == window_id]


# One store per embedded AWS: a new server (a fresh moto) starts with no executions.
_STORES: weakref.WeakKeyDictionary[EmbeddedAws, RunStore] = weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def store_of(aws: EmbeddedAws) -> RunStore:
    with _STORES_LOCK:
        store = _STORES.get(aws)
        if store is None:
            store = _STORES[aws] = RunStore()
        return store
