"""aws:createTags — automation-action-createtag.md: EC2 resources or SSM resources."""

from __future__ import annotations

from typing import Any

from ..registry import implements
from .base import Action, ActionResult, ActionRun, StepFailed, as_list, require

SSM_TYPES = {"ManagedInstance", "MaintenanceWindow", "Parameter"}


@implements("aws:createTags")
class CreateTags(Action):
    def run(self, inputs: dict[str, Any]) -> ActionRun:
        require(inputs, "ResourceIds", "Tags")
        ids = [str(i) for i in as_list(inputs["ResourceIds"])]
        tags = [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in as_list(inputs["Tags"])]
        kind = str(inputs.get("ResourceType") or "EC2")
        if kind == "EC2":
            yield from self.ctx.call("ec2", "CreateTags", {"Resources": ids, "Tags": tags})
        elif kind in SSM_TYPES:
            for resource_id in ids:
                yield from self.ctx.call(
                    "ssm",
                    "AddTagsToResource",
                    {"ResourceType": kind, "ResourceId": resource_id, "Tags": tags},
                )
        else:
            raise StepFailed(
                f"ResourceType must be EC2, ManagedInstance, MaintenanceWindow or Parameter, "
                f"not {kind!r}.",
                "InputValidation",
            )
        return ActionResult()
