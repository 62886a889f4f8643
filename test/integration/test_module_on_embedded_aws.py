"""The repository's root module, deployed by Terraform on the embedded AWS, and its own
runbooks run there as designed (DESIGN.md, "The job"; README, "The Terraform module").

Terraform applies once for the whole file (``deployed``): a second plan finds nothing to
change; four runs of the Start runbook go over one small Windows fleet, each after the other
(rejected, expired, approved, an after-AMI that fails), then the standalone CreateImage and
WindowsUpdate runbooks; then a new ``document_prefix`` renames the runbooks and their
cross-references, and ``destroy`` leaves nothing behind. Tests run in file order; the two
that change the deployment come last.

The fixtures (``conftest.py``: ``deployed``, ``fleet``, ``mailbox``) know nothing about the
emulator: the endpoint comes from the target, and ``--sandbox`` runs this file against a
real account. Messages are read from an SQS queue subscribed to the module's topic, as a
real account allows; only fault injection and the emulator's own message record are
``emulator_only``.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from automation_support import instance_run_ids, run_window_executions, steps_by_name
from embedded.seed_support import images_of, instance_state
from integration.aws_target import Target
from integration.deployment import Deployment
from integration.fleet_runs import child_of, family, instance_runs, process_id
from integration.instances import launch_windows, wait_for_state
from integration.mailbox import Mailbox
from integration.policy_lint import SUPPRESSED, findings
from winupdate.run.executions import window_runs

ACTIVE = {"Pending", "InProgress", "Waiting", "Cancelling"}
FAULTS = "fault injection: a real account cannot be told to fail an AMI"

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.skipif(
        shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
    ),
]


# -- runs ------------------------------------------------------------------------------------
@dataclass
class Run:
    start_id: str
    start: dict[str, Any]
    children: dict[str, dict[str, Any]] = field(default_factory=dict)  # instance id -> execution
    rate_control: dict[str, Any] | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)

    def execution_ids(self) -> set[str]:
        ids = {self.start_id}
        ids.update(c["AutomationExecutionId"] for c in self.children.values())
        if self.rate_control:
            ids.add(self.rate_control["AutomationExecutionId"])
        return ids


def execution(ssm: Any, execution_id: str) -> dict[str, Any]:
    return ssm.get_automation_execution(AutomationExecutionId=execution_id)["AutomationExecution"]


def start_run(deployed: Deployment, target: Target) -> str:
    """Start the Start runbook; return once it waits for its approval."""
    ssm = target.client("ssm")
    start_id = ssm.start_automation_execution(DocumentName=deployed.names["AutomationStart"])[
        "AutomationExecutionId"
    ]

    waiting_for = {"Waiting", "Success", "Failed", "TimedOut", "Cancelled"}

    def ended_waiting() -> dict[str, Any] | None:
        current = execution(ssm, start_id)
        return current if current["AutomationExecutionStatus"] in waiting_for else None

    waiting = target.wait_until(
        ended_waiting,
        target.timeouts.step,
        what=lambda: f"{start_id} is {execution(ssm, start_id)['AutomationExecutionStatus']}",
    )
    assert waiting["AutomationExecutionStatus"] == "Waiting", steps_by_name(waiting)
    return start_id


def wait_for_run(target: Target, start_id: str) -> None:
    """Until Start and everything it started have ended."""
    ssm = target.client("ssm")

    def pending() -> list[dict[str, Any]]:
        return [e for e in family(ssm, start_id) if e["AutomationExecutionStatus"] in ACTIVE]

    target.wait_until(
        lambda: not pending(),
        target.timeouts.run,
        what=lambda: (
            "still running: "
            + ", ".join(f"{e['DocumentName']}={e['AutomationExecutionStatus']}" for e in pending())
        ),
    )


def collect(target: Target, mailbox: Mailbox, start_id: str) -> Run:
    """The run's executions and the messages that name one of them."""
    ssm = target.client("ssm")
    run = Run(start_id, execution(ssm, start_id))
    parent = process_id(run.start)
    if parent:
        run.rate_control = execution(ssm, parent)
    run.children = instance_runs(ssm, run.start)
    ids = run.execution_ids()
    run.messages = [m for m in mailbox.messages() if any(i in m["Message"] for i in ids)]
    return run


