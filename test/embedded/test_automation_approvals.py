"""aws:approve and aws:pause (automation-action-approve.md, automation-action-pause.md,
running-automations-require-approvals.md)."""

import time

import boto3
import pytest
from botocore.exceptions import ClientError

from automation_support import (
    create_runbook,
    messages,
    runbook,
    start,
    steps_by_name,
    wait_done,
    wait_until,
)


@pytest.fixture
def topic(client):
    return client("sns").create_topic(Name="AutomationApprovalTests")["TopicArn"]


@pytest.fixture
def me(client):
    return client("sts").get_caller_identity()["Arn"]


# What an approver needs (the embedded AWS enforces IAM for an IAM user's key): send the
# signal, and read the execution it approves.
APPROVER_POLICY = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Action": ["ssm:SendAutomationSignal", "ssm:GetAutomationExecution"],
  "Resource": "arn:aws:ssm:*:*:automation-execution/*"}]}"""


def approver_client(client, endpoint, user_name):
    """An SSM client signed with a new IAM user's own access key, allowed to approve."""
    iam = client("iam")
    arn = iam.create_user(UserName=user_name)["User"]["Arn"]
    iam.put_user_policy(UserName=user_name, PolicyName="approve", PolicyDocument=APPROVER_POLICY)
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    ssm = boto3.client(
        "ssm",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    return arn, ssm


def approve_step(topic, approvers, minimum=1, **props):
    return {
        "name": "approve",
        "action": "aws:approve",
        "inputs": {
            "NotificationArn": topic,
            "Message": "Patch the fleet?",
            "MinRequiredApprovals": minimum,
            "Approvers": approvers,
        },
        **props,
    }


DONE = {"name": "done", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}


def test_approval_request_is_published_and_the_run_waits(client, endpoint, topic, me):
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(approve_step(topic, [me]), DONE))
    execution_id = start(ssm, name)
    execution = wait_until(ssm, execution_id, {"Waiting"})
    assert steps_by_name(execution)["approve"]["StepStatus"] == "Waiting"
    published = [m for m in messages(endpoint, topic) if execution_id in m["Message"]]
    assert len(published) == 1
    assert "Patch the fleet?" in published[0]["Message"]
    assert "send-automation-signal" in published[0]["Message"]
    ssm.send_automation_signal(AutomationExecutionId=execution_id, SignalType="Approve")
    execution = wait_done(ssm, execution_id)
    assert execution["AutomationExecutionStatus"] == "Success"
    assert steps_by_name(execution)["approve"]["Outputs"]["ApprovalStatus"] == ["Approved"]


def test_a_message_over_4096_characters_once_resolved_fails_the_step(client, endpoint, topic, me):
    # automation-action-approve.md, Message: "The maximum message length is 4096 characters";
    # a parameter can make the written text longer than that when the run resolves it.
    ssm = client("ssm")
    step = approve_step(topic, [me])
    step["inputs"]["Message"] = "Patch " + "{{ Fleet }}" * 9  # a value takes 512 characters
    name = create_runbook(
        ssm, runbook(step, DONE, parameters={"Fleet": {"type": "String", "default": "x"}})
    )
    execution_id = start(ssm, name, Fleet="y" * 455)
    execution = wait_done(ssm, execution_id)
    assert execution["AutomationExecutionStatus"] == "Failed"
    failure = steps_by_name(execution)["approve"]["FailureMessage"]
    assert "4101 characters" in failure and "at most 4096" in failure
    assert not [m for m in messages(endpoint, topic) if execution_id in m["Message"]]


def test_rejection_fails_the_step_and_runs_nothing_after_it(client, topic, me):
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(approve_step(topic, [me]), DONE))
    execution_id = start(ssm, name)
    wait_until(ssm, execution_id, {"Waiting"})
    ssm.send_automation_signal(AutomationExecutionId=execution_id, SignalType="Reject")
    execution = wait_done(ssm, execution_id)
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert steps_by_name(execution)["approve"]["StepStatus"] == "Failed"
    assert steps_by_name(execution)["done"]["StepStatus"] == "Pending"


