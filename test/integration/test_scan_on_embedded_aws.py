"""A scan is a dry run (safety invariant 4), on the module as Terraform applies it, with
retention on (``ami_retention_count = 1``): after an Install run has left its AMIs, a run with
``Action=Scan`` makes no AMI and deletes none, puts the stopped instance back to stopped,
does not reboot the running one, and sends one message per instance with the updates an
Install would apply.

Before this, a scan took both AMIs (rebooting the instance for each: CreateImage without
NoReboot) and ran the retention, which counted the scan as the newest run and deregistered
the Install run's backups. AWS-InstallWindowsUpdates with ``Action=Scan`` lists the updates
(``-ListOnly``) and installs nothing (../shared/reference/aws-owned-documents/command/).

On the embedded AWS the instances are given pending updates again after the Install, and a
reboot shows as a new ``LastPingDateTime`` (the agent reconnecting); against a real account
those two checks are skipped and the rest holds as it is.
"""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest

from automation_support import steps_by_name
from integration.fleet_runs import failures, finish, start_run
from integration.instances import instance_state

# Runs go ahead unasked: whether a run asks is a deployment fact (the Start runbook takes no
# RequireApproval); this file is about what a scan leaves behind.
DEPLOYMENT_VARIABLES = {"ami_retention_count": 1, "require_approval": False}
# Two pending updates; the first needs a restart: an install slipped into the scan would
# reboot the instance and empty its list.
PENDING = [
    {"kb": "KB5034439", "severity": "Critical", "category": "SecurityUpdates"},
    {"kb": "KB5034441", "severity": "Important", "category": "Updates", "reboot_required": False},
]
IMAGE_STEPS = {"CreateImageBefore", "CreateImageAfter", "ApplyRetention"}

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.skipif(
        shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
    ),
]


def images(ec2: Any, instance: str) -> dict[str, str]:
    """The instance's pipeline AMIs, id -> state."""
    found = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "tag:InstanceId", "Values": [instance]}]
    )["Images"]
    return {i["ImageId"]: i["State"] for i in found}


def snapshots(ec2: Any, instance: str) -> set[str]:
    found = ec2.describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": "tag:InstanceId", "Values": [instance]}]
    )["Snapshots"]
    return {s["SnapshotId"] for s in found}


def last_ping(ssm: Any, instance: str) -> Any:
    listed = ssm.describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [instance]}]
    )["InstanceInformationList"]
    return listed[0]["LastPingDateTime"]


def test_a_scan_with_retention_on_makes_and_deletes_no_ami_restores_states_and_lists_updates(
    deployed, target, mailbox, make_fleet
):
    fleet = make_fleet(faulted="stopped", healthy="running")
    stopped, running = fleet.faulted, fleet.healthy
    ec2, ssm = target.client("ec2"), target.client("ssm")
    installed = finish(target, mailbox, start_run(deployed, target, fleet))
    assert installed.start["AutomationExecutionStatus"] == "Success", failures(installed)
    if not target.sandbox:
        from embedded.fleet_support import set_catalogue

        for instance in fleet.all:
            set_catalogue(target.endpoint, instance, PENDING)
    before = {i: (images(ec2, i), snapshots(ec2, i)) for i in fleet.all}
    for instance in fleet.all:
        assert len(before[instance][0]) == 2, before  # the Install run's pair
    ping = last_ping(ssm, running)

    scan = finish(target, mailbox, start_run(deployed, target, fleet, Action="Scan"))

    assert scan.start["AutomationExecutionStatus"] == "Success", failures(scan)
    assert sorted(scan.children) == sorted(fleet.all)
    for instance, child in scan.children.items():
        steps = steps_by_name(child)
        assert child["AutomationExecutionStatus"] == "Success", steps
        ran = {name for name, s in steps.items() if s["StepStatus"] != "Pending"}
        assert not ran & IMAGE_STEPS, ran
        # No AMI made, none deleted: the Install run's pair and snapshots are all there.
        assert (images(ec2, instance), snapshots(ec2, instance)) == before[instance]
        assert set(before[instance][0].values()) == {"available"}
        # Back in the state it was found in.
        assert instance_state(ec2, instance) == fleet.states[instance]
    assert steps_by_name(scan.children[stopped])["StopAfterScan"]["StepStatus"] == "Success"
    if not target.sandbox:
        assert last_ping(ssm, running) == ping, "the running instance was rebooted"

    for instance in fleet.all:
        (message,) = scan.messages_of(instance)
        found = re.fullmatch(
            rf"Windows Update scan of {instance}: (\d+) updates to install", message["Subject"]
        )
        assert found, message["Subject"]
        text = message["Message"]
        assert "Nothing was installed, no AMI was made or deleted" in text
        count = int(found.group(1))
        assert f"Updates an Install would apply: {count} (KBs: " in text
        listed = [line for line in text.splitlines() if line.startswith("- ")]
        assert len(listed) == count or (count == 0 and "\nnone\n" in text), text
        if not target.sandbox:
            assert count == 2, text
            assert "(KBs: KB5034439,KB5034441)." in text
            # The command lists each update as "<title> - Published date: MM/dd/yyyy".
            assert "KB5034439" in listed[0] and "Published date:" in listed[0], text
    summary = scan.summary()["Message"]
    assert "succeeded: 2, failed: 0" in summary, summary
