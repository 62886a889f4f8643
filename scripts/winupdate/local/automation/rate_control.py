"""How many targets a rate-controlled run may have started at once
(running-automations-scale-controls.md): "The queueing system delivers the automation to a
single resource and waits until the initial invocation is complete before sending the
automation to two more resources. The system exponentially sends the automation to more
resources until the concurrency value is met."

The embedded AWS's rate control and the fleet benchmark's bound both ask this one policy.
"""

from __future__ import annotations


class Ramp:
    """The ramp starts at one target and doubles with every completed one, up to the
    run's concurrency."""

    def __init__(self, concurrency: int, start: int = 1) -> None:
        """``start``: how many at first; a maintenance window's MaxConcurrency, which has no
        ramp, is ``Ramp(c, start=c)``."""
        self.concurrency = max(1, concurrency)
        self._ramp = max(1, start)

    @property
    def allowed(self) -> int:
        """How many targets may be running now."""
        return min(self._ramp, self.concurrency)

    def completed(self) -> None:
        """A target's automation ended (in any status)."""
        self._ramp = min(self.concurrency, self._ramp * 2)