def test_approval_that_is_not_given_in_time_times_out(client, topic, me):
    # automation-action-approve.md: "the step and the automation stop running and return a
    # status of Timed Out".
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(approve_step(topic, [me], timeoutSeconds=600), DONE))
    execution = wait_done(ssm, start(ssm, name))
    assert execution["AutomationExecutionStatus"] == "TimedOut"
    assert steps_by_name(execution)["approve"]["StepStatus"] == "TimedOut"


def test_min_required_approvals_counts_distinct_approvers(client, endpoint, topic):
    ssm = client("ssm")
    first_arn, first = approver_client(client, endpoint, "approver-one")
    second_arn, second = approver_client(client, endpoint, "approver-two")
    name = create_runbook(ssm, runbook(approve_step(topic, [first_arn, "approver-two"], 2), DONE))
    execution_id = start(ssm, name)
    wait_until(ssm, execution_id, {"Waiting"})
    first.send_automation_signal(AutomationExecutionId=execution_id, SignalType="Approve")
    first.send_automation_signal(AutomationExecutionId=execution_id, SignalType="Approve")
    time.sleep(0.3)
    still = ssm.get_automation_execution(AutomationExecutionId=execution_id)["AutomationExecution"]
    assert still["AutomationExecutionStatus"] == "Waiting"
    second.send_automation_signal(AutomationExecutionId=execution_id, SignalType="Approve")
    assert wait_done(ssm, execution_id)["AutomationExecutionStatus"] == "Success"
    assert second_arn.endswith("user/approver-two")


def test_signal_from_someone_who_is_not_an_approver_is_refused(client, topic):
    ssm = client("ssm")
    name = create_runbook(
        ssm, runbook(approve_step(topic, ["arn:aws:iam::123456789012:user/somebody-else"]), DONE)
    )
    execution_id = start(ssm, name)
    wait_until(ssm, execution_id, {"Waiting"})
    with pytest.raises(ClientError) as err:
        ssm.send_automation_signal(AutomationExecutionId=execution_id, SignalType="Approve")
    assert err.value.response["Error"]["Code"] == "InvalidAutomationSignalException"
    assert "not an approver" in err.value.response["Error"]["Message"]
    ssm.stop_automation_execution(AutomationExecutionId=execution_id)


def test_approval_topic_must_be_named_automation(client, me):
    # automation-action-approve.md: "The title of the Amazon SNS topic must be prefixed with
    # 'Automation'".
    ssm = client("ssm")
    other = client("sns").create_topic(Name="PatchingApprovals")["TopicArn"]
    name = create_runbook(ssm, runbook(approve_step(other, [me]), DONE))
    execution = wait_done(ssm, start(ssm, name))
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert "Automation" in steps_by_name(execution)["approve"]["FailureMessage"]


def test_pause_waits_for_a_resume_signal(client):
    ssm = client("ssm")
    name = create_runbook(ssm, runbook({"name": "hold", "action": "aws:pause", "inputs": {}}, DONE))
    execution_id = start(ssm, name)
    wait_until(ssm, execution_id, {"Waiting"})
    ssm.send_automation_signal(AutomationExecutionId=execution_id, SignalType="Resume")
    assert wait_done(ssm, execution_id)["AutomationExecutionStatus"] == "Success"


def test_approve_signal_to_a_run_that_is_not_waiting_for_approval_is_refused(client):
    ssm = client("ssm")
    name = create_runbook(ssm, runbook({"name": "hold", "action": "aws:pause", "inputs": {}}))
    execution_id = start(ssm, name)
    wait_until(ssm, execution_id, {"Waiting"})
    with pytest.raises(ClientError) as err:
        ssm.send_automation_signal(AutomationExecutionId=execution_id, SignalType="Approve")
    assert err.value.response["Error"]["Code"] == "InvalidAutomationSignalException"
    ssm.stop_automation_execution(AutomationExecutionId=execution_id)
