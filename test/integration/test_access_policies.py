"""Safety invariants 1 and 6 on the applied module, with IAM enforced as AWS enforces it.

1. Nobody who starts a run can skip or redirect its approval. Whether a run asks, and who
   may approve it, are deployment facts: the Start runbook takes no ``RequireApproval`` or
   ``Approvers`` parameter (StartAutomationExecution refuses one it does not declare:
   InvalidAutomationExecutionParametersException), asks when the deployment says so, and
   reads the approvers from Parameter Store as its role. People get the module's two
   policies: an operator (``operator_principals``) may start the Start runbook and follow
   and stop runs, but not start the per-instance, CreateImage or WindowsUpdate runbooks
   (which change instances without asking) and not approve; an approver
   (``approver_principals``, and listed in ``approvers``) may. aws:approve accepts a signal
   only from a listed approver (automation-action-approve.md, Approvers), so the approver
   policy without the listing is not enough either. Two approvers are deployed: the
   StringList reaches aws:approve as a list of two, and the second one's approval counts.
6. The role cannot touch AMIs it did not make: with retention on, a step running as the
   module's role cannot tag an AMI that someone else made (ec2:CreateTags is allowed only
   in CreateImage, ec2:CreateAction) nor deregister it (no Phase tag), and cannot create an
   image without the run's tags (aws:RequestTag, aws:TagKeys). EC2 user guide, "Grant
   permission to tag resources during creation"; automation-setup-iam.md.

Emulator-only, as test_role_mutations: IAM changes take time to reach every endpoint of a
real account, and the users and keys made here are the test's own.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID

from automation_support import steps_by_name
from integration.aws_target import WINDOWS_IMAGE_PARAMETER, Target
from integration.deployment import Deployment
from integration.fleet_runs import execution
from integration.instances import instance_state

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.emulator_only("IAM users made by the test; IAM changes propagate slowly on AWS"),
    pytest.mark.skipif(
        shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
    ),
]

_STEM = f"Acc{uuid.uuid4().hex[:6]}"
OPERATOR = f"{_STEM}-operator"
FIRST_APPROVER = f"{_STEM}-approver-1"
SECOND_APPROVER = f"{_STEM}-approver-2"
OUTSIDER = f"{_STEM}-outsider"  # no policy at all
UNLISTED = f"{_STEM}-unlisted"  # the approver policy, but not in the approvers list
USERS = (OPERATOR, FIRST_APPROVER, SECOND_APPROVER, OUTSIDER, UNLISTED)


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:user/{name}"


DEPLOYMENT_VARIABLES = {
    "approvers": [user_arn(FIRST_APPROVER), user_arn(SECOND_APPROVER)],
    "operator_principals": {"users": [OPERATOR]},
    "approver_principals": {"users": [FIRST_APPROVER, SECOND_APPROVER]},
    "ami_retention_count": 1,
    # Six wall seconds at the suite's speed: the tests send several refused signals before
    # the approving one, and on a loaded machine a one-second approval expired meanwhile.
    "approval_timeout_seconds": 3600,
}
DENIED_CODES = {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}


@pytest.fixture(scope="module", autouse=True)
def users(target: Target) -> Iterator[dict[str, Callable[[str], Any]]]:
    """The test's IAM users, made before the module is applied (it attaches its policies
    to them), each with a key; removed after the module is destroyed."""
    iam = target.client("iam")
    made: dict[str, Callable[[str], Any]] = {}
    try:
        for name in USERS:
            iam.create_user(UserName=name)
            key = iam.create_access_key(UserName=name)["AccessKey"]
            session = boto3.session.Session(
                aws_access_key_id=key["AccessKeyId"],
                aws_secret_access_key=key["SecretAccessKey"],
                region_name=target.region,
            )
            made[name] = lambda service, s=session: s.client(service, endpoint_url=target.endpoint)
        yield made
    finally:
        for name in USERS:
            with contextlib.suppress(ClientError):
                for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
                    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
                for policy in iam.list_user_policies(UserName=name)["PolicyNames"]:
                    iam.delete_user_policy(UserName=name, PolicyName=policy)
                for attached in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
                    iam.detach_user_policy(UserName=name, PolicyArn=attached["PolicyArn"])
                iam.delete_user(UserName=name)


@pytest.fixture(scope="module")
def people(deployed: Deployment, target: Target, users) -> dict[str, Callable[[str], Any]]:
    """The users once the module is applied; UNLISTED gets the approver policy inline."""
    target.client("iam").put_user_policy(
        UserName=UNLISTED,
        PolicyName="approver",
        PolicyDocument=deployed.outputs["approver_policy_json"],
    )
    return users


def code(err: ClientError) -> str:
    return err.response["Error"]["Code"]


def start_waiting(deployed: Deployment, target: Target, ssm: Any) -> str:
    """Start the Start runbook with ``ssm``; return once it waits at its approval (its
    3600 s are six wall seconds at the suite's speed: poll tightly)."""
    start_id = ssm.start_automation_execution(DocumentName=deployed.names["AutomationStart"])[
        "AutomationExecutionId"
    ]
    root = target.client("ssm")
    status = target.wait_until(
        lambda: (
            (s := execution(root, start_id)["AutomationExecutionStatus"])
            not in ("Pending", "InProgress")
            and s
        ),
        target.timeouts.step,
        what=lambda: f"{start_id} never reached its approval",
        poll=0.01,
    )
    assert status == "Waiting", steps_by_name(execution(root, start_id))
    return start_id


def wait_ended(target: Target, start_id: str) -> dict[str, Any]:
    root = target.client("ssm")
    return target.wait_until(
        lambda: (
            (e := execution(root, start_id))["AutomationExecutionStatus"]
            not in ("Pending", "InProgress", "Waiting", "Cancelling")
            and e
        ),
        target.timeouts.run,
        what=lambda: f"{start_id} never ended",
    )


# -- 1. the approval ---------------------------------------------------------------------------
def test_the_policies_are_attached_to_the_given_users(deployed: Deployment) -> None:
    attached = deployed.outputs["policy_attachments"]
    assert attached["operator"]["users"] == [OPERATOR]
    assert sorted(attached["approver"]["users"]) == sorted([FIRST_APPROVER, SECOND_APPROVER])


def test_an_operator_starts_a_run_that_only_a_listed_approver_can_approve(
    deployed: Deployment, target: Target, people
) -> None:
    """The operator starts it (passing the role, resolving the defaults as themselves),
    and cannot approve it; neither can a user without the policies, nor one with the
    approver policy who is not a deployed approver; the second of two approvers can."""
    operator = people[OPERATOR]("ssm")
    start_id = start_waiting(deployed, target, operator)
    refused = {}
    for name in (OPERATOR, OUTSIDER, UNLISTED):
        with pytest.raises(ClientError) as raised:
            people[name]("ssm").send_automation_signal(
                AutomationExecutionId=start_id, SignalType="Approve"
            )
        refused[name] = raised.value
    people[SECOND_APPROVER]("ssm").send_automation_signal(
        AutomationExecutionId=start_id, SignalType="Approve"
    )
    assert code(refused[OPERATOR]) in DENIED_CODES, refused[OPERATOR]
    assert "ssm:SendAutomationSignal" in str(refused[OPERATOR])
    assert code(refused[OUTSIDER]) in DENIED_CODES, refused[OUTSIDER]
    # IAM lets UNLISTED signal; aws:approve does not take it.
    assert code(refused[UNLISTED]) == "InvalidAutomationSignalException", refused[UNLISTED]
    assert "is not an approver" in str(refused[UNLISTED])
    run = wait_ended(target, start_id)
    steps = steps_by_name(run)
    assert steps["DecideApproval"]["Outputs"]["Approvers"] == [
        user_arn(FIRST_APPROVER),
        user_arn(SECOND_APPROVER),
    ]
    assert steps["Approve"]["StepStatus"] == "Success", steps["Approve"]
    assert json.loads(steps["Approve"]["Inputs"]["Approvers"]) == [
        user_arn(FIRST_APPROVER),
        user_arn(SECOND_APPROVER),
    ]
    assert steps["ArmRunWindow"]["StepStatus"] != "Pending"
    assert run["ExecutedBy"] == user_arn(OPERATOR)


def test_an_operator_can_stop_a_run_and_an_approver_can_reject_one(
    deployed: Deployment, target: Target, people
) -> None:
    stopped = start_waiting(deployed, target, people[OPERATOR]("ssm"))
    people[OPERATOR]("ssm").stop_automation_execution(AutomationExecutionId=stopped)
    assert wait_ended(target, stopped)["AutomationExecutionStatus"] == "Cancelled"
    rejected = start_waiting(deployed, target, people[OPERATOR]("ssm"))
    people[FIRST_APPROVER]("ssm").send_automation_signal(
        AutomationExecutionId=rejected, SignalType="Reject"
    )
    steps = steps_by_name(wait_ended(target, rejected))
    assert steps["Approve"]["StepStatus"] == "Failed"
    assert steps["PublishNotApproved"]["StepStatus"] == "Success"
    assert steps["ArmRunWindow"]["StepStatus"] == "Pending"


@pytest.mark.parametrize("base", ["AutomationProcess", "CreateImage", "WindowsUpdate"])
def test_an_operator_cannot_start_the_runbooks_that_skip_the_approval(
    deployed: Deployment, target: Target, people, base: str
) -> None:
    with pytest.raises(ClientError) as raised:
        people[OPERATOR]("ssm").start_automation_execution(
            DocumentName=deployed.names[base], Parameters={"InstanceId": ["i-0123456789abcdef0"]}
        )
    assert code(raised.value) in DENIED_CODES, raised.value
    assert "ssm:StartAutomationExecution" in str(raised.value)


def test_someone_without_the_operator_policy_cannot_start_a_run(
    deployed: Deployment, target: Target, people
) -> None:
    for name in (OUTSIDER, FIRST_APPROVER):
        with pytest.raises(ClientError) as raised:
            people[name]("ssm").start_automation_execution(
                DocumentName=deployed.names["AutomationStart"]
            )
        assert code(raised.value) in DENIED_CODES, (name, raised.value)


@pytest.mark.parametrize(
    "parameters",
    [
        {"RequireApproval": ["false"]},
        {"Approvers": [user_arn(OPERATOR)]},
        {"Approvers": [user_arn(OPERATOR)], "RequireApproval": ["true"]},
    ],
    ids=["skip", "redirect", "both"],
)
@pytest.mark.parametrize("who", ["operator", "root"])
def test_a_run_started_with_approval_parameters_is_refused_at_start(
    deployed: Deployment, target: Target, people, parameters: dict, who: str
) -> None:
    """Not even the account's root can skip or redirect the approval by a parameter."""
    ssm = people[OPERATOR]("ssm") if who == "operator" else target.client("ssm")
    document = deployed.names["AutomationStart"]

    def runs() -> int:
        pages = target.client("ssm").get_paginator("describe_automation_executions")
        return sum(
            len(page["AutomationExecutionMetadataList"])
            for page in pages.paginate(
                Filters=[{"Key": "DocumentNamePrefix", "Values": [document]}]
            )
        )

    before = runs()
    with pytest.raises(ClientError) as raised:
        ssm.start_automation_execution(DocumentName=document, Parameters=parameters)
    assert code(raised.value) == "InvalidAutomationExecutionParametersException", raised.value
    assert next(iter(parameters)) in str(raised.value)
    assert runs() == before


def test_a_scheduled_run_asks_as_the_deployment_says_not_as_a_parameter(
    deployed: Deployment, target: Target
) -> None:
    """The fixture deploys require_approval = true and maintenance_window.require_approval
    = false: the window's run (started as the module's role) goes on without asking, while
    every run above, started by a person, asked."""
    ssm = target.client("ssm")
    window_execution = target.control().run_maintenance_window(
        deployed.outputs["maintenance_window_id"]
    )

    def started() -> str | None:
        for task in ssm.describe_maintenance_window_execution_tasks(
            WindowExecutionId=window_execution
        )["WindowExecutionTaskIdentities"]:
            for invocation in ssm.describe_maintenance_window_execution_task_invocations(
                WindowExecutionId=window_execution, TaskId=task["TaskExecutionId"]
            )["WindowExecutionTaskInvocationIdentities"]:
                if invocation.get("ExecutionId"):
                    return invocation["ExecutionId"]
        return None

    start_id = target.wait_until(
        started, target.timeouts.step, what=lambda: "the window started no run"
    )
    steps = steps_by_name(wait_ended(target, start_id))
    outputs = steps["DecideApproval"]["Outputs"]
    assert (outputs["Scheduled"], outputs["RequireApproval"]) == (["true"], ["false"]), outputs
    assert steps["Approve"]["StepStatus"] == "Pending"
    assert steps["ArmRunWindow"]["StepStatus"] != "Pending"


# -- 1. a restore asks the same approvers -------------------------------------------------------
FAKE_RUN = "0123abcd-0123-4567-89ab-0123456789ab"  # a run id the operator makes up


@pytest.fixture
def image_before(deployed: Deployment, target: Target) -> Iterator[tuple[str, str]]:
    """A running instance the module's role may restore (the target tag) and an AMI before
    of it, tagged as a run tags one (made by the account's root, for run ``FAKE_RUN``);
    removed with what a restore replaced."""
    ec2, ssm = target.client("ec2"), target.client("ssm")
    image = ssm.get_parameter(Name=WINDOWS_IMAGE_PARAMETER)["Parameter"]["Value"]
    tag = {"Key": deployed.tag_key, "Value": deployed.variables["target_tag_value"]}
    instance = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [tag]}],
    )["Instances"][0]["InstanceId"]
    before = None
    try:
        target.wait_until(
            lambda: instance_state(ec2, instance) == "running",
            target.timeouts.instance,
            what=lambda: f"{instance} never ran",
        )
        run_tags = [
            {"Key": "Phase", "Value": "UpdateBefore"},
            {"Key": "InstanceId", "Value": instance},
            {"Key": "AutomationExecutionId", "Value": FAKE_RUN},
        ]
        before = ec2.create_image(
            InstanceId=instance,
            Name=f"{instance}_UpdateBefore_{FAKE_RUN}",
            NoReboot=True,
            TagSpecifications=[
                {"ResourceType": kind, "Tags": run_tags} for kind in ("image", "snapshot")
            ],
        )["ImageId"]

        def state() -> str:
            return ec2.describe_images(ImageIds=[before])["Images"][0]["State"]

        target.wait_until(
            lambda: state() == "available", target.timeouts.step, what=lambda: state()
        )
        yield instance, before
    finally:
        snapshots = []
        if before:
            (made,) = ec2.describe_images(ImageIds=[before])["Images"]
            snapshots = [m["Ebs"]["SnapshotId"] for m in made["BlockDeviceMappings"] if "Ebs" in m]
            ec2.deregister_image(ImageId=before)
        for snapshot in snapshots:
            ec2.delete_snapshot(SnapshotId=snapshot)
        ec2.terminate_instances(InstanceIds=[instance])
        kept = ec2.describe_volumes(
            Filters=[{"Name": "tag:RestoredFrom", "Values": [before or "none"]}]
        )["Volumes"]
        for volume in kept:
            ec2.delete_volume(VolumeId=volume["VolumeId"])


