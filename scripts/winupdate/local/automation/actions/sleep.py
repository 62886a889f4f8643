"""aws:sleep — automation-action-sleep.md: Duration (ISO 8601) or Timestamp."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ..registry import implements
from .base import Action, ActionResult, ActionRun, StepFailed

DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> float:
    match = DURATION.match(text.strip())
    if not match or text.strip() in ("P", "PT"):
        raise StepFailed(
            f"Duration {text!r} is not an ISO 8601 duration such as PT10M.", "InputValidation"
        )
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    return parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]


@implements("aws:sleep")
class Sleep(Action):
    def run(self, inputs: dict[str, Any]) -> ActionRun:
        if inputs.get("Duration"):
            seconds = parse_duration(str(inputs["Duration"]))
        elif inputs.get("Timestamp"):
            try:
                until = datetime.fromisoformat(str(inputs["Timestamp"]).replace("Z", "+00:00"))
            except ValueError as err:
                raise StepFailed(
                    f"Timestamp {inputs['Timestamp']!r} is not an ISO 8601 time.",
                    "InputValidation",
                ) from err
            seconds = until.timestamp() - self.ctx.clock.now()
        else:
            raise StepFailed("aws:sleep needs Duration or Timestamp.", "InputValidation")
        end = self.ctx.clock.now() + seconds
        while self.ctx.clock.now() < end:
            yield end - self.ctx.clock.now()
        return ActionResult()
