"""The report's step kinds: every step of the module's runbooks (rendered as Terraform
deploys them) and of the seed's gets the kind of what it does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from winupdate.documents.render import render, template_variables
from winupdate.run.report import legend, render_svg
from winupdate.run.timeline import KINDS, InstanceRow, StepBar, Timeline, step_kind

ROOT = Path(__file__).parents[2]
SEED = ROOT / "test" / "fixtures" / "seed"


def records(text: str) -> list[dict]:
    """The runbook's steps as DescribeAutomationStepExecutions returns them: inputs that
    are not strings come back as JSON text."""
    steps = yaml.safe_load(text).get("mainSteps", [])
    return [
        {
            "StepName": s["name"],
            "Action": s["action"],
            "Inputs": {
                k: v if isinstance(v, str) else json.dumps(v)
                for k, v in (s.get("inputs") or {}).items()
            },
        }
        for s in steps
    ]


@pytest.fixture(scope="module")
def module_kinds() -> dict[str, dict[str, str]]:
    variables = template_variables(ROOT)
    out = {}
    for base in variables["document_names"]:
        text = render((ROOT / "documents" / f"{base}.yaml").read_text("utf-8"), variables, base)
        out[base] = {r["StepName"]: step_kind(r) for r in records(text)}
    return out


def test_every_step_of_the_modules_runbooks_gets_a_known_kind(module_kinds):
    assert {"AutomationProcess", "Restore"} <= set(module_kinds)
    for base, kinds in module_kinds.items():
        assert kinds, base
        unknown = {name: kind for name, kind in kinds.items() if kind not in KINDS}
        assert not unknown, base


def test_the_ami_waits_are_drawn_as_their_phase_not_as_other(module_kinds):
    process = module_kinds["AutomationProcess"]
    for phase, kind in (("Before", "ami_before"), ("After", "ami_after")):
        for step in (f"CreateImage{phase}", f"WaitForImage{phase}", f"CheckImage{phase}"):
            assert process[step] == kind, step


def test_no_wait_or_check_of_an_image_in_the_process_runbook_is_other():
    variables = template_variables(ROOT)
    text = render(
        (ROOT / "documents" / "AutomationProcess.yaml").read_text("utf-8"), variables, "Process"
    )
    waits = [
        r
        for r in records(text)
        if r["Action"] in ("aws:waitForAwsResourceProperty", "aws:assertAwsResourceProperty")
        and "DescribeImages" in r["Inputs"].get("Api", "")
    ]
    assert len(waits) >= 4
    assert all(step_kind(r) in ("ami_before", "ami_after") for r in waits), waits


def test_the_process_runbooks_other_steps_keep_their_kinds(module_kinds):
    process = module_kinds["AutomationProcess"]
    assert process["StartInstance"] == process["WaitForAgentOnline"] == "start"
    assert process["InstallUpdates"] == process["ParseUpdateResults"] == "update"
    assert process["ScanUpdates"] == process["ParseScanResults"] == "update"
    assert process["StopInstance"] == "restore"
    # The failure and cancel paths put the state back, even when they start the instance.
    assert process["StartOnFailure"] == process["StartOnCancel"] == "restore"
    assert process["ReportFailure"] == process["PublishSuccess"] == "other"
    if "RestoreImageBeforeOnFailure" in process:
        assert process["RestoreImageBeforeOnFailure"] == "rollback"
    for hook in ("PreUpdateHook", "PostUpdateHook", "WaitForAgentBeforePostUpdateHook"):
        if hook in process:
            assert process[hook] == "hook", hook


def test_the_restore_runbooks_volume_steps_are_the_rollback(module_kinds):
    restore = module_kinds["Restore"]
    for step in (
        "SwapDataVolumes",
        "StartForRootVolume",
        "ReplaceRootVolume",
        "WaitForRootVolume",
        "CheckRootVolume",
    ):
        assert restore[step] == "rollback", step
    # Its check reads UpdateBefore in its script, but it changes nothing: not the AMI before.
    assert restore["CheckRestore"] == restore["ApproveRestore"] == "other"
    assert restore["StartOnRestoreFailure"] == restore["StopAfterRestore"] == "restore"
    assert restore["ReportRestore"] == restore["ReportRestoreFailure"] == "other"


def test_hooks_and_the_rollback_step_by_their_records():
    hook = {
        "StepName": "PostUpdateHook",
        "Action": "aws:runCommand",
        "Inputs": {"DocumentName": "AWS-RunPowerShellScript", "InstanceIds": '["i-1"]'},
    }
    wait = {
        "StepName": "WaitForAgentBeforePostUpdateHook",
        "Action": "aws:waitForAwsResourceProperty",
    }
    rollback = {
        "StepName": "RestoreImageBeforeOnFailure",
        "Action": "aws:executeAutomation",
        "Inputs": {"DocumentName": "MY-Restore", "RuntimeParameters": '{"ImageId":["ami-1"]}'},
    }
    assert step_kind(hook) == step_kind(wait) == step_kind({**hook, "StepName": "PreUpdateHook"})
    assert step_kind(hook) == "hook"
    assert step_kind(rollback) == "rollback"


def test_the_seeds_runbooks_keep_their_kinds():
    kinds = {}
    for path in SEED.glob("*.yaml"):
        kinds.update({r["StepName"]: step_kind(r) for r in records(path.read_text("utf-8"))})
    assert kinds["CreateImageUpdateBefore"] == "ami_before"
    assert kinds["AwaitExecutionCreateImageUpdateBefore"] == "ami_before"
    assert kinds["StartEC2Instances"] == kinds["AwaitExecutionAfterStartEC2"] == "start"
    assert kinds["runWindowsUpdate"] == kinds["AwaitExecutionAfterWindowsUpdate"] == "update"
    assert kinds["CreateImageUpdateAfter"] == "ami_after"
    assert kinds["AwaitExecutionCreateImageUpdateAfter"] == "ami_after"
    assert kinds["PublishSNSNotificationSuccess"] == "other"


def _timeline(*kinds: str, failed: bool = False) -> Timeline:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    bars = [
        StepBar(f"S{i}", kind, "Failed" if failed and i == 0 else "Success", t0, t0)
        for i, kind in enumerate(kinds)
    ]
    for i, bar in enumerate(bars):
        bar.start, bar.end = t0 + timedelta(minutes=i), t0 + timedelta(minutes=i + 1)
    return Timeline("id", "MY-Restore", "Failed", [InstanceRow("i-1", "x", "Failed", bars)])


def test_the_legend_lists_only_the_kinds_drawn_in_kinds_order():
    timeline = _timeline("rollback", "other", "ami_before", failed=True)
    assert legend(timeline) == [
        ("ami_before", "AMI before"),
        ("rollback", "restore from AMI"),
        ("other", "other"),
        ("failed", "failed"),
    ]
    svg, _ = render_svg(timeline)
    assert 'class="legend rollback"' in svg and 'class="legend hook"' not in svg
    assert legend(_timeline("update")) == [("update", "update")]
