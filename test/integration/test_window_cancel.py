"""Cancel under a window that fans out itself (``maintenance_window.fan_out = "window"``):
safety invariant 5, cancel is a path like any other.

The window's task starts the per-instance runbook on each tagged instance. Stopping one of
those runs (StopAutomationExecution) during its update takes the runbook's cancel path
(automation-actions.md, onCancel): the instance is back in the state it was found in, its
before-AMI is kept, one message says it was cancelled, at which step, and which AMIs exist.

CancelMaintenanceWindowExecution is not a cancel of the runs: AWS "cancels any tasks in the
window that haven't already starting running. Tasks already in progress will continue to
completion" (botocore's SSM model). So a window cancelled during the updates lets them end
as usual: each instance restored, with its own success message.

The window runs through the emulator's control, so the file is emulator-only.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

import pytest

from automation_support import steps_by_name
from integration.aws_target import Target
from integration.deployment import Deployment
from integration.fleet_runs import (
    RUN_DEADLINE,
    SmallFleet,
    assert_cancelled_and_reported,
    execution,
    long_update,
    updating,
)
from integration.instances import instance_state
from integration.mailbox import Mailbox
from winupdate.local.control_client import ControlClient

# The fixture's window: fan_out = "window", max_concurrency "2", max_errors "1".
DEPLOYMENT_VARIABLES = {"maintenance_window_fan_out": "window"}
RUNNING = ("PENDING", "IN_PROGRESS", "CANCELLING")

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.emulator_only("runs the window now through the emulator's control"),
    pytest.mark.skipif(
        shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
    ),
]


def window_runs(ssm: Any, window_execution: str) -> dict[str, dict[str, Any]]:
    """Instance id -> the per-instance run the window's task started for it, as it is now."""
    runs = {}
    for task in ssm.describe_maintenance_window_execution_tasks(WindowExecutionId=window_execution)[
        "WindowExecutionTaskIdentities"
    ]:
        invocations = ssm.describe_maintenance_window_execution_task_invocations(
            WindowExecutionId=window_execution, TaskId=task["TaskExecutionId"]
        )["WindowExecutionTaskInvocationIdentities"]
        for invocation in invocations:
            if invocation.get("ExecutionId"):
                run = execution(ssm, invocation["ExecutionId"])
                runs[run["Parameters"]["InstanceId"][0]] = run
    return runs


def start_window_and_wait_for_updates(
    deployed: Deployment, target: Target, control: ControlClient, fleet: SmallFleet
) -> tuple[str, dict[str, dict[str, Any]]]:
    """Run the window with a long update on every instance; return when every instance's
    run is in its update (the window's MaxConcurrency is 2: both at once)."""
    for instance in fleet.all:
        control._request(
            "POST", "fleet/catalogue", {"instance_id": instance, "updates": long_update()}
        )
    ssm = target.client("ssm")
    window_execution = control.run_maintenance_window(deployed.outputs["maintenance_window_id"])

    def all_updating() -> dict[str, dict[str, Any]] | None:
        runs = window_runs(ssm, window_execution)
        if sorted(runs) != sorted(fleet.all):
            return None
        if all(updating(ssm, r["AutomationExecutionId"]) for r in runs.values()):
            return runs
        return None

    runs = target.wait_until(
        all_updating,
        RUN_DEADLINE,
        what=lambda: "the instances were never in their updates at once",
        poll=0.01,
    )
    return window_execution, runs


def wait_for_window(target: Target, window_execution: str) -> dict[str, Any]:
    ssm = target.client("ssm")

    def window() -> dict[str, Any]:
        return ssm.get_maintenance_window_execution(WindowExecutionId=window_execution)

    target.wait_until(
        lambda: window()["Status"] not in RUNNING,
        RUN_DEADLINE,
        what=lambda: f"window execution {window_execution} is still {window()['Status']}",
    )
    return window()


def test_a_window_run_cancelled_during_the_updates_restores_and_reports_each_instance(
    deployed: Deployment,
    make_fleet: Callable[..., SmallFleet],
    target: Target,
    control: ControlClient,
    mailbox: Mailbox,
) -> None:
    fleet = make_fleet(faulted="stopped", healthy="running")
    ssm = target.client("ssm")
    window_execution, runs = start_window_and_wait_for_updates(deployed, target, control, fleet)
    for run in runs.values():
        ssm.stop_automation_execution(AutomationExecutionId=run["AutomationExecutionId"])
    wait_for_window(target, window_execution)
    runs = window_runs(ssm, window_execution)
    messages = mailbox.messages()
    for instance in fleet.all:
        assert_cancelled_and_reported(target, runs[instance], messages, fleet.states[instance])


def test_a_cancelled_window_lets_the_updates_in_progress_end_as_usual(
    deployed: Deployment,
    make_fleet: Callable[..., SmallFleet],
    target: Target,
    control: ControlClient,
    mailbox: Mailbox,
) -> None:
    # CancelMaintenanceWindowExecution: "Tasks already in progress will continue to
    # completion." The runs are not cancelled: each ends its update, its state restored,
    # with its success message and both AMIs.
    fleet = make_fleet(faulted="stopped", healthy="running")
    ssm, ec2 = target.client("ssm"), target.client("ec2")
    window_execution, _ = start_window_and_wait_for_updates(deployed, target, control, fleet)
    ssm.cancel_maintenance_window_execution(WindowExecutionId=window_execution)
    window = wait_for_window(target, window_execution)
    assert window["Status"] == "CANCELLED", window
    runs = window_runs(ssm, window_execution)
    messages = mailbox.messages()
    for instance in fleet.all:
        run = runs[instance]
        run_id = run["AutomationExecutionId"]
        assert run["AutomationExecutionStatus"] == "Success", steps_by_name(run)
        names = sorted(
            image["Name"]
            for image in ec2.describe_images(
                Owners=["self"], Filters=[{"Name": "name", "Values": [f"{instance}_*_{run_id}"]}]
            )["Images"]
        )
        assert names == [f"{instance}_UpdateAfter_{run_id}", f"{instance}_UpdateBefore_{run_id}"]
        assert instance_state(ec2, instance) == fleet.states[instance]
        mine = [m for m in messages if run_id in m["Message"]]
        assert [m["Subject"] for m in mine] == [f"Windows Update succeeded for {instance}"]
