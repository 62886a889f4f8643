"""The seed's flaw when the before-AMI fails: the parent only notices at its wait's timeout.

automation-action-waitForAwsResourceProperty.md: the step polls until the property has
one of DesiredValues (only ``Success`` in the seed) or its timeoutSeconds (3600) passes; a
child that ended ``Failed`` never matches, so the failure message waits an hour.
"""

from __future__ import annotations

import pytest
from seed_support import images_of, seed_account
from test_seed_runbooks import wait_all_done

from automation_support import messages, wait_until
from winupdate.local.control_client import ControlClient


@pytest.fixture(scope="module")
def failed_run(client, endpoint):
    ssm, ec2 = client("ssm"), client("ec2")
    account = seed_account(client, tag_key="WinUpdateFaulty")
    control = ControlClient(endpoint)
    control.inject_fault(
        service="ec2",
        operation="CreateImage",
        match={"InstanceId": account.running},
        error="InvalidParameterValue",
        message="Injected: the snapshot of the root volume failed",
    )
    try:
        start_id = ssm.start_automation_execution(DocumentName="MY-AutomationStart")[
            "AutomationExecutionId"
        ]
        waiting = wait_until(ssm, start_id, {"Waiting"})
        ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Approve")
        executions = wait_all_done(ssm, waiting["ExecutionStartTime"], wall_timeout=90)
    finally:
        control.clear_faults()
    return account, executions, messages(endpoint, account.topic), ec2, ssm


def test_failure_message_waits_for_the_parent_wait_timeout(failed_run):
    account, executions, published, _, ssm = failed_run
    instance = account.running
    image_failure = [
        m
        for m in published
        if m["Message"] == (f"インスタンスID: {instance}のUpdateBefore_AMI取得処理が失敗しました。")
    ]
    process_failure = [
        m
        for m in published
        if m["Message"] == (f"インスタンスID: {instance}の処理が失敗しました。")
    ]
    assert len(image_failure) == 1 and len(process_failure) == 1
    process = next(
        e
        for e in executions
        if e["DocumentName"] == "MY-AutomationProcess" and e.get("Target") == instance
    )
    steps = {
        s["StepName"]: s
        for s in ssm.get_automation_execution(
            AutomationExecutionId=process["AutomationExecutionId"]
        )["AutomationExecution"]["StepExecutions"]
    }
    wait = steps["AwaitExecutionCreateImageUpdateBefore"]
    began = wait["ExecutionStartTime"].timestamp()
    ended = wait["ExecutionEndTime"].timestamp()
    assert wait["StepStatus"] == "TimedOut"
    # The child failed (and said so) within minutes; the parent waited out its hour.
    assert image_failure[0]["Timestamp"] - began < 300
    assert ended - began >= 3600
    assert process_failure[0]["Timestamp"] >= ended
    assert steps["runWindowsUpdate"]["StepStatus"] == "Pending"
    assert process["AutomationExecutionStatus"] != "Success"


def test_instance_whose_before_image_failed_got_no_image_and_no_update(failed_run):
    account, _, _, ec2, ssm = failed_run
    assert images_of(ec2, account.running) == []
    invocations = ssm.list_command_invocations(InstanceId=account.running)["CommandInvocations"]
    assert invocations == []


def test_the_other_tagged_instance_is_patched_normally(failed_run):
    account, executions, published, ec2, _ = failed_run
    summary = [
        (
            e["DocumentName"],
            e.get("Target"),
            e["AutomationExecutionStatus"],
            e.get("FailureMessage"),
        )
        for e in executions
    ]
    assert len(images_of(ec2, account.stopped)) == 2, (summary, [m["Message"] for m in published])
    assert f"インスタンスID: {account.stopped} の処理が成功しました。" in [
        m["Message"] for m in published
    ]
