"""The module's Automation role is enough, and no more than enough.

The embedded AWS authorizes every call a step makes as a session of the runbook's
assumeRole (the module's role), against its policy, the way IAM does (the Service
Authorization Reference for actions, resources and condition keys). So:

- the whole pipeline (approval, a running and a stopped instance, retention on) succeeds
  with the module's policy as Terraform rendered it;
- a restore (the Restore runbook, approved, of an instance with a data volume) succeeds
  with it too;
- each statement is needed: with that statement removed, the same run fails, at the step
  that needed it, with the denied action named in the step's failure and in the
  instance's message. A statement only the restore needs (root volume replacement, data
  volumes from the AMI's snapshots) is shown by a restore run, with DeleteReplacedVolumes
  so that DeleteVolume is needed too; one only a scheduled run needs, by the window's run.
  ``ROLE_MUTATIONS`` records the step and action for each statement; the table is printed
  (``pytest -s``).

Not run against a real account: IAM changes take seconds to minutes to reach every
endpoint there, and the test makes a dozen billed runs and restores.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
from typing import Any

import pytest

from automation_support import steps_by_name
from integration.aws_target import Target
from integration.deployment import Deployment
from integration.fleet_runs import (
    ACTIVE,
    RUN_DEADLINE,
    Run,
    SmallFleet,
    execution,
    failures,
    finish,
    instance_runs,
)
from integration.instances import DATA_DEVICE, instance_state
from integration.mailbox import Mailbox

DEPLOYMENT_VARIABLES = {"ami_retention_count": 1}
POLICY_NAME = "WindowsUpdateAutomation"
DENIED = re.compile(r"is not authorized to perform: ([\w-]+:\w+)")
IAM_DELAY = "IAM changes take seconds to minutes to propagate on a real account"

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.emulator_only(IAM_DELAY),
    pytest.mark.skipif(
        shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
    ),
]

# Statement -> (where a run without it fails, the action IAM refuses there). A statement
# that no run needs would fail this test: it is removed from the module instead.
ROLE_MUTATIONS = {
    "ReadOnlyWithoutResourceLevelPermissions": ("NextWave", "ec2:DescribeInstances"),
    "ReadAutomationExecutions": ("DecideApproval", "ssm:GetAutomationExecution"),
    "ReadOwnParameters": ("DecideApproval", "ssm:GetParameter"),
    "StartStopAndImageTaggedInstances": ("CreateImageBefore", "ec2:CreateImage"),
    "CreateImagesAndSnapshots": ("CreateImageBefore", "ec2:CreateImage"),
    "TagImagesAndSnapshotsWithRunTags": ("CreateImageBefore", "ec2:CreateTags"),
    "SendInstallWindowsUpdates": ("InstallUpdates", "ssm:SendCommand"),
    "SendCommandToTaggedInstances": ("InstallUpdates", "ssm:SendCommand"),
    # The run window's task starts the per-instance runbook as the role (fan_out window).
    "StartOwnRunbooks": ("WindowTask", "ssm:StartAutomationExecution"),
    "PassOwnRoleToSsm": ("WindowTask", "iam:PassRole"),
    "ArmOwnRunWindow": ("ArmRunWindow", "ssm:GetMaintenanceWindow"),
    "SetOwnRunWindowTaskAndTarget": ("ArmRunWindow", "ssm:UpdateMaintenanceWindowTarget"),
    "ReadRunWindowExecutions": ("ArmRunWindow", "ssm:DescribeMaintenanceWindows"),
    # Only a cancelled run needs it: its window's runs in progress are cancelled too.
    "StopRunWindowRuns": ("CancelRunWindowOnCancel", "ssm:StopAutomationExecution"),
    "PublishToOwnTopic": ("Approve", "sns:Publish"),
    "UseTopicKey": ("Approve", "kms:GenerateDataKey"),
    "DeleteOwnImagesAndSnapshots": ("ApplyRetention", "ec2:DeregisterImage"),
    # Only a restore needs these (documents/Restore.yaml).
    "ReplaceRootVolumeOfTaggedInstances": ("ReplaceRootVolume", "ec2:CreateReplaceRootVolumeTask"),
    "ReplaceRootVolumeFromImagesBefore": ("ReplaceRootVolume", "ec2:CreateReplaceRootVolumeTask"),
    "ReplaceRootVolumeTasksAndVolumes": ("ReplaceRootVolume", "ec2:CreateReplaceRootVolumeTask"),
    "CreateVolumesFromImagesBefore": ("SwapDataVolumes", "ec2:CreateVolume"),
    "CreateVolumesWithRestoreTags": ("SwapDataVolumes", "ec2:CreateVolume"),
    "TagWithRestoreTags": ("SwapDataVolumes", "ec2:CreateTags"),
    "AttachAndDetachVolumesOfTaggedInstances": ("SwapDataVolumes", "ec2:DetachVolume"),
    "AttachVolumesTheRestoreMade": ("SwapDataVolumes", "ec2:AttachVolume"),
    "DetachVolumes": ("SwapDataVolumes", "ec2:DetachVolume"),
    "DeleteReplacedVolumes": ("SwapDataVolumes", "ec2:DeleteVolume"),
}


def role_name(deployed: Deployment) -> str:
    return f"{deployed.variables['document_prefix']}WindowsUpdateAutomation"


def policy(deployed: Deployment, target: Target) -> dict[str, Any]:
    """The role's policy as deployed."""
    document = target.client("iam").get_role_policy(
        RoleName=role_name(deployed), PolicyName=POLICY_NAME
    )["PolicyDocument"]
    return json.loads(document) if isinstance(document, str) else document