def test_an_operator_starts_a_restore_that_only_a_listed_approver_can_approve(
    deployed: Deployment, target: Target, people, image_before
) -> None:
    """The operator may start the Restore runbook (the deployment asks for approval) and
    tries, from their own credentials, every way to a restore nobody approved: approving
    it themselves, claiming it is a run's rollback (by its parameters: the run and AMI
    before named; by a parameter the runbook does not declare), starting the per-instance
    runbook whose rollback is not asked again, or a runbook of their own that would start
    the restore as its child. Only the second deployed approver's approval lets it go on.
    The Restore's CheckRestore takes a rollback only from the execution's real parent, an
    aws:executeAutomation of the per-instance runbook."""
    instance, before = image_before
    operator = people[OPERATOR]("ssm")
    restore = deployed.names["Restore"]
    restore_id = operator.start_automation_execution(
        DocumentName=restore,
        Parameters={"InstanceId": [instance], "ImageId": [before], "RunId": [FAKE_RUN]},
    )["AutomationExecutionId"]

    def status() -> str:
        return execution(operator, restore_id)["AutomationExecutionStatus"]

    target.wait_until(
        lambda: status() not in ("Pending", "InProgress"),
        target.timeouts.step,
        what=lambda: f"{restore_id} is {status()}",
        poll=0.01,
    )
    assert status() == "Waiting", steps_by_name(execution(operator, restore_id))
    seen = execution(operator, restore_id)  # what the operator sees of it
    assert "ParentAutomationExecutionId" not in seen
    steps = steps_by_name(seen)
    outputs = steps["CheckRestore"]["Outputs"]
    assert (outputs["Rollback"], outputs["RequireApproval"]) == (["false"], ["true"]), outputs
    assert outputs["ImageId"] == [before] and outputs["RunId"] == [FAKE_RUN], outputs
    assert steps["ApproveRestore"]["StepStatus"] == "Waiting", steps["ApproveRestore"]
    # Approving it themselves: IAM refuses the signal.
    with pytest.raises(ClientError) as raised:
        operator.send_automation_signal(AutomationExecutionId=restore_id, SignalType="Approve")
    assert code(raised.value) in DENIED_CODES, raised.value
    assert "ssm:SendAutomationSignal" in str(raised.value)
    # With the approver policy but not a deployed approver: aws:approve refuses it.
    with pytest.raises(ClientError) as raised:
        people[UNLISTED]("ssm").send_automation_signal(
            AutomationExecutionId=restore_id, SignalType="Approve"
        )
    assert code(raised.value) == "InvalidAutomationSignalException", raised.value
    # A rollback by a parameter: the runbook declares none, the start is refused.
    for claim in ({"Rollback": ["true"]}, {"ParentAutomationExecutionId": [FAKE_RUN]}):
        with pytest.raises(ClientError) as raised:
            operator.start_automation_execution(
                DocumentName=restore, Parameters={"InstanceId": [instance], **claim}
            )
        assert code(raised.value) == "InvalidAutomationExecutionParametersException", (
            claim,
            raised.value,
        )
    # The per-instance runbook, whose own rollback asks no second approval: IAM refuses.
    with pytest.raises(ClientError) as raised:
        operator.start_automation_execution(
            DocumentName=deployed.names["AutomationProcess"],
            Parameters={"InstanceId": [instance], "RollbackOnFailure": ["true"]},
        )
    assert code(raised.value) in DENIED_CODES, raised.value
    assert "ssm:StartAutomationExecution" in str(raised.value)
    # A runbook of their own that would start the restore as its child: not even made.
    with pytest.raises(ClientError) as raised:
        operator.create_document(
            Name=f"{deployed.stem}-FakeRollback",
            Content=json.dumps(
                {
                    "schemaVersion": "0.3",
                    "mainSteps": [
                        {
                            "name": "Restore",
                            "action": "aws:executeAutomation",
                            "inputs": {
                                "DocumentName": restore,
                                "RuntimeParameters": {"InstanceId": [instance]},
                            },
                        }
                    ],
                }
            ),
            DocumentType="Automation",
            DocumentFormat="JSON",
        )
    assert code(raised.value) in DENIED_CODES, raised.value
    assert status() == "Waiting"
    # A deployed approver lets it go on: the instance is restored from its AMI before.
    people[SECOND_APPROVER]("ssm").send_automation_signal(
        AutomationExecutionId=restore_id, SignalType="Approve"
    )
    done = wait_ended(target, restore_id)
    steps = steps_by_name(done)
    assert done["AutomationExecutionStatus"] == "Success", steps
    assert steps["ApproveRestore"]["StepStatus"] == "Success"
    assert done["ExecutedBy"] == user_arn(OPERATOR)
    summary = done["Outputs"]["ReportRestore.Summary"][0]
    assert summary.startswith(f"{instance} restored from {before} (its AMI before run {FAKE_RUN})")
    assert instance_state(target.client("ec2"), instance) == "running"


