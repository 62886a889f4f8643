"""A small fleet per test and one run of the module's Start runbook over it, collected:
what the fault matrix and the role's mutation test share.

The fixtures that make such fleets (``launched``, ``windows_image``, ``control``,
``make_fleet``) are in ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from automation_support import instance_run_ids, process_id, run_window_execution, steps_by_name
from integration.aws_target import Target
from integration.deployment import Deployment
from integration.instances import instance_state, wait_for_state
from integration.mailbox import Mailbox
from winupdate.local.control_client import ControlClient
from winupdate.run.executions import window_invocations

ACTIVE = {"Pending", "InProgress", "Waiting", "Cancelling"}
# Wall seconds for a whole run, faults included: the longest fault path waits out a one-hour
# step timeout (6 s at the test speed of 600 modelled s per wall s).
RUN_DEADLINE = 60.0


# -- the fleet of one test -------------------------------------------------------------------
@dataclass
class SmallFleet:
    """Instances tagged ``<key>=value``: ``faulted`` (hit), ``healthy``, and ``others``."""

    value: str
    faulted: str
    healthy: str
    others: list[str] = field(default_factory=list)
    #: The state each instance was found in (running / stopped).
    states: dict[str, str] = field(default_factory=dict)

    @property
    def all(self) -> list[str]:
        return [self.faulted, self.healthy, *self.others]


# -- a run -------------------------------------------------------------------------------------
@dataclass
class Run:
    start: dict[str, Any]
    rate_control: dict[str, Any] | None
    children: dict[str, dict[str, Any]]  # instance id -> execution
    messages: list[dict[str, Any]]
    # The run window's invocations that failed to start their run (fan_out window), each
    # worded as a failed step: "RunWindow/WindowTask: FAILED <why>".
    window_failures: list[str] = field(default_factory=list)

    def child_id(self, instance_id: str) -> str:
        return self.children[instance_id]["AutomationExecutionId"]

    def messages_of(self, instance_id: str) -> list[dict[str, Any]]:
        """The messages a per-instance run sent (they name its execution id)."""
        return [m for m in self.messages if self.child_id(instance_id) in m["Message"]]

    def summary(self) -> dict[str, Any]:
        summaries = [
            m for m in self.messages if (m["Subject"] or "").startswith("Windows Update run")
        ]
        assert len(summaries) == 1, summaries
        return summaries[0]


def execution(ssm: Any, execution_id: str) -> dict[str, Any]:
    return ssm.get_automation_execution(AutomationExecutionId=execution_id)["AutomationExecution"]


def children_of(ssm: Any, parent_id: str) -> list[dict[str, Any]]:
    pages = ssm.get_paginator("describe_automation_executions").paginate(
        Filters=[{"Key": "ParentExecutionId", "Values": [parent_id]}]
    )
    return [e for page in pages for e in page["AutomationExecutionMetadataList"]]


# The Start runbook's step that fans out: the run window's arming (fan_out window, the
# default) or its rate-controlled aws:executeAutomation (fan_out rate_control).
FAN_OUT_STEPS = ("ArmRunWindow", "RunProcesses")


def fan_out_step(start: dict[str, Any]) -> dict[str, Any]:
    steps = steps_by_name(start)
    return next(steps[name] for name in FAN_OUT_STEPS if name in steps)


# A window execution's statuses, in the words of an Automation execution.
WINDOW_STATUS = {"SUCCESS": "Success", "FAILED": "Failed", "CANCELLED": "Cancelled"}


def fan_out_status(ssm: Any, start: dict[str, Any]) -> str | None:
    """How the fan-out ended: the run window's execution (fan_out window) or the
    rate-control execution, as an Automation status; None before it has started."""
    window = run_window_execution(start)
    if window:
        found = ssm.get_maintenance_window_execution(WindowExecutionId=window)
        return WINDOW_STATUS.get(found["Status"], found["Status"])
    parent = process_id(start)
    return execution(ssm, parent)["AutomationExecutionStatus"] if parent else None


def instance_runs(ssm: Any, start: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Instance id -> its per-instance run, as it is now."""
    runs = (execution(ssm, i) for i in instance_run_ids(ssm, start))
    return {run["Parameters"]["InstanceId"][0]: run for run in runs}


def family(ssm: Any, start_id: str) -> list[dict[str, Any]]:
    """Start, its rate-control execution (if any) and the per-instance runs, as they are now."""
    start = execution(ssm, start_id)
    found = [start]
    parent = process_id(start)
    if parent:
        found.append(execution(ssm, parent))
    found += [execution(ssm, i) for i in instance_run_ids(ssm, start)]
    return found