def approved_run(deployed: Deployment, target: Target, mailbox: Mailbox):
    """The Start runbook, approved when it asks (a run may fail before it asks)."""
    ssm = target.client("ssm")
    start_id = ssm.start_automation_execution(DocumentName=deployed.names["AutomationStart"])[
        "AutomationExecutionId"
    ]

    def status() -> str:
        return execution(ssm, start_id)["AutomationExecutionStatus"]

    target.wait_until(
        lambda: status() not in ("Pending", "InProgress"),
        target.timeouts.step,
        what=lambda: f"{start_id} is {status()}",
    )
    if status() == "Waiting":
        ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Approve")
    return finish(target, mailbox, start_id)


def window_run(deployed: Deployment, target: Target, mailbox: Mailbox) -> list[tuple[str, str]]:
    """The module's maintenance window, started now: (step, denied action) of its task's
    invocation and of the run it started. Its task starts the Start runbook as the role."""
    ssm = target.client("ssm")
    window_execution = target.control().run_maintenance_window(
        deployed.outputs["maintenance_window_id"]
    )

    def window() -> dict[str, Any]:
        return ssm.get_maintenance_window_execution(WindowExecutionId=window_execution)

    target.wait_until(
        lambda: window()["Status"] not in ("PENDING", "IN_PROGRESS"),
        RUN_DEADLINE,
        what=lambda: f"window execution {window_execution} is still {window()['Status']}",
    )
    found = []
    for task in ssm.describe_maintenance_window_execution_tasks(WindowExecutionId=window_execution)[
        "WindowExecutionTaskIdentities"
    ]:
        for invocation in ssm.describe_maintenance_window_execution_task_invocations(
            WindowExecutionId=window_execution, TaskId=task["TaskExecutionId"]
        )["WindowExecutionTaskInvocationIdentities"]:
            details = invocation.get("StatusDetails", "")
            found += [("the window's task", a) for a in DENIED.findall(details)]
            if invocation.get("ExecutionId"):
                found += denials(finish(target, mailbox, invocation["ExecutionId"]))
    return found


