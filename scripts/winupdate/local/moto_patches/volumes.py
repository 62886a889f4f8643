"""moto's EBS volumes and AMIs, made to carry what the fleet models over time.

- ``Volume.status``: a volume may show a modelled state (``creating``) that moto, which
  creates volumes ``available`` at once, never sets. A volume CreateVolume makes answers
  ``creating``; ``fleet.volumes`` clears ``Volume.modelled_status`` when its modelled time
  is up; without it moto's own rule answers (``in-use`` when attached, else ``available``).
- An AMI made from an instance snapshots *every* EBS volume attached to it, each at its
  device (EC2 user guide, "Create an Amazon EBS-backed AMI": "Amazon EC2 creates
  snapshots of your instance's root volume and any other EBS volumes attached to your
  instance"). moto 5.2.5 snapshots a fresh 15 GiB volume instead of the root volume and
  lists only that one in the image's BlockDeviceMappings.
- RunInstances with BlockDeviceMappings that do not name the AMI's root device still gets
  its root volume (EC2 user guide, "Block device mappings": the mappings given are added
  to, or override, the AMI's); moto 5.2.5 then creates only the volumes given, and the
  instance has no root volume.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.ec2.models.amis import Ami
from moto.ec2.models.elastic_block_store import Volume


@dataclass
class ImageVolume:
    """One block device of an AMI made from an instance: its snapshot and attributes."""

    device: str
    snapshot: Any
    size: int
    volume_type: str
    delete_on_termination: bool

    def mapping(self) -> dict[str, Any]:
        return {
            "DeviceName": self.device,
            "Ebs": {
                "SnapshotId": self.snapshot.id,
                "VolumeSize": self.size,
                "DeleteOnTermination": self.delete_on_termination,
                "VolumeType": self.volume_type,
                "Encrypted": bool(self.snapshot.encrypted),
            },
        }


def image_volumes(image: Any) -> list[ImageVolume]:
    """The devices an AMI made from an instance holds (empty for moto's stock images)."""
    return list(getattr(image, "volume_snapshots", []) or [])


def image_snapshots(image: Any) -> list[Any]:
    """Every snapshot an AMI holds: one per device, or moto's one for its stock images."""
    found = [v.snapshot for v in image_volumes(image)]
    if not found and getattr(image, "ebs_snapshot", None) is not None:
        found = [image.ebs_snapshot]
    return found


def root_snapshot(image: Any) -> Any:
    """The snapshot an AMI's root device is restored from."""
    for volume in image_volumes(image):
        if volume.device == image.root_device_name:
            return volume.snapshot
    return getattr(image, "ebs_snapshot", None)


def install() -> None:
    if getattr(Volume, "winupdate_patched", False):
        return
    Volume.winupdate_patched = True  # type: ignore[attr-defined]
    _modelled_volume_status()
    _created_volumes_answer_creating()
    _images_snapshot_every_volume()
    _launch_keeps_the_root_volume()


def _launch_keeps_the_root_volume() -> None:
    from moto.ec2.models.instances import InstanceBackend

    moto_run_instances = InstanceBackend.run_instances

    def run_instances(
        self: Any,
        image_id: str,
        count: int,
        user_data: Any,
        security_group_names: Any,
        **kwargs: Any,
    ) -> Any:
        mappings = kwargs.get("block_device_mappings")
        if mappings:
            image = self.amis.get(image_id) if hasattr(self, "amis") else None
            root = getattr(image, "root_device_name", None) or "/dev/sda1"
            if all(m.get("DeviceName") != root for m in mappings):
                # moto's own default root volume: 8 GiB, deleted with the instance.
                root_mapping = {
                    "DeviceName": root,
                    "Ebs": {"VolumeSize": 8, "DeleteOnTermination": True},
                }
                kwargs["block_device_mappings"] = [root_mapping, *mappings]
        return moto_run_instances(self, image_id, count, user_data, security_group_names, **kwargs)

    InstanceBackend.run_instances = run_instances  # type: ignore[method-assign]


def _modelled_volume_status() -> None:
    moto_status = Volume.status

    def status(self: Any) -> str:
        modelled = getattr(self, "modelled_status", None)
        return modelled or moto_status.fget(self)

    Volume.status = property(status)  # type: ignore[method-assign,assignment]


def _created_volumes_answer_creating() -> None:
    """CreateVolume's answer says ``creating`` (moto renders the volume after creating it
    ``available``); ``fleet.volumes`` makes it ``available`` after the modelled time."""
    from moto.ec2.responses.elastic_block_store import ElasticBlockStore

    moto_create_volume = ElasticBlockStore.create_volume

    def create_volume(self: Any) -> Any:
        answer = moto_create_volume(self)
        answer.result.modelled_status = "creating"
        return answer

    ElasticBlockStore.create_volume = create_volume  # type: ignore[method-assign]


def _images_snapshot_every_volume() -> None:
    moto_init = Ami.__init__
    moto_mappings = Ami.block_device_mappings

    def __init__(self: Any, ec2_backend: Any, ami_id: str, *args: Any, **kwargs: Any) -> None:
        moto_init(self, ec2_backend, ami_id, *args, **kwargs)
        instance = kwargs.get("instance") or (args[0] if args else None)
        if instance is None:
            return
        volumes = []
        for device, block in instance.get_block_device_mapping:
            volume = ec2_backend.volumes.get(block.volume_id)
            if volume is None:
                continue
            snapshot = ec2_backend.create_snapshot(
                volume.id,
                f"Created by CreateImage({instance.id}) for {ami_id}",
                self.owner_id,
                from_ami=ami_id,
            )
            volumes.append(
                ImageVolume(
                    device=device,
                    snapshot=snapshot,
                    size=volume.size,
                    volume_type=volume.volume_type,
                    delete_on_termination=bool(block.delete_on_termination),
                )
            )
        # The image's root device is the instance's (moto names every image's /dev/sda1).
        self.root_device_name = instance.root_device_name
        self.root_device_type = "ebs"
        root = next((v for v in volumes if v.device == self.root_device_name), None)
        if root is not None:
            # moto's snapshot of a throwaway 15 GiB volume: the root volume's replaces it.
            ec2_backend.snapshots.pop(self.ebs_snapshot.id, None)
            self.ebs_snapshot = root.snapshot
        self.volume_snapshots = volumes

    def block_device_mappings(self: Any) -> list[dict[str, Any]]:
        volumes = image_volumes(self)
        if not volumes:
            return moto_mappings.fget(self)
        return [v.mapping() for v in volumes]

    Ami.__init__ = __init__  # type: ignore[method-assign]
    Ami.block_device_mappings = property(block_device_mappings)  # type: ignore[method-assign,assignment]
