"""A scan is a dry run (safety invariant 4), on the module's own runbooks as Terraform renders
them: ``Action=Scan`` makes no AMI, reboots nothing for an image, deletes nothing (retention
on, an earlier run's AMIs present); a stopped instance is started for the scan and stopped
again; the message and ``winupdate run`` say how many updates each instance would get, and
which.

AWS-InstallWindowsUpdates with ``Action=Scan`` runs its search with ``-ListOnly`` and
installs nothing, so it never exits 3010 to reboot (the definition in
../shared/reference/aws-owned-documents/command/); CreateImage without ``NoReboot`` shuts
the instance down for the snapshot (EC2 CreateImage): a scan must make no image at all.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cli_run_support import aws_env, cli, unique
from fleet_support import set_catalogue
from module_support import deploy_module_runbooks
from seed_support import instance_state, wait_for_agents, wait_for_state, windows_image

from automation_support import messages, service_role, steps_by_name, wait_done

ROOT = Path(__file__).parents[2]
PREFIX = "SCAN-"
# Two pending updates; the first needs a restart, so an install that slipped into a scan
# would reboot the instance.
PENDING = [
    {"kb": "KB5034439", "severity": "Critical", "category": "SecurityUpdates"},
    {"kb": "KB5034441", "severity": "Important", "category": "Updates", "reboot_required": False},
]
IMAGE_STEPS = {"CreateImageBefore", "CreateImageAfter", "ApplyRetention"}


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
    """When the agent last came Online: the embedded AWS moves it only when the agent
    reconnects (a boot or a reboot)."""
    listed = ssm.describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [instance]}]
    )["InstanceInformationList"]
    return listed[0]["LastPingDateTime"]


@pytest.fixture(scope="module")
def scanned(client, endpoint):
    """The module's runbooks (prefix SCAN-), a running and a stopped tagged instance, an
    Install with AmiRetentionCount=1 of each (its AMIs are what a scan must not delete), then
    two scans of both with the same retention through `winupdate run`: --json, then the
    table."""
    ssm, ec2 = client("ssm"), client("ec2")
    tag = unique("Scan")
    variables = deploy_module_runbooks(client, PREFIX, tag, "AutomationScan")
    topic = variables["topic"]
    role = service_role(client("iam"), "ScanAutomation")
    running, stopped = (
        ec2.run_instances(
            ImageId=windows_image(ec2),
            MinCount=1,
            MaxCount=1,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": tag, "Value": "ON"}]}],
        )["Instances"][0]["InstanceId"]
        for _ in range(2)
    )
    wait_for_state(ec2, [running, stopped], "running")
    wait_for_agents(ssm, [running, stopped], "Online")
    ec2.stop_instances(InstanceIds=[stopped])
    wait_for_state(ec2, [stopped], "stopped")
    # The Install run: one per-instance run each, as the Start runbook would start them (no
    # approval to wait for).
    for instance in (running, stopped):
        install = ssm.start_automation_execution(
            DocumentName=f"{PREFIX}AutomationProcess",
            Parameters={
                "InstanceId": [instance],
                "AmiRetentionCount": ["1"],
                "NotificationArn": [topic],
                "AutomationAssumeRole": [role],
            },
        )["AutomationExecutionId"]
        installed = wait_done(ssm, install, 60)
        assert installed["AutomationExecutionStatus"] == "Success", steps_by_name(installed)
    wait_for_state(ec2, [stopped], "stopped")
    for instance in (running, stopped):
        set_catalogue(endpoint, instance, PENDING)
    before = {
        "images": {i: images(ec2, i) for i in (running, stopped)},
        "snapshots": {i: snapshots(ec2, i) for i in (running, stopped)},
        "ping": last_ping(ssm, running),
        "messages": len(messages(endpoint, topic)),
    }
    # Approved by the caller (the Approvers parameter) if the deployment asks for approval.
    cli_parameters = [
        f"--parameter=TargetTag={tag}",
        "--parameter=Action=Scan",
        "--parameter=AmiRetentionCount=1",
        f"--parameter=NotificationArn={topic}",
        f"--parameter=AutomationAssumeRole={role}",
        "--approve",
    ]
    document = f"{PREFIX}AutomationStart"
    with aws_env(endpoint):
        as_json = cli("run", "--document", document, *cli_parameters, "--json", "--interval", "0.1")
        as_table = cli("run", "--document", document, *cli_parameters, "--interval", "0.1")
    return {
        "running": running,
        "stopped": stopped,
        "before": before,
        "json": as_json,
        "table": as_table,
        "topic": topic,
        "ssm": ssm,
        "ec2": ec2,
        "endpoint": endpoint,
    }


def scan_children(scanned: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """instance id -> the scan's per-instance execution (the --json run)."""
    report = json.loads(scanned["json"].out)
    ssm = scanned["ssm"]
    return {
        row["instance_id"]: ssm.get_automation_execution(AutomationExecutionId=row["execution_id"])[
            "AutomationExecution"
        ]
        for row in report["instances"]
    }