def commands_on(ssm: Any, instance_id: str) -> list[dict[str, Any]]:
    return ssm.list_command_invocations(InstanceId=instance_id)["CommandInvocations"]


def assert_tagged_with_its_snapshots(ec2: Any, image: dict[str, Any], wanted: dict) -> None:
    """The image has exactly the tags ``wanted``, and so has each of its (one or more)
    snapshots: CreateImage tags both."""
    assert {t["Key"]: t["Value"] for t in image["Tags"]} == wanted
    snapshots = [
        m["Ebs"]["SnapshotId"]
        for m in image["BlockDeviceMappings"]
        if m.get("Ebs", {}).get("SnapshotId")
    ]
    assert snapshots
    for snapshot in ec2.describe_snapshots(SnapshotIds=snapshots)["Snapshots"]:
        assert {t["Key"]: t["Value"] for t in snapshot["Tags"]} == wanted


def is_approval_request(message: dict[str, Any]) -> bool:
    """aws:approve's request, which carries the Approve step's Message."""
    return "Approve or reject within" in message["Message"]


def is_summary(message: dict[str, Any]) -> bool:
    return (message.get("Subject") or "").startswith("Windows Update run")


@pytest.fixture(scope="module")
def rejected_run(deployed, fleet, mailbox, target):
    """Start, Reject; what the fleet looks like right after (before any other run)."""
    ssm, ec2 = target.client("ssm"), target.client("ec2")
    start_id = start_run(deployed, target)
    ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Reject")
    wait_for_run(target, start_id)
    run = collect(target, mailbox, start_id)
    after = {
        i: {
            "images": images_of(ec2, i),
            "commands": commands_on(ssm, i),
            "state": instance_state(ec2, i),
        }
        for i in (fleet.running, fleet.stopped, fleet.untagged)
    }
    return run, after


@pytest.fixture(scope="module")
def expired_run(deployed, fleet, rejected_run, mailbox, target):
    """Start, and no approver answers within approval_timeout_seconds (600 s: 1 s of wall
    on the embedded AWS, ten minutes on a real account)."""
    ssm, ec2 = target.client("ssm"), target.client("ec2")
    start_id = start_run(deployed, target)
    wait_for_run(target, start_id)
    run = collect(target, mailbox, start_id)
    changed = [
        i
        for i in (fleet.running, fleet.stopped, fleet.untagged)
        if images_of(ec2, i) or commands_on(ssm, i)
    ]
    return run, changed


@pytest.fixture(scope="module")
def approved_run(deployed, fleet, expired_run, mailbox, target):
    """Start, Approve, every execution ended (after the runs that were not approved)."""
    ssm = target.client("ssm")
    start_id = start_run(deployed, target)
    ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Approve")
    wait_for_run(target, start_id)
    return collect(target, mailbox, start_id)


@pytest.fixture(scope="module")
def failed_run(deployed, fleet, approved_run, mailbox, target):
    """The after-AMI of the stopped instance fails; the running instance's run is untouched.

    ``image_fails`` spoils the next CreateImage of the instance, so it is injected once the
    run's before-AMI of that instance is done.
    """
    ssm = target.client("ssm")
    control = target.control()
    start_id = start_run(deployed, target)
    ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Approve")

    found: dict[str, str] = {}

    def before_image_done() -> bool:
        # Found once, then polled alone: one call a poll, so that the poll stays tight
        # on a loaded machine (the run window's invocations take several calls to list).
        if "id" not in found:
            child = child_for(ssm, start_id, fleet.stopped)
            if child is None:
                return False
            found["id"] = child["AutomationExecutionId"]
        child = execution(ssm, found["id"])
        before = steps_by_name(child)["CheckImageBefore"]
        assert before["StepStatus"] in ("Pending", "InProgress", "Success"), before
        if before["StepStatus"] != "Success":
            return False
        assert steps_by_name(child)["CreateImageAfter"]["StepStatus"] == "Pending"
        control.inject_fault(kind="image_fails", instance_id=fleet.stopped, count=1)
        return True

    try:
        target.wait_until(
            before_image_done,
            target.timeouts.run,
            what=lambda: "the before-AMI of the stopped instance never ended",
            # Tight: the fault must be in place before the after-AMI starts.
            poll=min(0.02, target.timeouts.poll),
        )
        wait_for_run(target, start_id)
    finally:
        control.clear_faults()
    return collect(target, mailbox, start_id)


