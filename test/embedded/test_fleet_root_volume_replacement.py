"""CreateReplaceRootVolumeTask / DescribeReplaceRootVolumeTasks on the modelled fleet: what
restoring an instance from its UpdateBefore AMI needs (EC2 user guide, "Replace the root
volume for an Amazon EC2 instance without stopping it"; API reference
CreateReplaceRootVolumeTask, DescribeReplaceRootVolumeTasks, ReplaceRootVolumeTask)."""

from __future__ import annotations

import pytest
from fleet_support import (
    control,
    install_updates,
    launch_online,
    ping_status,
    set_catalogue,
    slow_fleet,
    updates,
    wait_for,
    warm_fleet,
)
from volume_support import device_volume, error_of, instance, role_session, states_until, volume

from shape_check import assert_matches_output_shape

pytestmark = pytest.mark.usefixtures(warm_fleet.__name__)

ROOT = "/dev/sda1"
CATALOGUE = [
    {
        "kb": "KB5034439",
        "severity": "Critical",
        "category": "SecurityUpdates",
        "reboot_required": False,
    },
    {
        "kb": "KB5034440",
        "severity": "Important",
        "category": "SecurityUpdates",
        "reboot_required": False,
    },
]


def task(ec2, task_id: str) -> dict:
    return ec2.describe_replace_root_volume_tasks(ReplaceRootVolumeTaskIds=[task_id])[
        "ReplaceRootVolumeTasks"
    ][0]


def wait_task(ec2, task_id: str, final=("succeeded", "failed")) -> list[str]:
    return states_until(lambda: task(ec2, task_id)["TaskState"], set(final), task_id)


def image_of(ec2, instance_id: str, name: str) -> str:
    image_id = ec2.create_image(InstanceId=instance_id, Name=name, NoReboot=True)["ImageId"]
    wait_for(
        lambda: ec2.describe_images(ImageIds=[image_id])["Images"][0]["State"] == "available",
        f"{image_id} available",
    )
    return image_id


@pytest.fixture(scope="module")
def host(client, endpoint) -> dict[str, str]:
    """One running Windows instance with a known catalogue and an UpdateBefore AMI of it."""
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    set_catalogue(endpoint, instance_id, CATALOGUE)
    image_id = image_of(ec2, instance_id, f"{instance_id}_UpdateBefore_test")
    return {"instance_id": instance_id, "image_id": image_id}


def test_a_root_volume_replaced_from_an_ami_goes_pending_in_progress_succeeded(
    client, endpoint, host
):
    """ReplaceRootVolumeTask taskState: pending (the replacement volume is being created),
    in-progress (the original detached, the replacement attached; the instance reboots),
    succeeded. The user guide: the instance keeps its network interfaces, IP addresses and
    IAM profile; its block device mapping shows the replacement volume; the original volume
    is kept unless DeleteReplacedRootVolume."""
    ec2, ssm = client("ec2"), client("ssm")
    instance_id, image_id = host["instance_id"], host["image_id"]
    before = instance(ec2, instance_id)
    original = device_volume(ec2, instance_id, ROOT)
    root_snapshot = next(
        m["Ebs"]["SnapshotId"]
        for m in ec2.describe_images(ImageIds=[image_id])["Images"][0]["BlockDeviceMappings"]
        if m["DeviceName"] == ROOT
    )
    # 900 modelled s a phase (1.5 wall s): a loaded machine still sees each state.
    with slow_fleet(endpoint, 900.0, "volume_create", "reboot"):
        created = ec2.create_replace_root_volume_task(
            InstanceId=instance_id,
            ImageId=image_id,
            TagSpecifications=[
                {
                    "ResourceType": "replace-root-volume-task",
                    "Tags": [{"Key": "Purpose", "Value": "restore"}],
                }
            ],
        )["ReplaceRootVolumeTask"]
        assert_matches_output_shape(
            "ec2", "CreateReplaceRootVolumeTask", {"ReplaceRootVolumeTask": created}
        )
        assert created["TaskState"] == "pending"
        assert created["ImageId"] == image_id and created["InstanceId"] == instance_id
        assert created["DeleteReplacedRootVolume"] is False
        assert created["Tags"] == [{"Key": "Purpose", "Value": "restore"}]
        assert "CompleteTime" not in created
        seen = []
        offline = False

        def probe() -> str:
            nonlocal offline
            state = task(ec2, created["ReplaceRootVolumeTaskId"])["TaskState"]
            if state == "in-progress" and ping_status(ssm, instance_id) == "ConnectionLost":
                offline = True
            return state

        seen = states_until(probe, {"succeeded", "failed"}, "the task")
    assert seen == ["pending", "in-progress", "succeeded"]
    assert offline, "the agent was not offline while the instance rebooted"
    done = task(ec2, created["ReplaceRootVolumeTaskId"])
    assert done["CompleteTime"] >= done["StartTime"]
    after = instance(ec2, instance_id)
    replacement = device_volume(ec2, instance_id, ROOT)
    assert replacement != original
    assert volume(ec2, replacement)["SnapshotId"] == root_snapshot
    assert volume(ec2, replacement)["Attachments"][0]["State"] == "attached"
    assert volume(ec2, original)["State"] == "available"
    assert after["State"]["Name"] == "running"
    assert after["InstanceId"] == before["InstanceId"]
    assert after["PrivateIpAddress"] == before["PrivateIpAddress"]
    assert [n["NetworkInterfaceId"] for n in after["NetworkInterfaces"]] == [
        n["NetworkInterfaceId"] for n in before["NetworkInterfaces"]
    ]
    assert after.get("IamInstanceProfile") == before.get("IamInstanceProfile")
    wait_for(lambda: ping_status(ssm, instance_id) == "Online", "Online after the restore")
    listed = ec2.describe_replace_root_volume_tasks(
        Filters=[{"Name": "instance-id", "Values": [instance_id]}]
    )
    assert_matches_output_shape("ec2", "DescribeReplaceRootVolumeTasks", listed)
    assert created["ReplaceRootVolumeTaskId"] in [
        t["ReplaceRootVolumeTaskId"] for t in listed["ReplaceRootVolumeTasks"]
    ]
    assert not ec2.describe_replace_root_volume_tasks(
        Filters=[{"Name": "instance-id", "Values": ["i-00000000000000000"]}]
    )["ReplaceRootVolumeTasks"]


