"""Rollback and hooks (issue "rollback and hooks") on the module as Terraform applies it.

The module is applied once for the file with ``rollback_on_failure = true``, a
``pre_update_command`` and a ``post_update_command`` that are this file's own Command
documents (schema 2.2, one ``aws:runPowerShellScript`` step each; the module's role may
send exactly those), and ``command_output`` to an S3 bucket and a CloudWatch Logs group of
the file's own (the instance role may write exactly there). Approval stays as the fixture
deploys it: every run and every restore started by hand asks the caller, who approves.

One fleet of two instances, each with a data volume (``instances.DATA_DEVICE``): one found
stopped, one found running. Five runs in all, each building on the one before:

1. an Install whose update fails on the stopped instance (fault injection): it is rolled
   back to its AMI before; the running one succeeds, its output kept in S3 and Logs;
2. ``winupdate restore`` of the running instance from run 1's AMI before, then a Scan;
3. an Install whose post-update hook fails everywhere: both instances rolled back;
4. an Install whose pre-update hook fails everywhere: nothing changes;
5. an Install whose update and then rollback (its root volume replacement) fail on the
   running instance (fault injection): reported, the state restored.

Between them, ``winupdate restore`` refusals (one line each, nothing changed).

Pages: EC2 user guide, "Replace a root volume" (the replacement volume is made from the
AMI's root snapshot; the instance keeps its id; the original volume is kept unless
DeleteReplacedRootVolume); Run Command output ("Configuring Amazon CloudWatch Logs for Run
Command", SendCommand OutputS3BucketName/OutputS3KeyPrefix, CommandPlugin
OutputS3KeyPrefix); automation-actions.md (onFailure ``step:``, aws:executeAutomation).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from automation_support import steps_by_name
from embedded.cli_run_support import Result, cli
from integration.aws_target import Target
from integration.deployment import Deployment
from integration.fleet_runs import Run, SmallFleet, execution, failures, finish, start_run
from integration.instances import (
    DATA_DEVICE,
    instance_state,
    launch_windows,
    wait_for_agents,
    wait_for_state,
)
from integration.leftovers import Ledger
from integration.mailbox import Mailbox
from integration.policy_lint import findings
from winupdate.run.aws import Aws
from winupdate.run.summary import instance_result
from winupdate.run.teardown import images_of_instances

# Every name of the file's own resources starts with this stem (the leftovers check
# looks for documents by it).
STEM = f"WuTest{uuid.uuid4().hex[:8]}"
PRE_HOOK = f"{STEM}-PreCheck"
POST_HOOK = f"{STEM}-HealthCheck"
BUCKET = f"{STEM.lower()}-command-output"
KEY_PREFIX = "winupdate"
LOG_GROUP = f"/{STEM}/command-output"
OUTPUT_WHERE = f"s3://{BUCKET}/{KEY_PREFIX} and CloudWatch Logs group {LOG_GROUP}"

# Each hook document's one step, and what it writes (the modelled PowerShell runs
# Write-Output of a literal and exit N: scripts/winupdate/local/fleet/powershell.py).
PRE_STEP, POST_STEP = "PreCheck", "HealthCheck"
PRE_OK = ["Write-Output 'pre-update check passed'"]
POST_OK = ["Write-Output 'service W3SVC is running'"]
PRE_FAILS = ["Write-Output 'only 2 GB free on C, 10 GB needed'", "exit 1"]
POST_FAILS = ["Write-Output 'service W3SVC is stopped'", "exit 1"]
# AWS-InstallWindowsUpdates' one step (schema 2.2): its plugin in the output's keys.
UPDATE_STEP = "AWSInstallWindowsUpdates"

DEPLOYMENT_VARIABLES = {
    "rollback_on_failure": True,
    "pre_update_command": {"document_name": PRE_HOOK, "timeout_seconds": 300},
    "post_update_command": {"document_name": POST_HOOK, "timeout_seconds": 300},
    "command_output": {
        "s3_bucket_name": BUCKET,
        "s3_key_prefix": KEY_PREFIX,
        "cloudwatch_log_group_name": LOG_GROUP,
    },
}
# Two pending updates per instance, the first needing a restart (the update reboots).
PENDING = [
    {"kb": "KB5034439", "severity": "Critical", "category": "SecurityUpdates"},
    {
        "kb": "KB5034441",
        "severity": "Important",
        "category": "Updates",
        "reboot_required": False,
    },
]
FAULTS = "fault injection: a real account cannot be told to fail an update"

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.skipif(
        shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
    ),
]


# -- the file's own resources ---------------------------------------------------------------
def hook_content(name: str, lines: list[str]) -> str:
    commands = "\n".join(_quoted(line) for line in lines)
    return (
        "schemaVersion: '2.2'\n"
        f"description: {name} of the rollback and hooks tests.\n"
        "mainSteps:\n"
        "  - action: aws:runPowerShellScript\n"
        f"    name: {name}\n"
        "    inputs:\n"
        "      runCommand:\n"
        f"{commands}\n"
    )


def _quoted(line: str) -> str:
    """A list entry, YAML double-quoted (the PowerShell lines quote with single quotes)."""
    return '        - "' + line.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Hooks:
    ssm: Any
    #: (document, content) -> its version, for every version made.
    versions: dict[tuple[str, str], str] = field(default_factory=dict)

    def create(self, name: str, step: str, lines: list[str]) -> None:
        content = hook_content(step, lines)
        answer = self.ssm.create_document(
            Name=name, Content=content, DocumentType="Command", DocumentFormat="YAML"
        )
        self.versions[(name, content)] = answer["DocumentDescription"]["DocumentVersion"]

    @contextlib.contextmanager
    def replaced(self, name: str, step: str, lines: list[str]) -> Iterator[None]:
        """The document's default version runs ``lines`` for the block, then the first again."""
        content = hook_content(step, lines)
        version = self.versions.get((name, content))
        if version is None:
            answer = self.ssm.update_document(
                Name=name, Content=content, DocumentVersion="$LATEST", DocumentFormat="YAML"
            )
            version = answer["DocumentDescription"]["DocumentVersion"]
            self.versions[(name, content)] = version
        self.ssm.update_document_default_version(Name=name, DocumentVersion=version)
        try:
            yield
        finally:
            self.ssm.update_document_default_version(Name=name, DocumentVersion="1")


