"""What the services that start things at scheduled times share (maintenance windows'
``maintenance_windows.scheduler``, EventBridge Scheduler's ``eventbridge_scheduler``): on the
scaled clock a runner on the engine fires what is due and sleeps until the next due time
(or ``idle_seconds``); on the virtual clock nothing fires unless a harness follows the clock
(``follow_until``), and the clock jumps to the next due time. ``paused`` stops both: true
stops every schedule, ``"recurring"`` only the cron and rate ones (a one-off at(...) still
fires: a suite that must not be surprised by a weekly window still lets a run arm one).

A subclass keeps ``_entries`` (objects with a ``due`` time or None), refreshes them from
moto's records in ``_refresh`` (lock held), fires what is due in ``fire_due``, and clears its
own records in ``_clear``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import EmbeddedAws


class ClockScheduler:
    #: The engine key of the scaled-time runner, one per service.
    engine_key = ""
    #: How long the runner sleeps with nothing due (a new schedule wakes it: ``changed``).
    idle_seconds = 3600.0

    def __init__(self, aws: EmbeddedAws) -> None:
        self.aws = aws
        self.lock = threading.RLock()
        self._entries: dict[Any, Any] = {}
        self.follow_until: float | None = None
        # Set by a harness that must not be surprised by a schedule of its own (any clock):
        # True, False or "recurring".
        self.paused: bool | str = False

    # -- what a subclass does ---------------------------------------------------------------
    def _refresh(self) -> None:
        raise NotImplementedError

    def fire_due(self) -> None:
        raise NotImplementedError

    def _clear(self) -> None:
        """The subclass's own records of what it started (lock held)."""

    # -- service protocol -------------------------------------------------------------------
    def start(self) -> None:
        if not self.aws.clock.virtual:
            self.aws.service("automation").engine.submit(self.engine_key, self._runner())

    def stop(self) -> None:
        with self.lock:
            self._entries.clear()
            self._clear()
        self.follow_until = None
        self.paused = False

    def tick(self) -> None:
        self.fire_due()

    def holds(self, entry: Any) -> bool:
        """Whether ``paused`` keeps ``entry`` (with a ``schedule``) from firing."""
        if self.paused == "recurring":
            return entry.schedule is None or entry.schedule.expression.kind != "at"
        return bool(self.paused)

    def next_event(self) -> float | None:
        """Virtual time: the next scheduled time the clock should jump to, if following."""
        if self.follow_until is None or self.paused is True:
            return None
        with self.lock:
            self._refresh()
            due = [
                e.due
                for e in self._entries.values()
                if e.due is not None and e.due <= self.follow_until and not self.holds(e)
            ]
        return min(due, default=None)

    def changed(self) -> None:
        """A schedule was created, updated or deleted: the scaled-time runner looks again."""
        if not self.aws.clock.virtual:
            self.aws.service("automation").engine.wake(self.engine_key)

    def apply_settings(self, params: dict[str, Any]) -> None:
        """A control's ``FollowUntil`` (virtual time: ISO 8601 with an offset, or epoch
        seconds, up to which due times are events the clock jumps to; null: none) and
        ``Paused`` (any clock: due times pass and nothing starts), checked before either is
        set; the runner looks again."""
        unknown = set(params) - {"FollowUntil", "Paused"}
        if unknown:
            raise ValueError(f"unknown settings {', '.join(sorted(unknown))}: FollowUntil, Paused")
        follow = self.follow_until
        if "FollowUntil" in params:
            follow = time_setting(params["FollowUntil"])
        paused = self.paused
        if "Paused" in params:
            if not isinstance(params["Paused"], bool) and params["Paused"] != "recurring":
                raise ValueError(
                    f'Paused must be true, false or "recurring", not {params["Paused"]!r}'
                )
            paused = params["Paused"]
        self.follow_until, self.paused = follow, paused
        self.changed()

    def _runner(self) -> Iterator[float]:
        while True:
            self.fire_due()
            now = self.aws.clock.now()
            with self.lock:
                due = [e.due for e in self._entries.values() if e.due is not None]
            yield min([now + self.idle_seconds, *due])


def time_setting(value: Any) -> float | None:
    """``FollowUntil`` as epoch seconds (None: follow nothing)."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as err:
        raise ValueError(f"FollowUntil must be ISO 8601 or epoch seconds, not {value!r}") from err
    if when.tzinfo is None:
        raise ValueError(f"FollowUntil {value!r} needs a UTC offset (Z or +hh:mm)")
    return when.timestamp()