def test_updates_are_pending_again_after_a_restore_from_the_update_before_ami(
    client, endpoint, host
):
    """The fleet's consequence of a restore: the AMI holds the disk as it was when it was
    made, so after the root volume is replaced from the UpdateBefore AMI the updates
    AWS-InstallWindowsUpdates installed are pending again, and a new Scan finds them."""
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = host["instance_id"]
    wait_for(lambda: ping_status(ssm, instance_id) == "Online", "Online")
    installed = install_updates(ssm, instance_id, Action="Install", AllowReboot="True")
    assert installed["Status"] == "Success"
    assert updates(endpoint, instance_id)["pending"] == []
    task_id = ec2.create_replace_root_volume_task(
        InstanceId=instance_id, ImageId=host["image_id"], DeleteReplacedRootVolume=True
    )["ReplaceRootVolumeTask"]["ReplaceRootVolumeTaskId"]
    original = task(ec2, task_id)
    assert original["DeleteReplacedRootVolume"] is True
    replaced = device_volume(ec2, instance_id, ROOT)
    assert wait_task(ec2, task_id)[-1] == "succeeded"
    assert [u["kb"] for u in updates(endpoint, instance_id)["pending"]] == [
        u["kb"] for u in CATALOGUE
    ]
    gone = error_of(ec2.describe_volumes, VolumeIds=[replaced])  # DeleteReplacedRootVolume
    assert gone["Code"] == "InvalidVolume.NotFound"
    wait_for(lambda: ping_status(ssm, instance_id) == "Online", "Online after the restore")
    scan = install_updates(ssm, instance_id, Action="Scan")
    assert "KB5034439" in scan["StandardOutputContent"]
    assert "KB5034440" in scan["StandardOutputContent"]


def test_create_replace_root_volume_task_refuses_what_aws_refuses(client, endpoint, host):
    """The API reference's rules: ImageId and SnapshotId are exclusive; the AMI must exist
    and have the instance's key characteristics (architecture, virtualization type, billing
    platform); the instance must be running; one task at a time; TagSpecifications tag only
    the task. The reference names no codes: these are EC2's codes for the same conditions,
    with the embedded AWS's messages where AWS's are not documented (assumed)."""
    ec2 = client("ec2")
    instance_id, image_id = host["instance_id"], host["image_id"]
    both = error_of(
        ec2.create_replace_root_volume_task,
        InstanceId=instance_id,
        ImageId=image_id,
        SnapshotId="snap-00000000000000000",
    )
    assert both["Code"] == "InvalidParameterCombination"
    missing = error_of(
        ec2.create_replace_root_volume_task, InstanceId=instance_id, ImageId="ami-0000000000000000f"
    )
    assert missing == {
        "Code": "InvalidAMIID.NotFound",
        "Message": "The image id '[ami-0000000000000000f]' does not exist",
    }
    linux = next(
        i["ImageId"]
        for i in ec2.describe_images(Owners=["amazon"])["Images"]
        if i.get("Platform") != "windows"
    )
    mismatch = error_of(ec2.create_replace_root_volume_task, InstanceId=instance_id, ImageId=linux)
    assert mismatch["Code"] == "InvalidParameterValue"
    assert "platform" in mismatch["Message"]
    wrong_type = error_of(
        ec2.create_replace_root_volume_task,
        InstanceId=instance_id,
        ImageId=image_id,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "k", "Value": "v"}]}],
    )
    assert wrong_type == {
        "Code": "InvalidParameterValue",
        "Message": "'instance' is not a valid taggable resource type for this operation.",
    }
    with slow_fleet(endpoint, 600.0, "volume_create"):
        first = ec2.create_replace_root_volume_task(InstanceId=instance_id, ImageId=image_id)
        second = error_of(
            ec2.create_replace_root_volume_task, InstanceId=instance_id, ImageId=image_id
        )
    assert second["Code"] == "IncorrectState"
    assert first["ReplaceRootVolumeTask"]["ReplaceRootVolumeTaskId"] in second["Message"]
    wait_task(ec2, first["ReplaceRootVolumeTask"]["ReplaceRootVolumeTaskId"])

    ec2.stop_instances(InstanceIds=[instance_id])
    wait_for(lambda: instance(ec2, instance_id)["State"]["Name"] == "stopped", "stopped")
    stopped = error_of(
        ec2.create_replace_root_volume_task, InstanceId=instance_id, ImageId=image_id
    )
    assert stopped == {
        "Code": "IncorrectInstanceState",
        "Message": f"The instance '{instance_id}' is not in the 'running' state.",
    }
    ec2.start_instances(InstanceIds=[instance_id])
    wait_for(lambda: instance(ec2, instance_id)["State"]["Name"] == "running", "running")


