"""The AMIs the pipeline made: found by the name rule and by the tags, with their snapshots."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .aws import Aws
from .summary import aligned_table

NAME_RULE = re.compile(
    r"^(?P<instance>(?:i|mi)-[0-9a-f]+)_(?P<phase>UpdateBefore|UpdateAfter)_(?P<execution>.+)$"
)
PHASES = ("UpdateBefore", "UpdateAfter")


@dataclass
class Snapshot:
    snapshot_id: str
    state: str
    size_gib: int | None


@dataclass
class PipelineImage:
    image_id: str
    name: str
    instance_id: str
    phase: str
    execution_id: str
    state: str
    created: str
    snapshots: list[Snapshot] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _describe(ec2: Any, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    pages = ec2.get_paginator("describe_images").paginate(Owners=["self"], Filters=filters)
    return [image for page in pages for image in page.get("Images", [])]


def _snapshots(ec2: Any, ids: list[str]) -> dict[str, Snapshot]:
    # A filter, not SnapshotIds: a snapshot deleted since does not fail the whole call.
    found: dict[str, Snapshot] = {}
    for start in range(0, len(ids), 200):
        chunk = ids[start : start + 200]
        response = ec2.describe_snapshots(
            OwnerIds=["self"], Filters=[{"Name": "snapshot-id", "Values": chunk}]
        )
        for snap in response.get("Snapshots", []):
            found[snap["SnapshotId"]] = Snapshot(
                snap["SnapshotId"], snap.get("State", "?"), snap.get("VolumeSize")
            )
    return found


def pipeline_images(aws: Aws, instance_id: str | None = None) -> list[PipelineImage]:
    """Every before/after AMI of the pipeline (of one instance), newest first."""
    ec2 = aws.client("ec2")
    prefix = instance_id or "*"
    with aws.errors("reading the pipeline's images"):
        by_name = _describe(ec2, [{"Name": "name", "Values": [f"{prefix}_{p}_*" for p in PHASES]}])
        tag_filters = [{"Name": "tag:Phase", "Values": list(PHASES)}]
        if instance_id:
            tag_filters.append({"Name": "tag:InstanceId", "Values": [instance_id]})
        by_tag = _describe(ec2, tag_filters)
        images: dict[str, PipelineImage] = {}
        snapshot_ids: list[str] = []
        for image in [*by_name, *by_tag]:
            if image["ImageId"] in images:
                continue
            tags = {t["Key"]: t["Value"] for t in image.get("Tags", [])}
            match = NAME_RULE.match(image.get("Name", ""))
            owner = tags.get("InstanceId") or (match.group("instance") if match else None)
            phase = tags.get("Phase") or (match.group("phase") if match else None)
            if not owner or phase not in PHASES or (instance_id and owner != instance_id):
                continue
            snaps = [
                m["Ebs"]["SnapshotId"]
                for m in image.get("BlockDeviceMappings", [])
                if m.get("Ebs", {}).get("SnapshotId")
            ]
            snapshot_ids += snaps
            images[image["ImageId"]] = PipelineImage(
                image_id=image["ImageId"],
                name=image.get("Name", ""),
                instance_id=owner,
                phase=phase,
                execution_id=tags.get("AutomationExecutionId")
                or (match.group("execution") if match else "?"),
                state=image.get("State", "?"),
                created=image.get("CreationDate", ""),
                snapshots=[Snapshot(s, "?", None) for s in snaps],
            )
        known = _snapshots(ec2, snapshot_ids) if snapshot_ids else {}
    for image in images.values():
        image.snapshots = [
            known.get(s.snapshot_id, Snapshot(s.snapshot_id, "missing", None))
            for s in image.snapshots
        ]
    return sorted(images.values(), key=lambda i: (i.created, i.name), reverse=True)


def render_images(images: list[PipelineImage]) -> str:
    if not images:
        return "no pipeline images found"
    header = ("created", "instance", "phase", "image", "state", "snapshots", "name")
    rows = [header]
    for i in images:
        snaps = ", ".join(
            f"{s.snapshot_id} {s.state} {s.size_gib if s.size_gib is not None else '?'} GiB"
            for s in i.snapshots
        )
        rows.append((i.created, i.instance_id, i.phase, i.image_id, i.state, snaps or "-", i.name))
    return aligned_table(rows)
