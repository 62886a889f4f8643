"""The approval request names the plan's waves (NextWave's plan_text, run from the rendered
Start runbook): with many waves it names 20 and counts the rest, so that the request, once
its variables are resolved, stays within aws:approve's 4096 characters
(automation-action-approve.md, Message)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from winupdate.documents.render import rendered_document

ROOT = Path(__file__).resolve().parents[2]


def steps(language: str) -> dict[str, dict]:
    options = {"WaveTagKey": "PatchWave", "Japanese": language == "ja", "MessageLanguage": language}
    start = yaml.safe_load(rendered_document(ROOT, "AutomationStart", **options))
    return {s["name"]: s for s in start["mainSteps"]}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_plan_of_many_waves_keeps_the_approval_request_within_its_limit(language):
    found = steps(language)
    scope: dict = {}
    exec(found["NextWave"]["inputs"]["Script"], scope)  # the step's own script
    waves = {str(n): [f"i-{n:017x}"] for n in range(300)}
    order = sorted(waves, key=int)
    plan = scope["plan_text"](waves, order)
    assert plan.count(";") == 20  # 20 waves named, then the rest counted
    assert ("280" in plan and "280 instances" in plan) or "280 台" in plan
    message = found["Approve"]["inputs"]["Message"]
    resolved = (
        message.replace("{{NextWave.Plan}}", plan)
        .replace("{{automation:EXECUTION_ID}}", "0" * 36)
        .replace("{{TargetTag}}", "T" * 128)
        .replace("{{TargetTagValue}}", "V" * 256)
    )
    assert len(resolved) <= 4096, len(resolved)
    assert scope["plan_text"]({"all": ["i-1", "i-2"]}, ["all"]) in ("2 instances", "2 台")
