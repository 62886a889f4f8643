"""fan_out = "rate_control": the Start runbook's per-instance runs under Automation rate
control (aws:executeAutomation with Targets, MaxConcurrency, MaxErrors), the alternative to
the run window (the default, which the other integration files deploy).

running-automations-scale-controls.md: "The queueing system delivers the automation to a
single resource and waits until the initial invocation is complete before sending the
automation to two more resources"; cancelling the Start run cancels the rate-controlled
execution and its children.
"""

from __future__ import annotations

import shutil

import pytest

from automation_support import steps_by_name
from integration.fleet_runs import (
    assert_cancelled_and_reported,
    assert_healthy,
    assert_no_update_without_a_before_ami,
    cancel_during_update,
    failures,
    finish,
    start_run,
    stop_first,
    wait_until_updating,
)

DEPLOYMENT_VARIABLES = {"require_approval": False, "fan_out": "rate_control"}

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.emulator_only("fault injection and the fleet's update catalogue"),
    pytest.mark.skipif(
        shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
    ),
]


def test_the_start_runbook_ramps_through_rate_control_and_sends_one_summary(
    deployed, target, mailbox, make_fleet
):
    fleet = make_fleet(faulted="running", healthy="running", others=("stopped",))
    run = finish(target, mailbox, start_run(deployed, target, fleet, MaxConcurrency="3"))
    assert run.start["AutomationExecutionStatus"] == "Success", failures(run)
    steps = steps_by_name(run.start)
    assert "ArmRunWindow" not in steps and steps["RunProcesses"]["StepStatus"] == "Success"
    assert run.rate_control is not None
    assert run.rate_control["AutomationExecutionStatus"] == "Success"
    # The ramp: the first instance alone, the other two once it has ended.
    children = sorted(run.children.values(), key=lambda c: c["ExecutionStartTime"])
    assert children[1]["ExecutionStartTime"] >= children[0]["ExecutionEndTime"]
    assert "Instances: 3, succeeded: 3, failed: 0" in run.summary()["Message"]
    assert (
        f"Rate-control execution {run.rate_control['AutomationExecutionId']}"
        in (run.summary()["Message"])
    )
    assert deployed.outputs.get("run_window_id") is None


def test_the_start_run_cancelled_during_the_updates_restores_and_reports_each_instance(
    deployed, target, mailbox, control, make_fleet
):
    # StopAutomationExecution on the Start run: Automation cancels the runs it started
    # (the rate-controlled parent and its children), each of which takes its cancel path.
    # The rate control starts one target, then two once it has ended
    # (running-automations-scale-controls.md), in the order of their ids: the first ends
    # as usual, the next two (one running, one stopped) are cancelled during their updates.
    fleet = make_fleet(faulted="running", healthy="running", others=("running",))
    ssm, ec2 = target.client("ssm"), target.client("ec2")
    first, *cancelled = sorted(fleet.all)
    stop_first(target, fleet, cancelled[1])
    cancel_during_update(control, cancelled)
    start_id = start_run(deployed, target, fleet)

    wait_until_updating(target, start_id, cancelled)
    ssm.stop_automation_execution(AutomationExecutionId=start_id)
    run = finish(target, mailbox, start_id)
    assert run.start["AutomationExecutionStatus"] == "Cancelled", failures(run)
    assert run.rate_control is not None
    assert run.rate_control["AutomationExecutionStatus"] == "Cancelled"
    assert_healthy(run, fleet, ec2, first)
    for instance in cancelled:
        assert_cancelled_and_reported(
            target, run.children[instance], run.messages, fleet.states[instance]
        )
    assert_no_update_without_a_before_ami(ec2, ssm, fleet)