@pytest.fixture(scope="module")
def hooks(request: pytest.FixtureRequest, target: Target, ledger: Ledger) -> Hooks:
    """The two hook documents, made before any run; deleted at the end."""
    ledger.stems.add(STEM)
    ssm = target.client("ssm")
    made = Hooks(ssm)

    def delete() -> None:
        for name in (PRE_HOOK, POST_HOOK):
            with contextlib.suppress(ClientError):
                ssm.delete_document(Name=name)

    request.addfinalizer(delete)
    made.create(PRE_HOOK, PRE_STEP, PRE_OK)
    made.create(POST_HOOK, POST_STEP, POST_OK)
    return made


@pytest.fixture(scope="module")
def command_output(request: pytest.FixtureRequest, target: Target) -> None:
    """The bucket and the log group of command_output; emptied and deleted at the end."""
    s3, logs = target.client("s3"), target.client("logs")

    def delete() -> None:
        problems = []
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
                for item in page.get("Contents", []):
                    s3.delete_object(Bucket=BUCKET, Key=item["Key"])
            s3.delete_bucket(Bucket=BUCKET)
        except ClientError as err:
            problems.append(f"bucket {BUCKET}: {err}")
        try:
            logs.delete_log_group(logGroupName=LOG_GROUP)
        except ClientError as err:
            problems.append(f"log group {LOG_GROUP}: {err}")
        groups = logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
        problems += [f"log group {g['logGroupName']} is left" for g in groups]
        assert not problems, problems

    request.addfinalizer(delete)
    if target.region == "us-east-1":
        s3.create_bucket(Bucket=BUCKET)
    else:
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": target.region}
        )
    logs.create_log_group(logGroupName=LOG_GROUP)


@pytest.fixture(scope="module")
def restore_volumes(request: pytest.FixtureRequest, target: Target) -> set[str]:
    """Volumes the restores made or replaced (a volume attached by AttachVolume is not
    deleted with its instance): filled before the fleet is terminated, deleted after."""
    found: set[str] = set()
    ec2 = target.client("ec2")

    def delete() -> None:
        problems = []
        for volume in sorted(found):
            try:
                ec2.delete_volume(VolumeId=volume)
            except ClientError as err:
                if "NotFound" not in str(err):
                    problems.append(f"delete {volume}: {err}")
        assert not problems, problems

    request.addfinalizer(delete)
    return found


# -- the fleet ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pair(
    request: pytest.FixtureRequest,
    restore_volumes: set[str],
    launched: list[str],
    deployed: Deployment,
    target: Target,
    ledger: Ledger,
    windows_image: str,
    hooks: Hooks,
    command_output: None,
) -> SmallFleet:
    """Two tagged instances with a data volume each: ``faulted`` found stopped, ``healthy``
    found running, each with ``PENDING`` (on the embedded AWS)."""
    ec2 = target.client("ec2")
    value = deployed.variables["target_tag_value"]
    ids = []
    for n in range(2):
        tags = {
            deployed.tag_key: value,
            "Name": f"rollback-{n}",
            "WinUpdateTestStem": deployed.stem,
        }
        instance = launch_windows(
            target,
            windows_image,
            deployed.outputs["instance_profile_name"],
            tags,
            ledger,
            data_volume_gib=8,
        )
        launched.append(instance)
        ids.append(instance)

    def collect() -> None:
        # Attached now (made by a restore, or the launch ones), or replaced by a restore from
        # one of the fleet's AMIs (kept, detached); the AMIs are still there at this point.
        images = sorted(i["ImageId"] for i in images_of_instances(ec2, ids))
        volumes = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": ids}])[
            "Volumes"
        ]
        if images:
            volumes += ec2.describe_volumes(
                Filters=[{"Name": "tag:RestoredFrom", "Values": images}]
            )["Volumes"]
        restore_volumes.update(v["VolumeId"] for v in volumes)

    request.addfinalizer(collect)
    wait_for_agents(target, ids, "Online")
    if not target.sandbox:
        control = target.control()
        for instance in ids:
            control._request(
                "POST", "fleet/catalogue", {"instance_id": instance, "updates": PENDING}
            )
    stopped, running = ids
    ec2.stop_instances(InstanceIds=[stopped])
    wait_for_state(target, [stopped], "stopped")
    return SmallFleet(value, stopped, running, [], {stopped: "stopped", running: "running"})