def start_run(deployed: Deployment, target: Target, fleet: SmallFleet, **parameters: str) -> str:
    """AutomationStart for the fleet's tag value only; without an approval when the
    deployment says so (require_approval = false: no run can skip it by a parameter)."""
    params = {"TargetTagValue": fleet.value, **parameters}
    return target.client("ssm").start_automation_execution(
        DocumentName=deployed.names["AutomationStart"],
        Parameters={k: [v] for k, v in params.items()},
    )["AutomationExecutionId"]


def child_of(ssm: Any, start_id: str, instance_id: str) -> dict[str, Any] | None:
    return instance_runs(ssm, execution(ssm, start_id)).get(instance_id)


def finish(target: Target, mailbox: Mailbox, start_id: str) -> Run:
    """Wait (wall deadline) until the run and all it started are terminal; collect it."""
    ssm = target.client("ssm")

    def active() -> list[str]:
        return [
            f"{e['DocumentName']}={e['AutomationExecutionStatus']}"
            for e in family(ssm, start_id)
            if e["AutomationExecutionStatus"] in ACTIVE
        ]

    target.wait_until(lambda: not active(), RUN_DEADLINE, what=lambda: f"the run hangs: {active()}")
    start = execution(ssm, start_id)
    parent = process_id(start)
    children = instance_runs(ssm, start)
    ids = {start_id, *(c["AutomationExecutionId"] for c in children.values())}
    if parent:
        ids.add(parent)
    messages = [m for m in mailbox.messages() if any(i in m["Message"] for i in ids)]
    run = Run(start, execution(ssm, parent) if parent else None, children, messages)
    run.window_failures = window_invocation_failures(ssm, start)
    return run


def window_invocation_failures(ssm: Any, start: dict[str, Any]) -> list[str]:
    """The run window's invocations that ended without a run of their own (refused at the
    start, e.g. by IAM), worded as failed steps."""
    window = run_window_execution(start)
    if not window:
        return []
    return [
        f"RunWindow/WindowTask: {i['Status']} {i.get('StatusDetails', '')}"
        for i in window_invocations(ssm, window)
        if not i.get("ExecutionId") and i["Status"] != "SUCCESS"
    ]


def failures(run: Run) -> list[str]:
    """Every failed step of the run, with its message: what an assertion should show."""
    found = []
    for execution_ in [run.start, run.rate_control or {}, *run.children.values()]:
        for step in execution_.get("StepExecutions", []):
            if step["StepStatus"] in ("Failed", "TimedOut", "Cancelled"):
                found.append(
                    f"{execution_['DocumentName']}/{step['StepName']}: {step['StepStatus']} "
                    f"{step.get('FailureMessage', '')}"
                )
    return found + run.window_failures


# -- a run cancelled during the update (safety invariant 5) -------------------------------------
def long_update(count: int = 12) -> list[dict[str, Any]]:
    """Pending updates that keep AWS-InstallWindowsUpdates busy for a while (the fleet takes
    45 modelled s per update: about a wall second at the test speed), none needing a restart:
    long enough to cancel a run during its update."""
    return [
        {
            "kb": f"KB50{n:05d}",
            "severity": "Critical",
            "category": "SecurityUpdates",
            "reboot_required": False,
        }
        for n in range(count)
    ]


def updating(ssm: Any, execution_id: str) -> bool:
    """Whether the per-instance run is in its update (InstallUpdates in progress)."""
    step = steps_by_name(execution(ssm, execution_id)).get("InstallUpdates", {})
    return step.get("StepStatus") == "InProgress"


def cancel_during_update(control: ControlClient, instances: Iterable[str]) -> None:
    """Give each instance an update long enough to cancel a run during (``long_update``)."""
    for instance in instances:
        control._request(
            "POST", "fleet/catalogue", {"instance_id": instance, "updates": long_update()}
        )


def stop_first(target: Target, fleet: SmallFleet, instance: str) -> None:
    """Stop one instance of the fleet before a run, so that the run finds it stopped."""
    target.client("ec2").stop_instances(InstanceIds=[instance])
    wait_for_state(target, [instance], "stopped")
    fleet.states[instance] = "stopped"


def wait_until_updating(target: Target, start_id: str, instances: list[str]) -> None:
    """Until the run's per-instance runs of ``instances`` are all in their update at once."""
    ssm = target.client("ssm")

    def all_updating() -> bool:
        children = [child_of(ssm, start_id, i) for i in instances]
        return all(c and updating(ssm, c["AutomationExecutionId"]) for c in children)

    target.wait_until(
        all_updating,
        RUN_DEADLINE,
        what=lambda: "the instances were never in their updates at once",
        poll=0.01,
    )


