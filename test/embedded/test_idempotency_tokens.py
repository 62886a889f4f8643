"""Idempotency tokens: a create retried with its token makes one resource.

SSM API reference, CreateMaintenanceWindow: "ClientToken — User-provided idempotency
token" (botocore's model marks it ``idempotencyToken``; every SDK fills it in and sends
the same value on each retry). A CI run once left a second maintenance window behind a
Terraform apply: the provider's SDK retried a create whose answer it never got, and the
embedded AWS, like moto, created the window twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from winupdate.local.control_client import ControlClient


@pytest.fixture
def control(endpoint: str) -> Iterator[ControlClient]:
    control = ControlClient(endpoint)
    yield control
    control.clear_faults()


@pytest.fixture
def ssm(session, endpoint):
    return session.client(
        "ssm", endpoint_url=endpoint, config=Config(retries={"mode": "standard", "max_attempts": 3})
    )


@pytest.fixture
def window_name(ssm) -> Iterator[str]:
    name = f"idempotent-{uuid.uuid4().hex[:8]}"
    yield name
    for window in windows_named(ssm, name):
        ssm.delete_maintenance_window(WindowId=window["WindowId"])


def windows_named(ssm, name: str) -> list[dict]:
    found = ssm.describe_maintenance_windows(Filters=[{"Key": "Name", "Values": [name]}])
    return found["WindowIdentities"]


def create(ssm, name: str, token: str | None = None, duration: int = 3) -> str:
    params = {"ClientToken": token} if token else {}
    return ssm.create_maintenance_window(
        Name=name,
        Schedule="cron(0 3 ? * SUN *)",
        Duration=duration,
        Cutoff=1,
        AllowUnassociatedTargets=False,
        **params,
    )["WindowId"]


def test_a_create_repeated_with_its_token_answers_the_same_window_and_makes_one(ssm, window_name):
    token = str(uuid.uuid4())
    first = create(ssm, window_name, token)
    assert create(ssm, window_name, token) == first
    assert [w["WindowId"] for w in windows_named(ssm, window_name)] == [first]


def test_a_token_used_again_with_other_parameters_is_refused_and_makes_nothing(ssm, window_name):
    token = str(uuid.uuid4())
    first = create(ssm, window_name, token)
    with pytest.raises(ClientError) as refused:
        create(ssm, window_name, token, duration=4)
    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatch"
    assert [w["WindowId"] for w in windows_named(ssm, window_name)] == [first]


def test_creates_without_a_shared_token_make_a_window_each(ssm, window_name):
    # botocore fills in a fresh token per call: two calls are two windows, as on AWS.
    first, second = create(ssm, window_name), create(ssm, window_name)
    assert first != second
    assert len(windows_named(ssm, window_name)) == 2


def test_a_lost_answer_retried_by_the_sdk_makes_one_window(ssm, control, window_name):
    # The create is carried out and answered 500; botocore retries with the same token.
    control.inject_fault(
        service="ssm",
        operation="CreateMaintenanceWindow",
        match={"Name": window_name},
        error="InternalServerError",
        status=500,
        count=1,
        answer_lost=True,
    )
    window_id = create(ssm, window_name)
    assert [w["WindowId"] for w in windows_named(ssm, window_name)] == [window_id]


def test_a_lost_answer_carries_the_call_out(session, endpoint, control):
    # Without retries the caller sees the error, yet the document exists: the fault acts
    # after the call, as a lost answer does (CreateDocument has no token to retry with).
    ssm = session.client(
        "ssm", endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1})
    )
    name = f"LostAnswer-{uuid.uuid4().hex[:8]}"
    control.inject_fault(
        service="ssm",
        operation="CreateDocument",
        match={"Name": name},
        error="InternalServerError",
        status=500,
        count=1,
        answer_lost=True,
    )
    content = json.dumps(
        {
            "schemaVersion": "0.3",
            "mainSteps": [{"name": "Sleep", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}],
        }
    )
    try:
        with pytest.raises(ClientError, match="InternalServerError"):
            ssm.create_document(Name=name, Content=content, DocumentType="Automation")
        assert ssm.describe_document(Name=name)["Document"]["Status"] in ("Creating", "Active")
        with pytest.raises(ClientError, match="DocumentAlreadyExists"):
            ssm.create_document(Name=name, Content=content, DocumentType="Automation")
    finally:
        ssm.delete_document(Name=name)


def test_a_refused_request_keeps_no_token(ssm, window_name):
    # Only a success is kept: the same token may be used again once the request is right.
    token = str(uuid.uuid4())
    with pytest.raises(ClientError, match="ValidationException"):
        ssm.create_maintenance_window(
            Name=window_name,
            Schedule="cron(0 3 ? * SUN *)",
            Duration=3,
            Cutoff=5,  # a cutoff not shorter than the duration
            AllowUnassociatedTargets=False,
            ClientToken=token,
        )
    window_id = create(ssm, window_name, token)
    assert [w["WindowId"] for w in windows_named(ssm, window_name)] == [window_id]


def test_run_instances_with_one_token_launches_once(client):
    ec2 = client("ec2")
    token = uuid.uuid4().hex
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    first = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, ClientToken=token)
    again = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, ClientToken=token)
    ids = [i["InstanceId"] for i in first["Instances"]]
    try:
        assert [i["InstanceId"] for i in again["Instances"]] == ids
    finally:
        ec2.terminate_instances(InstanceIds=ids)


def test_the_lost_answer_switch_is_for_api_faults_only(control):
    with pytest.raises(Exception, match="answer_lost is for api faults"):
        control.inject_fault(kind="image_fails", answer_lost=True)
    with pytest.raises(Exception, match="answer_lost must be true or false"):
        control.inject_fault(service="ssm", operation="CreateDocument", answer_lost="yes")