def child_for(ssm: Any, start_id: str, instance_id: str) -> dict[str, Any] | None:
    return child_of(ssm, start_id, instance_id)


# -- 0. the deployed policies, linted ------------------------------------------------------------
def deployed_policies(deployed: Deployment, target: Target) -> dict[str, dict[str, Any]]:
    iam, sns = target.client("iam"), target.client("sns")
    role = f"{deployed.variables['document_prefix']}WindowsUpdateAutomation"
    role_policy = iam.get_role_policy(RoleName=role, PolicyName="WindowsUpdateAutomation")
    document = role_policy["PolicyDocument"]
    topic = sns.get_topic_attributes(TopicArn=deployed.topic)["Attributes"]["Policy"]
    found = {
        "role": json.loads(document) if isinstance(document, str) else document,
        "topic": json.loads(topic),
        # The policies for people (attached when operator_principals/approver_principals
        # are given): linted as the module outputs them.
        "operator": json.loads(deployed.outputs["operator_policy_json"]),
        "approver": json.loads(deployed.outputs["approver_policy_json"]),
    }
    if deployed.outputs.get("kms_key_arn"):
        key = target.client("kms").get_key_policy(
            KeyId=deployed.outputs["kms_key_arn"], PolicyName="default"
        )["Policy"]
        found["key"] = json.loads(key)
    return found


def test_the_deployed_policies_pass_parliament_or_say_why_not(deployed, target):
    found = findings(deployed_policies(deployed, target))
    unexplained = found - set(SUPPRESSED)
    assert not unexplained, (
        f"parliament findings the module neither fixes nor explains: {unexplained}"
    )
    stale = set(SUPPRESSED) - found
    assert not stale, f"suppressions no finding needs any more: {stale}"


# -- 1. a second plan ------------------------------------------------------------------------
def test_a_second_plan_finds_nothing_to_change(deployed, client):
    assert deployed.tf.plan_has_changes() is False
    ssm = client("ssm")
    for name in deployed.names.values():
        document = ssm.describe_document(Name=name)["Document"]
        assert (document["DocumentType"], document["SchemaVersion"]) == ("Automation", "0.3")
    parameters = {
        p["Name"]: p["Value"]
        for p in ssm.get_parameters(Names=list(deployed.outputs["parameter_names"].values()))[
            "Parameters"
        ]
    }
    names = deployed.outputs["parameter_names"]
    assert parameters == {
        names["EC2UpdateTag"]: deployed.tag_key,
        names["NotificationArn"]: deployed.topic,
        names["Approvers"]: deployed.approver,
    }


# -- 3. a rejected approval changes nothing ---------------------------------------------------
def test_a_rejected_run_fails_at_its_approval_and_starts_nothing(rejected_run, deployed):
    run, _ = rejected_run
    # automation-action-approve.md: a rejection fails the step; the step is critical, so the
    # run ends Failed even though onFailure sends it on to the message.
    assert run.start["AutomationExecutionStatus"] == "Failed"
    steps = steps_by_name(run.start)
    assert steps["Approve"]["StepStatus"] == "Failed"
    assert steps["PublishNotApproved"]["StepStatus"] == "Success"
    assert all(
        steps[name]["StepStatus"] == "Pending"
        for name in ("ArmRunWindow", "Summarize", "ReportFailure")
    )
    assert run.rate_control is None and run.children == {}


def test_a_rejected_run_changes_no_instance(rejected_run, fleet):
    _, after = rejected_run
    for instance in (fleet.running, fleet.stopped, fleet.untagged):
        assert after[instance]["images"] == []
        assert after[instance]["commands"] == []
    assert after[fleet.running]["state"] == "running"
    assert after[fleet.stopped]["state"] == "stopped"
    assert after[fleet.untagged]["state"] == "running"


