"""Modelled time for the embedded AWS.

Every deadline in the embedded AWS comes from a clock: nothing else calls
``time.time`` or ``time.sleep``. ``ScaledClock`` runs modelled time ``speed``
times faster than the wall, so an hour-long step timeout takes seconds in a test.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class ScaledClock:
    """Wall time sped up by ``speed``; starts at the real current time."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._epoch = time.time()
        self._start = time.monotonic()

    def now(self) -> float:
        """Modelled seconds since the Unix epoch."""
        return self._epoch + (time.monotonic() - self._start) * self.speed

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
