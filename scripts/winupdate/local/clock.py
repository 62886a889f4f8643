"""Modelled time for the embedded AWS.

Every deadline in the embedded AWS comes from a clock: nothing else calls
``time.time`` or ``time.sleep``. ``ScaledClock`` runs modelled time ``speed``
times faster than the wall, so an hour-long step timeout takes seconds in a test.
"""

from __future__ import annotations

import gc
import threading
import time
from datetime import UTC, datetime


class _CollectorPauses:
    """Wall seconds the garbage collector has stopped every thread for, in total.

    A full collection walks moto's and botocore's models: 0.1-0.3 s on a loaded machine,
    which at 600 modelled seconds a wall second is two or three modelled minutes in which
    no AWS service could have answered, and a step in flight (aws:executeAwsApi may run
    25 s) timed out for our pause. The scaled clock does not count them.
    """

    def __init__(self) -> None:
        self.total = 0.0
        self._began: float | None = None
        gc.callbacks.append(self._phase)

    def _phase(self, phase: str, info: dict) -> None:
        # Called with the GIL held by the collecting thread: no other thread runs between.
        if phase == "start":
            self._began = time.monotonic()
        elif self._began is not None:
            self.total += time.monotonic() - self._began
            self._began = None


COLLECTOR_PAUSES = _CollectorPauses()


class ScaledClock:
    """Wall time sped up by ``speed``; starts at the real current time. The garbage
    collector's pauses do not count (``_CollectorPauses``)."""

    virtual = False

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._epoch = time.time()
        self._start = time.monotonic() - COLLECTOR_PAUSES.total

    def now(self) -> float:
        """Modelled seconds since the Unix epoch."""
        running = time.monotonic() - COLLECTOR_PAUSES.total - self._start
        return self._epoch + running * self.speed

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def real_seconds(self, modelled: float) -> float:
        """How long ``modelled`` seconds last on the wall."""
        return max(0.0, modelled / self.speed)

    def wait(self, condition: threading.Condition, modelled: float) -> None:
        """Block on ``condition`` (held by the caller) for at most ``modelled`` seconds."""
        condition.wait(timeout=min(self.real_seconds(modelled), 3600.0))

    def sleep(self, modelled: float) -> None:
        time.sleep(self.real_seconds(modelled))

    def wall(self) -> float:
        """Unscaled monotonic seconds, for real work measured as it really lasts (a script)."""
        return time.monotonic()


# 2026-01-01T00:00:00Z: virtual runs start here, so their numbers repeat exactly.
VIRTUAL_EPOCH = 1767225600.0


class VirtualClock:
    """Discrete-event time: it stands still while anything is running and jumps to the next
    wake-up when every execution and fleet process is waiting. A night of patching takes
    as long as the work the emulator does, and the same run gives the same numbers."""

    virtual = True
    speed = float("inf")

    def __init__(self, start: float = VIRTUAL_EPOCH) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self._now, tz=UTC)

    def advance_to(self, when: float) -> None:
        with self._lock:
            if when > self._now:
                self._now = when

    def real_seconds(self, modelled: float) -> float:
        return 0.0

    def wait(self, condition: threading.Condition, modelled: float) -> None:
        # Time moves only when the engine advances it; wait for new work or a wake.
        condition.wait(timeout=0.05)

    def sleep(self, modelled: float) -> None:
        self.advance_to(self._now + modelled)

    def wall(self) -> float:
        return time.monotonic()


Clock = ScaledClock | VirtualClock
