"""EBS volumes over modelled time: create, attach, detach, their refusals, and AMIs that
snapshot every volume of the instance (what a restore of the data volumes needs)."""

from __future__ import annotations

import pytest
from fleet_support import launch_online, slow_fleet, wait_for, warm_fleet
from volume_support import device_volume, error_of, role_session, states_until, volume

from shape_check import assert_matches_output_shape

pytestmark = pytest.mark.usefixtures(warm_fleet.__name__)

DATA_DEVICE = "/dev/xvdf"
SLOW = ("volume_create", "volume_attach", "volume_detach")
# Modelled seconds of each slowed phase: 1.5 wall s at the test speed, so that a loaded
# machine still sees every state (300, half a second, was missed once on CI).
SLOW_SECONDS = 900.0


@pytest.fixture(scope="module")
def host(client) -> dict[str, str]:
    """One running Windows instance with a data volume attached at DATA_DEVICE."""
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    zone = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0][
        "Placement"
    ]["AvailabilityZone"]
    data = ec2.create_volume(AvailabilityZone=zone, Size=20)["VolumeId"]
    wait_for(lambda: volume(ec2, data)["State"] == "available", "data volume available")
    ec2.attach_volume(VolumeId=data, InstanceId=instance_id, Device=DATA_DEVICE)
    wait_for(lambda: volume(ec2, data)["Attachments"][0]["State"] == "attached", "attached")
    return {"instance_id": instance_id, "zone": zone, "data": data}


def test_create_volume_is_creating_then_available(client, endpoint, host):
    """EBS user guide, "Amazon EBS volume lifecycle": a new volume is ``creating``, then
    ``available``; CreateVolume answers ``creating``."""
    ec2 = client("ec2")
    with slow_fleet(endpoint, SLOW_SECONDS, *SLOW):
        created = ec2.create_volume(AvailabilityZone=host["zone"], Size=10)
        assert created["State"] == "creating"
        seen = states_until(lambda: volume(ec2, created["VolumeId"])["State"], {"available"}, "")
    assert seen == ["creating", "available"]
    ec2.delete_volume(VolumeId=created["VolumeId"])


def test_attach_volume_is_attaching_then_attached_and_detach_is_detaching_then_available(
    client, endpoint, host
):
    """API reference AttachVolume / DetachVolume: the attachment is ``attaching`` then
    ``attached`` (the volume ``in-use``); ``detaching`` then the volume is ``available``."""
    ec2 = client("ec2")
    spare = ec2.create_volume(AvailabilityZone=host["zone"], Size=5)["VolumeId"]
    wait_for(lambda: volume(ec2, spare)["State"] == "available", "available")

    def attachment() -> str:
        found = volume(ec2, spare)
        return (
            f"{found['State']}/{found['Attachments'][0]['State'] if found['Attachments'] else '-'}"
        )

    with slow_fleet(endpoint, SLOW_SECONDS, *SLOW):
        answer = ec2.attach_volume(
            VolumeId=spare, InstanceId=host["instance_id"], Device="/dev/xvdg"
        )
        assert answer["State"] == "attaching"
        assert_matches_output_shape("ec2", "AttachVolume", answer)
        attached = states_until(attachment, {"in-use/attached"}, "attached")
        assert device_volume(ec2, host["instance_id"], "/dev/xvdg") == spare
        detached = ec2.detach_volume(VolumeId=spare)
        assert detached["State"] == "detaching" and detached["Device"] == "/dev/xvdg"
        assert_matches_output_shape("ec2", "DetachVolume", detached)
        gone = states_until(attachment, {"available/-"}, "detached")
    assert attached == ["in-use/attaching", "in-use/attached"]
    assert gone == ["in-use/detaching", "available/-"]
    assert device_volume(ec2, host["instance_id"], "/dev/xvdg") is None
    ec2.delete_volume(VolumeId=spare)


def test_attach_and_detach_refuse_what_aws_refuses(client, endpoint, host):
    """AWS refuses: a device already in use on the instance (InvalidParameterValue), a volume
    in another zone (InvalidVolume.ZoneMismatch), a volume not yet available (IncorrectState),
    a volume attached elsewhere (VolumeInUse), and detaching the root volume of a running
    instance (DetachVolume: "it can't be detached while the instance is running")."""
    ec2 = client("ec2")
    instance_id = host["instance_id"]
    other_zone = "us-east-1b" if host["zone"] != "us-east-1b" else "us-east-1c"
    far = ec2.create_volume(AvailabilityZone=other_zone, Size=5)["VolumeId"]
    near = ec2.create_volume(AvailabilityZone=host["zone"], Size=5)["VolumeId"]
    wait_for(lambda: volume(ec2, far)["State"] == "available", "available")
    wait_for(lambda: volume(ec2, near)["State"] == "available", "available")

    in_use = error_of(ec2.attach_volume, VolumeId=near, InstanceId=instance_id, Device=DATA_DEVICE)
    assert in_use == {
        "Code": "InvalidParameterValue",
        "Message": f"Invalid value '{DATA_DEVICE}' for unixDevice. Attachment point "
        f"{DATA_DEVICE} is already in use",
    }
    zone = error_of(ec2.attach_volume, VolumeId=far, InstanceId=instance_id, Device="/dev/xvdh")
    assert zone["Code"] == "InvalidVolume.ZoneMismatch"
    assert zone["Message"] == (
        f"The volume '{far}' is not in the same availability zone as instance '{instance_id}'"
    )
    attached = error_of(
        ec2.attach_volume, VolumeId=host["data"], InstanceId=instance_id, Device="/dev/xvdh"
    )
    assert attached == {
        "Code": "VolumeInUse",
        "Message": f"{host['data']} is already attached to an instance",
    }
    with slow_fleet(endpoint, 600.0, "volume_create"):
        fresh = ec2.create_volume(AvailabilityZone=host["zone"], Size=5)["VolumeId"]
        creating = error_of(
            ec2.attach_volume, VolumeId=fresh, InstanceId=instance_id, Device="/dev/xvdh"
        )
    assert creating == {"Code": "IncorrectState", "Message": f"{fresh} is not 'available'."}
    root = device_volume(ec2, instance_id, "/dev/sda1")
    refused = error_of(ec2.detach_volume, VolumeId=root)
    assert refused == {
        "Code": "IncorrectState",
        "Message": f"Unable to detach root volume '{root}' from instance '{instance_id}'",
    }
    assert volume(ec2, root)["Attachments"][0]["State"] == "attached"
    for volume_id in (far, near, fresh):
        wait_for(lambda v=volume_id: volume(ec2, v)["State"] == "available", "available")
        ec2.delete_volume(VolumeId=volume_id)


