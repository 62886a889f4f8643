"""moto without repeated work answers as moto does (``local/moto_speedups.py``)."""

from __future__ import annotations

import copy
import threading
import types
from typing import ClassVar

import moto.core.serialize as serialize
import moto.ec2.models.amis as amis
import pytest
import xmltodict
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.model import ShapeResolver, StructureShape
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import AmiBackend
from moto.ec2.utils import generic_filter as moto_filter

from winupdate.local.moto_patches import speedups as moto_speedups

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


def public_made_and_gone_images(client, name: str) -> tuple[str, str, str]:
    """A public image, one made of an instance of it, and one made and deregistered."""
    ec2, ssm = client("ec2"), client("ssm")
    public = ssm.get_parameter(Name=WINDOWS_2022)["Parameter"]["Value"]
    instance_id = ec2.run_instances(ImageId=public, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    made = ec2.create_image(InstanceId=instance_id, Name=f"speedups-{name}")["ImageId"]
    gone = ec2.create_image(InstanceId=instance_id, Name=f"speedups-{name}-gone")["ImageId"]
    ec2.deregister_image(ImageId=gone)
    return public, made, gone


def test_one_image_by_id_is_what_moto_s_scan_finds_with_its_errors(client):
    ec2 = client("ec2")
    public, made, gone = public_made_and_gone_images(client, "one")
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


def test_the_image_id_filter_alone_finds_what_moto_s_scan_finds(client):
    public, made, gone = public_made_and_gone_images(client, "filter")
    backend = ec2_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    scan = AmiBackend.describe_images.__wrapped_scan__
    for value in (
        made,
        public,
        gone,
        [made],
        "ami-00000000000000000",
        f"{made[:-2]}*",
        [made, public],
    ):
        filters = {"image-id": value}
        assert backend.describe_images(filters=filters) == scan(backend, filters=filters), value


def test_an_instance_by_id_is_what_moto_s_scan_finds_as_instances_come_and_go(client):
    from moto.ec2.exceptions import InvalidInstanceIdError
    from moto.ec2.models.instances import InstanceBackend

    ec2, ssm = client("ec2"), client("ssm")
    image = ssm.get_parameter(Name=WINDOWS_2022)["Parameter"]["Value"]
    backend = ec2_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    scan = InstanceBackend.get_instance.__wrapped_scan__
    first = [
        i["InstanceId"]
        for i in ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2)["Instances"]
    ]
    for instance_id in first:
        assert backend.get_instance(instance_id) is scan(backend, instance_id)
    later = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    assert backend.get_instance(later) is scan(backend, later)  # not in the index made before
    ec2.terminate_instances(InstanceIds=[first[0]])
    assert backend.get_instance(first[0]) is scan(backend, first[0])  # terminated: still listed
    reservation_id = next(
        r
        for r, res in backend.reservations.items()
        if res.instances and res.instances[0].id == later
    )
    dropped = backend.reservations.pop(reservation_id)
    try:
        for get in (backend.get_instance, lambda i: scan(backend, i)):
            with pytest.raises(InvalidInstanceIdError):
                get(later)
    finally:
        backend.reservations[reservation_id] = dropped
    assert backend.get_instance(later) is scan(backend, later)


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


# The serializer: each answer the embedded AWS gives while a test runs is serialized a
# second time the way moto does it (moto's picker, its get_value, xmltodict's own name
# check), on a serializer of its own, and both answers recorded.
class MotosPicker(serialize.XFormedAttributePicker):
    __call__ = moto_speedups._cache_attribute_keys.moto_pick


@pytest.fixture
def answers(monkeypatch):
    assert serialize.AttributePicker.__call__ is not MotosPicker.__call__, "speedup installed"
    recorded: list[tuple[str, dict, dict]] = []
    ours_serialize = serialize.ResponseSerializer.serialize
    names_checked = xmltodict._validate_name
    # The server answers on several threads; one at a time takes moto's name check.
    one_at_a_time = threading.Lock()

    def both(self, result):
        ours = ours_serialize(self, result)
        picker = self._value_picker
        if type(picker) is serialize.XFormedAttributePicker:
            picker = MotosPicker(response_transformers=picker.response_transformers)
        motos = type(self)(
            operation_model=self.operation_model,
            context=self.context,
            pretty_print=self.pretty_print,
            value_picker=picker,
        )
        motos.get_value = types.MethodType(
            moto_speedups._cache_attribute_keys.moto_get_value, motos
        )
        with one_at_a_time:
            xmltodict._validate_name = moto_speedups._cache_xml_names.moto_check
            try:
                theirs = ours_serialize(motos, result)
            finally:
                xmltodict._validate_name = names_checked
        # moto adds headers to the answer it sends: compare what the serializer made.
        recorded.append((self.operation_model.name, copy.deepcopy(ours), theirs))
        return ours

    monkeypatch.setattr(serialize.ResponseSerializer, "serialize", both)
    return recorded


def _assert_same_as_moto_s(recorded, operations):
    seen = {name for name, _, _ in recorded}
    assert set(operations) <= seen, set(operations) - seen
    for name, ours, theirs in recorded:
        assert ours == theirs, name  # body (the bytes sent), headers and status


