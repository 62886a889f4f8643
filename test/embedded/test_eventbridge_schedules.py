"""EventBridge Scheduler schedules fired by the embedded AWS on its modelled clock.

References (EventBridge Scheduler User Guide): "Schedule types on EventBridge Scheduler"
(rate schedules start at StartDate, or at once without one; one-time at(...) schedules run
once, "at the time and in the time zone, that you specify"; State DISABLED); "Using
universal targets in EventBridge Scheduler" (arn:aws:scheduler:::aws-sdk:<service>:<api>,
Input is the request, RoleArn "must have the permissions to call the API operation");
"Set up the execution role" (trust scheduler.amazonaws.com, aws:SourceAccount). What a
failed invocation shows: on AWS only CloudWatch's AWS/Scheduler metrics (TargetErrorCount)
and a dead-letter queue; the embedded AWS answers each invocation and the counts through
its control instead (``eventbridge_scheduler.scheduler``).

The session's embedded AWS runs at 600 modelled seconds a wall second: rate(5 minutes) is
half a second. Schedules are paused for the session (test/conftest.py) and unpaused here.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from automation_support import create_runbook, eventbridge_schedules, runbook, trust

UNIVERSAL = "arn:aws:scheduler:::aws-sdk:ssm:startAutomationExecution"
ACCOUNT = "123456789012"


@pytest.fixture
def schedules_on(endpoint):
    eventbridge_schedules(endpoint, Paused=False)
    yield
    eventbridge_schedules(endpoint, Paused=True)


@pytest.fixture(scope="module")
def setup(client):
    """A runbook that runs as an Automation role, and that role."""
    iam, ssm = client("iam"), client("ssm")
    suffix = uuid.uuid4().hex[:8]
    automation_role = iam.create_role(
        RoleName=f"EbAutomation-{suffix}",
        AssumeRolePolicyDocument=json.dumps(trust("ssm.amazonaws.com")),
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=f"EbAutomation-{suffix}",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    document = create_runbook(
        ssm,
        runbook(
            {"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "PT1M"}},
            parameters={"AutomationAssumeRole": {"type": "String", "default": automation_role}},
            assumeRole="{{AutomationAssumeRole}}",
        ),
        prefix="EbStart",
    )
    return {"document": document, "automation_role": automation_role}


def scheduler_role(
    iam,
    name: str,
    document: str,
    automation_role: str,
    *,
    start: bool = True,
    service: str = "scheduler.amazonaws.com",
) -> str:
    """The least-privilege role the module gives its schedule (modules/schedule)."""
    statements = [
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": automation_role,
            "Condition": {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}},
        }
    ]
    if start:
        statements.append(
            {
                "Effect": "Allow",
                "Action": "ssm:StartAutomationExecution",
                "Resource": f"arn:aws:ssm:us-east-1:{ACCOUNT}:automation-definition/{document}:*",
            }
        )
    policy_trust = trust(service)
    policy_trust["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(policy_trust))["Role"][
        "Arn"
    ]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="start",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    return arn


def create_schedule(
    scheduler, name: str, expression: str, role_arn: str, document: str, **extra
) -> str:
    return scheduler.create_schedule(
        Name=name,
        ScheduleExpression=expression,
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": extra.pop("TargetArn", UNIVERSAL),
            "RoleArn": role_arn,
            "Input": json.dumps({"DocumentName": document}),
        },
        **extra,
    )["ScheduleArn"]


def invocations(endpoint: str, arn: str) -> list[dict]:
    answer = eventbridge_schedules(endpoint)
    return [i for i in answer["Invocations"] if i["ScheduleArn"] == arn]


def wait_for(endpoint: str, arn: str, count: int, wall: float = 20.0) -> list[dict]:
    deadline = time.monotonic() + wall
    while time.monotonic() < deadline:
        got = invocations(endpoint, arn)
        if len(got) >= count and all(i["Status"] != "PENDING" for i in got):
            return got
        time.sleep(0.1)
    return invocations(endpoint, arn)


def epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_a_rate_schedule_starts_the_runbook_repeatedly_as_its_role(
    client, endpoint, setup, schedules_on
):
    iam, ssm, scheduler = client("iam"), client("ssm"), client("scheduler")
    name = f"eb-rate-{uuid.uuid4().hex[:8]}"
    role = scheduler_role(iam, name, setup["document"], setup["automation_role"])
    arn = create_schedule(scheduler, name, "rate(5 minutes)", role, setup["document"])
    try:
        got = wait_for(endpoint, arn, 3)
    finally:
        scheduler.delete_schedule(Name=name)
    assert len(got) >= 3
    assert {i["Status"] for i in got} == {"SUCCEEDED"}, got
    # Every five modelled minutes, the first at once (no StartDate).
    gaps = {round(b - a) for a, b in itertools.pairwise(epoch(i["Time"]) for i in got)}
    assert gaps == {300}
    for invocation in got[:3]:
        execution = ssm.get_automation_execution(
            AutomationExecutionId=invocation["AutomationExecutionId"]
        )["AutomationExecution"]
        assert execution["DocumentName"] == setup["document"]
        # Started as a session of the schedule's role; the steps run as the Automation role.
        assert execution["ExecutedBy"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/")


def test_a_role_without_start_automation_execution_starts_nothing(
    client, endpoint, setup, schedules_on
):
    iam, ssm, scheduler = client("iam"), client("ssm"), client("scheduler")
    name = f"eb-denied-{uuid.uuid4().hex[:8]}"
    role = scheduler_role(iam, name, setup["document"], setup["automation_role"], start=False)
    before = {
        e["AutomationExecutionId"]
        for e in ssm.describe_automation_executions(
            Filters=[{"Key": "DocumentNamePrefix", "Values": [setup["document"]]}]
        )["AutomationExecutionMetadataList"]
    }
    arn = create_schedule(scheduler, name, "rate(5 minutes)", role, setup["document"])
    try:
        got = wait_for(endpoint, arn, 2)
        (described,) = [
            s for s in eventbridge_schedules(endpoint)["Schedules"] if s["ScheduleArn"] == arn
        ]
    finally:
        scheduler.delete_schedule(Name=name)
    assert len(got) >= 2
    assert {i["Status"] for i in got} == {"FAILED"}
    assert {i["ErrorCode"] for i in got} == {"AccessDeniedException"}
    assert "ssm:StartAutomationExecution" in got[0]["ErrorMessage"]
    assert all(i["AutomationExecutionId"] is None for i in got)
    # What CloudWatch would count: every attempt a target error.
    assert described["TargetErrorCount"] == described["InvocationAttemptCount"] >= 2
    after = {
        e["AutomationExecutionId"]
        for e in ssm.describe_automation_executions(
            Filters=[{"Key": "DocumentNamePrefix", "Values": [setup["document"]]}]
        )["AutomationExecutionMetadataList"]
    }
    started_by_it = [
        e
        for e in after - before
        if ssm.get_automation_execution(AutomationExecutionId=e)["AutomationExecution"][
            "ExecutedBy"
        ].split("/")[1:2]
        == [name]
    ]
    assert started_by_it == []


def test_a_role_that_scheduler_may_not_assume_starts_nothing(client, endpoint, setup, schedules_on):
    iam, scheduler = client("iam"), client("scheduler")
    name = f"eb-untrusted-{uuid.uuid4().hex[:8]}"
    role = scheduler_role(
        iam, name, setup["document"], setup["automation_role"], service="ssm.amazonaws.com"
    )
    arn = create_schedule(scheduler, name, "rate(5 minutes)", role, setup["document"])
    try:
        (first, *_) = wait_for(endpoint, arn, 1)
    finally:
        scheduler.delete_schedule(Name=name)
    assert first["Status"] == "FAILED" and first["AutomationExecutionId"] is None
    assert "unable to be assumed" in first["ErrorMessage"]


def test_an_at_schedule_fires_once_at_its_time_in_its_time_zone(
    client, endpoint, embedded_aws, setup, schedules_on
):
    iam, ssm, scheduler = client("iam"), client("ssm"), client("scheduler")
    name = f"eb-at-{uuid.uuid4().hex[:8]}"
    role = scheduler_role(iam, name, setup["document"], setup["automation_role"])
    # Ten modelled minutes ahead (one wall second), written on Tokyo's wall clock.
    when = datetime.fromtimestamp(embedded_aws.clock.now(), UTC).replace(second=0, microsecond=0)
    when += timedelta(minutes=10)
    tokyo = when.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%dT%H:%M:%S")
    arn = create_schedule(
        scheduler,
        name,
        f"at({tokyo})",
        role,
        setup["document"],
        ScheduleExpressionTimezone="Asia/Tokyo",
    )
    try:
        got = wait_for(endpoint, arn, 1)
        time.sleep(3.0)  # thirty modelled minutes more: nothing else
        got = invocations(endpoint, arn)
    finally:
        scheduler.delete_schedule(Name=name)
    assert len(got) == 1, got
    (invocation,) = got
    assert epoch(invocation["Time"]) == when.timestamp()
    assert invocation["Status"] == "SUCCEEDED"
    assert ssm.get_automation_execution(AutomationExecutionId=invocation["AutomationExecutionId"])


def test_a_disabled_schedule_never_fires(client, endpoint, setup, schedules_on):
    iam, scheduler = client("iam"), client("scheduler")
    name = f"eb-off-{uuid.uuid4().hex[:8]}"
    role = scheduler_role(iam, name, setup["document"], setup["automation_role"])
    arn = create_schedule(
        scheduler, name, "rate(1 minute)", role, setup["document"], State="DISABLED"
    )
    try:
        time.sleep(2.0)  # twenty modelled minutes
        got = invocations(endpoint, arn)
        (described,) = [
            s for s in eventbridge_schedules(endpoint)["Schedules"] if s["ScheduleArn"] == arn
        ]
    finally:
        scheduler.delete_schedule(Name=name)
    assert got == []
    assert described["NextInvocationTime"] is None


def test_an_unsupported_target_fails_loudly(client, endpoint, setup, schedules_on):
    iam, scheduler = client("iam"), client("scheduler")
    name = f"eb-sqs-{uuid.uuid4().hex[:8]}"
    role = scheduler_role(iam, name, setup["document"], setup["automation_role"])
    arn = create_schedule(
        scheduler,
        name,
        "rate(5 minutes)",
        role,
        setup["document"],
        TargetArn="arn:aws:scheduler:::aws-sdk:sqs:sendMessage",
    )
    try:
        (first, *_) = wait_for(endpoint, arn, 1)
    finally:
        scheduler.delete_schedule(Name=name)
    assert first["Status"] == "FAILED"
    assert "not supported by the embedded AWS" in first["ErrorMessage"]


def test_paused_schedules_invoke_nothing(client, endpoint, setup):
    # The session's default (test/conftest.py): due times pass and nothing is invoked.
    iam, scheduler = client("iam"), client("scheduler")
    name = f"eb-paused-{uuid.uuid4().hex[:8]}"
    role = scheduler_role(iam, name, setup["document"], setup["automation_role"])
    arn = create_schedule(scheduler, name, "rate(1 minute)", role, setup["document"])
    try:
        time.sleep(1.0)
        got = invocations(endpoint, arn)
    finally:
        scheduler.delete_schedule(Name=name)
    assert got == []