def cancelled_run(deployed: Deployment, target: Target, mailbox: Mailbox) -> Run:
    """The Start runbook, approved, cancelled once a per-instance run is in progress."""
    ssm = target.client("ssm")
    start_id = ssm.start_automation_execution(DocumentName=deployed.names["AutomationStart"])[
        "AutomationExecutionId"
    ]
    target.wait_until(
        lambda: execution(ssm, start_id)["AutomationExecutionStatus"] == "Waiting",
        target.timeouts.step,
        what=lambda: "the run never asked for its approval",
    )
    ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Approve")

    def in_progress() -> bool:
        runs = instance_runs(ssm, execution(ssm, start_id))
        return any(r["AutomationExecutionStatus"] == "InProgress" for r in runs.values())

    target.wait_until(
        in_progress,
        RUN_DEADLINE,
        what=lambda: (
            "no per-instance run was in progress: "
            + str(failures(finish(target, mailbox, start_id)))
        ),
        poll=0.01,
    )
    ssm.stop_automation_execution(AutomationExecutionId=start_id)
    return finish(target, mailbox, start_id)


def restore_run(
    deployed: Deployment, target: Target, instance: str, **parameters: str
) -> dict[str, Any]:
    """The deployed Restore runbook for ``instance`` (its newest AMI before), approved when
    it asks (the deployment asks; the caller is the deployed approver), once it ended."""
    ssm = target.client("ssm")
    restore_id = ssm.start_automation_execution(
        DocumentName=deployed.names["Restore"],
        Parameters={k: [v] for k, v in {"InstanceId": instance, **parameters}.items()},
    )["AutomationExecutionId"]

    def status() -> str:
        return execution(ssm, restore_id)["AutomationExecutionStatus"]

    target.wait_until(
        lambda: status() not in ("Pending", "InProgress"),
        target.timeouts.step,
        what=lambda: f"restore {restore_id} is {status()}",
    )
    if status() == "Waiting":
        ssm.send_automation_signal(AutomationExecutionId=restore_id, SignalType="Approve")
    target.wait_until(
        lambda: status() not in ACTIVE,
        RUN_DEADLINE,
        what=lambda: f"restore {restore_id} hangs: {status()}",
    )
    return execution(ssm, restore_id)


def restore_failures(restore: dict[str, Any]) -> list[str]:
    """The restore's failed steps, worded as ``failures`` words a run's."""
    return [
        f"{restore['DocumentName']}/{step['StepName']}: {step['StepStatus']} "
        f"{step.get('FailureMessage', '')}"
        for step in restore.get("StepExecutions", [])
        if step["StepStatus"] in ("Failed", "TimedOut", "Cancelled")
    ]


def data_volumes(ec2: Any, instance: str) -> dict[str, str]:
    """Device -> volume id of the instance's EBS volumes other than its root."""
    (reservation,) = ec2.describe_instances(InstanceIds=[instance])["Reservations"]
    found = reservation["Instances"][0]
    return {
        m["DeviceName"]: m["Ebs"]["VolumeId"]
        for m in found.get("BlockDeviceMappings", [])
        if "Ebs" in m and m["DeviceName"] != found.get("RootDeviceName")
    }


def put_back_data_volume(
    target: Target, instance: str, before: dict[str, str], restore_id: str
) -> None:
    """After a restore that a removed statement stopped half-way: the instance's data
    volume attached again (a restore stopped between DetachVolume and AttachVolume leaves
    none), what the restore made or replaced and left detached deleted; so that the next
    run's AMI before holds a data volume for the next restore to swap."""
    ec2 = target.client("ec2")

    def state(volume: str) -> str:
        return ec2.describe_volumes(VolumeIds=[volume])["Volumes"][0]["State"]

    if DATA_DEVICE not in data_volumes(ec2, instance) and before.get(DATA_DEVICE):
        old = before[DATA_DEVICE]
        ec2.attach_volume(VolumeId=old, InstanceId=instance, Device=DATA_DEVICE)
        target.wait_until(lambda: state(old) == "in-use", target.timeouts.step, what=old)
    attached = set(data_volumes(ec2, instance).values())
    left = ec2.describe_volumes(
        Filters=[
            {"Name": "tag:ReplacedBy", "Values": [restore_id]},
            {"Name": "status", "Values": ["available"]},
        ]
    )["Volumes"]
    for volume in left:
        if volume["VolumeId"] not in attached:
            ec2.delete_volume(VolumeId=volume["VolumeId"])
    assert DATA_DEVICE in data_volumes(ec2, instance), data_volumes(ec2, instance)