# -- reading what a run did -----------------------------------------------------------------
def pending_kbs(target: Target, instance: str) -> list[str]:
    """The instance's pending updates, as the fleet model has them."""
    answer = target.control()._request("GET", f"fleet/updates?instance_id={instance}")
    return sorted(u["kb"] for u in answer["pending"])


def installed_kbs(target: Target, instance: str) -> list[str]:
    answer = target.control()._request("GET", f"fleet/updates?instance_id={instance}")
    return sorted(u["kb"] for u in answer["installed"])


@dataclass
class Disks:
    """An instance's EBS volumes by device, and the volumes' snapshots."""

    root_device: str
    volumes: dict[str, str]  # device -> volume id
    snapshots: dict[str, str]  # device -> the volume's SnapshotId


def disks(ec2: Any, instance_id: str) -> Disks:
    (reservation,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    instance = reservation["Instances"][0]
    volumes = {
        m["DeviceName"]: m["Ebs"]["VolumeId"]
        for m in instance.get("BlockDeviceMappings", [])
        if "Ebs" in m
    }
    described = ec2.describe_volumes(VolumeIds=list(volumes.values()))["Volumes"]
    by_id = {v["VolumeId"]: v for v in described}
    snapshots = {d: by_id[v].get("SnapshotId", "") for d, v in volumes.items()}
    return Disks(instance["RootDeviceName"], volumes, snapshots)


def image_snapshots(ec2: Any, image_id: str) -> tuple[str, dict[str, str]]:
    """The AMI's root device and its snapshot per device (DescribeImages BlockDeviceMappings)."""
    (image,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    mapped = {
        m["DeviceName"]: m["Ebs"]["SnapshotId"]
        for m in image["BlockDeviceMappings"]
        if m.get("Ebs", {}).get("SnapshotId")
    }
    return image["RootDeviceName"], mapped


def same_device(device: str) -> str:
    """``/dev/xvdf`` and ``xvdf`` name the same device."""
    return device.removeprefix("/dev/")


def assert_disks_come_from(ec2: Any, instance: str, image_id: str) -> Disks:
    """The root volume is made from the AMI's root snapshot and every data volume from the
    AMI's snapshot of that device ("Replace a root volume": "restored to a new volume
    created from the snapshot of the root volume of the AMI")."""
    root_device, snapshots = image_snapshots(ec2, image_id)
    now = disks(ec2, instance)
    assert same_device(now.root_device) == same_device(root_device)
    by_device = {same_device(d): s for d, s in snapshots.items()}
    attached = {same_device(d): s for d, s in now.snapshots.items()}
    assert attached == by_device, (attached, by_device)
    assert same_device(DATA_DEVICE) in attached, attached
    return now


def images_of_run(ec2: Any, instance: str, run_id: str) -> dict[str, dict[str, Any]]:
    found = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [f"{instance}_*_{run_id}"]}]
    )["Images"]
    return {i["Name"].split("_")[1]: i for i in found}


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def rollback_execution(target: Target, child: dict[str, Any]) -> dict[str, Any]:
    step = steps_by_name(child)["RestoreImageBeforeOnFailure"]
    (restore_id,) = step["Outputs"]["ExecutionId"]
    return execution(target.client("ssm"), restore_id)


def step_lines(execution_: dict[str, Any]) -> list[str]:
    """Each step of an execution with its status and failure: what an assertion shows."""
    return [
        f"{s['StepName']}: {s['StepStatus']} {s.get('FailureMessage', '')}".strip()
        for s in execution_.get("StepExecutions", [])
    ]


def restore_summary(restore: dict[str, Any]) -> str:
    (summary,) = restore["Outputs"]["ReportRestore.Summary"]
    return summary


def approved_run(
    deployed: Deployment, target: Target, mailbox: Mailbox, fleet: SmallFleet, **parameters: str
) -> Run:
    """Start a run, approve it as the caller (the deployment's approver) once it asks, and
    wait until it and everything it started have ended."""
    ssm = target.client("ssm")
    start_id = start_run(deployed, target, fleet, **parameters)

    def asking() -> bool:
        status = execution(ssm, start_id)["AutomationExecutionStatus"]
        assert status in ("Pending", "InProgress", "Waiting"), steps_by_name(
            execution(ssm, start_id)
        )
        return status == "Waiting"

    target.wait_until(asking, target.timeouts.step, what=lambda: f"{start_id} never asked")
    ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Approve")
    return finish(target, mailbox, start_id)


def one_message(run: Run, instance: str) -> dict[str, Any]:
    mine = run.messages_of(instance)
    assert len(mine) == 1, mine
    return mine[0]


@dataclass
class Before:
    """What the fleet looked like before a run."""

    pending: dict[str, list[str]]
    disks: dict[str, Disks]