def test_an_ami_snapshots_every_volume_and_a_data_volume_is_restored_from_its_snapshot(
    client, host
):
    """EC2 user guide, "Create an Amazon EBS-backed AMI": the AMI holds a snapshot of the root
    volume and of every other EBS volume attached, each at its device. A data volume is
    restored as the user guide's "Replace a root volume" leaves it to us: CreateVolume from
    the snapshot in the instance's zone, DetachVolume of the current one, AttachVolume of the
    new one at the same device."""
    ec2 = client("ec2")
    instance_id = host["instance_id"]
    image_id = ec2.create_image(InstanceId=instance_id, Name=f"{instance_id}_all", NoReboot=True)[
        "ImageId"
    ]
    wait_for(
        lambda: ec2.describe_images(ImageIds=[image_id])["Images"][0]["State"] == "available",
        "available",
    )
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    mappings = {m["DeviceName"]: m["Ebs"] for m in image["BlockDeviceMappings"]}
    assert set(mappings) == {"/dev/sda1", DATA_DEVICE}
    assert image["RootDeviceName"] == "/dev/sda1"
    data_snapshot = ec2.describe_snapshots(SnapshotIds=[mappings[DATA_DEVICE]["SnapshotId"]])[
        "Snapshots"
    ][0]
    assert data_snapshot["VolumeId"] == host["data"]
    assert data_snapshot["State"] == "completed"
    assert mappings[DATA_DEVICE]["VolumeSize"] == 20
    root_snapshot = ec2.describe_snapshots(SnapshotIds=[mappings["/dev/sda1"]["SnapshotId"]])[
        "Snapshots"
    ][0]
    assert root_snapshot["VolumeId"] == device_volume(ec2, instance_id, "/dev/sda1")

    restored = ec2.create_volume(
        AvailabilityZone=host["zone"], SnapshotId=data_snapshot["SnapshotId"]
    )["VolumeId"]
    wait_for(lambda: volume(ec2, restored)["State"] == "available", "restored available")
    assert volume(ec2, restored)["SnapshotId"] == data_snapshot["SnapshotId"]
    assert volume(ec2, restored)["Size"] == 20
    ec2.detach_volume(VolumeId=host["data"], InstanceId=instance_id, Device=DATA_DEVICE)
    wait_for(lambda: volume(ec2, host["data"])["State"] == "available", "old detached")
    ec2.attach_volume(VolumeId=restored, InstanceId=instance_id, Device=DATA_DEVICE)
    wait_for(lambda: volume(ec2, restored)["Attachments"][0]["State"] == "attached", "new attached")
    assert device_volume(ec2, instance_id, DATA_DEVICE) == restored
    host["data"] = restored


def test_create_volume_tags_on_create_need_create_tags(client, endpoint, host):
    """EC2 user guide, "Grant permission to tag resources during creation": CreateVolume with
    TagSpecifications also needs ec2:CreateTags with ec2:CreateAction CreateVolume."""
    without_tags = role_session(client, endpoint, [_allow("ec2:CreateVolume")])
    tags = [{"ResourceType": "volume", "Tags": [{"Key": "Restore", "Value": "yes"}]}]
    refused = error_of(
        without_tags("ec2").create_volume,
        AvailabilityZone=host["zone"],
        Size=1,
        TagSpecifications=tags,
    )
    assert refused["Code"] == "UnauthorizedOperation"
    with_tags = role_session(
        client,
        endpoint,
        [
            _allow("ec2:CreateVolume"),
            {
                "Effect": "Allow",
                "Action": "ec2:CreateTags",
                "Resource": "*",
                "Condition": {"StringEquals": {"ec2:CreateAction": "CreateVolume"}},
            },
        ],
    )
    created = with_tags("ec2").create_volume(
        AvailabilityZone=host["zone"], Size=1, TagSpecifications=tags
    )
    assert created["Tags"] == [{"Key": "Restore", "Value": "yes"}]


def _allow(action: str) -> dict[str, str]:
    return {"Effect": "Allow", "Action": action, "Resource": "*"}
