"""IAM refuses a malformed policy document on every call that stores one, with
MalformedPolicyDocument (HTTP 400), and stores a valid one as it was given.

The rules are the IAM User Guide's "IAM JSON policy grammar" and "IAM JSON policy elements
reference" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html);
the error is the one the IAM API Reference lists for CreatePolicy, CreatePolicyVersion,
PutRolePolicy, PutUserPolicy, PutGroupPolicy, CreateRole and UpdateAssumeRolePolicy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError

from automation_support import SSM_TRUST

NAME = "MalformedPolicyProbe"
TRUST = SSM_TRUST


def identity(**fields) -> str:
    statement = {"Effect": "Allow", "Action": "ec2:DescribeImages", "Resource": "*", **fields}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def without(key: str) -> str:
    doc = json.loads(identity())
    del doc["Statement"][0][key]
    return json.dumps(doc)


@pytest.fixture(scope="module")
def iam(client) -> Iterator:
    iam = client("iam")
    iam.create_role(RoleName=NAME, AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.create_user(UserName=NAME)
    iam.create_group(GroupName=NAME)
    yield iam
    for policy in iam.list_role_policies(RoleName=NAME)["PolicyNames"]:
        iam.delete_role_policy(RoleName=NAME, PolicyName=policy)
    iam.delete_role(RoleName=NAME)
    iam.delete_user(UserName=NAME)
    iam.delete_group(GroupName=NAME)


def refusal(call, **params) -> ClientError:
    with pytest.raises(ClientError) as err:
        call(**params)
    error = err.value.response
    assert error["Error"]["Code"] == "MalformedPolicyDocument"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    return err.value


def message(err: ClientError) -> str:
    return err.response["Error"]["Message"]


def test_create_policy_refuses_an_unknown_condition_operator(iam):
    document = identity(Condition={"StringEqualz": {"aws:username": "alice"}})
    err = refusal(iam.create_policy, PolicyName=f"{NAME}Op", PolicyDocument=document)
    assert message(err).startswith("Syntax errors in policy.")
    assert "StringEqualz" in message(err)


def test_put_role_policy_refuses_an_effect_other_than_allow_or_deny(iam):
    err = refusal(
        iam.put_role_policy,
        RoleName=NAME,
        PolicyName="Permit",
        PolicyDocument=identity(Effect="Permit"),
    )
    assert "Permit" in message(err)


def test_put_user_policy_refuses_a_statement_without_resource(iam):
    err = refusal(
        iam.put_user_policy,
        UserName=NAME,
        PolicyName="NoResource",
        PolicyDocument=without("Resource"),
    )
    assert message(err).startswith("Policy statement must contain resources.")


def test_create_policy_refuses_a_principal_in_an_identity_policy(iam):
    document = identity(Principal={"AWS": "123456789012"})
    err = refusal(iam.create_policy, PolicyName=f"{NAME}Principal", PolicyDocument=document)
    assert message(err).startswith("Policy document should not specify a principal.")


def test_put_group_policy_refuses_an_action_without_a_service_prefix(iam):
    err = refusal(
        iam.put_group_policy,
        GroupName=NAME,
        PolicyName="NoVendor",
        PolicyDocument=identity(Action="DescribeImages"),
    )
    assert message(err).startswith("Actions/Conditions must be prefaced by a vendor")


def test_create_policy_version_refuses_a_resource_that_is_not_an_arn(iam):
    arn = iam.create_policy(PolicyName=f"{NAME}Versions", PolicyDocument=identity())["Policy"][
        "Arn"
    ]
    try:
        err = refusal(
            iam.create_policy_version, PolicyArn=arn, PolicyDocument=identity(Resource="bucket")
        )
        assert message(err).startswith('Resource bucket must be in ARN format or "*".')
    finally:
        iam.delete_policy(PolicyArn=arn)


def test_create_role_refuses_a_trust_policy_that_is_not_json(iam):
    err = refusal(iam.create_role, RoleName=f"{NAME}Json", AssumeRolePolicyDocument='{"Version":')
    assert message(err).startswith("This policy contains invalid Json")


def test_create_role_refuses_a_trust_policy_without_principal(iam):
    doc = json.loads(json.dumps(TRUST))
    del doc["Statement"][0]["Principal"]
    err = refusal(
        iam.create_role, RoleName=f"{NAME}NoPrincipal", AssumeRolePolicyDocument=json.dumps(doc)
    )
    assert message(err).startswith("Missing required field Principal")


def test_update_assume_role_policy_refuses_an_unknown_element(iam):
    doc = json.loads(json.dumps(TRUST))
    doc["Statement"][0]["Resources"] = "*"
    err = refusal(iam.update_assume_role_policy, RoleName=NAME, PolicyDocument=json.dumps(doc))
    assert message(err).startswith("Syntax errors in policy.")
    assert "Resources" in message(err)


def test_a_valid_policy_is_stored_and_read_back_as_given(iam):
    document = identity(Condition={"StringEquals": {"aws:ResourceTag/WinUpdate": "ON"}})
    iam.put_role_policy(RoleName=NAME, PolicyName="Valid", PolicyDocument=document)
    stored = iam.get_role_policy(RoleName=NAME, PolicyName="Valid")["PolicyDocument"]
    if isinstance(stored, str):  # IAM returns it URL-encoded; boto3 decodes the JSON
        stored = json.loads(unquote(stored))
    assert stored == json.loads(document)

    arn = iam.create_policy(PolicyName=f"{NAME}Valid", PolicyDocument=document)["Policy"]["Arn"]
    try:
        version = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
        assert version["Document"] == json.loads(document)
    finally:
        iam.delete_policy(PolicyArn=arn)
