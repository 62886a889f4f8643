"""`winupdate restore` on the embedded AWS: the module's Restore runbook, rendered and
deployed without Terraform, started, followed and answered in one line."""

from __future__ import annotations

import json
import re

import pytest
from cli_run_support import aws_env, cli, unique
from module_support import deploy_module_runbooks
from seed_support import windows_image

from automation_support import service_role

PREFIX = "RST-"


@pytest.fixture(scope="module")
def module(client):
    """The module's runbooks under RST-, no approval, and the role they assume."""
    variables = deploy_module_runbooks(
        client, PREFIX, "RestoreCliUpdate", "AutomationRestoreCli", RequireApproval=False
    )
    # Unrestricted, as in test_cli_run: the module's policy is the integration suite's.
    service_role(client("iam"), variables["role_arn"].rsplit("/", 1)[-1])
    return variables


def launch(ec2) -> str:
    return ec2.run_instances(
        ImageId=windows_image(ec2),
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": unique("rst")}]}
        ],
    )["Instances"][0]["InstanceId"]


def restore(endpoint: str, *argv: str):
    with aws_env(endpoint):
        return cli("restore", *argv, "--document", f"{PREFIX}Restore", "--interval", "0.1")


def test_an_ami_that_is_not_the_instances_update_before_ami_is_refused(module, client, endpoint):
    ec2 = client("ec2")
    instance = launch(ec2)
    other = ec2.create_image(InstanceId=instance, Name=unique("not-a-backup"))["ImageId"]
    result = restore(endpoint, instance, "--image", other)
    assert result.code == 1, result.out + result.err
    last = result.err.strip().splitlines()[-1]
    assert last == (
        f"winupdate restore: {other} is not an UpdateBefore AMI of {instance}: nothing was changed"
    )
    # Nothing was changed: the instance still runs on the volume it was launched with.
    (reservation,) = ec2.describe_instances(InstanceIds=[instance])["Reservations"]
    assert reservation["Instances"][0]["State"]["Name"] == "running"


def test_an_instance_that_is_neither_running_nor_stopped_is_refused_as_json(
    module, client, endpoint
):
    ec2 = client("ec2")
    instance = launch(ec2)
    ec2.terminate_instances(InstanceIds=[instance])
    result = restore(endpoint, instance, "--json")
    assert result.code == 1, result.err
    answer = json.loads(result.out)  # nothing else on stdout
    assert answer["restored"] is False and answer["summary"] is None
    assert answer["instance_id"] == instance and answer["document"] == f"{PREFIX}Restore"
    assert re.fullmatch(
        rf"{instance} is (shutting-down|terminated): only a running or stopped instance can "
        "be restored; nothing was changed",
        answer["reason"],
    )
    assert re.fullmatch(r"[0-9a-f-]{36}", answer["execution_id"])


def test_a_bad_instance_id_is_refused_by_start_automation_execution(module, endpoint):
    result = restore(endpoint, "not-an-instance")
    assert result.code == 2
    (line,) = result.err.strip().splitlines()
    assert line.startswith(f"winupdate: {PREFIX}Restore refused the parameters: ")
    assert "InstanceId" in line


def test_report_of_a_restore_execution_draws_its_row(module, client, endpoint, tmp_path):
    ec2 = client("ec2")
    instance = launch(ec2)
    other = ec2.create_image(InstanceId=instance, Name=unique("not-a-backup"))["ImageId"]
    answer = json.loads(restore(endpoint, instance, "--image", other, "--json").out)
    with aws_env(endpoint):
        page = cli("report", answer["execution_id"], "--out", str(tmp_path / "restore.html"))
    assert page.code == 0, page.err
    html = (tmp_path / "restore.html").read_text(encoding="utf-8")
    assert html.count('<g class="row"') == 1 and f'data-instance="{instance}"' in html
    # The refusal: CheckRestore failed, and only the kinds drawn are in the legend.
    assert 'class="step other failed"' in html
    assert 'class="legend other"' in html and 'class="legend ami_before"' not in html


def update_before_image(ec2, instance: str, run_id: str) -> str:
    """An AMI tagged as the module's CreateImageBefore tags it, once it is available."""
    tags = [
        {"Key": "InstanceId", "Value": instance},
        {"Key": "Phase", "Value": "UpdateBefore"},
        {"Key": "AutomationExecutionId", "Value": run_id},
    ]
    image = ec2.create_image(
        InstanceId=instance,
        Name=f"{instance}_UpdateBefore_{run_id}",
        TagSpecifications=[{"ResourceType": "image", "Tags": tags}],
    )["ImageId"]
    ec2.get_waiter("image_available").wait(
        ImageIds=[image], WaiterConfig={"Delay": 0.2, "MaxAttempts": 300}
    )
    return image


def test_restore_puts_the_root_volume_back_from_the_update_before_ami(module, client, endpoint):
    ec2 = client("ec2")
    instance = launch(ec2)
    run_id = "0b5c1e2a-3d4f-4a6b-8c7d-9e0f1a2b3c4d"
    image = update_before_image(ec2, instance, run_id)
    (described,) = ec2.describe_images(ImageIds=[image])["Images"]
    root_device = described["RootDeviceName"]
    snapshot = next(
        m["Ebs"]["SnapshotId"]
        for m in described["BlockDeviceMappings"]
        if m["DeviceName"] == root_device
    )
    result = restore(endpoint, instance, "--run", run_id)
    assert result.code == 0, result.out + result.err
    last = result.out.strip().splitlines()[-1]
    assert last.startswith(f"{instance} restored from {image} (its AMI before run {run_id}): ")
    assert last.endswith("; state: running")
    (reservation,) = ec2.describe_instances(InstanceIds=[instance])["Reservations"]
    root = next(
        m["Ebs"]["VolumeId"]
        for m in reservation["Instances"][0]["BlockDeviceMappings"]
        if m["DeviceName"] == root_device
    )
    (volume,) = ec2.describe_volumes(VolumeIds=[root])["Volumes"]
    assert volume["SnapshotId"] == snapshot
    assert f"root {root_device} {root}" in last
