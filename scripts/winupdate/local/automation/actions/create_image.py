"""aws:createImage — automation-action-create.md: create an AMI and wait until it is available."""

from __future__ import annotations

from typing import Any

from ..context import POLL_SECONDS
from ..registry import implements
from .base import Action, ActionResult, ActionRun, StepFailed, as_bool, require


@implements("aws:createImage")
class CreateImage(Action):
    def run(self, inputs: dict[str, Any]) -> ActionRun:
        require(inputs, "InstanceId", "ImageName")
        params: dict[str, Any] = {
            "InstanceId": str(inputs["InstanceId"]),
            "Name": str(inputs["ImageName"]),
            "NoReboot": as_bool(inputs.get("NoReboot", False)),
        }
        if inputs.get("ImageDescription"):
            params["Description"] = str(inputs["ImageDescription"])
        if inputs.get("BlockDeviceMappings"):
            params["BlockDeviceMappings"] = inputs["BlockDeviceMappings"]
        image_id = (yield from self.ctx.call("ec2", "CreateImage", params))["ImageId"]
        self.ctx.record.outputs["ImageId"] = [image_id]
        while True:
            images = (yield from self.ctx.call("ec2", "DescribeImages", {"ImageIds": [image_id]}))[
                "Images"
            ]
            state = images[0]["State"] if images else "unknown"
            if state == "available":
                return ActionResult(outputs={"ImageId": image_id, "ImageState": state})
            if state in ("failed", "invalid", "deregistered", "error"):
                reason = images[0].get("StateReason", {}).get("Message", "") if images else ""
                raise StepFailed(f"Image {image_id} is {state}. {reason}".strip())
            yield POLL_SECONDS
