"""The fault matrix (issue 6, item 3): every injected fault against the module's own runbooks.

Terraform applies the module once for the file (``deployed``). Each test launches its own
small fleet, tagged ``<tag key>=<a value of its own>``: one instance that the fault hits
and one healthy instance (more for MaxErrors); then runs AutomationStart (deployed with
require_approval = false) for that tag value only and checks, for each fault:

- the run ends: every execution is terminal within a wall deadline (no hang);
- the faulted instance has its before-AMI when the fault came after it, and no
  AWS-InstallWindowsUpdates command ran on any instance before its before-AMI;
- the faulted instance is back in the state it was found in;
- exactly one message about the faulted instance's run, naming the failed step and why;
- the healthy instance succeeded, with both AMIs and one success message.

The deployment rolls back (rollback_on_failure = true): a fault that fails the update
(the command fails or times out, its reboot never completes) puts the instance back to its
run's before-AMI first (the Restore runbook, as that run's rollback: no approval asked);
the before-AMI is kept and the one message says "rolled back to ami-…". When the rollback
itself fails (a root volume replacement that fails), the message says so and the state is
restored all the same. A fault before the update is not rolled back: nothing was changed.

A cancel (StopAutomationExecution on one instance's run or on the Start run, during the
update) is a path like any other: the instance is back in the state it was found in, its
before-AMI is kept, and it gets one message saying it was cancelled, where, and which AMIs
exist (safety invariant 5).

Every test needs fault injection, so the file is emulator-only.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from automation_support import steps_by_name
from integration.aws_target import Target
from integration.deployment import Deployment
from integration.fleet_runs import (
    RUN_DEADLINE,
    Run,
    SmallFleet,
    assert_cancelled_and_reported,
    assert_healthy,
    assert_no_update_without_a_before_ami,
    cancel_during_update,
    child_of,
    execution,
    failures,
    fan_out_status,
    finish,
    images,
    start_run,
    stop_first,
    update_commands,
    wait_until_updating,
)
from integration.instances import instance_state
from winupdate.local.control_client import ControlClient

SUCCEEDED = {"Success", "CompletedWithSuccess"}
# One pending update that needs a restart: the update reboots the instance.
REBOOTING = [{"kb": "KB5034439", "severity": "Critical", "category": "SecurityUpdates"}]
FAULTS = "fault injection: a real account cannot be told to fail"
# The runs do not ask for approval: a deployment fact (safety invariant 1), not a parameter.
# A failed update rolls back: only the cases whose fault fails the update see it (a fault
# before the update, or a cancel, takes the path it took without rollback).
DEPLOYMENT_VARIABLES = {"require_approval": False, "rollback_on_failure": True}
UPDATE = "AWS-InstallWindowsUpdates"
THROTTLING_RETRY = "/ssm/automation/throttling-retry-time-limit"

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.emulator_only(FAULTS),
    pytest.mark.skipif(
        shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
    ),
]


# -- what every fault must leave behind ----------------------------------------------------------
def assert_contained(
    run: Run,
    fleet: SmallFleet,
    target: Target,
    step: str,
    reason: str,
    before_ami: bool,
    rolled_back: bool = False,
) -> dict[str, Any]:
    """The common checks of the matrix; returns the faulted instance's failure message.
    ``rolled_back``: its subject names the before-AMI it was rolled back to."""
    ec2, ssm = target.client("ec2"), target.client("ssm")
    faulted = run.children[fleet.faulted]
    steps = steps_by_name(faulted)
    assert faulted["AutomationExecutionStatus"] in ("Failed", "TimedOut"), steps
    assert steps[step]["StepStatus"] in ("Failed", "TimedOut"), steps[step]
    assert steps["ReportFailure"]["StepStatus"] == "Success", steps["ReportFailure"]
    # Its before-AMI, when the fault came after it.
    phases = images(ec2, fleet.faulted)
    if before_ami:
        assert phases["UpdateBefore"]["State"] == "available", phases
        assert phases["UpdateBefore"]["Name"].endswith(run.child_id(fleet.faulted))
    assert "UpdateAfter" not in phases or phases["UpdateAfter"]["State"] != "available"
    assert_no_update_without_a_before_ami(ec2, ssm, fleet)
    # Its state is restored.
    assert instance_state(ec2, fleet.faulted) == fleet.states[fleet.faulted]
    # Exactly one message, naming the step and the reason.
    mine = run.messages_of(fleet.faulted)
    assert len(mine) == 1, mine
    message = mine[0]
    subject = f"Windows Update failed for {fleet.faulted}"
    if rolled_back:
        subject += f" (rolled back to {phases['UpdateBefore']['ImageId']})"
    assert message["Subject"] == subject
    assert f"Failed step: {step}\n" in message["Message"], message["Message"]
    found = re.search(r"^Reason: (.+)$", message["Message"], re.MULTILINE)
    assert found and re.search(reason, found.group(1), re.IGNORECASE), message["Message"]
    # The other instances are unaffected.
    assert_healthy(run, fleet, ec2)
    summary = run.summary()
    assert f"{fleet.faulted} (" in summary["Message"]
    assert fleet.healthy not in summary["Message"].split("Failed instances:")[1]
    return message


def rollback_of(run: Run, fleet: SmallFleet, target: Target) -> dict[str, Any]:
    """The faulted instance's rollback: the Restore execution its run started, as its child,
    from its own before-AMI, without asking for an approval."""
    ssm = target.client("ssm")
    steps = steps_by_name(run.children[fleet.faulted])
    assert steps["RollBackOnFailure"]["StepStatus"] == "Success", steps["RollBackOnFailure"]
    (restore_id,) = steps["RestoreImageBeforeOnFailure"]["Outputs"]["ExecutionId"]
    restore = execution(ssm, restore_id)
    assert restore["ParentAutomationExecutionId"] == run.child_id(fleet.faulted)
    restore_steps = steps_by_name(restore)
    outputs = restore_steps["CheckRestore"]["Outputs"]
    before = images(target.client("ec2"), fleet.faulted)["UpdateBefore"]
    assert outputs["ImageId"] == [before["ImageId"]], outputs
    assert (outputs["Rollback"], outputs["RequireApproval"]) == (["true"], ["false"]), outputs
    assert restore_steps["ApproveRestore"]["StepStatus"] == "Pending"
    return restore


def assert_rolled_back(run: Run, fleet: SmallFleet, target: Target, message: dict) -> None:
    """The update failed and the faulted instance was put back to its before-AMI: its root
    volume replaced from that AMI (kept, available), one message saying so; the Restore sent
    none of its own (its run reports the rollback)."""
    ec2 = target.client("ec2")
    before = images(ec2, fleet.faulted)["UpdateBefore"]
    restore = rollback_of(run, fleet, target)
    steps = steps_by_name(run.children[fleet.faulted])
    assert steps["RestoreImageBeforeOnFailure"]["StepStatus"] == "Success", steps
    assert restore["AutomationExecutionStatus"] == "Success", steps_by_name(restore)
    (task,) = ec2.describe_replace_root_volume_tasks(
        Filters=[{"Name": "instance-id", "Values": [fleet.faulted]}]
    )["ReplaceRootVolumeTasks"]
    assert (task["TaskState"], task["ImageId"]) == ("succeeded", before["ImageId"]), task
    summary = restore["Outputs"]["ReportRestore.Summary"][0]
    assert summary.startswith(f"{fleet.faulted} restored from {before['ImageId']} "), summary
    assert f"\nRolled back to {before['ImageId']}: {summary}\n" in message["Message"], message
    assert "FAILED" not in message["Message"], message["Message"]
    outputs = run.children[fleet.faulted]["Outputs"]
    assert outputs["ReportFailure.RolledBackTo"] == [before["ImageId"]], outputs


# -- the matrix ----------------------------------------------------------------------------------
def test_before_ami_fails(deployed, target, mailbox, control, make_fleet):
    fleet = make_fleet(faulted="running")
    control.fleet_fault("image_fails", fleet.faulted, count=1)
    run = finish(target, mailbox, start_run(deployed, target, fleet))
    assert_contained(run, fleet, target, "CheckImageBefore", "failed", before_ami=False)
    # No update without its before-AMI: nothing was sent to the instance.
    assert update_commands(target.client("ssm"), fleet.faulted) == []


def test_before_ami_stays_pending(deployed, target, mailbox, control, make_fleet):
    fleet = make_fleet(faulted="stopped")
    control.fleet_fault("image_stays_pending", fleet.faulted, count=1)
    run = finish(target, mailbox, start_run(deployed, target, fleet))
    assert_contained(run, fleet, target, "WaitForImageBefore", "time", before_ami=False)
    assert update_commands(target.client("ssm"), fleet.faulted) == []
    # The image never ends by itself: deregister it, or the cleanup waits for it.
    ec2 = target.client("ec2")
    pending = images(ec2, fleet.faulted)["UpdateBefore"]
    assert pending["State"] == "pending"
    ec2.deregister_image(ImageId=pending["ImageId"])


def test_instance_fails_to_start(deployed, target, mailbox, control, make_fleet):
    fleet = make_fleet(faulted="stopped")
    # Every attempt (StartInstance has maxAttempts 2) bounces back to stopped.
    control.fleet_fault("start_fails", fleet.faulted, count=None)
    run = finish(target, mailbox, start_run(deployed, target, fleet))
    assert_contained(run, fleet, target, "StartInstance", "time", before_ami=True)
    assert update_commands(target.client("ssm"), fleet.faulted) == []


def test_agent_never_comes_online(deployed, target, mailbox, control, make_fleet):
    fleet = make_fleet(faulted="stopped")
    control.fleet_fault("agent_never_online", fleet.faulted, count=1)
    run = finish(target, mailbox, start_run(deployed, target, fleet))
    assert_contained(run, fleet, target, "WaitForAgentOnline", "time", before_ami=True)
    assert update_commands(target.client("ssm"), fleet.faulted) == []


# The update fails: each of these is rolled back to its before-AMI.
def test_run_command_fails(deployed, target, mailbox, control, make_fleet):
    fleet = make_fleet(faulted="running", healthy="stopped")
    control.fleet_fault("command_fails", fleet.faulted, count=1, document=UPDATE)
    run = finish(target, mailbox, start_run(deployed, target, fleet))
    message = assert_contained(
        run, fleet, target, "InstallUpdates", "Failed", before_ami=True, rolled_back=True
    )
    assert "ResponseCode 1" in message["Message"]
    assert_rolled_back(run, fleet, target, message)
    [command] = update_commands(target.client("ssm"), fleet.faulted)
    assert command["Status"] == "Failed"


def test_run_command_times_out(deployed, target, mailbox, control, make_fleet):
    fleet = make_fleet(faulted="stopped")
    control.fleet_fault("command_times_out", fleet.faulted, count=1, document=UPDATE)
    run = finish(target, mailbox, start_run(deployed, target, fleet))
    message = assert_contained(
        run, fleet, target, "InstallUpdates", "time", before_ami=True, rolled_back=True
    )
    # Rolled back while started for its update, then stopped again as it was found.
    assert_rolled_back(run, fleet, target, message)


def test_update_reboot_never_completes(deployed, target, mailbox, control, make_fleet):
    fleet = make_fleet(faulted="running")
    control._request(
        "POST", "fleet/catalogue", {"instance_id": fleet.faulted, "updates": REBOOTING}
    )
    control.fleet_fault("reboot_never_completes", fleet.faulted, count=1)
    run = finish(target, mailbox, start_run(deployed, target, fleet))
    message = assert_contained(
        run, fleet, target, "InstallUpdates", "time", before_ami=True, rolled_back=True
    )
    # EC2 still says running (the OS hangs inside it): the root volume replacement of the
    # rollback reboots it onto its before-AMI's disk; running stays running.
    assert_rolled_back(run, fleet, target, message)
    assert instance_state(target.client("ec2"), fleet.faulted) == "running"


def test_a_rollback_whose_root_volume_replacement_fails(
    deployed, target, mailbox, control, make_fleet
):
    # The update fails, and so does the rollback's root volume replacement (the original
    # root volume stays attached): the message says the rollback failed and why, the state
    # is restored, the before-AMI is kept.
    fleet = make_fleet(faulted="stopped")
    control.fleet_fault("command_fails", fleet.faulted, count=1, document=UPDATE)
    control.fleet_fault("root_volume_replacement_fails", fleet.faulted, count=1)
    run = finish(target, mailbox, start_run(deployed, target, fleet))
    message = assert_contained(run, fleet, target, "InstallUpdates", "Failed", before_ami=True)
    restore = rollback_of(run, fleet, target)
    steps = steps_by_name(run.children[fleet.faulted])
    assert steps["RestoreImageBeforeOnFailure"]["StepStatus"] == "Failed", steps
    restore_steps = steps_by_name(restore)
    assert restore["AutomationExecutionStatus"] == "Failed", restore_steps
    assert restore_steps["CheckRootVolume"]["StepStatus"] == "Failed", restore_steps
    before = images(target.client("ec2"), fleet.faulted)["UpdateBefore"]
    text = message["Message"]
    # The task failed; the original root volume stays attached.
    (task,) = target.client("ec2").describe_replace_root_volume_tasks(
        Filters=[{"Name": "instance-id", "Values": [fleet.faulted]}]
    )["ReplaceRootVolumeTasks"]
    assert (task["TaskState"], task["ImageId"]) == ("failed", before["ImageId"]), task
    (reservation,) = target.client("ec2").describe_instances(InstanceIds=[fleet.faulted])[
        "Reservations"
    ]
    found = reservation["Instances"][0]
    root = [m for m in found["BlockDeviceMappings"] if m["DeviceName"] == found["RootDeviceName"]]
    assert [m["Ebs"]["VolumeId"] for m in root] == restore_steps["CheckRestore"]["Outputs"][
        "RootVolume"
    ]
    (reason,) = restore["Outputs"]["ReportRestoreFailure.Reason"]
    assert "TaskState is ['failed']" in reason, reason
    rollback = (
        f"Rollback to the AMI before FAILED ({before['ImageId']}): {reason}; "
        f"automation {restore['AutomationExecutionId']}"
    )
    assert f"\n{rollback}\n" in text, text
    assert "Recovery steps that also failed: RestoreImageBeforeOnFailure" in text, text
    assert "Rolled back to" not in text, text
    assert run.children[fleet.faulted]["Outputs"]["ReportFailure.RolledBackTo"] == [""]


@pytest.mark.parametrize("found", ["running", "stopped"])
def test_a_child_run_cancelled_during_its_update_restores_and_reports_once(
    deployed, target, mailbox, control, make_fleet, found
):
    # Safety invariant 5: cancel is a path like any other. StopAutomationExecution on one
    # instance's run, during its update: AWS runs the step's onCancel (automation-actions.md,
    # "Properties shared by all actions"), the module's cancel path, which puts the instance
    # back as it was found and sends the one message. (Until this path existed, a cancelled
    # instance got no message at all; the run's summary was the only one naming it.)
    fleet = make_fleet(faulted=found)
    cancel_during_update(control, fleet.all)
    ssm, ec2 = target.client("ssm"), target.client("ec2")
    start_id = start_run(deployed, target, fleet)

    def in_update() -> dict[str, Any] | None:
        child = child_of(ssm, start_id, fleet.faulted)
        if child is None:
            return None
        status = steps_by_name(child)["InstallUpdates"]["StepStatus"]
        return child if status == "InProgress" else None

    child = target.wait_until(
        in_update,
        RUN_DEADLINE,
        what=lambda: "the faulted instance never reached its update",
        poll=0.01,
    )
    ssm.stop_automation_execution(AutomationExecutionId=child["AutomationExecutionId"])
    run = finish(target, mailbox, start_id)
    assert_cancelled_and_reported(target, run.children[fleet.faulted], run.messages, found)
    assert_no_update_without_a_before_ami(ec2, ssm, fleet)
    assert f"{fleet.faulted} (Cancelled)" in run.summary()["Message"]
    assert_healthy(run, fleet, ec2)


def test_the_start_run_cancelled_during_the_updates_restores_and_reports_each_instance(
    deployed, target, mailbox, control, make_fleet
):
    # StopAutomationExecution on the Start run (fan_out window): its cancel path cancels the
    # run window's execution (CancelMaintenanceWindowExecution: no instance starts after it)
    # and the per-instance runs in progress, each of which takes its cancel path, as rate
    # control cancels its children (test_rate_control_fan_out.py).
    fleet = make_fleet(faulted="running", healthy="running", others=("running",))
    ssm, ec2 = target.client("ssm"), target.client("ec2")
    cancelled = sorted(fleet.all)
    stop_first(target, fleet, cancelled[1])
    cancel_during_update(control, cancelled)
    start_id = start_run(deployed, target, fleet, MaxConcurrency="3")

    wait_until_updating(target, start_id, cancelled)
    ssm.stop_automation_execution(AutomationExecutionId=start_id)
    run = finish(target, mailbox, start_id)
    assert run.start["AutomationExecutionStatus"] == "Cancelled", failures(run)
    cancel = steps_by_name(run.start)["CancelRunWindowOnCancel"]
    assert cancel["StepStatus"] == "Success", cancel.get("FailureMessage")
    assert fan_out_status(ssm, run.start) == "Cancelled"
    for instance in cancelled:
        assert_cancelled_and_reported(
            target, run.children[instance], run.messages, fleet.states[instance]
        )
    assert_no_update_without_a_before_ami(ec2, ssm, fleet)
    # Disarmed: the next run may arm it.
    window = ssm.get_maintenance_window(WindowId=deployed.outputs["run_window_id"])
    assert window["Enabled"] is False


def test_a_second_run_while_the_run_window_is_busy_changes_nothing_and_says_why(
    deployed, target, mailbox, control, make_fleet
):
    # fan_out window: one run at a time. A run that finds the run window armed or running
    # stops at ArmRunWindow, before it writes anything into the window, with one message;
    # the first run goes on unchanged and disarms the window at its end.
    fleet = make_fleet(faulted="running", healthy="running")
    ssm = target.client("ssm")
    cancel_during_update(control, fleet.all)
    first = start_run(deployed, target, fleet, MaxConcurrency="2")
    window_id = deployed.outputs["run_window_id"]
    target.wait_until(
        lambda: all(child_of(ssm, first, i) for i in fleet.all),
        RUN_DEADLINE,
        what=lambda: "the first run's window never started both instances",
        poll=0.01,
    )
    [task] = ssm.describe_maintenance_window_tasks(WindowId=window_id)["Tasks"]
    second = start_run(deployed, target, fleet, MaxConcurrency="1", SeverityLevels="Critical")
    refused = finish(target, mailbox, second)
    assert refused.start["AutomationExecutionStatus"] == "Failed"
    arm = steps_by_name(refused.start)["ArmRunWindow"]
    assert arm["StepStatus"] == "Failed"
    assert "belongs to another run" in arm["FailureMessage"], arm["FailureMessage"]
    assert f"Armed by {first}" in arm["FailureMessage"]
    assert refused.children == {}
    [unchanged] = ssm.describe_maintenance_window_tasks(WindowId=window_id)["Tasks"]
    assert unchanged == task, "the refused run changed the window's task"
    (message,) = [m for m in mailbox.messages() if second in m["Message"]]
    assert "Failed step: ArmRunWindow" in message["Message"]
    run = finish(target, mailbox, first)
    assert run.start["AutomationExecutionStatus"] == "Success", failures(run)
    assert set(run.children) == set(fleet.all)
    assert ssm.get_maintenance_window(WindowId=window_id)["Enabled"] is False


@pytest.fixture
def throttling_retry(target: Target) -> Iterator[str]:
    """The account's Automation throttling retry (automation-throttling-retry), on for the
    test: AWS retries a step's throttled calls only when this setting allows it (0, the
    default, fails the step at the first throttled call)."""
    ssm = target.client("ssm")
    ssm.update_service_setting(SettingId=THROTTLING_RETRY, SettingValue="300")
    yield THROTTLING_RETRY
    ssm.reset_service_setting(SettingId=THROTTLING_RETRY)


def test_api_calls_throttled_a_few_times(
    deployed, target, mailbox, control, make_fleet, throttling_retry
):
    fleet = make_fleet(faulted="stopped")
    # CreateImage (a one-attempt step), StartInstances and SendCommand are throttled twice
    # each; the Automation service retries them within the time limit and the run succeeds.
    control.throttle("ec2", "CreateImage", times=2, match={"InstanceId": fleet.faulted})
    control.throttle("ec2", "StartInstances", times=2, match={"InstanceId": fleet.faulted})
    control.throttle("ssm", "SendCommand", times=2)
    run = finish(target, mailbox, start_run(deployed, target, fleet))
    assert run.start["AutomationExecutionStatus"] == "Success", failures(run)
    for instance in fleet.all:
        assert_healthy(run, fleet, target.client("ec2"), instance)
    assert_no_update_without_a_before_ami(target.client("ec2"), target.client("ssm"), fleet)
    spent = {(f["operation"], f["hits"]) for f in control._request("GET", "faults")}
    assert spent == {("CreateImage", 2), ("StartInstances", 2), ("SendCommand", 2)}


def test_a_throttled_call_without_throttling_retry_fails_that_instance_only(
    deployed, target, mailbox, control, make_fleet
):
    # The account default: no throttling retry. CreateImageBefore has one attempt, so one
    # throttled CreateImage fails that instance's run, with one message that says so.
    fleet = make_fleet(faulted="running")
    control.throttle("ec2", "CreateImage", times=1, match={"InstanceId": fleet.faulted})
    run = finish(target, mailbox, start_run(deployed, target, fleet))
    assert_contained(
        run, fleet, target, "CreateImageBefore", "RequestLimitExceeded", before_ami=False
    )
    assert update_commands(target.client("ssm"), fleet.faulted) == []


def test_max_errors_zero_stops_the_fleet_after_the_first_failure(
    deployed, target, mailbox, control, make_fleet
):
    # running-automations-scale-controls.md: "If you specify 0, then the system stops running
    # the automation on additional targets after the first error result is returned"; with
    # concurrency 1 no other target is running then.
    fleet = make_fleet(faulted="running", healthy="running", others=("stopped", "running"))
    control.fleet_fault("command_fails", count=None)  # every instance fails its update
    run = finish(
        target,
        mailbox,
        start_run(deployed, target, fleet, MaxConcurrency="1", MaxErrors="0"),
    )
    ec2, ssm = target.client("ec2"), target.client("ssm")
    assert len(run.children) == 1, sorted(run.children)
    [(first, child)] = run.children.items()
    assert child["AutomationExecutionStatus"] == "Failed"
    # The run window's execution stopped starting instances, and failed.
    assert fan_out_status(ssm, run.start) == "Failed"
    for instance in fleet.all:
        if instance == first:
            continue
        assert images(ec2, instance) == {}
        assert update_commands(ssm, instance) == []
        assert instance_state(ec2, instance) == fleet.states[instance]
    assert instance_state(ec2, first) == fleet.states[first]
    assert len(run.messages_of(first)) == 1
    assert "Failed step: InstallUpdates" in run.messages_of(first)[0]["Message"]
    assert run.start["AutomationExecutionStatus"] == "Failed"
    assert "Instances: 1, succeeded: 0, failed: 1" in run.summary()["Message"]


# -- a maintenance window run (issue 6, item 4) -------------------------------------------------
def test_a_maintenance_window_run_of_the_module_task_patches_the_tagged_instances(
    deployed: Deployment,
    make_fleet: Callable[..., SmallFleet],
    target: Target,
    control: ControlClient,
) -> None:
    # The window's AUTOMATION task runs the Start runbook for the module's own tag value
    # (no approval: require_approval = false in the fixture), as its schedule would.
    fleet = make_fleet(faulted="stopped", healthy="running")
    ssm, ec2 = target.client("ssm"), target.client("ec2")
    window_execution = control.run_maintenance_window(deployed.outputs["maintenance_window_id"])

    def window() -> dict[str, Any]:
        return ssm.get_maintenance_window_execution(WindowExecutionId=window_execution)

    target.wait_until(
        lambda: window()["Status"] not in ("PENDING", "IN_PROGRESS"),
        RUN_DEADLINE,
        what=lambda: f"window execution {window_execution} is still {window()['Status']}",
    )
    assert window()["Status"] == "SUCCESS", window()
    tasks = ssm.describe_maintenance_window_execution_tasks(WindowExecutionId=window_execution)[
        "WindowExecutionTaskIdentities"
    ]
    invocations = ssm.describe_maintenance_window_execution_task_invocations(
        WindowExecutionId=window_execution, TaskId=tasks[0]["TaskExecutionId"]
    )["WindowExecutionTaskInvocationIdentities"]
    assert len(invocations) == 1  # the Start runbook, once: the task has no targets
    start = execution(ssm, invocations[0]["ExecutionId"])
    assert start["DocumentName"] == deployed.names["AutomationStart"]
    assert start["AutomationExecutionStatus"] == "Success"
    for instance in fleet.all:
        names = sorted(
            image["Name"]
            for image in ec2.describe_images(
                Owners=["self"], Filters=[{"Name": "name", "Values": [f"{instance}_*"]}]
            )["Images"]
        )
        assert [n.split("_")[1] for n in names] == ["UpdateAfter", "UpdateBefore"], names
        assert instance_state(ec2, instance) == fleet.states[instance]
