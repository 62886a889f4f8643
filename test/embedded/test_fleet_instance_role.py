"""An instance's SSM agent registers with the instance's own credentials: its instance
profile's role must allow what AmazonSSMManagedInstanceCore grants (Systems Manager user
guide, "Configure instance permissions for Systems Manager": the agent calls
ssm:UpdateInstanceInformation to register and to report its ping).

Assumed where the embedded AWS cannot know better: an instance without an instance profile
registers, as under the account's Default Host Management Configuration; a running agent
whose role loses the permission goes offline only at its next boot.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from fleet_support import launch, ping_status, state, wait_for, wait_online, warm_fleet

from automation_support import trust

pytestmark = pytest.mark.usefixtures(warm_fleet.__name__)

CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
EC2_TRUST = trust("ec2.amazonaws.com")


def instance_profile(iam, *policies: str) -> str:
    name = f"Agent-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    for policy in policies:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return name


def launch_with(ec2, image_id: str, profile: str) -> str:
    return ec2.run_instances(
        ImageId=image_id, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": profile}
    )["Instances"][0]["InstanceId"]


@pytest.fixture
def windows_image(client):
    from seed_support import windows_image

    return windows_image(client("ec2"))


def test_an_instance_whose_role_has_the_core_policy_comes_online(client, windows_image):
    ec2, ssm, iam = client("ec2"), client("ssm"), client("iam")
    instance_id = launch_with(ec2, windows_image, instance_profile(iam, CORE))
    wait_online(ssm, instance_id)


def test_an_instance_whose_role_lacks_it_never_registers(client, windows_image):
    ec2, ssm, iam = client("ec2"), client("ssm"), client("iam")
    readonly = "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"
    refused = launch_with(ec2, windows_image, instance_profile(iam, readonly))
    allowed = launch_with(ec2, windows_image, instance_profile(iam, CORE))
    wait_for(lambda: state(ec2, refused) == "running", "running")
    wait_online(ssm, allowed)  # by then the other one would have registered too
    time.sleep(0.5)
    assert ping_status(ssm, refused) is None


def test_an_instance_without_a_profile_registers(client, windows_image):
    ec2, ssm = client("ec2"), client("ssm")
    wait_online(ssm, launch(ec2, image_id=windows_image))


def test_a_role_that_loses_the_policy_keeps_its_agent_away_after_the_next_boot(
    client, windows_image
):
    ec2, ssm, iam = client("ec2"), client("ssm"), client("iam")
    profile = instance_profile(iam, CORE)
    instance_id = launch_with(ec2, windows_image, profile)
    wait_online(ssm, instance_id)
    iam.detach_role_policy(RoleName=profile, PolicyArn=CORE)
    ec2.stop_instances(InstanceIds=[instance_id])
    wait_for(lambda: state(ec2, instance_id) == "stopped", "stopped")
    ec2.start_instances(InstanceIds=[instance_id])
    wait_for(lambda: state(ec2, instance_id) == "running", "running")
    time.sleep(1.0)  # 600 modelled seconds: far past the agent's registration delay
    assert ping_status(ssm, instance_id) == "ConnectionLost"