def before_run(target: Target, fleet: SmallFleet) -> Before:
    ec2 = target.client("ec2")
    pending = {} if target.sandbox else {i: pending_kbs(target, i) for i in fleet.all}
    return Before(pending, {i: disks(ec2, i) for i in fleet.all})


def assert_rolled_back(
    target: Target, run: Run, fleet: SmallFleet, instance: str, step: str, before: Before
) -> tuple[dict[str, Any], str]:
    """``instance``'s run failed at ``step`` and was put back to its AMI before; returns
    its one message and that AMI."""
    ec2 = target.client("ec2")
    child = run.children[instance]
    child_id = child["AutomationExecutionId"]
    steps = steps_by_name(child)
    assert child["AutomationExecutionStatus"] == "Failed", failures(run)
    assert steps[step]["StepStatus"] == "Failed", steps[step]
    assert steps["RollBackOnFailure"]["StepStatus"] == "Success", steps["RollBackOnFailure"]
    restore = rollback_execution(target, child)
    rollback = steps["RestoreImageBeforeOnFailure"]
    assert rollback["StepStatus"] == "Success", (rollback, step_lines(restore))
    assert steps["ReportFailure"]["StepStatus"] == "Success", steps["ReportFailure"]
    # The AMI before is kept; no AMI after was made.
    phases = images_of_run(ec2, instance, child_id)
    assert sorted(phases) == ["UpdateBefore"], sorted(phases)
    image = phases["UpdateBefore"]
    assert image["State"] == "available"
    image_id = image["ImageId"]
    assert steps["CreateImageAfter"]["StepStatus"] == "Pending"
    # The rollback: the Restore runbook as a child of the run, not asked again.
    assert restore["AutomationExecutionStatus"] == "Success", steps_by_name(restore)
    assert restore["ParentAutomationExecutionId"] == child_id
    restore_steps = steps_by_name(restore)
    assert restore_steps["CheckRestore"]["Outputs"]["Rollback"] == ["true"]
    assert restore_steps["ApproveRestore"]["StepStatus"] == "Pending"
    # Every volume comes from the AMI before; the replaced ones are kept, detached, tagged.
    now = assert_disks_come_from(ec2, instance, image_id)
    old = before.disks[instance].volumes
    assert set(now.volumes.values()).isdisjoint(old.values()), (now.volumes, old)
    replaced = ec2.describe_volumes(VolumeIds=list(old.values()))["Volumes"]
    for volume in replaced:
        assert volume["State"] == "available", volume
        tags = tags_of(volume)
        assert tags.get("RestoredFrom") == image_id, tags
        assert tags.get("ReplacedBy") == restore["AutomationExecutionId"], tags
    # Back in the state it was found in, with the updates it had.
    assert instance_state(ec2, instance) == fleet.states[instance]
    if not target.sandbox:
        assert pending_kbs(target, instance) == before.pending[instance]
    # One message, saying it was rolled back and what the restore did.
    message = one_message(run, instance)
    assert message["Subject"] == (
        f"Windows Update failed for {instance} (rolled back to {image_id})"
    )
    text = message["Message"]
    assert f"Failed step: {step}\n" in text, text
    assert f"\nRolled back to {image_id}: {restore_summary(restore)}\n" in text, text
    assert restore_summary(restore).startswith(
        f"{instance} restored from {image_id} (its AMI before run {child_id}): "
    )
    # The run had started the instance for its update: the rollback leaves it running, and
    # the run's failure path puts it back as it was found (checked above).
    assert restore_summary(restore).endswith("; state: running")
    # `winupdate run`'s summary of the instance.
    result = instance_result(
        Aws(endpoint_url=target.endpoint, session=target.session), instance, child_id
    )
    assert result.rolled_back_to == image_id
    assert result.as_dict()["rolled_back_to"] == image_id
    assert result.failed_step == step
    assert (result.failure_text or "").endswith(f"rolled back to {image_id}"), result.failure_text
    return message, image_id


def commands_of(ssm: Any, instance: str, document: str, since: Any) -> list[dict[str, Any]]:
    return [
        c
        for c in ssm.list_commands(InstanceId=instance)["Commands"]
        if c["DocumentName"] == document and c["RequestedDateTime"] >= since
    ]


# -- the runs -------------------------------------------------------------------------------
@dataclass
class Recorded:
    run: Run
    before: Before


@pytest.fixture(scope="module")
def failed_update(
    deployed: Deployment, target: Target, mailbox: Mailbox, pair: SmallFleet
) -> Recorded:
    """Run 1: AWS-InstallWindowsUpdates fails on the stopped instance (its hooks run)."""
    before = before_run(target, pair)
    control = target.control() if not target.sandbox else None
    if control is not None:
        control.fleet_fault(
            "command_fails", pair.faulted, count=1, document="AWS-InstallWindowsUpdates"
        )
    try:
        run = approved_run(deployed, target, mailbox, pair)
    finally:
        if control is not None:
            control.clear_faults()
    return Recorded(run, before)


