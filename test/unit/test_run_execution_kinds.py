"""Which executions `winupdate run`/`report` read as a rate-controlled run's parent."""

from __future__ import annotations

from winupdate.run.executions import instance_of, is_rate_control_parent

PARENT = {
    "TargetParameterName": "InstanceId",
    "Targets": [{"Key": "tag:WinUpdate", "Values": ["ON"]}],
}


def test_a_rate_control_parent_started_by_hand_has_no_parent():
    assert is_rate_control_parent(PARENT)


def test_a_rate_control_parent_started_by_execute_automation_has_a_parent_but_no_target():
    # The Start runbook's RunProcesses step (aws:executeAutomation with Targets).
    assert is_rate_control_parent({**PARENT, "ParentAutomationExecutionId": "start-id"})


def test_a_per_instance_run_has_a_parent_and_its_target():
    child = {**PARENT, "ParentAutomationExecutionId": "parent-id", "Target": "i-0123456789abcdef0"}
    assert not is_rate_control_parent(child)
    assert instance_of(child) == "i-0123456789abcdef0"


def test_a_run_without_targets_is_no_rate_control_parent():
    assert not is_rate_control_parent({"Parameters": {"InstanceId": ["i-0123456789abcdef0"]}})
