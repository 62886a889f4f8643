"""The emulator-only control of EventBridge Scheduler schedules (``scheduler``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..dispatch import control

if TYPE_CHECKING:
    from ..server import EmbeddedAws


@control("POST", "eventbridge-scheduler/schedules")
def eventbridge_schedules(aws: EmbeddedAws, params: dict[str, Any]) -> dict[str, Any]:
    """``FollowUntil`` (virtual time: ISO 8601 or epoch seconds up to which due times are
    events the clock jumps to; null: none) and ``Paused`` (any clock: due times pass and
    nothing is invoked), as for maintenance windows. Answers the settings, every schedule
    with its next time and invocations (what AWS shows only as CloudWatch metrics), and all
    invocations so far (those of deleted schedules too)."""
    from .scheduler import scheduler_of

    scheduler = scheduler_of(aws)
    if scheduler is None:
        raise ValueError("the embedded AWS runs no EventBridge Scheduler service")
    scheduler.apply_settings(params)
    with scheduler.lock:
        invocations = [i.describe() for i in scheduler.invocations]
    return {
        "FollowUntil": scheduler.follow_until,
        "Paused": scheduler.paused,
        "Schedules": scheduler.describe(),
        "Invocations": invocations,
    }