def denials(run) -> list[tuple[str, str]]:
    """(step, denied action) of every failed step of the run (a Run, or one execution)."""
    found = []
    for failure in failures(run) if isinstance(run, Run) else restore_failures(run):
        step = failure.split(":", 1)[0].split("/", 1)[1]
        found += [(step, action) for action in DENIED.findall(failure)]
    return found


def allows(statement: dict[str, Any], action: str) -> bool:
    actions = (
        statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    )
    return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions)


def test_the_whole_pipeline_runs_with_the_modules_role(
    deployed: Deployment, target: Target, mailbox: Mailbox, make_fleet
) -> None:
    fleet: SmallFleet = make_fleet(faulted="stopped", healthy="running", data_volume_gib=8)
    for _ in range(2):  # the second run's retention deletes the first run's pair
        run = approved_run(deployed, target, mailbox)
        assert run.start["AutomationExecutionStatus"] == "Success", failures(run)
        assert set(run.children) == set(fleet.all)
    ec2 = target.client("ec2")
    # A restore of the stopped instance from its newest AMI before, approved: root volume
    # and data volume replaced, the replaced ones kept (tagged), the instance stopped again.
    replaced = data_volumes(ec2, fleet.faulted)
    restore = restore_run(deployed, target, fleet.faulted)
    assert restore["AutomationExecutionStatus"] == "Success", restore_failures(restore)
    steps = steps_by_name(restore)
    assert steps["ApproveRestore"]["StepStatus"] == "Success", steps["ApproveRestore"]
    before = run.children[fleet.faulted]
    image = steps_by_name(before)["CreateImageBefore"]["Outputs"]["ImageId"][0]
    assert steps["CheckRestore"]["Outputs"]["ImageId"] == [image]
    swapped = data_volumes(ec2, fleet.faulted)
    assert set(swapped) == set(replaced) == {DATA_DEVICE}
    assert swapped[DATA_DEVICE] != replaced[DATA_DEVICE]
    kept = ec2.describe_volumes(VolumeIds=[replaced[DATA_DEVICE]])["Volumes"][0]
    assert kept["State"] == "available"
    assert {"Key": "ReplacedBy", "Value": restore["AutomationExecutionId"]} in kept["Tags"]
    assert instance_state(ec2, fleet.faulted) == "stopped"
    for instance in fleet.all:
        kept = ec2.describe_images(
            Owners=["self"], Filters=[{"Name": "tag:InstanceId", "Values": [instance]}]
        )["Images"]
        phases = sorted({t["Key"]: t["Value"] for t in i["Tags"]}["Phase"] for i in kept)
        assert phases == ["UpdateAfter", "UpdateBefore"]
        assert {i["Name"].rsplit("_", 1)[1] for i in kept} == {run.child_id(instance)}


