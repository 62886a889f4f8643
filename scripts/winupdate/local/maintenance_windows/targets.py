"""Resolving a maintenance window task's Targets to the resources it runs on.

A task names window targets (``WindowTargetIds``) or instances (``InstanceIds``); a
window target names instances by id, by tag (``tag:<key>``, ``tag-key``) or by resource
group (``resource-groups:Name``), as RegisterTargetWithMaintenanceWindow documents.
"""

from __future__ import annotations

import json
from typing import Any

from moto.ec2.models import ec2_backends
from moto.ssm.models import FakeMaintenanceWindow, FakeMaintenanceWindowTask

from ..automation.targets import resolve_targets
from .models import Target


class TargetError(Exception):
    """A target the embedded AWS cannot resolve: the task fails with this message."""


def task_targets(
    window: FakeMaintenanceWindow, task: FakeMaintenanceWindowTask, account_id: str, region: str
) -> list[Target] | None:
    """The task's resources in a stable order, each once; ``None`` for a targetless task."""
    if not task.targets:
        return None
    found: list[Target] = []
    seen: set[str] = set()

    def add(target: Target) -> None:
        if target.resource_id not in seen:
            seen.add(target.resource_id)
            found.append(target)

    for entry in task.targets:
        key, values = entry.get("Key", ""), list(entry.get("Values") or [])
        if key == "WindowTargetIds":
            for window_target_id in values:
                registered = window.targets.get(window_target_id)
                if registered is None:
                    raise TargetError(f"Window target {window_target_id} does not exist.")
                for target in _resolve(registered.targets or [], account_id, region):
                    target.window_target_id = window_target_id
                    target.owner_information = registered.owner_information
                    add(target)
        else:
            for target in _resolve([entry], account_id, region):
                add(target)
    return found


def _resolve(entries: list[dict[str, Any]], account_id: str, region: str) -> list[Target]:
    """Every entry of one target definition must match (they narrow each other)."""
    selected: dict[str, Target] | None = None
    for entry in entries:
        key, values = entry.get("Key", ""), list(entry.get("Values") or [])
        if key == "InstanceIds":
            matched = {v: Target(v, v, "INSTANCE") for v in values}
        elif key.startswith("tag:") or key == "tag-key":
            ids = resolve_targets([{"Key": key, "Values": values}], account_id, region)
            matched = {i: Target(i, i, "INSTANCE") for i in ids}
        elif key == "resource-groups:Name":
            matched = {}
            for name in values:
                matched.update(_group_members(name, account_id, region))
        elif key == "resource-groups:ResourceTypeFilters":
            if not set(values) & {"AWS::EC2::Instance", "AWS::AllSupported"}:
                matched = {}  # only instances are modelled as targets
            else:
                continue
        else:
            raise TargetError(f"Target key {key!r} is not supported by the embedded AWS.")
        selected = (
            matched if selected is None else {k: v for k, v in selected.items() if k in matched}
        )
    return sorted((selected or {}).values(), key=lambda t: t.resource_id)


def _group_members(name: str, account_id: str, region: str) -> dict[str, Target]:
    """The EC2 instances of a tag-query resource group (``TAG_FILTERS_1_0``)."""
    from moto.resourcegroups.models import resourcegroups_backends

    groups = resourcegroups_backends[account_id][region].groups
    if name not in groups:
        raise TargetError(f"Resource group {name} does not exist.")
    query = groups[name].resource_query
    if query.get("Type") != "TAG_FILTERS_1_0":
        raise TargetError(
            f"Resource group {name}: query type {query.get('Type')} is not supported by the "
            "embedded AWS; use TAG_FILTERS_1_0."
        )
    spec = json.loads(query.get("Query") or "{}")
    types = set(spec.get("ResourceTypeFilters") or ["AWS::AllSupported"])
    if not types & {"AWS::EC2::Instance", "AWS::AllSupported"}:
        return {}
    members: dict[str, Target] = {}
    for reservation in ec2_backends[account_id][region].reservations.values():
        for instance in reservation.instances:
            if instance.state in ("terminated", "shutting-down"):
                continue
            tags = {t["key"]: t["value"] for t in instance.get_tags()}
            if all(
                f["Key"] in tags and (not f.get("Values") or tags[f["Key"]] in f["Values"])
                for f in spec.get("TagFilters") or []
            ):
                arn = f"arn:aws:ec2:{region}:{account_id}:instance/{instance.id}"
                # pseudo parameters: TARGET_ID is the ARN for a group, RESOURCE_ID the id
                members[instance.id] = Target(instance.id, arn, "RESOURCE_GROUP")
    return members
