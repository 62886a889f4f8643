"""A maintenance window that fans out itself (``maintenance_window.fan_out = "window"``).

The module is applied with the window targeting the instances tagged ``<tag key>=ON`` and
its AUTOMATION task running the per-instance runbook on each of them (``InstanceId =
{{RESOURCE_ID}}``) under the task's own MaxConcurrency (2) and MaxErrors (1): no Start
runbook, no Automation rate control. One window run must patch every tagged instance (three,
one of them stopped, so that the third waits for a free slot) and leave an untagged one
alone, with one task invocation per target, never more than two at a time, and no
end-of-run summary: each instance's own message is all the topic gets.

The window runs through the emulator's control (a real window would wait for its
schedule), so the file is emulator-only.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from automation_support import steps_by_name
from integration.aws_target import WINDOWS_IMAGE_PARAMETER, Target
from integration.deployment import Deployment
from integration.instances import instance_state, launch_windows, wait_for_agents, wait_for_state
from integration.leftovers import Ledger
from integration.mailbox import Mailbox
from winupdate.run.teardown import remove_instances

# The fixture's window: fan_out = "window", max_concurrency "2" and max_errors "1" (the
# module's), require_approval = false.
DEPLOYMENT_VARIABLES = {"maintenance_window_fan_out": "window"}
MAX_CONCURRENCY = 2
RUNNING = ("PENDING", "IN_PROGRESS")

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.emulator_only("runs the window now through the emulator's control"),
    pytest.mark.skipif(
        shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
    ),
]


@dataclass
class Fleet:
    tagged: list[str]
    untagged: str
    #: The state each instance was found in (running / stopped).
    states: dict[str, str]


@pytest.fixture(scope="module")
def fleet(
    request: pytest.FixtureRequest, deployed: Deployment, target: Target, ledger: Ledger
) -> Fleet:
    """Three instances tagged ``<key>=ON`` (running, running, stopped) and one untagged;
    terminated with their AMIs and snapshots at the end."""
    ec2, ssm = target.client("ec2"), target.client("ssm")
    image = ssm.get_parameter(Name=WINDOWS_IMAGE_PARAMETER)["Parameter"]["Value"]
    launched: list[str] = []

    def remove() -> None:
        problems = remove_instances(
            ec2, launched, timeout=target.timeouts.cleanup, poll=target.timeouts.poll
        )
        assert not problems, problems

    request.addfinalizer(remove)
    wanted = ["running", "running", "stopped", "untagged"]
    for n, state in enumerate(wanted):
        tags = {"Name": f"fan-out-{n}", "WinUpdateTestStem": deployed.stem}
        if state != "untagged":
            tags[deployed.tag_key] = deployed.variables["target_tag_value"]
        instance = launch_windows(
            target, image, deployed.outputs["instance_profile_name"], tags, ledger
        )
        launched.append(instance)

    wait_for_agents(target, launched, "Online")
    stopped = [i for i, s in zip(launched, wanted, strict=True) if s == "stopped"]
    ec2.stop_instances(InstanceIds=stopped)
    wait_for_state(target, stopped, "stopped")
    states = {
        i: ("running" if s == "untagged" else s) for i, s in zip(launched, wanted, strict=True)
    }
    return Fleet(launched[:3], launched[3], states)


def images(ec2: Any, instance_id: str) -> list[dict[str, Any]]:
    """The instance's AMIs (named ``<instance>_<phase>_<execution id>``), by name."""
    found = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [f"{instance_id}_*"]}]
    )["Images"]
    return sorted(found, key=lambda image: image["Name"])


def update_commands(ssm: Any, instance_id: str) -> list[dict[str, Any]]:
    return [
        c
        for c in ssm.list_commands(InstanceId=instance_id)["Commands"]
        if c["DocumentName"] == "AWS-InstallWindowsUpdates"
    ]