def test_a_rejected_run_sends_one_message_that_says_so(rejected_run):
    run, _ = rejected_run
    requests = [m for m in run.messages if is_approval_request(m)]
    others = [m for m in run.messages if not is_approval_request(m)]
    assert len(requests) == 1
    assert len(others) == 1
    assert "not approved" in others[0]["Subject"]
    assert "rejected" in others[0]["Message"] and "No instance was changed" in others[0]["Message"]


def test_an_expired_approval_times_the_run_out_and_says_so_once(expired_run):
    run, changed = expired_run
    # automation-handling-timeouts.md: a step that times out leaves the run Timed Out unless
    # it is not critical, even when onFailure sends the run on to another step.
    assert run.start["AutomationExecutionStatus"] == "TimedOut"
    steps = steps_by_name(run.start)
    assert steps["Approve"]["StepStatus"] == "TimedOut"
    assert steps["PublishNotApproved"]["StepStatus"] == "Success"
    assert steps["ArmRunWindow"]["StepStatus"] == "Pending"
    assert run.rate_control is None and changed == []
    others = [m for m in run.messages if not is_approval_request(m)]
    assert [m["Subject"] for m in others] == ["Windows Update not approved: nothing was started"]
    assert "expired after 600 seconds" in others[0]["Message"]


# -- 2. an approved run ----------------------------------------------------------------------
def test_an_approved_run_succeeds_with_one_process_run_per_tagged_instance(approved_run, fleet):
    run = approved_run
    assert run.start["AutomationExecutionStatus"] == "Success", [
        (s["StepName"], s["StepStatus"], s.get("FailureMessage", "")[:300])
        for s in run.start["StepExecutions"]
        if s["StepStatus"] != "Pending"
    ]
    assert sorted(run.children) == sorted(fleet.tagged)
    for instance, child in run.children.items():
        assert child["AutomationExecutionStatus"] == "Success", (instance, steps_by_name(child))
    summary = steps_by_name(run.start)["Summarize"]["Outputs"]
    assert (summary["Total"], summary["Succeeded"], summary["Failed"]) == (["2"], ["2"], ["0"])


def test_each_tagged_instance_has_one_before_and_one_after_ami_named_and_tagged(
    approved_run, fleet, client
):
    ec2 = client("ec2")
    for instance in fleet.tagged:
        execution_id = approved_run.children[instance]["AutomationExecutionId"]
        images = {i["Name"]: i for i in images_of(ec2, instance)}
        phases = ("UpdateBefore", "UpdateAfter")
        assert sorted(images) == sorted(f"{instance}_{phase}_{execution_id}" for phase in phases)
        for phase in phases:
            image = images[f"{instance}_{phase}_{execution_id}"]
            assert image["State"] == "available"
            assert_tagged_with_its_snapshots(
                ec2,
                image,
                {"InstanceId": instance, "Phase": phase, "AutomationExecutionId": execution_id},
            )
        before = images[f"{instance}_UpdateBefore_{execution_id}"]
        after = images[f"{instance}_UpdateAfter_{execution_id}"]
        assert before["CreationDate"] < after["CreationDate"]


def test_the_stopped_instance_is_stopped_again_and_the_running_one_runs(
    approved_run, fleet, client
):
    ec2 = client("ec2")
    assert instance_state(ec2, fleet.stopped) == "stopped"
    assert instance_state(ec2, fleet.running) == "running"
    steps = steps_by_name(approved_run.children[fleet.stopped])
    assert steps["StartInstance"]["StepStatus"] == "Success"
    assert steps["StopInstance"]["StepStatus"] == "Success"
    steps = steps_by_name(approved_run.children[fleet.running])
    assert steps["StartInstance"]["StepStatus"] == "Pending"
    assert steps["StopInstance"]["StepStatus"] == "Pending"