@dataclass
class Restored:
    result: Result
    image_id: str
    disks: Disks
    state: str
    scan: Run
    pending_after_restore: list[str]


def restore_cli(target: Target, deployed: Deployment, *argv: str) -> Result:
    """``winupdate restore`` in-process, as a user runs it (AWS_ENDPOINT_URL the only switch)."""
    with pytest.MonkeyPatch.context() as mp:
        if not target.sandbox:
            mp.setenv("AWS_ENDPOINT_URL", str(target.endpoint))
            mp.setenv("AWS_ACCESS_KEY_ID", "testing")
            mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
            mp.delenv("AWS_PROFILE", raising=False)
            mp.delenv("AWS_SESSION_TOKEN", raising=False)
        mp.setenv("AWS_DEFAULT_REGION", target.region)
        interval = "2" if target.sandbox else "0.1"
        return cli(
            "restore", *argv, "--document", deployed.names["Restore"], "--interval", interval
        )


@pytest.fixture(scope="module")
def restored(
    deployed: Deployment,
    target: Target,
    mailbox: Mailbox,
    pair: SmallFleet,
    failed_update: Recorded,
) -> Restored:
    """`winupdate restore` of the instance run 1 updated, from run 1's AMI before; then a
    Scan run."""
    ec2 = target.client("ec2")
    start_id = failed_update.run.start["AutomationExecutionId"]
    child_id = failed_update.run.child_id(pair.healthy)
    image_id = images_of_run(ec2, pair.healthy, child_id)["UpdateBefore"]["ImageId"]
    result = restore_cli(target, deployed, pair.healthy, "--run", start_id, "--approve")
    now = disks(ec2, pair.healthy)
    state = instance_state(ec2, pair.healthy)
    pending = [] if target.sandbox else pending_kbs(target, pair.healthy)
    scan = approved_run(deployed, target, mailbox, pair, Action="Scan")
    return Restored(result, image_id, now, state, scan, pending)


@pytest.fixture(scope="module")
def failed_post_hook(
    deployed: Deployment,
    target: Target,
    mailbox: Mailbox,
    pair: SmallFleet,
    hooks: Hooks,
    restored: Restored,
) -> Recorded:
    """Run 3: the post-update hook (HealthCheck) fails on every instance."""
    before = before_run(target, pair)
    with hooks.replaced(POST_HOOK, POST_STEP, POST_FAILS):
        run = approved_run(deployed, target, mailbox, pair)
    return Recorded(run, before)


@pytest.fixture(scope="module")
def failed_pre_hook(
    deployed: Deployment,
    target: Target,
    mailbox: Mailbox,
    pair: SmallFleet,
    hooks: Hooks,
    failed_post_hook: Recorded,
) -> Recorded:
    """Run 4: the pre-update hook (PreCheck) fails on every instance."""
    before = before_run(target, pair)
    with hooks.replaced(PRE_HOOK, PRE_STEP, PRE_FAILS):
        run = approved_run(deployed, target, mailbox, pair)
    return Recorded(run, before)


# -- the tests ------------------------------------------------------------------------------
@pytest.mark.emulator_only(FAULTS)
def test_a_failed_update_is_rolled_back_to_the_ami_before_with_its_data_volume(
    target: Target, pair: SmallFleet, failed_update: Recorded
) -> None:
    """EC2 user guide, "Replace a root volume": the root volume is replaced by one made from
    the AMI's root snapshot, the instance keeping its id; the data volume is made from the
    AMI's snapshot of it. automation-actions.md: InstallUpdates' onFailure goes to the
    rollback (aws:executeAutomation of the Restore runbook), then the failure path."""
    run, before = failed_update.run, failed_update.before
    message, image_id = assert_rolled_back(
        target, run, pair, pair.faulted, "InstallUpdates", before
    )
    text = message["Message"]
    assert f"(full output: {OUTPUT_WHERE})" in text, text
    # Nothing was installed: the failed update left the updates pending, and the root
    # volume of the AMI before has them pending too.
    assert installed_kbs(target, pair.faulted) == []
    # The other instance succeeded, with both AMIs and one success message.
    healthy = run.children[pair.healthy]
    assert healthy["AutomationExecutionStatus"] == "Success", failures(run)
    ec2 = target.client("ec2")
    phases = images_of_run(ec2, pair.healthy, run.child_id(pair.healthy))
    assert sorted(phases) == ["UpdateAfter", "UpdateBefore"]
    assert [m["Subject"] for m in run.messages_of(pair.healthy)] == [
        f"Windows Update succeeded for {pair.healthy}"
    ]
    assert instance_state(ec2, pair.healthy) == "running"
    assert pending_kbs(target, pair.healthy) == []
    # The run's summary names the rollback.
    summary = run.summary()["Message"]
    assert pair.faulted in summary.split("Failed instances:")[1], summary
    assert image_id


