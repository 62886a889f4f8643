"""Remove what patch runs leave behind for a set of instances: the instances, their AMIs, the
AMIs' snapshots, and the volumes a restore replaced (kept ``available``, tagged
``RestoredFrom`` with one of those AMIs). Used by ``winupdate demo`` and the integration
tests' finalizers.

The pipeline names its images ``<InstanceId>_<UpdateBefore|UpdateAfter>_<execution id>``
and tags them and their snapshots ``InstanceId``; both rules are used, so an image whose
tagging step failed is still found. An image must be deregistered before its snapshot
can be deleted (``InvalidSnapshot.InUse``); an image AWS will not deregister yet (still
``pending``) is retried until the timeout rather than waited for up front, so an image
that never leaves ``pending`` costs nothing where deregistering it works at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import ClientError

# Error codes meaning "already gone": a clean-up that runs twice must not fail.
GONE = {
    "InvalidAMIID.NotFound",
    "InvalidSnapshot.NotFound",
    "InvalidInstanceID.NotFound",
    "InvalidVolume.NotFound",
}


def images_of_instances(ec2: Any, instance_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Own images named after or tagged with one of the instances."""
    ids = sorted(set(instance_ids))
    if not ids:
        return []
    found: dict[str, dict[str, Any]] = {}
    for filters in (
        [{"Name": "name", "Values": [f"{i}_*" for i in ids]}],
        [{"Name": "tag:InstanceId", "Values": ids}],
    ):
        for image in ec2.describe_images(Owners=["self"], Filters=filters)["Images"]:
            found[image["ImageId"]] = image
    return list(found.values())


def snapshots_of_instances(ec2: Any, instance_ids: Iterable[str]) -> list[str]:
    ids = sorted(set(instance_ids))
    if not ids:
        return []
    pages = ec2.get_paginator("describe_snapshots").paginate(
        OwnerIds=["self"], Filters=[{"Name": "tag:InstanceId", "Values": ids}]
    )
    return [s["SnapshotId"] for page in pages for s in page["Snapshots"]]


def remove_instances(
    ec2: Any,
    instance_ids: Iterable[str],
    timeout: float = 60.0,
    poll: float = 0.2,
    say: Callable[[str], None] = lambda _text: None,
) -> list[str]:
    """Terminate the instances, deregister their images, delete the images' snapshots.

    Every step is attempted even when an earlier one failed; returns the problems (empty
    when everything is gone), so a caller in a ``finally`` can report them all.
    """
    ids = sorted(set(instance_ids))
    problems: list[str] = []
    if not ids:
        return problems
    try:
        ec2.terminate_instances(InstanceIds=ids)
        say(f"terminating {', '.join(ids)}")
    except ClientError as err:
        if _code(err) not in GONE:
            problems.append(f"terminate {ids}: {err}")
    deadline = time.monotonic() + timeout
    snapshots = set(snapshots_of_instances(ec2, ids))
    images = images_of_instances(ec2, ids)
    problems.extend(_delete_replaced_volumes(ec2, [i["ImageId"] for i in images], say))
    for image in images:
        snapshots.update(
            m["Ebs"]["SnapshotId"]
            for m in image.get("BlockDeviceMappings", [])
            if m.get("Ebs", {}).get("SnapshotId")
        )
        problems.extend(_deregister(ec2, image, deadline, poll, say))
    for snapshot in sorted(snapshots):
        problems.extend(_delete_snapshot(ec2, snapshot, deadline, poll, say))
    problems.extend(_wait_terminated(ec2, ids, deadline, poll))
    return problems


def _delete_replaced_volumes(
    ec2: Any, image_ids: list[str], say: Callable[[str], None]
) -> list[str]:
    """The volumes restores from these AMIs replaced and kept (detached, ``available``)."""
    if not image_ids:
        return []
    problems = []
    volumes = ec2.describe_volumes(
        Filters=[
            {"Name": "tag:RestoredFrom", "Values": sorted(image_ids)},
            {"Name": "status", "Values": ["available"]},
        ]
    )["Volumes"]
    for volume in volumes:
        try:
            ec2.delete_volume(VolumeId=volume["VolumeId"])
            say(f"deleted {volume['VolumeId']} (replaced by a restore)")
        except ClientError as err:
            if _code(err) not in GONE:
                problems.append(f"delete {volume['VolumeId']}: {err}")
    return problems


def _deregister(
    ec2: Any, image: dict[str, Any], deadline: float, poll: float, say: Callable[[str], None]
) -> list[str]:
    while True:
        try:
            ec2.deregister_image(ImageId=image["ImageId"])
            say(f"deregistered {image['ImageId']} {image.get('Name', '')}")
            return []
        except ClientError as err:
            if _code(err) in GONE:
                return []
            if time.monotonic() > deadline:
                return [f"deregister {image['ImageId']} ({image.get('State')}): {err}"]
        time.sleep(poll)


def _delete_snapshot(
    ec2: Any, snapshot: str, deadline: float, poll: float, say: Callable[[str], None]
) -> list[str]:
    while True:
        try:
            ec2.delete_snapshot(SnapshotId=snapshot)
            say(f"deleted {snapshot}")
            return []
        except ClientError as err:
            if _code(err) in GONE:
                return []
            # AWS may still count a just-deregistered image as a user of the snapshot.
            if _code(err) != "InvalidSnapshot.InUse" or time.monotonic() > deadline:
                return [f"delete {snapshot}: {err}"]
        time.sleep(poll)


def _wait_terminated(ec2: Any, ids: list[str], deadline: float, poll: float) -> list[str]:
    while True:
        try:
            reservations = ec2.describe_instances(InstanceIds=ids)["Reservations"]
        except ClientError as err:
            return [] if _code(err) in GONE else [f"describe {ids}: {err}"]
        states = {i["InstanceId"]: i["State"]["Name"] for r in reservations for i in r["Instances"]}
        left = {i: s for i, s in states.items() if s != "terminated"}
        if not left:
            return []
        if time.monotonic() > deadline:
            return [f"not terminated: {left}"]
        time.sleep(poll)


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))
