"""EBS volumes take time: CreateVolume, AttachVolume and DetachVolume over modelled time.

moto creates a volume ``available`` and attaches or detaches it at once. As on AWS (EBS
user guide, "Amazon EBS volume lifecycle"; API reference CreateVolume, AttachVolume,
DetachVolume):

- CreateVolume answers ``creating``; the volume is ``available`` ``Durations.volume_create``
  later.
- AttachVolume answers ``attaching``; the attachment is ``attached`` (the volume
  ``in-use``) ``Durations.volume_attach`` later.
- DetachVolume answers ``detaching``; the volume is ``in-use`` with a ``detaching``
  attachment for ``Durations.volume_detach``, then ``available``.

The refusals AWS makes that moto does not (it overwrites a device in use, attaches across
zones and detaches a running instance's root volume), with AWS's codes and wording as EC2
answers them: ``IncorrectState`` "vol-... is not 'available'." (a volume being created or
attached), ``VolumeInUse``, ``InvalidVolume.ZoneMismatch``, ``InvalidParameterValue``
"Attachment point ... is already in use", and, for a running instance's root volume
(DetachVolume: "If an EBS volume is the root device of an instance, it can't be detached
while the instance is running"), ``IncorrectState`` "Unable to detach root volume ...".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moto.ec2.models import ec2_backends

from ..dispatch import Call, after, before, operation
from ..errors import AwsError
from ..moto_patches.volumes import install
from .instances import find_instance
from .xml_answers import first_text_in

if TYPE_CHECKING:
    from .service import FleetService

install()

#: Attachment states a volume moves through, and what moto's BlockDeviceType shows for them
#: (DescribeInstances renders ``in-use`` as ``attached``).
_BLOCK_STATUS = {"attaching": "attaching", "attached": "in-use", "detaching": "detaching"}


def _fleet(call: Call) -> FleetService:
    return call.aws.service("fleet")


def find_volume(account_id: str, region: str, volume_id: str) -> Any:
    volume = ec2_backends[account_id][region].volumes.get(volume_id)
    if volume is None:
        raise AwsError("InvalidVolume.NotFound", f"The volume '{volume_id}' does not exist.", 400)
    return volume


def set_attachment_state(instance: Any, volume: Any, state: str) -> None:
    """The attachment's state, as DescribeVolumes and DescribeInstances show it."""
    if volume.attachment is not None:
        volume.attachment.status = state
    block = (
        instance.block_device_mapping.get(volume.attachment.device) if volume.attachment else None
    )
    if block is not None:
        block.status = _BLOCK_STATUS[state]


# -- CreateVolume ------------------------------------------------------------------


def creating(fleet: FleetService, volume: Any, now: float) -> float:
    """``volume`` is ``creating`` from ``now``; answers when it is ``available``."""
    volume.modelled_status = "creating"
    done = now + fleet.durations.volume_create

    def available(due: float) -> None:
        if getattr(volume, "modelled_status", None) == "creating":
            volume.modelled_status = None

    fleet.schedule(done, available)
    return done


@before("ec2", "CreateVolume")
def _create_volume_checks(call: Call) -> None:
    snapshot_id = call.params.get("SnapshotId")
    if not snapshot_id:
        return
    snapshot = ec2_backends[call.account_id][call.region].snapshots.get(snapshot_id)
    if snapshot is not None and snapshot.status != "completed":
        # AWS creates a volume from a snapshot still being taken (it loads lazily); the
        # embedded AWS does not model a volume filling in behind its snapshot.
        raise NotImplementedError(
            f"a volume from snapshot {snapshot_id} in state {snapshot.status} "
            "(not supported by the embedded AWS: wait for it to be completed)"
        )


@after("ec2", "CreateVolume")
def _create_volume(call: Call, status: int, body: bytes) -> None:
    if status != 200:
        return
    volume_id = first_text_in(body, "volumeId")
    if volume_id is None:
        return
    fleet = _fleet(call)
    with fleet.lock:
        volume = ec2_backends[call.account_id][call.region].volumes.get(volume_id)
        if volume is not None:
            creating(fleet, volume, fleet.now())


# -- AttachVolume ------------------------------------------------------------------