def test_winupdate_restore_puts_an_updated_instance_back_to_its_ami_before(
    deployed: Deployment,
    target: Target,
    pair: SmallFleet,
    failed_update: Recorded,
    restored: Restored,
) -> None:
    """EC2 user guide, "Replace a root volume" (from an AMI: the volume is made from the
    AMI's root snapshot); the restore is approved as a run is (aws:approve). The updates
    the first run installed are pending again: a Scan run (a dry run) finds them."""
    result = restored.result
    assert result.code == 0, result.out + result.err
    line = result.out.strip().splitlines()[-1]
    child_id = failed_update.run.child_id(pair.healthy)
    assert line.startswith(
        f"{pair.healthy} restored from {restored.image_id} (its AMI before run {child_id}): "
    ), line
    assert line.endswith("; state: running"), line
    # Asked and approved as a run is (the restore is not a rollback: CheckRestore says so).
    assert "approved as " in result.out, result.out
    started = re.search(
        rf"started {re.escape(deployed.names['Restore'])} ([0-9a-f-]{{36}})", result.out
    )
    assert started, result.out
    restore = steps_by_name(execution(target.client("ssm"), started.group(1)))
    assert restore["CheckRestore"]["Outputs"]["Rollback"] == ["false"]
    assert restore["ApproveRestore"]["StepStatus"] == "Success", restore["ApproveRestore"]
    ec2 = target.client("ec2")
    # Root and data volume from the AMI before, read as they were right after the restore.
    root_device, snapshots = image_snapshots(ec2, restored.image_id)
    by_device = {same_device(d): s for d, s in snapshots.items()}
    assert {same_device(d): s for d, s in restored.disks.snapshots.items()} == by_device
    assert f"root {restored.disks.root_device} {restored.disks.volumes[root_device]}" in line
    assert restored.state == "running"
    # The replaced volumes are kept, tagged with the AMI.
    old = failed_update.before.disks[pair.healthy].volumes
    for volume in ec2.describe_volumes(VolumeIds=list(old.values()))["Volumes"]:
        assert volume["State"] == "available", volume
        assert tags_of(volume).get("RestoredFrom") == restored.image_id
    # What run 1 installed is what a scan now finds pending.
    child = failed_update.run.children[pair.healthy]
    installed = steps_by_name(child)["ParseUpdateResults"]["Outputs"]
    kbs = installed["KBs"][0]
    assert kbs != "none" and int(installed["Installed"][0]) == len(kbs.split(","))
    scan = restored.scan
    assert scan.start["AutomationExecutionStatus"] == "Success", failures(scan)
    scanned = steps_by_name(scan.children[pair.healthy])["ParseScanResults"]["Outputs"]
    assert scanned["KBs"] == [kbs], (scanned, kbs)
    assert images_of_run(ec2, pair.healthy, scan.child_id(pair.healthy)) == {}
    assert instance_state(ec2, pair.healthy) == "running"
    if not target.sandbox:
        expected = failed_update.before.pending[pair.healthy]
        assert restored.pending_after_restore == expected
        assert kbs.split(",") == expected


def test_a_failing_post_update_hook_rolls_the_instance_back(
    target: Target, pair: SmallFleet, failed_post_hook: Recorded
) -> None:
    """automation-actions.md: PostUpdateHook's onFailure goes to the rollback; the failure
    message shows the hook's output (Run Command: GetCommandInvocation's
    StandardOutputContent) and where the whole output is kept."""
    run = failed_post_hook.run
    for instance in pair.all:
        message, _ = assert_rolled_back(
            target, run, pair, instance, "PostUpdateHook", failed_post_hook.before
        )
        text = message["Message"]
        assert "Output of PostUpdateHook (first 1000 characters):\n" in text, text
        assert "\nservice W3SVC is stopped\n" in text, text
        assert f"(full output: {OUTPUT_WHERE})" in text, text
        # The update itself had run: the hook came after it.
        steps = steps_by_name(run.children[instance])
        assert steps["InstallUpdates"]["StepStatus"] == "Success"


def test_a_failing_pre_update_hook_changes_nothing(
    target: Target, pair: SmallFleet, failed_pre_hook: Recorded
) -> None:
    """automation-actions.md: PreUpdateHook's onFailure restores the state and reports; no
    update is sent, nothing is rolled back, no AMI after is made."""
    run, before = failed_pre_hook.run, failed_pre_hook.before
    ec2, ssm = target.client("ec2"), target.client("ssm")
    started = run.start["ExecutionStartTime"]
    for instance in pair.all:
        child = run.children[instance]
        child_id = child["AutomationExecutionId"]
        steps = steps_by_name(child)
        assert child["AutomationExecutionStatus"] == "Failed", failures(run)
        assert steps["PreUpdateHook"]["StepStatus"] == "Failed", steps["PreUpdateHook"]
        for name in ("InstallUpdates", "RollBackOnFailure", "RestoreImageBeforeOnFailure"):
            assert steps[name]["StepStatus"] == "Pending", steps[name]
        assert commands_of(ssm, instance, "AWS-InstallWindowsUpdates", started) == []
        assert sorted(images_of_run(ec2, instance, child_id)) == ["UpdateBefore"]
        # Same volumes, same state, same updates.
        assert disks(ec2, instance) == before.disks[instance]
        assert instance_state(ec2, instance) == pair.states[instance]
        if not target.sandbox:
            assert pending_kbs(target, instance) == before.pending[instance]
        message = one_message(run, instance)
        assert message["Subject"] == f"Windows Update failed for {instance}"
        text = message["Message"]
        assert "Failed step: PreUpdateHook\n" in text, text
        assert "Rolled back" not in text and "Rollback" not in text, text
        assert "Output of PreUpdateHook (first 1000 characters):\n" in text, text
        assert "\nonly 2 GB free on C, 10 GB needed\n" in text, text


