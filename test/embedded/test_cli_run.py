"""`winupdate run | images | report` on the embedded AWS, driven like a user drives them.

The happy path runs the seed's runbooks (they run reliably today); small runbooks cover
failure, approval, Ctrl-C and the progress display.
"""

from __future__ import annotations

import json
import re

import pytest
from cli_run_support import (
    CALLER,
    aws_env,
    cli,
    process_runbook,
    start_runbook,
    unique,
)
from module_support import deploy_module_runbooks
from seed_support import seed_account, windows_image

from automation_support import create_runbook, service_role

TAG = "WinUpdateCli"


@pytest.fixture(scope="module")
def seed_runs(client, endpoint):
    """Two approved runs of the seed over its two tagged instances: --json, then the table."""
    account = seed_account(client, tag_key=TAG)
    with aws_env(endpoint):
        as_json = cli("run", "--approve", "--json", "--interval", "0.1")
        as_table = cli("run", "--approve", "--interval", "0.1", "--severity-levels", "Critical")
    return {"account": account, "json": as_json, "table": as_table}


def test_run_json_reports_each_instance_with_its_amis_and_updates(seed_runs):
    result, account = seed_runs["json"], seed_runs["account"]
    assert result.code == 0, result.err
    report = json.loads(result.out)  # nothing but the JSON object on stdout
    assert report["status"] == "Success" and report["succeeded"] is True
    assert report["document"] == "MY-AutomationStart"
    assert len(report["process_execution_ids"]) == 1
    by_instance = {i["instance_id"]: i for i in report["instances"]}
    assert sorted(by_instance) == sorted([account.running, account.stopped])
    for instance_id, row in by_instance.items():
        assert row["status"] == "Success" and row["failure_reason"] is None
        assert re.fullmatch(rf"{instance_id}_UpdateBefore_[0-9a-f-]{{36}}", row["before"]["name"])
        assert re.fullmatch(rf"{instance_id}_UpdateAfter_[0-9a-f-]{{36}}", row["after"]["name"])
        assert row["before"]["image_id"].startswith("ami-")
        assert row["updates_found"] >= 1 and row["updates_installed"] == row["updates_found"]
        assert row["duration_seconds"] > 0
    # Approval was sent by the caller, and the how-to line went to stderr, not stdout.
    assert f"approved as {CALLER}" in result.err


def test_run_table_follows_the_fleet_and_prints_one_row_per_instance(seed_runs):
    result, account = seed_runs["table"], seed_runs["account"]
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    # Plain progress (stdout is not a terminal): the fleet's bar reaches 2/2.
    assert any(re.search(r"\[#+\] 2/2 done", line) for line in lines)
    assert any(account.running in line and "Await" in line for line in lines)
    table = lines[lines.index(next(x for x in lines if x.startswith("instance "))) :]
    assert "AMI before" in table[0] and "failure" in table[0]
    rows = [r for r in table[2:] if r.strip()]
    assert len(rows) == 2
    for row in rows:
        assert "Success" in row and "_UpdateBefore_" in row and "_UpdateAfter_" in row
    # The seed's Start declares SeverityLevels, so that option was passed on.
    assert "SeverityLevels=Critical" in result.out


def test_images_lists_the_pipeline_amis_newest_first_with_snapshots(seed_runs, endpoint):
    instance = seed_runs["account"].running
    with aws_env(endpoint):
        result = cli("images", "--instance", instance, "--json")
        text = cli("images", "--instance", instance)
    assert result.code == 0, result.err
    images = json.loads(result.out)
    assert len(images) == 4  # two runs, before and after each
    assert [i["created"] for i in images] == sorted((i["created"] for i in images), reverse=True)
    assert {i["phase"] for i in images} == {"UpdateBefore", "UpdateAfter"}
    assert images[0]["phase"] == "UpdateAfter"
    for image in images:
        assert image["instance_id"] == instance and image["state"] == "available"
        assert image["snapshots"] and all(
            s["snapshot_id"].startswith("snap-") and s["state"] == "completed" and s["size_gib"]
            for s in image["snapshots"]
        )
    assert text.code == 0 and text.out.count(instance) >= 4


