"""moto without repeated work answers as moto does (``local/moto_speedups.py``)."""

from __future__ import annotations

import moto.ec2.models.amis as amis
import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import AmiBackend
from moto.ec2.utils import generic_filter as moto_filter

WINDOWS_2022 = "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"


def test_a_resource_s_tags_are_those_moto_s_tag_search_finds(client):
    ec2, ssm = client("ec2"), client("ssm")
    image = ssm.get_parameter(Name=WINDOWS_2022)["Parameter"]["Value"]
    tags = [{"Key": "SpeedupsTest", "Value": "yes"}, {"Key": "Name", "Value": "speedups"}]
    instance_id = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance_id, Name="speedups-image")["ImageId"]
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "Stage", "Value": "before"}])
    backend = ec2_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    instance = backend.get_instance(instance_id)
    ami = backend.amis[image_id]
    for resource in (instance, ami):
        searched = backend.describe_tags(filters={"resource-id": [resource.id]})
        assert resource.get_tags() == searched
    assert [t["key"] for t in instance.get_tags()] == ["SpeedupsTest", "Name"]
    described = ec2.describe_images(ImageIds=[image_id])["Images"][0]["Tags"]
    assert described == [{"Key": "Stage", "Value": "before"}]


def test_one_image_by_id_is_what_moto_s_scan_finds_with_its_errors(client):
    ec2, ssm = client("ec2"), client("ssm")
    public = ssm.get_parameter(Name=WINDOWS_2022)["Parameter"]["Value"]
    instance_id = ec2.run_instances(ImageId=public, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    made = ec2.create_image(InstanceId=instance_id, Name="speedups-one")["ImageId"]
    gone = ec2.create_image(InstanceId=instance_id, Name="speedups-gone")["ImageId"]
    ec2.deregister_image(ImageId=gone)
    backend = ec2_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    scan = AmiBackend.describe_images.__wrapped_scan__
    for image_id in (made, public, gone):
        assert backend.describe_images(ami_ids=[image_id]) == scan(backend, ami_ids=[image_id])
    assert ec2.describe_images(ImageIds=[gone])["Images"] == []
    for wrong, code in (
        ("ami-00000000000000000", "InvalidAMIID.NotFound"),
        ("i-123", "InvalidAMIID.Malformed"),
    ):
        with pytest.raises(ClientError) as caught:
            ec2.describe_images(ImageIds=[wrong])
        assert caught.value.response["Error"]["Code"] == code


def test_images_filtered_by_tag_are_those_moto_s_filter_finds(client):
    ec2, ssm = client("ec2"), client("ssm")
    public = ssm.get_parameter(Name=WINDOWS_2022)["Parameter"]["Value"]
    instance_id = ec2.run_instances(ImageId=public, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    made = {}
    for phase in ("UpdateBefore", "UpdateAfter", None):
        image_id = ec2.create_image(InstanceId=instance_id, Name=f"speedups-{phase}")["ImageId"]
        if phase:
            ec2.create_tags(
                Resources=[image_id],
                Tags=[
                    {"Key": "SpeedupsPhase", "Value": phase},
                    {"Key": "Of", "Value": instance_id},
                ],
            )
        made[phase] = image_id
    backend = ec2_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    images = list(backend.amis.values())
    for filters in (
        {"tag:SpeedupsPhase": ["UpdateBefore", "UpdateAfter"], "tag:Of": [instance_id]},
        {"tag:SpeedupsPhase": ["Update*"]},
        {"tag:SpeedupsPhase": ["UpdateBefore"], "name": ["speedups-*"]},
        {"tag:Missing": ["x"]},
    ):
        assert amis.generic_filter(filters, images) == moto_filter(filters, images), filters
    found = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "tag:Of", "Values": [instance_id]}]
    )["Images"]
    assert {i["ImageId"] for i in found} == {made["UpdateBefore"], made["UpdateAfter"]}