def assert_cancelled_and_reported(
    target: Target, run: dict[str, Any], messages: list[dict[str, Any]], found: str
) -> dict[str, Any]:
    """A per-instance run cancelled during its update (automation-actions.md, onCancel):
    it ends Cancelled after its cancel path, its instance is back in the state it was found
    in, its before-AMI is there and no after-AMI, and exactly one message about it says it
    was cancelled, at which step, and which AMIs exist. Returns that message."""
    ec2 = target.client("ec2")
    instance = run["Parameters"]["InstanceId"][0]
    run_id = run["AutomationExecutionId"]
    steps = steps_by_name(run)
    assert run["AutomationExecutionStatus"] == "Cancelled", steps
    assert steps["InstallUpdates"]["StepStatus"] == "Cancelled", steps["InstallUpdates"]
    assert steps["RestoreStateOnCancel"]["StepStatus"] == "Success", steps
    assert steps["ReportCancel"]["StepStatus"] == "Success", steps["ReportCancel"]
    # No step of the update path or the failure path ran after the cancel.
    for name in ("ParseUpdateResults", "CreateImageAfter", "PublishSuccess", "ReportFailure"):
        assert steps[name]["StepStatus"] == "Pending", steps[name]
    images = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [f"{instance}_*_{run_id}"]}]
    )["Images"]
    [before] = images
    assert before["Name"] == f"{instance}_UpdateBefore_{run_id}"
    assert before["State"] == "available", before
    assert instance_state(ec2, instance) == found
    mine = [m for m in messages if run_id in m["Message"]]
    assert len(mine) == 1, mine
    [message] = mine
    assert message["Subject"] == f"Windows Update cancelled for {instance}"
    text = message["Message"]
    assert "was cancelled at step InstallUpdates" in text, text
    assert "Cancelled step: InstallUpdates\n" in text, text
    assert f"State restored: {found}\n" in text, text
    assert f"AMI before: {before['ImageId']} ({before['Name']}, " in text, text
    assert "AMI after: none\n" in text, text
    assert f"Automation execution: {run_id}" in text, text
    return message


# -- what every run must leave behind -----------------------------------------------------------
def images(ec2: Any, instance_id: str) -> dict[str, dict[str, Any]]:
    """The instance's images by phase (UpdateBefore / UpdateAfter), of its runs."""
    found = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "tag:InstanceId", "Values": [instance_id]}]
    )["Images"]
    named = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [f"{instance_id}_Update*"]}]
    )["Images"]
    by_phase: dict[str, dict[str, Any]] = {}
    for image in [*found, *named]:
        phase = image["Name"].split("_")[1]
        by_phase.setdefault(phase, image)
    return by_phase


def update_commands(ssm: Any, instance_id: str) -> list[dict[str, Any]]:
    return [
        c
        for c in ssm.list_commands(InstanceId=instance_id)["Commands"]
        if c["DocumentName"] == "AWS-InstallWindowsUpdates"
    ]


def assert_no_update_without_a_before_ami(ec2: Any, ssm: Any, fleet: SmallFleet) -> None:
    for instance in fleet.all:
        commands = update_commands(ssm, instance)
        if not commands:
            continue
        before = images(ec2, instance).get("UpdateBefore")
        assert before is not None, f"{instance}: an update ran without a before-AMI"
        assert before["State"] == "available", before
        created = before["CreationDate"]
        for command in commands:
            requested = command["RequestedDateTime"].strftime("%Y-%m-%dT%H:%M:%S")
            assert created[:19] <= requested, (instance, created, requested)


def assert_healthy(run: Run, fleet: SmallFleet, ec2: Any, instance: str | None = None) -> None:
    instance = instance or fleet.healthy
    child = run.children[instance]
    assert child["AutomationExecutionStatus"] == "Success", steps_by_name(child)
    phases = images(ec2, instance)
    assert {p: i["State"] for p, i in phases.items()} == {
        "UpdateBefore": "available",
        "UpdateAfter": "available",
    }
    assert phases["UpdateBefore"]["Name"].endswith(run.child_id(instance))
    mine = run.messages_of(instance)
    assert [m["Subject"] for m in mine] == [f"Windows Update succeeded for {instance}"]
    assert instance_state(ec2, instance) == fleet.states[instance]
