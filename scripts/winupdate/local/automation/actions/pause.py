"""aws:pause — automation-action-pause.md: wait in Waiting until a Resume signal."""

from __future__ import annotations

from typing import Any

from ..registry import implements
from .base import Action, ActionResult, ActionRun

FOREVER = 7 * 86400.0


@implements("aws:pause")
class Pause(Action):
    def run(self, inputs: dict[str, Any]) -> ActionRun:
        self.ctx.set_waiting(True)
        try:
            while not any(s["type"] == "Resume" for s in self.ctx.take_signals()):
                yield FOREVER
        finally:
            self.ctx.set_waiting(False)
        return ActionResult()
