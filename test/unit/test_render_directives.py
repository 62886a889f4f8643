"""``winupdate validate --rendered`` renders ``documents/`` as Terraform's templatefile
does, directives included: ``%{ if <bool> }`` / ``%{ else }`` / ``%{ endif }``, nested, with
the trailing strip marker ``~}`` (it removes the spaces and the one newline after it). The
parity test asks Terraform itself (``terraform console``) when it is on PATH."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from winupdate.documents.render import (
    RenderError,
    hook_defaults,
    output_defaults,
    render,
    rendered_document,
)
from winupdate.documents.validate import validate_paths

ROOT = Path(__file__).resolve().parents[2]

TEMPLATE = (
    "a:\n  b: 1\n%{ if x ~}\n  c: 2\n%{ endif ~}\n  d: ${v}\n"
    "  e: %{ if a }A%{ if b }B%{ else }b%{ endif }%{ else }n%{ endif }\n"
    "%{ if b ~}   \n\n  lit: $${y} %%{z}\n%{ endif ~}\nend\n"
)
CASES = [
    {"x": x, "a": a, "b": b, "v": "V"} for x, a, b in itertools.product((True, False), repeat=3)
]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="needs the terraform binary")
def test_directives_render_exactly_as_terraform_renders_them(tmp_path):
    (tmp_path / "t.tpl").write_text(TEMPLATE, encoding="utf-8")

    def hcl(case: dict) -> str:
        return "{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in case.items()) + "}"

    expression = (
        "jsonencode([" + ", ".join(f'templatefile("t.tpl", {hcl(c)})' for c in CASES) + "])"
    )
    answer = subprocess.run(
        ["terraform", "console"],
        input=expression,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    expected = json.loads(json.loads(answer.strip().splitlines()[-1]))
    assert [render(TEMPLATE, case) for case in CASES] == expected


@pytest.mark.parametrize(
    "template,says",
    [
        ("%{~ if x }a%{ endif }", "only %{ if <reference> }"),
        ("%{ for i in x }a%{ endfor }", "only %{ if <reference> }"),
        ("%{ if x }a", "without %{ endif }"),
        ("a%{ endif }", "without an open %{ if }"),
        ("%{ if v }a%{ endif }", "must be a bool"),
        ("%{ if x }a%{ else }b%{ else }c%{ endif }", "a second %{ else }"),
    ],
)
def test_what_terraform_would_render_otherwise_is_refused(template, says):
    with pytest.raises(RenderError, match=None) as refused:
        render(template, {"x": True, "v": "V"})
    assert says in str(refused.value)


def test_the_per_instance_runbook_with_hooks_output_and_rollback_validates(tmp_path):
    """Every optional block switched on: the rendered runbooks are still valid, the hook
    steps exist with their documents, and each Run Command step carries the output inputs."""
    defaults = {
        "RollbackOnFailure": True,
        "WaveTagKey": "PatchWave",
        "WaveApproval": True,
        **hook_defaults(
            "PreUpdate",
            {"document_name": "AWS-RunPowerShellScript", "parameters": {"commands": ["echo x"]}},
        ),
        **hook_defaults(
            "PostUpdate",
            {"document_name": "AWS-RunPowerShellScript", "parameters": {"commands": ["echo y"]}},
        ),
        **output_defaults(
            {"s3_bucket_name": "b", "s3_key_prefix": "p/", "cloudwatch_log_group_name": "/g"}
        ),
    }
    for base in ("AutomationStart", "AutomationProcess", "CreateImage", "WindowsUpdate", "Restore"):
        (tmp_path / f"{base}.yaml").write_text(
            rendered_document(ROOT, base, **defaults), encoding="utf-8"
        )
    report = validate_paths([tmp_path])
    assert not [f for f in report.findings if f.severity == "error"], report.findings
    steps = {
        s["name"]: s
        for s in yaml.safe_load((tmp_path / "AutomationProcess.yaml").read_text())["mainSteps"]
    }
    assert steps["WaitForAgentOnline"]["nextStep"] == "PreUpdateHook"
    assert steps["PreUpdateHook"]["inputs"]["Parameters"] == {"commands": ["echo x"]}
    assert steps["ParseUpdateResults"]["nextStep"] == "WaitForAgentBeforePostUpdateHook"
    for name in ("PreUpdateHook", "InstallUpdates", "ScanUpdates", "PostUpdateHook"):
        inputs = steps[name]["inputs"]
        assert inputs["OutputS3BucketName"] == "b" and inputs["OutputS3KeyPrefix"] == "p/"
        assert inputs["CloudWatchOutputConfig"] == {
            "CloudWatchOutputEnabled": True,
            "CloudWatchLogGroupName": "/g",
        }


def test_a_hook_without_the_parameters_its_document_requires_is_an_error(tmp_path):
    # AWS-RunPowerShellScript requires commands: the validator knows AWS's own documents.
    text = rendered_document(
        ROOT,
        "AutomationProcess",
        **hook_defaults("PostUpdate", {"document_name": "AWS-RunPowerShellScript"}),
    )
    (tmp_path / "AutomationProcess.yaml").write_text(text, encoding="utf-8")
    codes = {(f.code, f.severity) for f in validate_paths([tmp_path]).findings}
    assert ("WU603", "error") in codes


def test_without_hooks_or_output_the_runbook_has_neither():
    steps = {
        s["name"]: s
        for s in yaml.safe_load(rendered_document(ROOT, "AutomationProcess"))["mainSteps"]
    }
    assert "PreUpdateHook" not in steps and "PostUpdateHook" not in steps
    assert steps["WaitForAgentOnline"]["nextStep"] == "InstallUpdates"
    assert steps["ParseUpdateResults"]["nextStep"] == "CreateImageAfter"
    assert not {"OutputS3BucketName", "CloudWatchOutputConfig"} & set(
        steps["InstallUpdates"]["inputs"]
    )
