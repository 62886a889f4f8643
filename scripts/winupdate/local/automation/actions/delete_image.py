"""aws:deleteImage — automation-action-delete.md: deregister the AMI and delete its snapshots."""

from __future__ import annotations

from typing import Any

from ..registry import implements
from .base import Action, ActionResult, ActionRun, require


@implements("aws:deleteImage")
class DeleteImage(Action):
    def run(self, inputs: dict[str, Any]) -> ActionRun:
        require(inputs, "ImageId")
        image_id = str(inputs["ImageId"])
        images = (yield from self.ctx.call("ec2", "DescribeImages", {"ImageIds": [image_id]}))[
            "Images"
        ]
        snapshots = [
            m["Ebs"]["SnapshotId"]
            for image in images
            for m in image.get("BlockDeviceMappings", [])
            if m.get("Ebs", {}).get("SnapshotId")
        ]
        yield from self.ctx.call("ec2", "DeregisterImage", {"ImageId": image_id})
        for snapshot in snapshots:
            yield from self.ctx.call("ec2", "DeleteSnapshot", {"SnapshotId": snapshot})
        return ActionResult()
