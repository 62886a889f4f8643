"""Callers that assume a role: IAM User Guide, "Granting a user permissions to switch
roles" — the caller's identity policy must allow sts:AssumeRole on the role, and the role's
trust policy must name the caller (or its account); the session then has the role's
permissions, and GetCallerIdentity shows assumed-role/<role>/<session>."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from test_iam_enforcement import allow, session_from, user_session

ACCOUNT = DEFAULT_ACCOUNT_ID


def role_trusting(iam, principal: str, statements: list[dict]) -> str:
    name = f"Operator-{uuid.uuid4().hex[:8]}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
        ],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    return arn


def session_of(sts, role_arn: str, endpoint: str):
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="operator")["Credentials"]
    return session_from(credentials, endpoint)


def test_a_user_allowed_to_assume_a_role_that_trusts_the_account_gets_its_permissions(
    client, endpoint
):
    role = role_trusting(
        client("iam"), f"arn:aws:iam::{ACCOUNT}:root", [allow("ec2:DescribeInstances")]
    )
    _, as_user = user_session(client, endpoint, [allow("sts:AssumeRole", role)])
    as_role = session_of(as_user("sts"), role, endpoint)
    assert as_role("sts").get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/{role.rsplit('/', 1)[1]}/operator"
    )
    as_role("ec2").describe_instances()
    with pytest.raises(ClientError) as refused:
        as_role("ssm").describe_parameters()
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"


def test_a_user_whose_policy_does_not_allow_assume_role_is_refused(client, endpoint):
    role = role_trusting(client("iam"), f"arn:aws:iam::{ACCOUNT}:root", [allow("*")])
    _, as_user = user_session(client, endpoint, [allow("ec2:DescribeInstances")])
    with pytest.raises(ClientError) as refused:
        as_user("sts").assume_role(RoleArn=role, RoleSessionName="xx")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_a_role_that_trusts_someone_else_or_does_not_exist_cannot_be_assumed(client, endpoint):
    alice, _ = user_session(client, endpoint, [allow("sts:GetCallerIdentity")])
    role = role_trusting(client("iam"), alice, [allow("*")])
    bob, as_bob = user_session(client, endpoint, [allow("sts:AssumeRole", "*")])
    for target in (role, f"arn:aws:iam::{ACCOUNT}:role/NoSuchRole"):
        with pytest.raises(ClientError) as refused:
            as_bob("sts").assume_role(RoleArn=target, RoleSessionName="xx")
        error = refused.value.response["Error"]
        assert error["Code"] == "AccessDenied"
        assert error["Message"].startswith(
            f"User: {bob} is not authorized to perform: sts:AssumeRole on resource: {target}"
        )