def most_at_once(spans: list[tuple[datetime, datetime]]) -> int:
    """The largest number of spans open at one moment (one that ends as another starts
    does not overlap it)."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    open_, most = 0, 0
    for _, change in events:
        open_ += change
        most = max(most, open_)
    return most


@dataclass
class WindowRun:
    execution: dict[str, Any]
    task: dict[str, Any]
    invocations: list[dict[str, Any]]
    runs: dict[str, dict[str, Any]]  # instance id -> its AutomationProcess execution


@pytest.fixture(scope="module")
def window_run(deployed: Deployment, fleet: Fleet, target: Target, mailbox: Mailbox) -> WindowRun:
    """One run of the window, with the mailbox subscribed before it starts."""
    ssm = target.client("ssm")
    window_execution = target.control().run_maintenance_window(
        deployed.outputs["maintenance_window_id"]
    )

    def window() -> dict[str, Any]:
        return ssm.get_maintenance_window_execution(WindowExecutionId=window_execution)

    target.wait_until(
        lambda: window()["Status"] not in RUNNING,
        target.timeouts.run,
        what=lambda: f"window execution {window_execution} is still {window()['Status']}",
    )
    [task] = ssm.describe_maintenance_window_execution_tasks(WindowExecutionId=window_execution)[
        "WindowExecutionTaskIdentities"
    ]
    invocations = ssm.describe_maintenance_window_execution_task_invocations(
        WindowExecutionId=window_execution, TaskId=task["TaskExecutionId"]
    )["WindowExecutionTaskInvocationIdentities"]
    runs = {}
    for invocation in invocations:
        run = ssm.get_automation_execution(AutomationExecutionId=invocation["ExecutionId"])[
            "AutomationExecution"
        ]
        runs[run["Parameters"]["InstanceId"][0]] = run
    task_detail = ssm.get_maintenance_window_execution_task(
        WindowExecutionId=window_execution, TaskId=task["TaskExecutionId"]
    )
    return WindowRun(window(), task_detail, invocations, runs)


def test_a_window_that_fans_out_patches_every_tagged_instance_once(
    deployed: Deployment, fleet: Fleet, window_run: WindowRun, target: Target, mailbox: Mailbox
) -> None:
    ec2, ssm = target.client("ec2"), target.client("ssm")
    process = deployed.names["AutomationProcess"]
    assert window_run.execution["Status"] == "SUCCESS", window_run.execution
    # The task ran the per-instance runbook itself, with the module's limits.
    task = window_run.task
    assert (task["TaskArn"], task["Status"]) == (process, "SUCCESS"), task
    assert (task["MaxConcurrency"], task["MaxErrors"]) == (str(MAX_CONCURRENCY), "1")

    # One invocation per target, each on the window target, each passing its instance.
    invocations = window_run.invocations
    assert len(invocations) == len(fleet.tagged), invocations
    assert sorted(window_run.runs) == sorted(fleet.tagged)
    for invocation in invocations:
        assert invocation["WindowTargetId"] == deployed.outputs["maintenance_window_target_id"]
        assert invocation["Status"] == "SUCCESS", invocation
        passed = json.loads(invocation["Parameters"])["Parameters"]
        run = next(
            r
            for r in window_run.runs.values()
            if r["AutomationExecutionId"] == invocation["ExecutionId"]
        )
        assert passed["InstanceId"] == run["Parameters"]["InstanceId"]
        assert passed["NotificationArn"] == [deployed.topic]

    # Never more than MaxConcurrency at once, and that many from the start: no ramp-up.
    spans = [(i["StartTime"], i["EndTime"]) for i in invocations]
    assert most_at_once(spans) == MAX_CONCURRENCY, spans
    first = sorted(spans)[:MAX_CONCURRENCY]
    assert first[1][0] < first[0][1], f"the second target waited for the first: {spans}"

    for instance in fleet.tagged:
        run = window_run.runs[instance]
        assert run["DocumentName"] == process
        assert run["AutomationExecutionStatus"] == "Success", steps_by_name(run)
        # Its before and after AMI, named after this run; the update ran, between them.
        run_id = run["AutomationExecutionId"]
        after, before = images(ec2, instance)
        assert (before["Name"], after["Name"]) == (
            f"{instance}_UpdateBefore_{run_id}",
            f"{instance}_UpdateAfter_{run_id}",
        )
        assert before["State"] == after["State"] == "available"
        [command] = update_commands(ssm, instance)
        assert command["Status"] == "Success", command
        requested = command["RequestedDateTime"].strftime("%Y-%m-%dT%H:%M:%S")
        assert before["CreationDate"][:19] <= requested <= after["CreationDate"][:19]
        assert instance_state(ec2, instance) == fleet.states[instance]

    # The untagged instance was not a target.
    assert images(ec2, fleet.untagged) == []
    assert update_commands(ssm, fleet.untagged) == []
    assert instance_state(ec2, fleet.untagged) == "running"

    # Each instance's own success message, and nothing else: there is no summary.
    messages = mailbox.messages()
    assert sorted(m["Subject"] for m in messages) == sorted(
        f"Windows Update succeeded for {instance}" for instance in fleet.tagged
    ), [m["Subject"] for m in messages]
    for instance in fleet.tagged:
        [mine] = [m for m in messages if instance in m["Subject"]]
        assert window_run.runs[instance]["AutomationExecutionId"] in mine["Message"]


def test_the_window_switches_fan_out_in_place_and_back(
    deployed: Deployment, window_run: WindowRun, target: Target
) -> None:
    # After the window's run (it uses window_run). Switching fan_out changes the one task in
    # place: targetless, it must not carry MaxConcurrency/MaxErrors, which AWS refuses
    # (maintenance-windows-targetless-tasks.md); the window's target goes and comes back.
    ssm = target.client("ssm")
    window_id = deployed.outputs["maintenance_window_id"]

    def task() -> dict[str, Any]:
        [summary] = ssm.describe_maintenance_window_tasks(WindowId=window_id)["Tasks"]
        return ssm.get_maintenance_window_task(
            WindowId=window_id, WindowTaskId=summary["WindowTaskId"]
        )

    def window_targets() -> list[dict[str, Any]]:
        return ssm.describe_maintenance_window_targets(WindowId=window_id)["Targets"]

    task_id = task()["WindowTaskId"]
    deployed.reconfigure(maintenance_window_fan_out="automation")
    deployed.tf.apply()
    switched = task()
    assert switched["WindowTaskId"] == task_id, "the task was replaced, not updated"
    assert switched["TaskArn"] == deployed.names["AutomationStart"]
    assert not switched.get("Targets") and window_targets() == []
    assert "MaxConcurrency" not in switched and "MaxErrors" not in switched, switched
    assert not deployed.tf.plan_has_changes(), "a second plan after the switch has changes"

    deployed.reconfigure(maintenance_window_fan_out="window")
    deployed.tf.apply()
    back = task()
    [window_target] = window_targets()
    assert back["WindowTaskId"] == task_id
    assert back["TaskArn"] == deployed.names["AutomationProcess"]
    assert back["Targets"] == [
        {"Key": "WindowTargetIds", "Values": [window_target["WindowTargetId"]]}
    ]
    assert (back["MaxConcurrency"], back["MaxErrors"]) == (str(MAX_CONCURRENCY), "1")
    assert not deployed.tf.plan_has_changes(), "a second plan after switching back has changes"