@before("ec2", "AttachVolume")
def _attach_volume_checks(call: Call) -> None:
    volume_id = str(call.params.get("VolumeId", ""))
    instance_id = str(call.params.get("InstanceId", ""))
    device = str(call.params.get("Device", ""))
    volume = find_volume(call.account_id, call.region, volume_id)
    instance = find_instance(call.account_id, call.region, instance_id)
    if instance is None:
        return  # moto answers InvalidInstanceID.NotFound
    if volume.attachment is not None:
        raise AwsError("VolumeInUse", f"{volume_id} is already attached to an instance", 400)
    if volume.status != "available":
        raise AwsError("IncorrectState", f"{volume_id} is not 'available'.", 400)
    if volume.zone is not None and volume.zone.name != instance.availability_zone:
        raise AwsError(
            "InvalidVolume.ZoneMismatch",
            f"The volume '{volume_id}' is not in the same availability zone as instance "
            f"'{instance_id}'",
            400,
        )
    if device in instance.block_device_mapping:
        raise AwsError(
            "InvalidParameterValue",
            f"Invalid value '{device}' for unixDevice. Attachment point {device} is already in use",
            400,
        )


@after("ec2", "AttachVolume")
def _attach_volume(call: Call, status: int, body: bytes) -> None:
    if status != 200:
        return
    fleet = _fleet(call)
    with fleet.lock:
        volume = ec2_backends[call.account_id][call.region].volumes.get(call.params["VolumeId"])
        instance = find_instance(call.account_id, call.region, call.params["InstanceId"])
        if volume is not None and instance is not None:
            attaching(fleet, instance, volume, fleet.now())


def attaching(fleet: FleetService, instance: Any, volume: Any, now: float) -> float:
    """The attachment moto just made is ``attaching`` from ``now``; answers when it is
    ``attached``."""
    attachment = volume.attachment
    set_attachment_state(instance, volume, "attaching")
    done = now + fleet.durations.volume_attach

    def attached(due: float) -> None:
        if volume.attachment is attachment and attachment.status == "attaching":
            set_attachment_state(instance, volume, "attached")

    fleet.schedule(done, attached)
    return done


# -- DetachVolume ------------------------------------------------------------------


@operation("ec2", "DetachVolume")
def detach_volume(call: Call) -> dict[str, Any]:
    """DetachVolume: the attachment is ``detaching``, the volume ``available`` after
    ``Durations.volume_detach``. Answered by us: moto detaches at once."""
    if str(call.params.get("Force", "false")).lower() == "true":
        raise NotImplementedError("DetachVolume Force (not supported by the embedded AWS)")
    volume_id = str(call.params.get("VolumeId", ""))
    fleet = _fleet(call)
    with fleet.lock:
        volume = find_volume(call.account_id, call.region, volume_id)
        attachment = volume.attachment
        if attachment is None:
            raise AwsError(
                "IncorrectState", f"Volume '{volume_id}' is in the '{volume.status}' state.", 400
            )
        instance = attachment.instance
        named = call.params.get("InstanceId")
        device = call.params.get("Device")
        if (named and named != instance.id) or (device and device != attachment.device):
            raise AwsError(
                "InvalidAttachment.NotFound",
                f"The volume {volume_id} is not attached to instance {named or instance.id}"
                + (f" as device {device}" if device else ""),
                400,
            )
        if attachment.status != "attached":
            raise AwsError(
                "IncorrectState",
                f"Volume '{volume_id}' is in the '{attachment.status}' state.",
                400,
            )
        if attachment.device == instance.root_device_name and instance.state != "stopped":
            raise AwsError(
                "IncorrectState",
                f"Unable to detach root volume '{volume_id}' from instance '{instance.id}'",
                400,
            )
        detaching(fleet, instance, volume, fleet.now())
        block = instance.block_device_mapping.get(attachment.device)
        return {
            "VolumeId": volume_id,
            "InstanceId": instance.id,
            "Device": attachment.device,
            "State": "detaching",
            "AttachTime": attachment.attach_time,
            "DeleteOnTermination": bool(block.delete_on_termination) if block else False,
        }


def detaching(
    fleet: FleetService, instance: Any, volume: Any, now: float, duration: float | None = None
) -> float:
    """``volume`` is ``detaching`` from ``now``; answers when moto has detached it."""
    attachment = volume.attachment
    set_attachment_state(instance, volume, "detaching")
    done = now + (fleet.durations.volume_detach if duration is None else duration)
    backend = volume.ec2_backend

    def detached(due: float) -> None:
        if volume.attachment is attachment and attachment.status == "detaching":
            backend.detach_volume(volume.id, instance.id, attachment.device)

    fleet.schedule(done, detached)
    return done