def test_the_output_of_the_update_and_both_hooks_is_kept_in_s3_and_cloudwatch_logs(
    target: Target, pair: SmallFleet, failed_update: Recorded
) -> None:
    """Run Command output: SendCommand's OutputS3BucketName/OutputS3KeyPrefix keep each
    plugin's stdout at ``<prefix>/<CommandId>/<InstanceId>/awsrunPowerShellScript/<step>/
    stdout``; CloudWatchOutputConfig at the streams ``<CommandId>/<InstanceId>/<step>/
    stdout`` of the group ("Configuring Amazon CloudWatch Logs for Run Command")."""
    run = failed_update.run
    instance = pair.healthy
    child = run.children[instance]
    steps = steps_by_name(child)
    s3, logs = target.client("s3"), target.client("logs")
    commands = {
        UPDATE_STEP: steps["InstallUpdates"]["Outputs"]["CommandId"][0],
        PRE_STEP: steps["PreUpdateHook"]["Outputs"]["CommandId"][0],
        POST_STEP: steps["PostUpdateHook"]["Outputs"]["CommandId"][0],
    }
    for step, command_id in commands.items():
        key = f"{KEY_PREFIX}/{command_id}/{instance}/awsrunPowerShellScript/{step}/stdout"
        stdout = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode("utf-8")
        stream = f"{command_id}/{instance}/{step}/stdout"
        streams = logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=stream)
        assert [s["logStreamName"] for s in streams["logStreams"]] == [stream]
        events = logs.get_log_events(
            logGroupName=LOG_GROUP, logStreamName=stream, startFromHead=True
        )["events"]
        assert [e["message"] for e in events] == stdout.splitlines(), step
        if step == PRE_STEP:
            assert stdout == "pre-update check passed\n"
        elif step == POST_STEP:
            assert stdout == "service W3SVC is running\n"
        else:
            assert re.search(r"Installed:", stdout), stdout
    # The success message names where the whole output is.
    (message,) = run.messages_of(instance)
    assert (
        f"Run Command: {commands[UPDATE_STEP]} (full output: {OUTPUT_WHERE})\n"
        in message["Message"]
    ), message["Message"]


def test_every_refusal_of_a_restore_is_one_line(
    deployed: Deployment,
    target: Target,
    ledger: Ledger,
    launched: list[str],
    windows_image: str,
    pair: SmallFleet,
    failed_update: Recorded,
    failed_pre_hook: Recorded,
) -> None:
    """Restore.yaml's CheckRestore: an AMI that is not an UpdateBefore AMI of the instance,
    an AMI that no longer exists, an instance neither running nor stopped are refused
    before anything changes, each in one line (exit 1)."""
    ec2 = target.client("ec2")
    instance = pair.healthy
    run1 = failed_update.run
    after = images_of_run(ec2, instance, run1.child_id(instance))["UpdateAfter"]["ImageId"]
    others = images_of_run(ec2, pair.faulted, run1.child_id(pair.faulted))
    other_before = others["UpdateBefore"]["ImageId"]
    unchanged = (disks(ec2, instance), instance_state(ec2, instance))

    def refused(line: str, *argv: str) -> None:
        result = restore_cli(target, deployed, *argv)
        assert result.code == 1, result.out + result.err
        assert result.err.strip().splitlines() == [f"winupdate restore: {line}"], result.err

    refused(
        f"{after} is not an UpdateBefore AMI of {instance}: nothing was changed",
        instance,
        "--image",
        after,
        "--approve",
    )
    refused(
        f"{other_before} is not an UpdateBefore AMI of {instance}: nothing was changed",
        instance,
        "--image",
        other_before,
        "--approve",
    )
    # A deregistered AMI before (the last run's): gone, so refused.
    latest = failed_pre_hook.run.child_id(instance)
    gone = images_of_run(ec2, instance, latest)["UpdateBefore"]["ImageId"]
    ec2.deregister_image(ImageId=gone)
    refused(
        f"{gone} no longer exists (deregistered, e.g. by the AMI retention): nothing was changed",
        instance,
        "--image",
        gone,
        "--approve",
    )
    assert (disks(ec2, instance), instance_state(ec2, instance)) == unchanged
    # A terminated instance (one of its own, launched for this).
    ended = launch_windows(
        target,
        windows_image,
        deployed.outputs["instance_profile_name"],
        {"Name": "rollback-terminated", "WinUpdateTestStem": deployed.stem},
        ledger,
    )
    launched.append(ended)
    ec2.terminate_instances(InstanceIds=[ended])
    wait_for_state(target, [ended], "terminated")
    refused(
        f"{ended} is terminated: only a running or stopped instance can be restored; "
        "nothing was changed",
        ended,
        "--approve",
    )