def test_ec2_answers_are_moto_s_own_byte_for_byte(client, answers):
    ec2, ssm = client("ec2"), client("ssm")
    public = ssm.get_parameter(Name=WINDOWS_2022)["Parameter"]["Value"]
    for _ in range(2):  # the second time from what the first remembered
        instance_id = ec2.run_instances(
            ImageId=public,
            MinCount=1,
            MaxCount=1,
            BlockDeviceMappings=[
                {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 20, "VolumeType": "gp3"}}
            ],
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": "Serialized", "Value": "yes"}]}
            ],
        )["Instances"][0]["InstanceId"]
        image_id = ec2.create_image(InstanceId=instance_id, Name=f"serialized-{instance_id}")[
            "ImageId"
        ]
        ec2.create_tags(Resources=[image_id], Tags=[{"Key": "Stage", "Value": "before"}])
        image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
        ec2.describe_images(Owners=["self"], Filters=[{"Name": "tag:Stage", "Values": ["before"]}])
        described = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]
        snapshots = [m["Ebs"]["SnapshotId"] for m in image["BlockDeviceMappings"] if "Ebs" in m]
        ec2.describe_snapshots(SnapshotIds=snapshots)
        with pytest.raises(ClientError):
            ec2.describe_images(ImageIds=["ami-00000000000000000"])
    assert described["Instances"][0]["Tags"] == [{"Key": "Serialized", "Value": "yes"}]
    devices = described["Instances"][0]["BlockDeviceMappings"]
    assert "/dev/sdf" in [d["DeviceName"] for d in devices]
    _assert_same_as_moto_s(
        answers,
        [
            "RunInstances",
            "CreateImage",
            "CreateTags",
            "DescribeImages",
            "DescribeInstances",
            "DescribeSnapshots",
        ],
    )


SSM_TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)


def test_ssm_sns_and_iam_answers_are_moto_s_own_byte_for_byte(client, answers):
    ssm, sns, iam = client("ssm"), client("sns"), client("iam")
    for round_ in range(2):
        ssm.put_parameter(Name=f"/serialized/p{round_}", Value="v", Type="String")
        ssm.get_parameter(Name=f"/serialized/p{round_}")
        ssm.describe_parameters()
        topic = sns.create_topic(Name=f"serialized-{round_}")["TopicArn"]
        sns.get_topic_attributes(TopicArn=topic)
        sns.list_topics()
        # A trust policy IAM accepts: the embedded AWS refuses "{}" as IAM does.
        iam.create_role(RoleName=f"serialized-{round_}", AssumeRolePolicyDocument=SSM_TRUST)
        iam.get_role(RoleName=f"serialized-{round_}")
        iam.list_roles()
    _assert_same_as_moto_s(
        answers,
        [
            "PutParameter",
            "GetParameter",
            "DescribeParameters",
            "CreateTopic",
            "GetTopicAttributes",
            "ListTopics",
            "CreateRole",
            "GetRole",
            "ListRoles",
        ],
    )


def _structure(name: str, members: list[str]) -> StructureShape:
    model = {"type": "structure", "members": {m: {"shape": "Text"} for m in members}}
    return StructureShape(name, model, ShapeResolver({"Text": {"type": "string"}}))


def _pick_both_ways(picker, obj, key, parent):
    shape = parent.members[key]
    shape.parent = parent  # as moto's serializer sets it
    context = serialize.AttributePickerContext(obj=obj, key=key, shape=shape)
    return picker(context), MotosPicker.__call__(picker, context)


def test_remembered_spellings_follow_the_parent_shape_and_the_object_s_meta():
    class Thing:
        def __init__(self) -> None:
            self.Id = "by-prefix"

    picker = serialize.XFormedAttributePicker()
    # "ImageId" may be read as "Id" only when the parent has no member "Id" of its own.
    alone = _structure("Image", ["ImageId"])
    beside_id = _structure("Image", ["ImageId", "Id"])
    for parent, expected in ((alone, "by-prefix"), (beside_id, None), (alone, "by-prefix")):
        ours, motos = _pick_both_ways(picker, Thing(), "ImageId", parent)
        assert ours == motos == expected

    class Aliased:
        class Meta:
            serialization_aliases: ClassVar[dict[str, str]] = {"ImageId": "named"}

        named = "by-class-meta"

    own = Aliased()
    own.Meta = type("Meta", (), {"serialization_aliases": {"ImageId": "other"}})
    own.other = "by-own-meta"
    for obj, expected in ((Aliased(), "by-class-meta"), (own, "by-own-meta")):
        ours, motos = _pick_both_ways(picker, obj, "ImageId", alone)
        assert ours == motos == expected


def test_a_transformer_added_later_is_applied_as_moto_applies_it():
    parent = _structure("Image", ["ImageId"])
    transformers: dict = {".Other": str.lower}
    picker = serialize.XFormedAttributePicker(response_transformers=transformers)
    obj = {"ImageId": "ami-1"}
    assert _pick_both_ways(picker, obj, "ImageId", parent) == ("ami-1", "ami-1")
    transformers[".ImageId"] = str.upper  # as moto's _include_in_response adds one
    assert _pick_both_ways(picker, obj, "ImageId", parent) == ("AMI-1", "AMI-1")
    transformers[".ImageId"] = str.title
    assert _pick_both_ways(picker, obj, "ImageId", parent) == ("Ami-1", "Ami-1")


def test_a_known_account_is_found_without_moto_s_registration_which_a_reset_redoes():
    from moto.core.base_backend import BackendDict, BaseBackend

    class Backend(BaseBackend):
        pass

    def registered(backends):
        return any(known is backends for known in BackendDict._instances)

    backends = BackendDict(Backend, "ec2")
    try:
        first = backends["111122223333"]
        assert registered(backends)  # moto's reset will see it
        BackendDict._instances.remove(backends)
        assert backends["111122223333"] is first
        assert not registered(backends)  # a known account: moto's registration skipped
        # What moto's reset does to a registered dict: emptied, so the next look is
        # moto's own again, registration included.
        backends.clear()
        assert backends["111122223333"] is not first
        assert registered(backends)
    finally:
        if registered(backends):
            BackendDict._instances.remove(backends)