def test_one_success_message_per_instance_with_the_update_counts_and_both_amis(
    approved_run, fleet, client
):
    ec2, ssm = client("ec2"), client("ssm")
    for instance in fleet.tagged:
        child = approved_run.children[instance]
        mine = [m for m in approved_run.messages if child["AutomationExecutionId"] in m["Message"]]
        assert len(mine) == 1, mine
        message = mine[0]
        assert message["Subject"] == f"Windows Update succeeded for {instance}"
        outputs = child["Outputs"]
        found, installed = (
            outputs["ParseUpdateResults.Found"][0],
            outputs["ParseUpdateResults.Installed"][0],
        )
        assert f"Updates found: {found}, installed: {installed}" in message["Message"]
        assert int(found) > 0 and installed == found
        images = {i["Name"].split("_")[1]: i["ImageId"] for i in images_of(ec2, instance)}
        assert f"AMI before: {images['UpdateBefore']}" in message["Message"]
        assert f"AMI after: {images['UpdateAfter']}" in message["Message"]
        # The counts are the command's own: AWS-InstallWindowsUpdates lists each update it
        # will apply (after its filters) as "<title> - Published date: MM/dd/yyyy", and
        # prints "Installed: <title>" for each one it installed.
        invocation = ssm.get_command_invocation(
            CommandId=outputs["InstallUpdates.CommandId"][0], InstanceId=instance
        )
        output = invocation["StandardOutputContent"]
        listed = set(
            re.findall(r"\| Info \| (?!Successfully Downloaded: )(.+) - Published date:", output)
        )
        done = set(
            re.findall(r"\| Info \| Installed: (.+?)(?: \[Reboot Required\])?$", output, re.M)
        )
        assert len(listed) == int(found) and len(done) == int(installed), output


def test_start_publishes_exactly_one_summary(approved_run):
    run = approved_run
    summaries = [m for m in run.messages if is_summary(m)]
    assert len(summaries) == 1
    assert summaries[0]["Subject"] == "Windows Update run: 2/2 instances succeeded"
    assert run.start_id in summaries[0]["Message"]
    assert "Failed instances: none" in summaries[0]["Message"]
    # One approval request, one message per instance, one summary: nothing else.
    assert len(run.messages) == 4


def test_the_untagged_instance_is_untouched(approved_run, fleet, client):
    ec2, ssm = client("ec2"), client("ssm")
    assert fleet.untagged not in approved_run.children
    assert images_of(ec2, fleet.untagged) == []
    assert commands_on(ssm, fleet.untagged) == []
    assert instance_state(ec2, fleet.untagged) == "running"


@pytest.mark.emulator_only("compares with the embedded AWS's own record of SNS messages")
def test_the_queue_received_every_message_the_topic_published(
    approved_run, deployed, mailbox, target
):
    # The tests read messages as a real account can, through SQS; the emulator's record of
    # what was published to the topic must be exactly what the queue was delivered.
    published = target.control().messages(deployed.topic)
    delivered = mailbox.messages()
    assert published
    assert sorted((m["Subject"] or "", m["Message"]) for m in delivered) == sorted(
        (m["Subject"] or "", m["Message"]) for m in published
    )


# -- 4. an after-AMI that fails ---------------------------------------------------------------
@pytest.mark.emulator_only(FAULTS)
def test_a_failed_after_ami_fails_that_instance_only_and_the_run(failed_run, fleet):
    run = failed_run
    failed = run.children[fleet.stopped]
    assert failed["AutomationExecutionStatus"] == "Failed"
    steps = steps_by_name(failed)
    assert steps["CheckImageBefore"]["StepStatus"] == "Success"
    assert steps["CreateImageAfter"]["StepStatus"] == "Success"
    assert steps["WaitForImageAfter"]["StepStatus"] == "Success"
    assert steps["CheckImageAfter"]["StepStatus"] == "Failed"
    assert steps["PublishSuccess"]["StepStatus"] == "Pending"
    other = run.children[fleet.running]
    assert other["AutomationExecutionStatus"] == "Success", steps_by_name(other)
    # Start summarizes, then its assertion that every instance succeeded fails the run.
    assert run.start["AutomationExecutionStatus"] == "Failed"
    start_steps = steps_by_name(run.start)
    assert start_steps["Summarize"]["Outputs"]["Failed"] == ["1"]
    assert start_steps["AssertAllSucceeded"]["StepStatus"] == "Failed"


