"""The service that invokes EventBridge Scheduler schedules' targets when they are due.

moto 5.2.5 keeps schedules (CreateSchedule, GetSchedule, UpdateSchedule, ListSchedules,
DeleteSchedule, schedule groups, tags) and never fires them. This service reads them from
moto's backends and, at each due time, invokes the target as the schedule's role.

When (EventBridge Scheduler User Guide, "Schedule types on EventBridge Scheduler"):
``cron(...)``, ``rate(...)`` and ``at(...)`` are parsed by ``maintenance_windows.schedule``:
the grammar is the same family (six cron fields with ``? L W #``, one of the two day fields
``?``; ``rate(value unit)`` in minutes, hours or days; ``at(yyyy-mm-ddThh:mm:ss)``). What
differs from a maintenance window, and is done here:

- ``at(...)`` is read in ``ScheduleExpressionTimezone`` ("at the time and in the time zone,
  that you specify"); a window's ``at`` is UTC;
- a ``rate`` schedule first runs at its ``StartDate``, or at once when it has none ("If you
  do not provide a StartDate for a rate-based schedule, your schedule starts invoking its
  target immediately"); a window's first runs one interval later;
- there is no schedule offset, and ``State`` (ENABLED/DISABLED) replaces ``Enabled``;
- ``FlexibleTimeWindow`` FLEXIBLE lets Scheduler invoke at any time within
  ``MaximumWindowInMinutes`` after the scheduled time. Assumed here: at its start, the
  earliest it may (a test then knows when a run begins);
- ``ActionAfterCompletion`` DELETE removes a one-time schedule once it has fired.

What an invocation does: the role (``Target.RoleArn``) must exist and trust
``scheduler.amazonaws.com`` with this account as ``aws:SourceAccount`` and the schedule as
``aws:SourceArn`` (``iam.service_roles``), else nothing is called. Universal targets
(``arn:aws:scheduler:::aws-sdk:<service>:<apiAction>``, "Using universal targets in
EventBridge Scheduler") send ``Input`` as the API's request, signed as a session of the
role: the request is authorized like any other (a role without
``ssm:StartAutomationExecution`` is denied) and the execution's ``ExecutedBy`` is
``assumed-role/<role>/<session>``. Only ``aws-sdk:ssm:startAutomationExecution`` is
supported; any other target fails every invocation with "not supported by the embedded
AWS" (and a line on stderr).

What a failure shows: AWS shows a failed invocation only in CloudWatch's ``AWS/Scheduler``
metrics (``InvocationAttemptCount``, ``TargetErrorCount``, ``InvocationDroppedCount``) and,
when ``DeadLetterConfig`` names a queue, as a dead-letter event. The embedded AWS keeps no
CloudWatch metrics and sends no dead-letter event; it keeps each invocation (time, status,
the target's error code and message, the execution started) and those counts per
schedule, answered by ``POST /_winupdate/eventbridge-scheduler/schedules``. A failed
invocation is not retried (the RetryPolicy is not modelled).

The clock, as for maintenance windows (``maintenance_windows.scheduler``): scaled time has a
runner on the Automation engine that wakes at the next due time, and at least every
``POLL_SECONDS`` (moto tells nobody of a new schedule; Scheduler's precision is 60 s);
virtual time fires what the clock has passed, and a schedule is an event the clock jumps to
only while followed (``FollowUntil``). ``Paused``: due times pass and nothing is invoked.
When the clock has passed several times of one schedule at once, only the latest is invoked.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.scheduler.models import scheduler_backends

from ..clock_schedules import ClockScheduler
from ..maintenance_windows.schedule import (
    Expression,
    ScheduleError,
    WindowSchedule,
    parse_expression,
    zone,
)

if TYPE_CHECKING:
    from ..server import EmbeddedAws

ENGINE_KEY = "eventbridge-scheduler"
POLL_SECONDS = 60.0
CATCH_UP_LIMIT = 100_000
UNIVERSAL = re.compile(r"^arn:aws(-[a-z]+)*:scheduler:::aws-sdk:([a-z0-9-]+):([A-Za-z0-9]+)$")
SUPPORTED = {("ssm", "startAutomationExecution")}
SERVICE_PRINCIPAL = "scheduler.amazonaws.com"


def _epoch(value: Any, tz: Any) -> float | None:
    """A StartDate/EndDate as moto keeps it (epoch seconds from the JSON, or ISO text)."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    try:
        return float(value)
    except ValueError:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return (when if when.tzinfo else when.replace(tzinfo=tz)).timestamp()