def test_a_failed_replacement_leaves_the_original_root_volume_attached(client, endpoint, host):
    """taskState failing, then failed: "the replacement task has failed but the original
    root volume is still attached" (fleet fault root_volume_replacement_fails)."""
    ec2 = client("ec2")
    instance_id = host["instance_id"]
    original = device_volume(ec2, instance_id, ROOT)
    control(
        endpoint, "faults", {"kind": "root_volume_replacement_fails", "instance_id": instance_id}
    )
    try:
        with slow_fleet(endpoint, 300.0, "root_volume_failing"):
            task_id = ec2.create_replace_root_volume_task(
                InstanceId=instance_id, ImageId=host["image_id"]
            )["ReplaceRootVolumeTask"]["ReplaceRootVolumeTaskId"]
            seen = wait_task(ec2, task_id)
    finally:
        control(endpoint, "faults/clear", {})
    assert seen == ["pending", "failing", "failed"]
    assert "CompleteTime" in task(ec2, task_id)
    assert device_volume(ec2, instance_id, ROOT) == original
    assert volume(ec2, original)["Attachments"][0]["State"] == "attached"


def test_a_role_without_create_replace_root_volume_task_is_refused(client, endpoint, host):
    """Service Authorization Reference, ec2:CreateReplaceRootVolumeTask (instance,
    replace-root-volume-task and volume resources): a session without the action is refused
    with EC2's UnauthorizedOperation; one allowed on the instance by its tag, on volume/* and
    on replace-root-volume-task/* (with ec2:CreateTags for the task's tags) may restore it."""
    ec2 = client("ec2")
    instance_id = host["instance_id"]
    # A tag of its own: the seed's WinUpdate=ON would add this instance to the seed's runs
    # of another test on the same embedded AWS.
    ec2.create_tags(Resources=[instance_id], Tags=[{"Key": "RootVolumeTest", "Value": "ON"}])
    wait_for(lambda: instance(ec2, instance_id)["State"]["Name"] == "running", "running")
    describe = {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}
    denied = role_session(client, endpoint, [describe])
    refused = error_of(
        denied("ec2").create_replace_root_volume_task,
        InstanceId=instance_id,
        ImageId=host["image_id"],
    )
    assert refused["Code"] == "UnauthorizedOperation"
    assert "ec2:CreateReplaceRootVolumeTask" in refused["Message"]
    arn = "arn:aws:ec2:us-east-1:123456789012"
    narrow = role_session(
        client,
        endpoint,
        [
            describe,
            {
                "Effect": "Allow",
                "Action": "ec2:CreateReplaceRootVolumeTask",
                "Resource": f"{arn}:instance/*",
                "Condition": {"StringEquals": {"aws:ResourceTag/RootVolumeTest": "ON"}},
            },
            {
                "Effect": "Allow",
                "Action": "ec2:CreateReplaceRootVolumeTask",
                "Resource": [
                    f"{arn}:volume/*",
                    f"{arn}:replace-root-volume-task/*",
                    "arn:aws:ec2:us-east-1::image/*",
                ],
            },
        ],
    )
    tagged = [{"ResourceType": "replace-root-volume-task", "Tags": [{"Key": "k", "Value": "v"}]}]
    no_tagging = error_of(
        narrow("ec2").create_replace_root_volume_task,
        InstanceId=instance_id,
        ImageId=host["image_id"],
        TagSpecifications=tagged,
    )
    assert no_tagging["Code"] == "UnauthorizedOperation"
    assert "ec2:CreateTags" in no_tagging["Message"]
    task_id = narrow("ec2").create_replace_root_volume_task(
        InstanceId=instance_id, ImageId=host["image_id"]
    )["ReplaceRootVolumeTask"]["ReplaceRootVolumeTaskId"]
    assert wait_task(ec2, task_id)[-1] == "succeeded"
