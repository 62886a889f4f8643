"""Statuses of executions and steps, as SSM's API spells them (AutomationExecutionStatus)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    WAITING = "Waiting"
    SUCCESS = "Success"
    TIMED_OUT = "TimedOut"
    CANCELLING = "Cancelling"
    CANCELLED = "Cancelled"
    FAILED = "Failed"
    COMPLETED_WITH_SUCCESS = "CompletedWithSuccess"
    COMPLETED_WITH_FAILURE = "CompletedWithFailure"


TERMINAL = frozenset(
    {
        Status.SUCCESS,
        Status.TIMED_OUT,
        Status.CANCELLED,
        Status.FAILED,
        Status.COMPLETED_WITH_SUCCESS,
        Status.COMPLETED_WITH_FAILURE,
    }
)
# A child run that ended in one of these counts as an error against MaxErrors.
ERRORS = frozenset({Status.TIMED_OUT, Status.CANCELLED, Status.FAILED})