def schedule_of(schedule: Any, since: float) -> WindowSchedule:
    """When ``schedule`` (moto's) runs, counted from ``since``; ``ScheduleError`` if never."""
    tz = zone(schedule.schedule_expression_timezone)
    expression = parse_expression(schedule.schedule_expression)
    if expression.kind == "at":
        # Scheduler reads at() on the schedule's wall clock, not in UTC.
        local = expression.at.replace(tzinfo=tz, fold=0)  # type: ignore[union-attr]
        expression = Expression("at", at=datetime.fromtimestamp(local.timestamp(), UTC))
    return WindowSchedule(
        expression=expression,
        tz=tz,
        offset_days=0,
        start=_epoch(schedule.start_date, tz),
        end=_epoch(schedule.end_date, tz),
        since=since,
    )


def first_run(when: WindowSchedule, since: float) -> float | None:
    """The first due time: a rate schedule's is its StartDate (or ``since``) itself."""
    if when.expression.kind == "rate":
        first = max(since, when.start or since)
        return None if when.end is not None and first > when.end else first
    return when.next_run(since)


def _key(schedule: Any) -> tuple:
    return (
        schedule.schedule_expression,
        schedule.schedule_expression_timezone,
        str(schedule.start_date),
        str(schedule.end_date),
        schedule.state,
        json.dumps(schedule.flexible_time_window, sort_keys=True, default=str),
    )


@dataclass
class Invocation:
    schedule_arn: str
    time: float  # the scheduled time (modelled)
    target_arn: str
    role_arn: str
    status: str = "PENDING"  # SUCCEEDED | FAILED
    error_code: str | None = None
    error_message: str | None = None
    execution_id: str | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "ScheduleArn": self.schedule_arn,
            "Time": datetime.fromtimestamp(self.time, UTC).isoformat().replace("+00:00", "Z"),
            "TargetArn": self.target_arn,
            "RoleArn": self.role_arn,
            "Status": self.status,
            "ErrorCode": self.error_code,
            "ErrorMessage": self.error_message,
            "AutomationExecutionId": self.execution_id,
        }


@dataclass
class _Entry:
    key: tuple
    schedule: WindowSchedule | None
    due: float | None
    error: str | None = None
    invocations: list[Invocation] = field(default_factory=list)