def test_each_statement_of_the_role_is_needed_by_a_step(
    deployed: Deployment, target: Target, mailbox: Mailbox, make_fleet
) -> None:
    iam = target.client("iam")
    full = policy(deployed, target)
    sids = [s["Sid"] for s in full["Statement"]]
    assert set(sids) == set(ROLE_MUTATIONS), "a statement without a mutation case, or one gone"
    # A data volume each, so that a restore swaps one (CreateVolume, Detach/AttachVolume).
    fleet: SmallFleet = make_fleet(faulted="stopped", healthy="running", data_volume_gib=8)
    first = approved_run(deployed, target, mailbox)  # AMIs for the retention case to delete
    assert first.start["AutomationExecutionStatus"] == "Success", failures(first)
    ec2 = target.client("ec2")
    table = []
    for statement in full["Statement"]:
        reduced = {**full, "Statement": [s for s in full["Statement"] if s is not statement]}
        iam.put_role_policy(
            RoleName=role_name(deployed), PolicyName=POLICY_NAME, PolicyDocument=json.dumps(reduced)
        )
        restore = None
        try:
            run = approved_run(deployed, target, mailbox)
            found = denials(run)
            if not found:  # what only a restore needs: one, deleting what it replaced
                volumes = data_volumes(ec2, fleet.faulted)
                restore = restore_run(deployed, target, fleet.faulted, DeleteReplacedVolumes="true")
                put_back_data_volume(
                    target, fleet.faulted, volumes, restore["AutomationExecutionId"]
                )
                found = denials(restore)
            if not found:  # what only a scheduled run needs
                restore = None
                found = window_run(deployed, target, mailbox)
            if not found:  # what only a cancelled run needs
                run = cancelled_run(deployed, target, mailbox)
                found = denials(run)
        finally:
            iam.put_role_policy(
                RoleName=role_name(deployed),
                PolicyName=POLICY_NAME,
                PolicyDocument=json.dumps(full),
            )
        # Whatever failed, the run window is not left armed for a run nobody waits for.
        window = target.client("ssm").get_maintenance_window(
            WindowId=deployed.outputs["run_window_id"]
        )
        assert window["Enabled"] is False, (statement["Sid"], window.get("Description"))
        step, action = ROLE_MUTATIONS[statement["Sid"]]
        table.append((statement["Sid"], (step, action) if (step, action) in found else ("-", "-")))
        assert found, (
            f"{statement['Sid']}: the approved run, a restore and the scheduled run succeeded "
            "without it"
        )
        shown = restore_failures(restore) if restore else failures(run)
        assert (step, action) in found, (statement["Sid"], found, shown)
        assert allows(statement, action)
        if restore is not None:
            # The restore that met the denial says so in its one line, and puts the
            # instance back in the state it was found in.
            reason = restore["Outputs"]["ReportRestoreFailure.Reason"][0]
            assert action in reason, reason
            assert instance_state(ec2, fleet.faulted) == fleet.states[fleet.faulted]
            continue
        # The instance that met the denial says so in its one message.
        for instance, child in run.children.items():
            if any(f.startswith(f"{child['DocumentName']}/{step}:") for f in failures(run)):
                (message,) = run.messages_of(instance)
                assert action in message["Message"], message
    print("\nstatement removed -> failing step -> denied action")
    for sid, (step, action) in table:
        print(f"  {sid:42} {step:22} {action}")


def test_the_instance_role_needs_the_ssm_core_policy(
    deployed: Deployment, target: Target, mailbox: Mailbox, make_fleet
) -> None:
    """The module's instance profile: without AmazonSSMManagedInstanceCore a stopped
    instance started for its update never gets its agent back (it registers with
    ssm:UpdateInstanceInformation), so its run fails waiting for it, and puts it back."""
    iam = target.client("iam")
    profile = iam.get_instance_profile(
        InstanceProfileName=deployed.outputs["instance_profile_name"]
    )
    (role,) = profile["InstanceProfile"]["Roles"]
    core = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [core]
    fleet: SmallFleet = make_fleet(faulted="stopped", healthy="running")
    iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=core)
    try:
        run = approved_run(deployed, target, mailbox)
    finally:
        iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=core)
    stopped = run.children[fleet.faulted]
    assert stopped["AutomationExecutionStatus"] in ("Failed", "TimedOut")
    failed_steps = [f.split(":", 1)[0] for f in failures(run)]
    assert f"{stopped['DocumentName']}/WaitForAgentOnline" in failed_steps, failures(run)
    # Each instance is put back as it was found (the running one's agent did not come back
    # from its update's restart either: that run failed too).
    ec2 = target.client("ec2")
    for instance in fleet.all:
        assert instance_state(ec2, instance) == fleet.states[instance]
    print(
        "\ninstance role: AmazonSSMManagedInstanceCore removed -> WaitForAgentOnline -> "
        "ssm:UpdateInstanceInformation (the agent cannot register)"
    )