@pytest.mark.emulator_only(FAULTS)
def test_a_failed_after_ami_sends_one_failure_message_naming_the_step_and_reason(failed_run, fleet):
    run = failed_run
    failed_id = run.children[fleet.stopped]["AutomationExecutionId"]
    mine = [m for m in run.messages if failed_id in m["Message"]]
    assert len(mine) == 1, mine
    assert mine[0]["Subject"] == f"Windows Update failed for {fleet.stopped}"
    assert "Failed step: CheckImageAfter" in mine[0]["Message"]
    reason = re.search(r"^Reason: (.+)$", mine[0]["Message"], re.MULTILINE)
    assert reason and "failed" in reason.group(1).lower(), mine[0]["Message"]
    other_id = run.children[fleet.running]["AutomationExecutionId"]
    others = [m for m in run.messages if other_id in m["Message"]]
    assert [m["Subject"] for m in others] == [f"Windows Update succeeded for {fleet.running}"]
    summaries = [m for m in run.messages if is_summary(m)]
    assert [m["Subject"] for m in summaries] == ["Windows Update run: 1/2 instances succeeded"]
    assert f"Failed instances: {fleet.stopped} (Failed)" in summaries[0]["Message"]
    # The approval request, one message per instance, the summary: nothing else.
    assert len(run.messages) == 4


@pytest.mark.emulator_only(FAULTS)
def test_a_failed_after_ami_keeps_the_before_ami_and_restores_the_state(failed_run, fleet, client):
    ec2 = client("ec2")
    failed_id = failed_run.children[fleet.stopped]["AutomationExecutionId"]
    images = {i["Name"]: i for i in images_of(ec2, fleet.stopped)}
    assert images[f"{fleet.stopped}_UpdateBefore_{failed_id}"]["State"] == "available"
    after = images.get(f"{fleet.stopped}_UpdateAfter_{failed_id}")
    assert after is None or after["State"] == "failed"
    steps = steps_by_name(failed_run.children[fleet.stopped])
    assert steps["StopOnFailure"]["StepStatus"] == "Success"
    assert instance_state(ec2, fleet.stopped) == "stopped"
    assert instance_state(ec2, fleet.running) == "running"
    assert instance_state(ec2, fleet.untagged) == "running"


@pytest.mark.emulator_only(FAULTS)
def test_a_failed_after_ami_is_noticed_at_once(failed_run, fleet):
    # The seed noticed a failed child only when aws:waitForAwsResourceProperty timed out
    # (up to 3600 s). Here the wait for the image ends as soon as it is failed, the check
    # after it fails the run, and Start moves on as soon as the last per-instance run has
    # ended.
    steps = steps_by_name(failed_run.children[fleet.stopped])
    waited, checked = steps["WaitForImageAfter"], steps["CheckImageAfter"]
    took = checked["ExecutionEndTime"] - waited["ExecutionStartTime"]
    assert took < timedelta(seconds=600), took
    assert "failed" in checked["FailureMessage"].lower(), checked["FailureMessage"]
    last_child_end = max(c["ExecutionEndTime"] for c in failed_run.children.values())
    waited = steps_by_name(failed_run.start)["AwaitRunWindow"]
    assert waited["ExecutionEndTime"] - last_child_end < timedelta(seconds=300)


# -- the standalone runbooks -------------------------------------------------------------------
@pytest.fixture(scope="module")
def pipeline_runs_done(request, target, approved_run):
    """Orders what follows after every pipeline run the mode can make (no failing run in
    sandbox mode: it needs fault injection)."""
    if not target.sandbox:
        request.getfixturevalue("failed_run")


