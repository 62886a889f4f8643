"""The service that starts maintenance window executions when their schedule says so.

Every enabled window with a schedule Systems Manager accepts (``schedule``) runs at its
next time: a window execution whose ``StartTime`` is the scheduled time and whose cutoff
counts from it, run by the same runner as the control that runs a window now. A window
whose schedule, time zone, dates or Enabled changed counts from that change (the window's
``ModifiedDate``): a time passed before it does not run. Disabled windows do not run, and
what they would have run while disabled does not run when they are enabled again.

The clock decides when a time has come:

- Scaled time: a runner on the Automation engine sleeps until the next scheduled time
  (woken when a window is created, updated or deleted), and every request catches up first.
- Virtual time: the clock jumps to the next event of whatever is running. A schedule is
  *not* such an event unless asked (``FollowUntil``): a simulation that starts a window
  with the control and waits for it must not find the clock jumped to next month's window,
  nor run through every window until 2199 once its own work is done. Windows whose time
  the clock passes for other reasons (the work ran that long, a test advanced it) run, as
  they would on AWS. ``POST /_winupdate/maintenance-windows/schedules`` with
  ``{"FollowUntil": <ISO 8601 or epoch seconds>}`` makes scheduled times up to then events
  the clock jumps to (a month of patch nights simulated in seconds); ``null`` stops it.

When the clock has passed several times of a window at once (a jump), only the latest
runs: one execution per window catching up, not a burst that would mostly be
``SKIPPED_OVERLAPPING``. An execution started after its cutoff ends ``TIMED_OUT`` without
starting a task, as the runner does for any window past its cutoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto.ssm.models import FakeMaintenanceWindow, ssm_backends

from ..clock_schedules import ClockScheduler
from .schedule import ScheduleError, WindowSchedule

if TYPE_CHECKING:
    from ..server import EmbeddedAws

ENGINE_KEY = "maintenance-window-scheduler"
# The scaled-time runner looks again at least this often (modelled seconds).
IDLE_SECONDS = 3600.0
# At most this many passed times are stepped over when catching up after a jump.
CATCH_UP_LIMIT = 100_000


def window_schedule(window: FakeMaintenanceWindow, since: float) -> WindowSchedule | None:
    """The window's schedule counted from ``since``, or None if it never runs by itself."""
    if not getattr(window, "enabled", True) or not window.schedule:
        return None
    try:
        return WindowSchedule.of(
            window.schedule,
            timezone=window.schedule_timezone,
            offset=window.schedule_offset,
            start_date=window.start_date,
            end_date=window.end_date,
            since=since,
        )
    except ScheduleError:
        return None


def schedule_key(window: FakeMaintenanceWindow) -> tuple:
    """What a change to restarts the window's schedule from the change."""
    return (
        window.schedule,
        window.schedule_timezone,
        window.schedule_offset,
        window.start_date,
        window.end_date,
        getattr(window, "enabled", True),
    )


@dataclass
class _Entry:
    key: tuple
    schedule: WindowSchedule | None
    # the next scheduled time not yet run (None: none to come)
    due: float | None


class WindowScheduler(ClockScheduler):
    name = "maintenance-windows"
    engine_key = ENGINE_KEY
    idle_seconds = IDLE_SECONDS

    def __init__(self, aws: EmbeddedAws) -> None:
        super().__init__(aws)
        self._entries: dict[tuple[str, str, str], _Entry] = {}
        self.started: list[str] = []  # window execution ids started by a schedule

    def _clear(self) -> None:
        self.started.clear()

    def _refresh(self) -> None:
        """Entries for the windows moto holds now (lock held)."""
        now = self.aws.clock.now()
        seen = set()
        for account_id, regions in list(ssm_backends.items()):
            for region, backend in list(regions.items()):
                for window in list(backend.windows.values()):
                    ident = (account_id, region, window.id)
                    seen.add(ident)
                    key = schedule_key(window)
                    entry = self._entries.get(ident)
                    if entry is not None and entry.key == key:
                        continue
                    # Created or changed then (store.py keeps both dates on the clock).
                    since = getattr(window, "modified_date", None) or now
                    schedule = window_schedule(window, since)
                    due = schedule.next_run(since) if schedule is not None else None
                    self._entries[ident] = _Entry(key, schedule, due)
        for ident in set(self._entries) - seen:
            del self._entries[ident]

    def fire_due(self) -> list[str]:
        """Start the executions whose time has come; their ids."""
        from .responses import start_window_execution

        to_start: list[tuple[tuple[str, str, str], float]] = []
        with self.lock:
            self._refresh()
            now = self.aws.clock.now()
            for ident, entry in self._entries.items():
                if entry.due is None or entry.due > now or entry.schedule is None:
                    continue
                latest = entry.due
                following = entry.schedule.next_run(latest)
                for _ in range(CATCH_UP_LIMIT):
                    if following is None or following > now:
                        break
                    latest, following = following, entry.schedule.next_run(following)
                entry.due = following
                if not self.holds(entry):
                    to_start.append((ident, latest))
        started = []
        for (account_id, region, window_id), at in to_start:
            try:
                run = start_window_execution(self.aws, account_id, region, window_id, start=at)
            except Exception:  # the window was deleted meanwhile
                continue
            started.append(run.window_execution_id)
        with self.lock:
            self.started.extend(started)
        return started

    def next_execution_time(self, account_id: str, region: str, window_id: str) -> float | None:
        """The next time the window runs by its schedule (GetMaintenanceWindow)."""
        with self.lock:
            self._refresh()
            entry = self._entries.get((account_id, region, window_id))
            return entry.due if entry is not None else None


def scheduler_of(aws: Any) -> WindowScheduler | None:
    try:
        return aws.service(WindowScheduler.name)
    except KeyError:
        return None
