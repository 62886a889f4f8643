"""The Terraform module's role policy (modules/iam/main.tf), in the same shape with a
placeholder account, parses and decides as its statements intend.

A copy, not a rendering of the module: a change to main.tf's statements must be made here
too, and the integration tests (which apply the module) check the real one.
"""

from __future__ import annotations

import json

from winupdate.local.iam.evaluate import Decision, Request, evaluate
from winupdate.local.iam.policy import parse_policy

ACCOUNT = "111122223333"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/WindowsUpdateAutomation"
INSTANCES = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/*"
IMAGES = f"arn:aws:ec2:{REGION}::image/*"
SNAPSHOTS = f"arn:aws:ec2:{REGION}::snapshot/*"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:windows-update"
TARGET = {"StringEquals": {"aws:ResourceTag/WinUpdate": "ON"}}

ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadOnlyWithoutResourceLevelPermissions",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeImages",
                "ec2:DescribeInstanceStatus",
                "ec2:DescribeInstances",
                "ssm:DescribeAutomationExecutions",
                "ssm:DescribeInstanceInformation",
                "ssm:GetCommandInvocation",
                "ssm:ListCommandInvocations",
                "ssm:ListCommands",
                "tag:GetResources",
            ],
            "Resource": "*",
        },
        {
            "Sid": "ReadAutomationExecutions",
            "Effect": "Allow",
            "Action": ["ssm:DescribeAutomationStepExecutions", "ssm:GetAutomationExecution"],
            "Resource": f"arn:aws:ssm:{REGION}:{ACCOUNT}:automation-execution/*",
        },
        {
            "Sid": "ReadOwnParameters",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:GetParameters"],
            "Resource": [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/WinUpdate/Settings"],
        },
        {
            "Sid": "StartStopAndImageTaggedInstances",
            "Effect": "Allow",
            "Action": ["ec2:CreateImage", "ec2:StartInstances", "ec2:StopInstances"],
            "Resource": INSTANCES,
            "Condition": TARGET,
        },
        {
            "Sid": "CreateImagesAndSnapshots",
            "Effect": "Allow",
            "Action": ["ec2:CreateImage"],
            "Resource": [IMAGES, SNAPSHOTS],
        },
        {
            "Sid": "TagImagesAndSnapshotsWithRunTags",
            "Effect": "Allow",
            "Action": ["ec2:CreateTags"],
            "Resource": [IMAGES, SNAPSHOTS],
            "Condition": {
                "ForAllValues:StringEquals": {
                    "aws:TagKeys": ["AutomationExecutionId", "InstanceId", "Phase"]
                }
            },
        },
        {
            "Sid": "SendInstallWindowsUpdates",
            "Effect": "Allow",
            "Action": ["ssm:SendCommand"],
            "Resource": f"arn:aws:ssm:{REGION}::document/AWS-InstallWindowsUpdates",
        },
        {
            "Sid": "SendCommandToTaggedInstances",
            "Effect": "Allow",
            "Action": ["ssm:SendCommand"],
            "Resource": INSTANCES,
            "Condition": {"StringEquals": {"ssm:resourceTag/WinUpdate": "ON"}},
        },
        {
            "Sid": "StartOwnRunbooks",
            "Effect": "Allow",
            "Action": ["ssm:StartAutomationExecution"],
            "Resource": [
                f"arn:aws:ssm:{REGION}:{ACCOUNT}:automation-definition/WinUpdate-Process:*"
            ],
        },
        {
            "Sid": "PassOwnRoleToSsm",
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": ROLE,
            "Condition": {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}},
        },
        {
            "Sid": "PublishToOwnTopic",
            "Effect": "Allow",
            "Action": ["sns:Publish"],
            "Resource": TOPIC,
        },
        {
            "Sid": "DeleteOwnImagesAndSnapshots",
            "Effect": "Allow",
            "Action": ["ec2:DeleteSnapshot", "ec2:DeregisterImage"],
            "Resource": [IMAGES, SNAPSHOTS],
            "Condition": {
                "StringEquals": {"aws:ResourceTag/Phase": ["UpdateAfter", "UpdateBefore"]}
            },
        },
    ],
}

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ssm.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ],
}

POLICY = parse_policy(json.dumps(ROLE_POLICY))
INSTANCE = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0123456789abcdef0"
IMAGE = f"arn:aws:ec2:{REGION}::image/ami-0123456789abcdef0"


def decide(action: str, resource: str, context: dict | None = None) -> Decision:
    return evaluate([POLICY], Request(action, resource, context or {}))


def test_the_module_role_policy_parses_with_all_its_statements():
    assert len(POLICY.statements) == len(ROLE_POLICY["Statement"])


def test_starting_a_tagged_instance_is_allowed_and_an_untagged_one_is_not():
    assert decide("ec2:StartInstances", INSTANCE, {"aws:resourcetag/winupdate": "ON"}) is (
        Decision.ALLOW
    )
    assert decide("ec2:StartInstances", INSTANCE) is Decision.IMPLICIT_DENY
    assert decide("ec2:StopInstances", INSTANCE, {"aws:resourcetag/winupdate": "OFF"}) is (
        Decision.IMPLICIT_DENY
    )


def test_create_image_needs_a_tagged_instance_but_any_image_and_snapshot():
    assert decide("ec2:CreateImage", IMAGE) is Decision.ALLOW
    assert decide("ec2:CreateImage", INSTANCE) is Decision.IMPLICIT_DENY
    assert decide("ec2:CreateImage", INSTANCE, {"aws:resourcetag/winupdate": "ON"}) is (
        Decision.ALLOW
    )


def test_images_may_be_tagged_with_the_run_tags_only():
    run_tags = {"aws:tagkeys": ["Phase", "InstanceId", "AutomationExecutionId"]}
    assert decide("ec2:CreateTags", IMAGE, run_tags) is Decision.ALLOW
    assert decide("ec2:CreateTags", IMAGE, {"aws:tagkeys": ["Phase", "Owner"]}) is (
        Decision.IMPLICIT_DENY
    )
    assert decide("ec2:CreateTags", INSTANCE, run_tags) is Decision.IMPLICIT_DENY


def test_only_the_runs_own_images_may_be_deleted():
    before = {"aws:resourcetag/phase": "UpdateBefore"}
    assert decide("ec2:DeregisterImage", IMAGE, before) is Decision.ALLOW
    assert decide("ec2:DeregisterImage", IMAGE, {"aws:resourcetag/phase": "Golden"}) is (
        Decision.IMPLICIT_DENY
    )
    assert decide("ec2:DeregisterImage", IMAGE) is Decision.IMPLICIT_DENY


def test_send_command_needs_the_update_document_and_a_tagged_instance():
    document = f"arn:aws:ssm:{REGION}::document/AWS-InstallWindowsUpdates"
    assert decide("ssm:SendCommand", document) is Decision.ALLOW
    assert decide("ssm:SendCommand", f"arn:aws:ssm:{REGION}::document/AWS-RunShellScript") is (
        Decision.IMPLICIT_DENY
    )
    tagged = {"ssm:resourcetag/winupdate": "ON"}
    assert decide("ssm:SendCommand", INSTANCE, tagged) is Decision.ALLOW
    assert decide("ssm:SendCommand", INSTANCE) is Decision.IMPLICIT_DENY


def test_the_role_may_be_passed_to_ssm_only():
    assert decide("iam:PassRole", ROLE, {"iam:passedtoservice": "ssm.amazonaws.com"}) is (
        Decision.ALLOW
    )
    assert decide("iam:PassRole", ROLE, {"iam:passedtoservice": "ec2.amazonaws.com"}) is (
        Decision.IMPLICIT_DENY
    )


def test_reads_without_resource_level_permissions_are_allowed_on_star():
    assert decide("ec2:DescribeInstances", "*") is Decision.ALLOW
    assert decide("ec2:DescribeSnapshots", "*") is Decision.IMPLICIT_DENY


def test_the_trust_policy_lets_ssm_of_the_account_assume_the_role():
    trust = parse_policy(json.dumps(TRUST_POLICY), "trust")
    ssm = {"Service": ["ssm.amazonaws.com"]}

    def assume(context: dict) -> Decision:
        return evaluate([trust], Request("sts:AssumeRole", ROLE, context, principal=ssm))

    assert assume({"aws:sourceaccount": ACCOUNT}) is Decision.ALLOW
    assert assume({"aws:sourceaccount": "999999999999"}) is Decision.IMPLICIT_DENY
