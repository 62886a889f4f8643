"""Terraform's AWS provider applies, re-plans and destroys a small configuration on the
embedded AWS: every API it calls for these resources answers as AWS would.

The fixture (``fixtures/terraform_smoke``) knows nothing about the emulator: the endpoint
comes from ``AWS_ENDPOINT_URL`` in the environment, as for any local example; with
``--sandbox`` the same apply runs against a real account (conftest.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from integration.aws_target import unique_stem
from winupdate.terraform import Terraform

FIXTURE = Path(__file__).parent / "fixtures" / "terraform_smoke"
CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.skipif(
        shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
    ),
]


@pytest.fixture
def smoke(request, tmp_path, target, ledger):
    """A private copy of the fixture and a unique name prefix, destroyed if a test fails
    (also when the apply itself fails half-way)."""
    workdir = tmp_path / "terraform_smoke"
    shutil.copytree(FIXTURE, workdir, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    prefix = unique_stem("Smoke")
    ledger.stems.add(prefix)
    tf = Terraform(workdir, env=target.terraform_env(), variables={"name_prefix": prefix})

    def destroy() -> None:
        if tf.state_resources():
            tf.destroy()

    request.addfinalizer(destroy)
    tf.init()
    return tf, prefix


# The creates that carry an idempotency token (botocore's model marks ClientToken so).
TOKEN_CREATES = (
    "CreateMaintenanceWindow",
    "RegisterTargetWithMaintenanceWindow",
    "RegisterTaskWithMaintenanceWindow",
)


def test_apply_replan_and_destroy_leave_nothing_behind(smoke, client, target):
    tf, prefix = smoke
    ssm, iam, sns = client("ssm"), client("iam"), client("sns")

    if not target.sandbox:
        # On the embedded AWS each token-carrying create loses its first answer (carried
        # out, answered 500): the provider's SDK retries with the same ClientToken, and the
        # apply must still make each resource once (a CI run once left a second window).
        control = target.control()
        for operation in TOKEN_CREATES:
            control.inject_fault(
                service="ssm",
                operation=operation,
                error="InternalServerError",
                status=500,
                count=1,
                answer_lost=True,
            )
    try:
        tf.apply()
    finally:
        if not target.sandbox:
            spent = [f for f in control.faults() if f["answer_lost"]]
            control.clear_faults()
    if not target.sandbox:
        assert [f["hits"] for f in spent] == [1, 1, 1], spent
        windows = ssm.describe_maintenance_windows(
            Filters=[{"Key": "Name", "Values": [f"{prefix}-Window"]}]
        )["WindowIdentities"]
        assert len(windows) == 1, windows
    out = tf.output()

    # What the provider created is what boto3 reads back.
    window = ssm.get_maintenance_window(WindowId=out["window_id"])
    assert (window["Duration"], window["Cutoff"]) == (3, 1)
    assert window["ScheduleTimezone"] == "Europe/Paris"
    tags = ssm.list_tags_for_resource(
        ResourceType="MaintenanceWindow", ResourceId=window["WindowId"]
    )
    assert {"Key": "Project", "Value": "winupdate"} in tags["TagList"]
    task = ssm.get_maintenance_window_task(
        WindowId=out["window_id"], WindowTaskId=out["window_task_id"]
    )
    assert task["TaskType"] == "AUTOMATION" and task["TaskArn"] == out["document_name"]
    assert task["TaskInvocationParameters"]["Automation"] == {
        "DocumentVersion": "$DEFAULT",
        "Parameters": {"Seconds": ["PT2S"]},
    }
    assert task["Targets"] == [{"Key": "WindowTargetIds", "Values": [out["window_target_id"]]}]
    document = ssm.describe_document(Name=out["document_name"])["Document"]
    assert document["DocumentType"] == "Automation" and document["SchemaVersion"] == "0.3"
    attached = iam.list_attached_role_policies(RoleName=f"{prefix}-Role")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [CORE]
    profile = iam.get_instance_profile(InstanceProfileName=f"{prefix}-Profile")
    assert [r["RoleName"] for r in profile["InstanceProfile"]["Roles"]] == [f"{prefix}-Role"]
    assert out["topic_arn"].endswith(f":Automation{prefix}")

    # Read back, every attribute matches the configuration: nothing to change.
    assert tf.plan_has_changes() is False

    tf.destroy()
    assert tf.state_resources() == []
    windows = ssm.describe_maintenance_windows(
        Filters=[{"Key": "Name", "Values": [f"{prefix}-Window"]}]
    )
    assert windows["WindowIdentities"] == []
    with pytest.raises(ClientError, match="InvalidDocument"):
        ssm.describe_document(Name=out["document_name"])
    parameters = ssm.get_parameters(Names=[f"/{prefix}/Severities", f"/{prefix}/MaxConcurrency"])
    assert parameters["Parameters"] == []
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName=f"{prefix}-Role")
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_instance_profile(InstanceProfileName=f"{prefix}-Profile")
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert out["topic_arn"] not in topics
