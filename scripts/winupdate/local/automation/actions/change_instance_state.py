"""aws:changeInstanceState — automation-action-changestate.md."""

from __future__ import annotations

from typing import Any

from ..context import POLL_SECONDS
from ..registry import implements
from .base import Action, ActionResult, ActionRun, StepFailed, as_bool, as_list, require

CHANGES = {
    "running": ("StartInstances", {}),
    "stopped": ("StopInstances", {}),
    "terminated": ("TerminateInstances", {}),
}


@implements("aws:changeInstanceState")
class ChangeInstanceState(Action):
    def run(self, inputs: dict[str, Any]) -> ActionRun:
        require(inputs, "InstanceIds", "DesiredState")
        ids = [str(i) for i in as_list(inputs["InstanceIds"])]
        desired = str(inputs["DesiredState"])
        if desired not in CHANGES:
            raise StepFailed(
                f"DesiredState must be running, stopped or terminated, not {desired!r}.",
                "InputValidation",
            )
        if not as_bool(inputs.get("CheckStateOnly", False)):
            api, extra = CHANGES[desired]
            params: dict[str, Any] = {"InstanceIds": ids, **extra}
            if desired == "stopped" and as_bool(inputs.get("Force", False)):
                params["Force"] = True
            if desired == "running" and inputs.get("AdditionalInfo"):
                params["AdditionalInfo"] = str(inputs["AdditionalInfo"])
            yield from self.ctx.call("ec2", api, params)
        while True:
            response = yield from self.ctx.call("ec2", "DescribeInstances", {"InstanceIds": ids})
            states = [i["State"]["Name"] for r in response["Reservations"] for i in r["Instances"]]
            if states and all(s == desired for s in states):
                return ActionResult()
            yield POLL_SECONDS
