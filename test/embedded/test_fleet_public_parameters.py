"""The public parameters /aws/service/ami-windows-latest/* name Amazon-owned Windows images,
in every region, as AWS publishes them ("Query for the latest Windows AMI using Systems
Manager Parameter Store"); an instance launched from one is a Windows host with an agent."""

from __future__ import annotations

import pytest

from embedded.seed_support import wait_for_agents, wait_for_state
from winupdate.local.fleet.public_parameters import IMAGE_NAMES, PREFIX

WINDOWS_2022 = "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-3"])
def test_the_windows_2022_parameter_names_an_amazon_windows_image(session, endpoint, region):
    ssm = session.client("ssm", endpoint_url=endpoint, region_name=region)
    ec2 = session.client("ec2", endpoint_url=endpoint, region_name=region)
    parameter = ssm.get_parameter(Name=WINDOWS_2022)["Parameter"]
    assert parameter["Type"] == "String"
    image = ec2.describe_images(ImageIds=[parameter["Value"]])["Images"][0]
    assert image["Platform"] == "windows"
    assert image["OwnerId"] == "801119661308" and image["Public"] is True
    assert image["Name"].startswith("Windows_Server-2022-English-Full-Base-")
    assert image["State"] == "available"


def test_the_path_lists_every_modelled_version(client):
    ssm = client("ssm")
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path=PREFIX.rstrip("/"))
    names = {p["Name"] for page in pages for p in page["Parameters"]}
    assert names >= {PREFIX + name for name in IMAGE_NAMES}
    values = ssm.get_parameters(Names=[PREFIX + name for name in IMAGE_NAMES])["Parameters"]
    assert len({p["Value"] for p in values}) == len(IMAGE_NAMES)


def test_an_instance_of_the_image_is_a_windows_host_with_an_agent(client):
    ssm, ec2 = client("ssm"), client("ec2")
    image = ssm.get_parameter(Name=WINDOWS_2022)["Parameter"]["Value"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.medium")[
        "Instances"
    ][0]["InstanceId"]
    try:
        wait_for_state(ec2, [instance], "running")
        wait_for_agents(ssm, [instance], "Online")
        described = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]
        assert described["Instances"][0]["Platform"] == "windows"
    finally:
        ec2.terminate_instances(InstanceIds=[instance])