@pytest.fixture(scope="module")
def failed_rollback(
    deployed: Deployment,
    target: Target,
    mailbox: Mailbox,
    pair: SmallFleet,
    failed_pre_hook: Recorded,
) -> Recorded:
    """Run 5: the running instance's update fails and so does its rollback's root volume
    replacement."""
    before = before_run(target, pair)
    control = target.control()
    control.fleet_fault(
        "command_fails", pair.healthy, count=1, document="AWS-InstallWindowsUpdates"
    )
    control.fleet_fault("root_volume_replacement_fails", pair.healthy, count=1)
    try:
        run = approved_run(deployed, target, mailbox, pair)
    finally:
        control.clear_faults()
    return Recorded(run, before)


@pytest.mark.emulator_only(FAULTS)
def test_a_rollback_that_fails_is_reported_and_the_state_restored(
    target: Target, pair: SmallFleet, failed_rollback: Recorded
) -> None:
    """EC2 user guide, "Replace a root volume": a failed task leaves the original root volume
    attached. automation-actions.md: the rollback step's onFailure goes on to the failure
    path, which restores the state and sends the one message."""
    run, before = failed_rollback.run, failed_rollback.before
    ec2 = target.client("ec2")
    instance = pair.healthy
    child = run.children[instance]
    child_id = child["AutomationExecutionId"]
    steps = steps_by_name(child)
    assert child["AutomationExecutionStatus"] == "Failed", failures(run)
    assert steps["InstallUpdates"]["StepStatus"] == "Failed"
    assert steps["RestoreImageBeforeOnFailure"]["StepStatus"] == "Failed"
    assert steps["ReportFailure"]["StepStatus"] == "Success", steps["ReportFailure"]
    restore = rollback_execution(target, child)
    assert restore["AutomationExecutionStatus"] == "Failed", step_lines(restore)
    restore_steps = steps_by_name(restore)
    assert restore_steps["CheckRootVolume"]["StepStatus"] == "Failed", step_lines(restore)
    assert restore_steps["ReportRestoreFailure"]["StepStatus"] == "Success"
    # The failed task left the original root volume attached; the state is restored.
    image_id = images_of_run(ec2, instance, child_id)["UpdateBefore"]["ImageId"]
    assert sorted(images_of_run(ec2, instance, child_id)) == ["UpdateBefore"]
    root = before.disks[instance].root_device
    assert disks(ec2, instance).volumes[root] == before.disks[instance].volumes[root]
    assert instance_state(ec2, instance) == "running"
    # One message: the run failed, and its rollback failed too (with the restore's id).
    message = one_message(run, instance)
    assert message["Subject"] == f"Windows Update failed for {instance}"
    text = message["Message"]
    assert "Failed step: InstallUpdates\n" in text, text
    assert f"\nRollback to the AMI before FAILED ({image_id}): " in text, text
    assert f"; automation {restore['AutomationExecutionId']}\n" in text, text
    # Its data volume had come from the AMI already: the message says it is half restored,
    # and its first line no longer claims that nothing changed after the failed step.
    assert "HALF RESTORED: the data volumes were restored (" in text, text
    assert "but the root volume was not replaced" in text, text
    assert "the instance could NOT be rolled back after the failed step" in text, text
    result = instance_result(
        Aws(endpoint_url=target.endpoint, session=target.session), instance, child_id
    )
    assert result.rolled_back_to is None
    assert result.rollback_failure and "TaskState is ['failed']" in result.rollback_failure
    assert "; rollback failed: " in (result.failure_text or "")
    # The other instance, whose update had nothing injected, succeeded.
    assert run.children[pair.faulted]["AutomationExecutionStatus"] == "Success"


def test_the_hook_and_output_statements_pass_parliament(deployed: Deployment, target: Target):
    """With hooks and command_output, the role gains SendHookDocuments and the instance role
    its output policy: both linted as deployed (the other statements are linted in
    test_module_on_embedded_aws.py, whose deployment has neither)."""
    iam = target.client("iam")
    role = f"{deployed.variables['document_prefix']}WindowsUpdateAutomation"
    document = iam.get_role_policy(RoleName=role, PolicyName="WindowsUpdateAutomation")[
        "PolicyDocument"
    ]
    policy = json.loads(document) if isinstance(document, str) else document
    (hooks,) = [s for s in policy["Statement"] if s["Sid"] == "SendHookDocuments"]
    assert len(hooks["Resource"]) == 2  # exactly the two hook documents
    output = json.loads(deployed.outputs["instance_output_policy_json"])
    profile = iam.get_instance_profile(
        InstanceProfileName=deployed.outputs["instance_profile_name"]
    )
    (instance_role,) = profile["InstanceProfile"]["Roles"]
    deployed_output = iam.get_role_policy(
        RoleName=instance_role["RoleName"], PolicyName="WindowsUpdateCommandOutput"
    )["PolicyDocument"]
    deployed_output = (
        json.loads(deployed_output) if isinstance(deployed_output, str) else deployed_output
    )
    assert deployed_output == output
    hooks_policy = {"Version": "2012-10-17", "Statement": [hooks]}
    assert findings({"role": hooks_policy, "instance": output}) == set()
