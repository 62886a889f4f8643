"""Helpers for the volume and root volume replacement tests."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import boto3
from botocore.exceptions import ClientError
from fleet_support import WALL_DEADLINE
from moto.core import DEFAULT_ACCOUNT_ID


def volume(ec2: Any, volume_id: str) -> dict[str, Any]:
    return ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]


def instance(ec2: Any, instance_id: str) -> dict[str, Any]:
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def device_volume(ec2: Any, instance_id: str, device: str) -> str | None:
    for mapping in instance(ec2, instance_id)["BlockDeviceMappings"]:
        if mapping["DeviceName"] == device:
            return mapping["Ebs"]["VolumeId"]
    return None


def states_until(probe: Any, final: set[str], what: str) -> list[str]:
    """Poll ``probe()`` until it answers one of ``final``: every distinct state seen, in order."""
    seen: list[str] = []
    end = time.monotonic() + WALL_DEADLINE
    while True:
        current = probe()
        if not seen or seen[-1] != current:
            seen.append(current)
        if current in final:
            return seen
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}: saw {seen}")
        time.sleep(0.01)


def error_of(call: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    try:
        call(*args, **kwargs)
    except ClientError as err:
        return err.response["Error"]
    raise AssertionError(f"{call} was not refused")


def role_session(client: Any, endpoint: str, statements: list[dict[str, Any]]) -> Any:
    """``make(service)``: clients of a session of a new role with ``statements``."""
    iam = client("iam")
    name = f"Volumes-{uuid.uuid4().hex[:8]}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": DEFAULT_ACCOUNT_ID},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="only",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    credentials = client("sts").assume_role(RoleArn=arn, RoleSessionName="volumes")["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )
    return lambda service: session.client(service, endpoint_url=endpoint)
