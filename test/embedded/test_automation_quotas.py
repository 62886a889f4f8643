"""The account's Automation quotas and throttling (Service Quotas for Systems Manager:
100 concurrently running automations, children and rate-control parents included, more
queued as Pending up to 1,000; automation-throttling-retry: throttled steps retry within
the account's throttling retry time limit)."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from automation_support import create_runbook, runbook, start, steps_by_name, wait_done
from winupdate.local.control_client import ControlClient

HOLD = {"name": "hold", "action": "aws:sleep", "inputs": {"Duration": "PT10M"}}


@pytest.fixture
def small_quota(embedded_aws):
    service = embedded_aws.service("automation")
    saved = service.max_concurrent, service.queue_limit
    service.max_concurrent, service.queue_limit = 2, 1
    yield service
    service.max_concurrent, service.queue_limit = saved


def status(ssm, execution_id):
    return ssm.get_automation_execution(AutomationExecutionId=execution_id)["AutomationExecution"][
        "AutomationExecutionStatus"
    ]


def test_executions_beyond_the_quota_wait_pending_then_run(client, small_quota):
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(HOLD))
    first, second, third = (start(ssm, name) for _ in range(3))
    time.sleep(0.2)
    assert status(ssm, third) == "Pending"
    assert {status(ssm, first), status(ssm, second)} == {"InProgress"}
    ssm.stop_automation_execution(AutomationExecutionId=first)
    assert wait_done(ssm, first)["AutomationExecutionStatus"] == "Cancelled"
    deadline = time.monotonic() + 10
    while status(ssm, third) == "Pending" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert status(ssm, third) == "InProgress"
    for execution_id in (second, third):
        ssm.stop_automation_execution(AutomationExecutionId=execution_id)


def test_a_full_queue_refuses_new_executions(client, small_quota):
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(HOLD))
    running = [start(ssm, name) for _ in range(3)]  # two run, one waits in the queue
    with pytest.raises(ClientError) as caught:
        start(ssm, name)
    assert caught.value.response["Error"]["Code"] == "AutomationExecutionLimitExceededException"
    for execution_id in running:
        ssm.stop_automation_execution(AutomationExecutionId=execution_id)


def test_a_queued_execution_can_be_cancelled(client, small_quota):
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(HOLD))
    running = [start(ssm, name) for _ in range(2)]
    queued = start(ssm, name)
    ssm.stop_automation_execution(AutomationExecutionId=queued)
    assert wait_done(ssm, queued)["AutomationExecutionStatus"] == "Cancelled"
    for execution_id in running:
        ssm.stop_automation_execution(AutomationExecutionId=execution_id)


DESCRIBE = {
    "name": "look",
    "action": "aws:executeAwsApi",
    "inputs": {"Service": "ec2", "Api": "DescribeAvailabilityZones"},
}


def test_a_throttled_call_fails_the_step_when_no_retry_time_is_set(client, endpoint):
    ssm = client("ssm")
    control = ControlClient(endpoint)
    control.throttle("ec2", "DescribeAvailabilityZones", times=1)
    try:
        execution = wait_done(ssm, start(ssm, create_runbook(ssm, runbook(DESCRIBE))))
    finally:
        control.clear_faults()
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert "RequestLimitExceeded" in steps_by_name(execution)["look"]["FailureMessage"]


def test_throttled_calls_are_retried_within_the_throttling_retry_time_limit(client, endpoint):
    ssm = client("ssm")
    setting = "/ssm/automation/throttling-retry-time-limit"
    ssm.update_service_setting(SettingId=setting, SettingValue="300")
    control = ControlClient(endpoint)
    control.throttle("ec2", "DescribeAvailabilityZones", times=3)
    try:
        execution = wait_done(ssm, start(ssm, create_runbook(ssm, runbook(DESCRIBE))))
        assert ssm.get_service_setting(SettingId=setting)["ServiceSetting"]["SettingValue"] == "300"
    finally:
        control.clear_faults()
        ssm.reset_service_setting(SettingId=setting)
    assert execution["AutomationExecutionStatus"] == "Success"
    assert control.api_calls(execution["AutomationExecutionId"]) == 4
    assert ssm.get_service_setting(SettingId=setting)["ServiceSetting"]["SettingValue"] == "0"


def test_an_execute_aws_api_step_stops_at_its_25_second_maximum_whatever_its_timeout(
    client, endpoint
):
    """automation-action-executeAwsApi.md: "Each aws:executeAwsApi action can run up to a
    maximum duration of 25 seconds". A call throttled every time, retried within a 300 s
    throttling retry time limit, would keep the step going for minutes; the step times out
    at 25 s even though its timeoutSeconds allows 600. Assumed where the page is silent:
    the step ends TimedOut, as a step past its timeoutSeconds does."""
    ssm = client("ssm")
    setting = "/ssm/automation/throttling-retry-time-limit"
    ssm.update_service_setting(SettingId=setting, SettingValue="300")
    control = ControlClient(endpoint)
    control.inject_fault(kind="throttle", service="ec2", operation="DescribeAvailabilityZones")
    try:
        document = runbook({**DESCRIBE, "timeoutSeconds": 600})
        execution = wait_done(ssm, start(ssm, create_runbook(ssm, document)))
    finally:
        control.clear_faults()
        ssm.reset_service_setting(SettingId=setting)
    assert execution["AutomationExecutionStatus"] == "TimedOut"
    step = steps_by_name(execution)["look"]
    assert step["StepStatus"] == "TimedOut"
    assert step["FailureMessage"] == (
        "Step timed out while step is verifying. Timeout: 25 seconds."
    )
    took = (step["ExecutionEndTime"] - step["ExecutionStartTime"]).total_seconds()
    # Modelled seconds; the scaled clock adds a few to the 25 (milliseconds of wall time).
    assert 25 <= took < 120, took
    # Retried with backoff (calls at 0, 1, 3, 7 and 15 s), none after the 25 s.
    assert 2 <= control.api_calls(execution["AutomationExecutionId"]) <= 5
