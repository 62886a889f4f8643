"""The embedded AWS's AWS-owned documents declare what AWS serves today.

DESIGN.md (Fidelity): AWS-owned documents take their parameters from what AWS serves
(``aws ssm get-document``, collected in ../shared/reference/aws-owned-documents/). Their
parameters' types, defaults, allowedValues, allowedPattern and interpolationType, and
their steps (name, action, onFailure; an Automation step's inputs; a Command step's
precondition and timeout) are compared with the reference when it is there: a user's
clone has no ../shared, so that test is skipped, and the key facts of
AWS-InstallWindowsUpdates are pinned without it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from winupdate.local.fleet.owned_documents import owned_contents
from winupdate.run.filters import FILTERS

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "aws-owned-documents"
OURS = {name: json.loads(content) for name, content in owned_contents().items()}
#: What a parameter declares besides its prose.
FACTS = (
    "type",
    "default",
    "allowedValues",
    "allowedPattern",
    "interpolationType",
    "minItems",
    "maxItems",
    "minChars",
    "maxChars",
    "displayType",
)
INSTALL = OURS["AWS-InstallWindowsUpdates"]


def reference(name: str) -> dict[str, Any]:
    (path,) = REFERENCE.glob(f"*/{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))


def parameter_facts(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, {k: spec[k] for k in FACTS if k in spec})
        for name, spec in (document.get("parameters") or {}).items()
    ]


def step_facts(document: dict[str, Any]) -> list[dict[str, Any]]:
    if document["schemaVersion"] == "1.2":
        # A schema 1.2 document's plugins: their properties (placeholders, not scripts).
        return [document["runtimeConfig"]]
    facts = []
    for step in document["mainSteps"]:
        fact = {k: step.get(k) for k in ("name", "action", "onFailure", "precondition")}
        inputs = dict(step.get("inputs") or {})
        if document["schemaVersion"] == "2.2":
            # A Command step's script is AWS's: we keep only its timeout (ours never runs).
            inputs = {"timeoutSeconds": inputs.get("timeoutSeconds")}
        fact["inputs"] = inputs
        facts.append(fact)
    return facts


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="no ../shared/reference in this clone")
@pytest.mark.parametrize("name", sorted(OURS))
def test_each_owned_document_declares_what_aws_serves_today(name):
    served = reference(name)
    ours = OURS[name]
    assert ours["schemaVersion"] == served["schemaVersion"]
    assert parameter_facts(ours) == parameter_facts(served)
    assert step_facts(ours) == step_facts(served)
    assert ours.get("assumeRole") == served.get("assumeRole")
    assert ours.get("outputs") == served.get("outputs")


def matches(parameter: str, value: str) -> bool:
    return re.search(INSTALL["parameters"][parameter]["allowedPattern"], value) is not None


def test_install_windows_updates_reboots_by_default():
    # "The default value is True, which means that instances reboot if any updates are
    # installed" (the document's AllowReboot).
    allow_reboot = INSTALL["parameters"]["AllowReboot"]
    assert allow_reboot["default"] == "True"
    assert allow_reboot["allowedValues"] == ["True", "False"]
    assert INSTALL["parameters"]["Action"]["default"] == "Install"


@pytest.mark.parametrize("parameter", ["IncludeKbs", "ExcludeKbs"])
def test_install_windows_updates_takes_kb_ids_of_up_to_seven_digits_in_capitals(parameter):
    for value in ("", "KB5034439", "5034439", "KB1", "KB5034439,5034441,KB12"):
        assert matches(parameter, value), value
    for value in ("KB50344391", "50344391", "kb5034439", "Kb5034439", "KB5034439, 5034441", "KB"):
        assert not matches(parameter, value), value


def test_install_windows_updates_takes_dates_as_month_day_year():
    for value in ("", "01/31/2024", "12-01-1999", "06.15.2020"):
        assert matches("PublishedDateAfter", value), value
        assert matches("PublishedDateBefore", value), value
    for value in ("13/01/2024", "2024-01-31", "01/32/2024", "1/31/2024", "01/31/2124"):
        assert not matches("PublishedDateAfter", value), value
        assert not matches("PublishedDateBefore", value), value


def test_install_windows_updates_takes_whole_days_and_named_filters_only():
    assert matches("PublishedDaysOld", "30") and not matches("PublishedDaysOld", "-1")
    assert matches("SeverityLevels", "Critical,Important")
    assert not matches("SeverityLevels", "critical")
    assert matches("Categories", "SecurityUpdates,UpdateRollups")
    assert not matches("Categories", "SecurityUpdate")


def test_the_cli_and_the_embedded_document_check_the_same_patterns():
    declared = {name: spec.get("allowedPattern") for name, spec in INSTALL["parameters"].items()}
    assert {name: f.pattern for name, f in FILTERS.items()} == {
        name: declared[name] for name in FILTERS
    }


def test_every_parameter_of_install_windows_updates_reaches_its_script_as_an_environment_variable():
    assert {spec["interpolationType"] for spec in INSTALL["parameters"].values()} == {"ENV_VAR"}
    assert [s["name"] for s in INSTALL["mainSteps"]] == ["AWSInstallWindowsUpdates"]
