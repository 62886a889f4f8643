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
