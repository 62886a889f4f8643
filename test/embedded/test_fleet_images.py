"""CreateImage takes modelled time, reboots unless NoReboot, and leaves a real snapshot."""

from __future__ import annotations

import pytest
from fleet_support import launch_online, ping_status, slow_fleet, wait_for, warm_fleet

pytestmark = pytest.mark.usefixtures(warm_fleet.__name__)


def image_state(ec2, image_id: str) -> str:
    return ec2.describe_images(ImageIds=[image_id])["Images"][0]["State"]


def test_image_is_pending_then_available(client, endpoint):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    with slow_fleet(endpoint, 600.0, "image"):
        image_id = ec2.create_image(InstanceId=instance_id, Name=f"{instance_id}_pending")[
            "ImageId"
        ]
        assert image_state(ec2, image_id) == "pending"
        wait_for(lambda: image_state(ec2, image_id) == "available", "available")


def test_image_snapshot_exists_and_is_deleted_with_the_image(client):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    image_id = ec2.create_image(InstanceId=instance_id, Name=f"{instance_id}_snap", NoReboot=True)[
        "ImageId"
    ]
    wait_for(lambda: image_state(ec2, image_id) == "available", "available")
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    snapshot_id = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    snapshots = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"]
    assert snapshots[0]["State"] == "completed"
    ec2.deregister_image(ImageId=image_id)
    ec2.delete_snapshot(SnapshotId=snapshot_id)
    assert not ec2.describe_images(Owners=["self"], ImageIds=[image_id])["Images"]


def test_create_image_reboots_the_instance_unless_no_reboot(client, endpoint):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    with slow_fleet(endpoint, 600.0, "reboot"):
        ec2.create_image(InstanceId=instance_id, Name=f"{instance_id}_noreboot", NoReboot=True)
        assert ping_status(ssm, instance_id) == "Online"
        ec2.create_image(InstanceId=instance_id, Name=f"{instance_id}_reboot")
        assert ping_status(ssm, instance_id) == "ConnectionLost"
    wait_for(lambda: ping_status(ssm, instance_id) == "Online", "Online after the reboot")


def test_create_image_tags_the_image_and_its_snapshot_from_its_tag_specifications(client):
    # ec2 CreateImage API: TagSpecifications "The tags to apply to the AMI and snapshots on
    # creation ... ResourceType image ... snapshot" (moto raises NotImplementedError for
    # snapshot).
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    image_id = ec2.create_image(
        InstanceId=instance_id,
        Name=f"{instance_id}_tagged",
        NoReboot=True,
        TagSpecifications=[
            {"ResourceType": "image", "Tags": [{"Key": "Phase", "Value": "UpdateBefore"}]},
            {"ResourceType": "snapshot", "Tags": [{"Key": "Phase", "Value": "UpdateBefore"}]},
        ],
    )["ImageId"]
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["Tags"] == [{"Key": "Phase", "Value": "UpdateBefore"}]
    snapshot_id = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    snapshot = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
    assert snapshot["Tags"] == [{"Key": "Phase", "Value": "UpdateBefore"}]
    untagged = ec2.create_image(InstanceId=instance_id, Name=f"{instance_id}_plain", NoReboot=True)
    plain = ec2.describe_images(ImageIds=[untagged["ImageId"]])["Images"][0]
    assert not plain.get("Tags")