# -- 6. the role and other people's AMIs ---------------------------------------------------------
def test_the_role_cannot_retag_deregister_or_make_untagged_amis(
    deployed: Deployment, target: Target, people
) -> None:
    """An AMI made by the account's root, of an instance the role may image: a runbook
    running as the module's role (retention on, so DeleteOwnImagesAndSnapshots is there)
    can neither tag it Phase=UpdateBefore nor deregister it, nor image the instance without
    the run's tags."""
    ec2, ssm = target.client("ec2"), target.client("ssm")
    image = ssm.get_parameter(Name=WINDOWS_IMAGE_PARAMETER)["Parameter"]["Value"]
    tag = {"Key": deployed.tag_key, "Value": deployed.variables["target_tag_value"]}
    instance = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [tag]}],
    )["Instances"][0]["InstanceId"]
    theirs = ec2.create_image(InstanceId=instance, Name=f"{_STEM}-not-the-modules", NoReboot=True)[
        "ImageId"
    ]
    document = f"{deployed.stem}-AmiProbe"

    def api(name: str, api_name: str, **inputs: Any) -> dict[str, Any]:
        return {
            "name": name,
            "action": "aws:executeAwsApi",
            "maxAttempts": 1,
            "onFailure": "Continue",
            "inputs": {"Service": "ec2", "Api": api_name, **inputs},
        }

    probe = {
        "schemaVersion": "0.3",
        "assumeRole": deployed.outputs["automation_role_arn"],
        "mainSteps": [
            api(
                "TagTheirs",
                "CreateTags",
                Resources=[theirs],
                Tags=[{"Key": "Phase", "Value": "UpdateBefore"}],
            ),
            api("DeregisterTheirs", "DeregisterImage", ImageId=theirs),
            api("ImageWithoutRunTags", "CreateImage", InstanceId=instance, Name=f"{_STEM}-bare"),
            api(
                "ImageWithOtherTags",
                "CreateImage",
                InstanceId=instance,
                Name=f"{_STEM}-other",
                TagSpecifications=[
                    {
                        "ResourceType": "image",
                        "Tags": [
                            {"Key": "Phase", "Value": "Anything"},
                            {"Key": "InstanceId", "Value": instance},
                            {"Key": "AutomationExecutionId", "Value": "x"},
                        ],
                    }
                ],
            ),
        ],
    }
    ssm.create_document(
        Name=document,
        Content=json.dumps(probe),
        DocumentType="Automation",
        DocumentFormat="JSON",
    )
    try:
        run_id = ssm.start_automation_execution(DocumentName=document)["AutomationExecutionId"]
        steps = steps_by_name(wait_ended(target, run_id))
    finally:
        ssm.delete_document(Name=document)
        ec2.deregister_image(ImageId=theirs)
        ec2.terminate_instances(InstanceIds=[instance])
    denied = {
        "TagTheirs": "ec2:CreateTags",
        "DeregisterTheirs": "ec2:DeregisterImage",
        "ImageWithoutRunTags": "ec2:CreateImage",
        "ImageWithOtherTags": "ec2:CreateImage",
    }
    for step, action in denied.items():
        assert steps[step]["StepStatus"] == "Failed", (step, steps[step])
        assert f"is not authorized to perform: {action}" in steps[step]["FailureMessage"], (
            step,
            steps[step]["FailureMessage"],
        )


def test_the_topic_key_serves_only_the_modules_topic(deployed: Deployment, target: Target):
    """KMS developer guide (confused deputy): aws:SourceArn in the key policy's statement
    for sns.amazonaws.com, as deployed."""
    key = deployed.outputs["kms_key_arn"]
    policy = json.loads(
        target.client("kms").get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    )
    (statement,) = [s for s in policy["Statement"] if s["Sid"] == "SnsUsesKeyForTopic"]
    assert statement["Condition"]["ArnEquals"] == {"aws:SourceArn": deployed.topic}