def test_report_draws_one_row_per_instance_as_png_and_html(seed_runs, endpoint, tmp_path):
    from matplotlib.image import imread

    from winupdate.run.aws import Aws
    from winupdate.run.report import write_png
    from winupdate.run.timeline import load_timeline

    run_id = json.loads(seed_runs["json"].out)["execution_id"]
    account = seed_runs["account"]
    with aws_env(endpoint):
        png = cli("report", run_id, "--out", str(tmp_path / "run.png"))
        page = cli("report", run_id, "--out", str(tmp_path / "run.html"))
        timeline = load_timeline(Aws(), run_id)
        labels = write_png(timeline, tmp_path / "again.png")
    assert png.code == 0 and page.code == 0, png.err + page.err
    pixels = imread(tmp_path / "run.png")
    assert pixels.shape[0] > 100 and pixels.shape[1] > 500
    assert sorted(label.split()[0] for label in labels) == sorted(
        [account.running, account.stopped]
    )
    kinds = {bar.kind for row in timeline.rows for bar in row.bars}
    assert {"ami_before", "start", "update", "ami_after"} <= kinds
    for row in timeline.rows:
        ordered = [b.kind for b in row.bars if b.kind != "other"]
        assert ordered.index("ami_before") < ordered.index("update") < ordered.index("ami_after")
    html = (tmp_path / "run.html").read_text(encoding="utf-8")
    assert html.count('<g class="row"') == 2
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "<script" not in html


def test_a_failed_instance_gives_its_step_and_reason_and_exit_1(client, endpoint, tmp_path):
    ssm, ec2 = client("ssm"), client("ec2")
    tag = unique("CliFail")
    ok = create_runbook(ssm, process_runbook(fail=False), prefix="CliOk")
    bad = create_runbook(ssm, process_runbook(fail=True), prefix="CliBad")
    start = create_runbook(ssm, start_runbook(bad, tag), prefix="CliStart")
    instance = ec2.run_instances(
        ImageId=windows_image(ec2),
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": tag, "Value": "ON"}]}],
    )["Instances"][0]["InstanceId"]
    with aws_env(endpoint):
        result = cli("run", "--document", start, "--json", "--interval", "0.1")
        assert ok  # the succeeding variant is covered by the seed; it exists for symmetry
        report = json.loads(result.out)
        picture = cli("report", report["execution_id"], "--out", str(tmp_path / "f.html"))
    assert result.code == 1
    (row,) = report["instances"]
    assert row["instance_id"] == instance and row["status"] == "Failed"
    assert row["failed_step"] == "Boom"
    assert "ami-0000000000000dead" in row["failure_reason"]
    assert picture.code == 0
    assert 'class="step other failed"' in (tmp_path / "f.html").read_text(encoding="utf-8")


def test_run_with_the_modules_documents(client, endpoint):
    """The module's own runbooks, rendered as Terraform would deploy them (prefix MOD-)."""
    ec2 = client("ec2")
    variables = deploy_module_runbooks(client, "MOD-", "WinUpdate", "AutomationModCliRuns")
    # The role the documents assume, as the module deploys it (its own policy is proven by
    # the integration suite; here the CLI is under test).
    service_role(client("iam"), variables["role_arn"].rsplit("/", 1)[-1])
    tag = unique("ModCli")
    instance = ec2.run_instances(
        ImageId=windows_image(ec2),
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": tag, "Value": "ON"}]}],
    )["Instances"][0]["InstanceId"]
    with aws_env(endpoint):
        result = cli(
            "run",
            "--document",
            "MOD-AutomationStart",
            "--parameter",
            f"TargetTag={tag}",
            "--max-concurrency",
            "2",
            "--approve",
            "--json",
            "--interval",
            "0.2",
        )
    assert result.code == 0, result.err + result.out
    (row,) = json.loads(result.out)["instances"]
    assert row["instance_id"] == instance and row["status"] == "Success"
    # The module names both images after the per-instance execution.
    assert row["before"]["name"] == f"{instance}_UpdateBefore_{row['execution_id']}"
    assert row["after"]["name"] == f"{instance}_UpdateAfter_{row['execution_id']}"
    assert row["updates_found"] == row["updates_installed"]