def test_the_standalone_runbooks_image_and_scan_one_instance(
    deployed, fleet, pipeline_runs_done, client, target
):
    ssm, ec2 = client("ssm"), client("ec2")
    instance = fleet.running
    image_run = ssm.start_automation_execution(
        DocumentName=deployed.names["CreateImage"],
        Parameters={"InstanceId": [instance], "AddImageName": ["UpdateAfter"]},
    )["AutomationExecutionId"]
    # One after the other, as the per-instance runbook uses them: the AMI reboots the
    # instance, and a scan started meanwhile waits for its agent with a 600 s timeout, one
    # wall second at the suite's speed, which a stall of a loaded machine can outlast (a
    # scan TimedOut once on a fresh-clone CI run).
    wait_for_run(target, image_run)
    scan_run = ssm.start_automation_execution(
        DocumentName=deployed.names["WindowsUpdate"],
        Parameters={"InstanceId": [instance], "Action": ["Scan"]},
    )["AutomationExecutionId"]
    wait_for_run(target, scan_run)
    imaged = execution(ssm, image_run)
    assert imaged["AutomationExecutionStatus"] == "Success", steps_by_name(imaged)
    image_id = imaged["Outputs"]["CreateImage.ImageId"][0]
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["Name"] == f"{instance}_UpdateAfter_{image_run}"
    assert_tagged_with_its_snapshots(
        ec2,
        image,
        {"InstanceId": instance, "Phase": "UpdateAfter", "AutomationExecutionId": image_run},
    )
    scanned = execution(ssm, scan_run)
    assert scanned["AutomationExecutionStatus"] == "Success", [
        (s["StepName"], s["StepStatus"], s.get("FailureMessage", "")[:300])
        for s in scanned.get("StepExecutions", [])
    ]
    # The approved run installed everything: a scan finds nothing and installs nothing.
    assert scanned["Outputs"]["ParseUpdateResults.Found"] == ["0"]
    assert scanned["Outputs"]["ParseUpdateResults.Installed"] == ["0"]
    assert scanned["Outputs"]["InstallUpdates.Status"] == ["Success"]
    assert instance_state(ec2, instance) == "running"


def test_an_instance_neither_running_nor_stopped_fails_at_its_state_check_unimaged(
    deployed, fleet, pipeline_runs_done, target, ledger, mailbox
):
    # One DescribeInstances reads the state; only a state the run cannot restore (here
    # terminated) goes on to the assertion, which fails the run before any image.
    ssm, ec2 = target.client("ssm"), target.client("ec2")
    profile = deployed.outputs["instance_profile_name"]
    instance = launch_windows(
        target, fleet.image, profile, {"WinUpdateTestStem": deployed.stem}, ledger
    )
    wait_for_state(target, [instance], "running")
    ec2.terminate_instances(InstanceIds=[instance])
    wait_for_state(target, [instance], "terminated")
    run_id = ssm.start_automation_execution(
        DocumentName=deployed.names["AutomationProcess"], Parameters={"InstanceId": [instance]}
    )["AutomationExecutionId"]
    wait_for_run(target, run_id)
    run = execution(ssm, run_id)
    steps = steps_by_name(run)
    assert run["AutomationExecutionStatus"] == "Failed", steps
    assert steps["GetInstanceState"]["Outputs"]["State"] == ["terminated"]
    assert steps["AssertStateSupported"]["StepStatus"] == "Failed"
    assert "terminated" in steps["AssertStateSupported"]["FailureMessage"]
    assert steps["CreateImageBefore"]["StepStatus"] == "Pending"
    assert images_of(ec2, instance) == []
    mine = target.wait_until(
        lambda: [m for m in mailbox.messages() if run_id in m["Message"]] or None,
        target.timeouts.settle,
        what=lambda: "no failure message for " + run_id,
    )
    assert len(mine) == 1, mine
    assert "Failed step: AssertStateSupported" in mine[0]["Message"]


