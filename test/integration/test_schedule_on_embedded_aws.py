"""The module's EventBridge Scheduler schedule starts a run by the clock alone.

The module is applied with ``eventbridge_schedule = { enabled, expression = "rate(6
hours)", require_approval = false }`` and no maintenance window. A rate schedule without a
StartDate first runs when it is created ("Schedule types on EventBridge Scheduler"), before
any instance is tagged: that run finds nothing to do. The tagged fleet is launched, and the
next invocation, six modelled hours later (36 wall seconds at 600x), starts the Start runbook
as the schedule's role: the tagged instances end patched (an AMI before and after each, in
the state they were found in), the untagged one untouched, with nobody calling
StartAutomationExecution or the window control.

Emulator-only: EventBridge Scheduler schedules fire on the embedded AWS's clock, unpaused
here for this file only (test/conftest.py pauses them for the session).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest

from automation_support import eventbridge_schedules
from integration.aws_target import Target
from integration.deployment import REPO, Deployment
from integration.instances import instance_state
from integration.policy_lint import findings

FIXTURE = REPO / "test" / "integration" / "fixtures" / "module_schedule"

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.emulator_only("EventBridge Scheduler schedules fire on the emulator's clock"),
    pytest.mark.skipif(
        shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
    ),
]


DEPLOYMENT_FIXTURE = FIXTURE


@contextlib.contextmanager
def around_deployment(target: Target) -> Iterator[None]:
    """Schedules unpaused while the module is applied (its first invocation is due at
    creation) and until it is destroyed; paused again for the rest of the session."""
    eventbridge_schedules(target.endpoint, Paused=False)
    try:
        yield
    finally:
        eventbridge_schedules(target.endpoint, Paused=True)


def images(ec2: Any, instance_id: str) -> list[str]:
    found = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [f"{instance_id}_*"]}]
    )["Images"]
    return sorted(image["Name"] for image in found)


def scheduled_runs(endpoint: str, schedule_arn: str) -> list[dict[str, Any]]:
    return [
        i
        for i in eventbridge_schedules(endpoint)["Invocations"]
        if i["ScheduleArn"] == schedule_arn
    ]


def test_the_schedule_alone_starts_a_run_that_patches_the_tagged_instances(
    deployed: Deployment, fleet, target: Target
):
    ssm, ec2 = target.client("ssm"), target.client("ec2")
    schedule_arn = deployed.outputs["eventbridge_schedule_arn"]
    role_name = deployed.outputs["eventbridge_schedule_role_arn"].rsplit("/", 1)[1]
    start = deployed.outputs["document_names"]["AutomationStart"]
    # The invocation at creation ran before the fleet existed; wait for the next one and
    # for the run it started to end.
    first = len(scheduled_runs(target.endpoint, schedule_arn))
    assert first >= 1
    deadline = time.monotonic() + 240
    run = None
    while time.monotonic() < deadline:
        invoked = scheduled_runs(target.endpoint, schedule_arn)[first:]
        if invoked and invoked[0]["Status"] != "PENDING":
            assert invoked[0]["Status"] == "SUCCEEDED", invoked[0]
            run = ssm.get_automation_execution(
                AutomationExecutionId=invoked[0]["AutomationExecutionId"]
            )["AutomationExecution"]
            if run["AutomationExecutionStatus"] not in ("Pending", "InProgress", "Waiting"):
                break
        time.sleep(0.5)
    assert run is not None, "the schedule started no second run"
    assert run["DocumentName"] == start
    # Started as the schedule's own role, not by a person or the window.
    assert f":assumed-role/{role_name}/" in run["ExecutedBy"]
    assert run["AutomationExecutionStatus"] == "Success", run.get("FailureMessage")
    execution_id = run["AutomationExecutionId"]
    for instance in fleet.tagged:
        names = images(ec2, instance)
        assert any(n.startswith(f"{instance}_UpdateBefore_") for n in names), names
        assert any(n.startswith(f"{instance}_UpdateAfter_") for n in names), names
    assert instance_state(ec2, fleet.running) == "running"
    assert instance_state(ec2, fleet.stopped) == "stopped"
    assert images(ec2, fleet.untagged) == []
    # The run asked nobody: eventbridge_schedule.require_approval = false, rendered.
    steps = {s["StepName"]: s for s in run.get("StepExecutions", [])} or {
        s["StepName"]: s
        for s in ssm.describe_automation_step_executions(AutomationExecutionId=execution_id)[
            "StepExecutions"
        ]
    }
    assert "Approve" not in steps or steps["Approve"]["StepStatus"] != "Success"


def test_the_schedule_roles_policy_passes_parliament(deployed: Deployment, target: Target):
    """The schedule's own role, as deployed, linted like the module's other policies."""
    role = deployed.outputs["eventbridge_schedule_role_arn"].rsplit("/", 1)[1]
    iam = target.client("iam")
    (name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    deployed_policy = json.loads(document) if isinstance(document, str) else document
    assert deployed_policy == json.loads(deployed.outputs["eventbridge_schedule_policy_json"])
    # The one finding, and why it stays: the same as the operator policy's (policy_lint.py).
    assert findings({"schedule": deployed_policy}) == set(SCHEDULE_SUPPRESSED)


SCHEDULE_SUPPRESSED = {
    ("schedule", "PassTheAutomationRoleToSsm", "PERMISSIONS_MANAGEMENT_ACTIONS"): (
        "iam:PassRole of the module's Automation role only, to ssm.amazonaws.com only: the "
        "Start runbook the schedule starts runs as that role (automation-setup-iam.md)"
    ),
}
