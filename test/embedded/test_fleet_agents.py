"""Instances take modelled time to change state; their SSM agents follow (fleet model)."""

from __future__ import annotations

import pytest
from fleet_support import (
    launch,
    launch_online,
    ping_status,
    slow_fleet,
    state,
    wait_for,
    wait_online,
    warm_fleet,
)

from shape_check import checked

pytestmark = pytest.mark.usefixtures(warm_fleet.__name__)


def test_instance_is_pending_then_running_and_agent_online_only_after_the_modelled_delay(
    client, embedded_aws, endpoint
):
    ec2, ssm = client("ec2"), client("ssm")
    with slow_fleet(endpoint, 600.0, "boot", "agent_registration"):
        launched_at = embedded_aws.clock.now()
        instance_id = launch(ec2)
        assert state(ec2, instance_id) == "pending"
        assert ping_status(ssm, instance_id) is None  # not registered yet
        wait_for(lambda: state(ec2, instance_id) == "running", "running")
        assert ping_status(ssm, instance_id) is None  # running, agent not yet registered
        wait_online(ssm, instance_id)
    info = ssm.describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [instance_id]}]
    )["InstanceInformationList"][0]
    online_at = info["LastPingDateTime"].timestamp()
    assert online_at - launched_at >= 600.0 + 600.0
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert instance["Platform"] == "windows"


def test_agent_is_connection_lost_as_soon_as_the_instance_is_stopped(client, endpoint):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    with slow_fleet(endpoint, 600.0, "stop", "boot"):
        ec2.stop_instances(InstanceIds=[instance_id])
        assert state(ec2, instance_id) == "stopping"
        assert ping_status(ssm, instance_id) == "ConnectionLost"
        wait_for(lambda: state(ec2, instance_id) == "stopped", "stopped")
        assert ping_status(ssm, instance_id) == "ConnectionLost"
        ec2.start_instances(InstanceIds=[instance_id])
        assert state(ec2, instance_id) == "pending"
        assert ping_status(ssm, instance_id) == "ConnectionLost"
    wait_online(ssm, instance_id)


def test_reboot_takes_the_agent_offline_and_back(client, endpoint):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    with slow_fleet(endpoint, 600.0, "reboot"):
        ec2.reboot_instances(InstanceIds=[instance_id])
        assert ping_status(ssm, instance_id) == "ConnectionLost"
        assert state(ec2, instance_id) == "running"
    wait_online(ssm, instance_id)


def test_linux_instance_has_no_windows_agent(client):
    ec2, ssm = client("ec2"), client("ssm")
    linux = ec2.describe_images(Filters=[{"Name": "name", "Values": ["amzn-ami-hvm-*"]}])
    instance_id = launch(ec2, image_id=linux["Images"][0]["ImageId"])
    wait_for(lambda: state(ec2, instance_id) == "running", "running")
    windows_id = launch_online(ec2, ssm)  # by then the Linux one would have registered
    assert ping_status(ssm, windows_id) == "Online"
    assert ping_status(ssm, instance_id) is None


def test_describe_instance_information_filters_by_ping_status_tag_and_pages(client):
    ec2, ssm = client("ec2"), client("ssm")
    ids = [launch(ec2, tags={"FleetPaging": "yes"}) for _ in range(6)]
    for instance_id in ids:
        wait_online(ssm, instance_id)
    tagged = [{"Key": "tag:FleetPaging", "Values": ["yes"]}]
    first = ssm.describe_instance_information(Filters=tagged, MaxResults=5)
    assert len(first["InstanceInformationList"]) == 5
    second = ssm.describe_instance_information(
        Filters=tagged, MaxResults=5, NextToken=first["NextToken"]
    )
    assert "NextToken" not in second
    listed = [i["InstanceId"] for i in first["InstanceInformationList"]]
    listed += [i["InstanceId"] for i in second["InstanceInformationList"]]
    assert sorted(listed) == sorted(ids)
    ec2.stop_instances(InstanceIds=[ids[0]])
    lost = ssm.describe_instance_information(
        InstanceInformationFilterList=[
            {"key": "PingStatus", "valueSet": ["ConnectionLost"]},
            {"key": "InstanceIds", "valueSet": ids},
        ]
    )["InstanceInformationList"]
    assert [i["InstanceId"] for i in lost] == [ids[0]]


def test_describe_instance_information_matches_the_botocore_output_shape(client):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    parsed = checked(
        ssm,
        "DescribeInstanceInformation",
        Filters=[{"Key": "InstanceIds", "Values": [instance_id]}],
    )
    info = parsed["InstanceInformationList"][0]
    assert info["PlatformType"] == "Windows"
    assert info["PlatformName"] == "Microsoft Windows Server 2022 Datacenter"
    assert info["ResourceType"] == "EC2Instance"
    assert info["ComputerName"].startswith("EC2AMAZ-")