# -- 1. rename and destroy (these change the deployment: last) --------------------------------
def test_waves_set_in_terraform_run_in_order_as_the_modules_role(
    deployed, fleet, pipeline_runs_done, mailbox, target
):
    """wave_tag_key applied in place (the Start runbook is updated, nothing replaced): one
    approved run patches wave 0, then wave 1, each a run window execution, as the module's
    own role; back to one wave at the next apply."""
    ec2, ssm = target.client("ec2"), target.client("ssm")
    waves = {fleet.running: "0", fleet.stopped: "1"}
    for instance, wave in waves.items():
        ec2.create_tags(Resources=[instance], Tags=[{"Key": "PatchWave", "Value": wave}])
    deployed.reconfigure(wave_tag_key="PatchWave")
    try:
        deployed.tf.apply()
        start_id = start_run(deployed, target)
        ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Approve")
        wait_for_run(target, start_id)
        run = collect(target, mailbox, start_id)
        assert run.start["AutomationExecutionStatus"] == "Success", [
            (s["StepName"], s["StepStatus"], s.get("FailureMessage", "")[:200])
            for s in run.start["StepExecutions"]
            if s["StepStatus"] not in ("Success", "Pending")
        ]
        by_wave = [
            [child["Parameters"]["InstanceId"][0] for child in family_runs]
            for family_runs in (
                [execution(ssm, i) for i in window_runs(ssm, window)]
                for window in run_window_executions(run.start)
            )
        ]
        assert by_wave == [[fleet.running], [fleet.stopped]]
        first, second = (execution(ssm, i) for i in instance_run_ids(ssm, run.start))
        assert first["ExecutionEndTime"] <= second["ExecutionStartTime"]
        [summary] = [m for m in run.messages if is_summary(m)]
        assert "Wave 0: run window execution" in summary["Message"]
        assert "Wave 1: run window execution" in summary["Message"]
        assert instance_state(ec2, fleet.stopped) == "stopped"
    finally:
        for instance in waves:
            ec2.delete_tags(Resources=[instance], Tags=[{"Key": "PatchWave"}])
        # Back to one wave at the next apply, the renaming test's just below (one apply
        # less in the suite); destroy needs none.
        deployed.variables.pop("wave_tag_key", None)
        deployed.reconfigure()


def test_a_new_document_prefix_renames_the_runbooks_and_their_references(deployed, client):
    ssm = client("ssm")
    old = dict(deployed.names)
    prefix = deployed.variables["document_prefix"].rstrip("-") + "Renamed-"
    deployed.reconfigure(document_prefix=prefix)
    deployed.tf.apply()
    deployed.outputs = deployed.tf.output()
    new = deployed.names
    assert new == {role: f"{prefix}{role}" for role in old}
    for name in old.values():
        with pytest.raises(ClientError, match="InvalidDocument"):
            ssm.describe_document(Name=name)
    contents = {
        role: ssm.get_document(Name=name, DocumentFormat="YAML")["Content"]
        for role, name in new.items()
    }
    # The Start runbook arms the run window, whose task starts the per-instance runbook.
    run_window = deployed.outputs["run_window_id"]
    assert ssm.get_maintenance_window(WindowId=run_window)["Name"] == f"{prefix}WindowsUpdateRun"
    assert f"WindowName: '{prefix}WindowsUpdateRun'" in contents["AutomationStart"]
    [task] = ssm.describe_maintenance_window_tasks(WindowId=run_window)["Tasks"]
    assert task["TaskArn"] == new["AutomationProcess"]
    process = contents["AutomationProcess"]
    assert new["CreateImage"] in process and new["WindowsUpdate"] in process
    for content in contents.values():
        assert not any(name in content for name in old.values())
        assert deployed.outputs["automation_role_arn"] in content
    assert deployed.tf.plan_has_changes() is False


def test_destroy_leaves_nothing_behind(deployed, client):
    ssm, iam, sns, kms = client("ssm"), client("iam"), client("sns"), client("kms")
    outputs = deployed.outputs
    deployed.tf.destroy()
    assert deployed.tf.state_resources() == []
    for name in outputs["document_names"].values():
        with pytest.raises(ClientError, match="InvalidDocument"):
            ssm.describe_document(Name=name)
    parameters = ssm.get_parameters(Names=list(outputs["parameter_names"].values()))
    assert parameters["Parameters"] == []
    role = outputs["automation_role_arn"].rsplit("/", 1)[1]
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName=role)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_instance_profile(InstanceProfileName=outputs["instance_profile_name"])
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert outputs["sns_topic_arn"] not in topics
    # AWS never deletes a key at once: it waits out the deletion window.
    key = kms.describe_key(KeyId=outputs["kms_key_arn"])["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"