class EventBridgeScheduler(ClockScheduler):
    name = "eventbridge-scheduler"
    engine_key = ENGINE_KEY
    idle_seconds = POLL_SECONDS

    def __init__(self, aws: EmbeddedAws) -> None:
        super().__init__(aws)
        self._entries: dict[str, _Entry] = {}  # by schedule ARN
        self.invocations: list[Invocation] = []
        self._seq = itertools.count()

    def _clear(self) -> None:
        self.invocations.clear()

    def _schedules(self) -> list[tuple[str, Any]]:
        found = []
        for _account, regions in list(scheduler_backends.items()):
            for region, backend in list(regions.items()):
                for group in list(backend.schedule_groups.values()):
                    found.extend((region, s) for s in list(group.schedules.values()))
        return found

    def _refresh(self) -> None:
        """Entries for the schedules moto holds now (lock held): a new or changed schedule
        counts from now, on the modelled clock (moto dates them by the wall clock)."""
        now = self.aws.clock.now()
        seen = set()
        for _region, schedule in self._schedules():
            seen.add(schedule.arn)
            key = _key(schedule)
            entry = self._entries.get(schedule.arn)
            if entry is not None and entry.key == key:
                continue
            invocations = entry.invocations if entry is not None else []
            if schedule.state != "ENABLED":
                self._entries[schedule.arn] = _Entry(key, None, None, None, invocations)
                continue
            try:
                when = schedule_of(schedule, now)
            except (ScheduleError, ValueError) as err:
                self._entries[schedule.arn] = _Entry(key, None, None, str(err), invocations)
                continue
            self._entries[schedule.arn] = _Entry(key, when, first_run(when, now), None, invocations)
        for arn in set(self._entries) - seen:
            del self._entries[arn]

    def fire_due(self) -> list[Invocation]:
        """Invoke the targets whose time has come (each on the engine, not inside the
        request that let the clock catch up)."""
        fired: list[tuple[Any, str, float]] = []
        with self.lock:
            self._refresh()
            now = self.aws.clock.now()
            by_arn = {s.arn: (region, s) for region, s in self._schedules()}
            for arn, entry in self._entries.items():
                if entry.due is None or entry.due > now or entry.schedule is None:
                    continue
                latest, following = entry.due, entry.schedule.next_run(entry.due)
                for _ in range(CATCH_UP_LIMIT):
                    if following is None or following > now:
                        break
                    latest, following = following, entry.schedule.next_run(following)
                entry.due = following
                if not self.holds(entry) and arn in by_arn:
                    fired.append((by_arn[arn], arn, latest))
        invocations = []
        for (region, schedule), arn, at in fired:
            target = schedule.target or {}
            invocation = Invocation(arn, at, target.get("Arn", ""), target.get("RoleArn", ""))
            with self.lock:
                self._entries[arn].invocations.append(invocation)
                self.invocations.append(invocation)
            invocations.append(invocation)
            self.aws.service("automation").engine.submit(
                f"{ENGINE_KEY}:{next(self._seq)}", self._invoke(region, schedule, invocation)
            )
            if schedule.action_after_completion == "DELETE" and (self._entries[arn].due is None):
                self._delete(region, schedule)
        return invocations

    def _delete(self, region: str, schedule: Any) -> None:
        backend = scheduler_backends[DEFAULT_ACCOUNT_ID][region]
        backend.schedule_groups[schedule.group_name].schedules.pop(schedule.name, None)

    # -- invoking ------------------------------------------------------------------------
    def _invoke(self, region: str, schedule: Any, invocation: Invocation):
        try:
            invocation.execution_id = self._call(region, schedule, invocation)
            invocation.status = "SUCCEEDED"
        except _Failed as err:
            invocation.status, invocation.error_code, invocation.error_message = (
                "FAILED",
                err.code,
                err.message,
            )
        return
        yield  # a runner for the engine, which calls it once

    def _call(self, region: str, schedule: Any, invocation: Invocation) -> str | None:
        from botocore.exceptions import ClientError

        from ..iam.service_roles import CannotAssume, assume_for_service

        match = UNIVERSAL.match(invocation.target_arn)
        if match is None or (match.group(2), match.group(3)) not in SUPPORTED:
            message = (
                f"the target {invocation.target_arn} of schedule {schedule.arn} is not "
                "supported by the embedded AWS (only the universal target "
                "arn:aws:scheduler:::aws-sdk:ssm:startAutomationExecution is)"
            )
            print(f"embedded AWS: {message}", file=sys.stderr)
            raise _Failed("NotSupported", message)
        try:
            request = json.loads(schedule.target.get("Input") or "{}")
        except json.JSONDecodeError as err:
            raise _Failed("ValidationException", f"Input is not JSON: {err}") from err
        if not isinstance(request, dict):
            raise _Failed("ValidationException", "Input must be a JSON object, the request")
        try:
            key = assume_for_service(
                self.aws.service("iam"),
                caller_key=None,
                caller_service="scheduler",
                service_principal=SERVICE_PRINCIPAL,
                role_arn=invocation.role_arn,
                source_arn=schedule.arn,
                session_name=f"{schedule.name}-{int(invocation.time)}"[:64],
                region=region,
            )
        except CannotAssume as err:
            raise _Failed("AccessDenied", f"{invocation.role_arn}: {err}") from err
        client = self.aws.client("ssm", region)
        calling = self.aws.calling
        calling.access_key = key
        try:
            response = client.start_automation_execution(**request)
        except ClientError as err:
            error = err.response.get("Error", {})
            raise _Failed(error.get("Code", "Error"), error.get("Message", str(err))) from err
        except Exception as err:  # botocore's parameter validation: a malformed Input
            raise _Failed("ValidationException", str(err).replace("\n", " ")) from err
        finally:
            calling.access_key = None
        return response.get("AutomationExecutionId")

    # -- what the control answers ---------------------------------------------------------
    def describe(self) -> list[dict[str, Any]]:
        with self.lock:
            self._refresh()
            out = []
            for arn, entry in sorted(self._entries.items()):
                failed = [i for i in entry.invocations if i.status == "FAILED"]
                out.append(
                    {
                        "ScheduleArn": arn,
                        "NextInvocationTime": None
                        if entry.due is None
                        else datetime.fromtimestamp(entry.due, UTC).isoformat(),
                        "ExpressionError": entry.error,
                        # As CloudWatch's AWS/Scheduler metrics would count them.
                        "InvocationAttemptCount": len(entry.invocations),
                        "TargetErrorCount": len(failed),
                        "Invocations": [i.describe() for i in entry.invocations],
                    }
                )
            return out


class _Failed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def scheduler_of(aws: Any) -> EventBridgeScheduler | None:
    try:
        return aws.service(EventBridgeScheduler.name)
    except KeyError:
        return None