def test_a_scan_succeeds_for_each_instance_without_an_image_step(scanned):
    assert scanned["json"].code == 0, scanned["json"].err + scanned["json"].out
    children = scan_children(scanned)
    assert sorted(children) == sorted([scanned["running"], scanned["stopped"]])
    for execution in children.values():
        steps = steps_by_name(execution)
        assert execution["AutomationExecutionStatus"] == "Success", steps
        ran = {name for name, s in steps.items() if s["StepStatus"] != "Pending"}
        assert not ran & IMAGE_STEPS, ran
        assert steps["ScanUpdates"]["Inputs"]["Parameters"]  # the scan's own command ran
        assert steps["PublishScanResult"]["StepStatus"] == "Success"


def test_a_scan_makes_no_ami_and_deletes_none_with_retention_on(scanned):
    ec2, before = scanned["ec2"], scanned["before"]
    for instance in (scanned["running"], scanned["stopped"]):
        # The Install run's pair is there, and a scan with AmiRetentionCount=1 kept it.
        assert len(before["images"][instance]) == 2
        assert set(before["images"][instance].values()) == {"available"}
        assert images(ec2, instance) == before["images"][instance]
        assert snapshots(ec2, instance) == before["snapshots"][instance]


def test_a_scan_stops_the_stopped_instance_again_and_does_not_reboot_the_running_one(scanned):
    ec2, ssm = scanned["ec2"], scanned["ssm"]
    children = scan_children(scanned)
    assert steps_by_name(children[scanned["stopped"]])["StartForScan"]["StepStatus"] == "Success"
    assert steps_by_name(children[scanned["stopped"]])["StopAfterScan"]["StepStatus"] == "Success"
    assert instance_state(ec2, scanned["stopped"]) == "stopped"
    assert instance_state(ec2, scanned["running"]) == "running"
    # Its agent never reconnected: no reboot, for an image or for an update.
    assert last_ping(ssm, scanned["running"]) == scanned["before"]["ping"]
    assert steps_by_name(children[scanned["running"]])["StartForScan"]["StepStatus"] == "Pending"


def test_a_scan_installs_nothing(scanned, endpoint):
    from fleet_support import updates

    for instance in (scanned["running"], scanned["stopped"]):
        state = updates(endpoint, instance)
        assert sorted(u["kb"] for u in state["pending"]) == ["KB5034439", "KB5034441"]
        assert state["reboot_pending"] is False


def test_each_instance_gets_one_scan_message_with_the_count_and_the_updates(scanned):
    children = scan_children(scanned)
    published = messages(scanned["endpoint"], scanned["topic"])
    for instance, execution in children.items():
        mine = [m for m in published if execution["AutomationExecutionId"] in m["Message"]]
        assert len(mine) == 1, mine
        message = mine[0]
        assert message["Subject"] == f"Windows Update scan of {instance}: 2 updates to install"
        text = message["Message"]
        assert "Nothing was installed, no AMI was made or deleted" in text
        assert "Updates an Install would apply: 2 (KBs: KB5034439,KB5034441)." in text
        # One "<title> - Published date: MM/dd/yyyy" line per update (the script's listing).
        assert re.search(r"^- .*KB5034439.* - Published date: \d\d/\d\d/\d{4}$", text, re.M)
        assert re.search(r"^- .*KB5034441.* - Published date: \d\d/\d\d/\d{4}$", text, re.M)
        assert "AMI" not in text.split("\n", 1)[1]  # no AMI id: it made none


def test_winupdate_run_says_how_many_updates_each_instance_would_get_and_which(scanned):
    report = json.loads(scanned["json"].out)
    assert report["status"] == "Success"
    for row in report["instances"]:
        assert row["dry_run"] is True and row["status"] == "Success"
        assert row["updates_found"] == 2 and row["updates_installed"] == 0
        assert row["updates"] == ["KB5034439", "KB5034441"]
        assert row["before"] is None and row["after"] is None
    table = scanned["table"]
    assert table.code == 0, table.err + table.out
    rows = [line for line in table.out.splitlines() if line.startswith("i-")]
    assert len(rows) == 2 and all("KB5034439,KB5034441" in row for row in rows), table.out
    assert any(
        line.startswith("scan (dry run): nothing was installed; an Install would apply 4 updates")
        for line in table.out.splitlines()
    ), table.out
