"""The update filters are checked before anything changes: ``winupdate run`` refuses a bad
one before any call, with the same patterns as AWS-InstallWindowsUpdates, which the
module's runbooks declare as their parameters' allowedPattern (documents-syntax-data-
elements-parameters.md: allowedPattern is checked when the automation starts).
"""

from __future__ import annotations

import contextlib
import io
import socket
from pathlib import Path

import pytest
import yaml

from winupdate.cli import main
from winupdate.documents.render import rendered_document
from winupdate.run.errors import BadParameter
from winupdate.run.filters import FILTERS, check_filter_values, given_filters

ROOT = Path(__file__).resolve().parents[2]
RUNBOOKS = ("AutomationStart", "AutomationProcess", "WindowsUpdate")


def runbook(base: str) -> dict:
    return yaml.safe_load(rendered_document(ROOT, base))


# AWS-InstallWindowsUpdates' allowedPatterns as AWS serves the document today (its
# parameters SeverityLevels ... PublishedDateBefore). The embedded AWS's own copy of the
# document (local/fleet/documents) declares the same (test_owned_documents_facts.py).
AWS_PATTERNS = {
    "SeverityLevels": r"(^$)|^(Critical|Important|Low|Moderate|Unspecified)"
    r"(,(Critical|Important|Low|Moderate|Unspecified))*$",
    "Categories": r"(^$)|^(Application|Connectors|CriticalUpdates|DefinitionUpdates|"
    r"DeveloperKits|Drivers|FeaturePacks|Guidance|Microsoft|SecurityUpdates|ServicePacks|Tools|"
    r"UpdateRollups|Updates)(,(Application|Connectors|CriticalUpdates|DefinitionUpdates|"
    r"DeveloperKits|Drivers|FeaturePacks|Guidance|Microsoft|SecurityUpdates|ServicePacks|Tools|"
    r"UpdateRollups|Updates))*$",
    "IncludeKbs": r"(^$)|^((KB){0,1}[0-9]{1,7})(,((KB){0,1}[0-9]{1,7}))*$",
    "ExcludeKbs": r"(^$)|^((KB){0,1}[0-9]{1,7})(,((KB){0,1}[0-9]{1,7}))*$",
    "PublishedDaysOld": r"(^$)|^[0-9]\d*$",
    "PublishedDateAfter": r"(^$)|^(0[1-9]|1[012])[- \/.](0[1-9]|[12][0-9]|3[01])[- \/.]"
    r"((?:19|20)\d\d)$",
    "PublishedDateBefore": r"(^$)|^(0[1-9]|1[012])[- \/.](0[1-9]|[12][0-9]|3[01])[- \/.]"
    r"((?:19|20)\d\d)$",
}


def test_the_cli_checks_the_patterns_aws_install_windows_updates_declares():
    assert {name: f.pattern for name, f in FILTERS.items()} == AWS_PATTERNS


@pytest.mark.parametrize("base", RUNBOOKS)
def test_each_runbook_declares_every_filter_with_that_pattern(base):
    parameters = runbook(base)["parameters"]
    for name, spec in FILTERS.items():
        assert parameters[name]["allowedPattern"] == spec.pattern, (base, name)


@pytest.mark.parametrize("window", [True, False], ids=["fan_out window", "fan_out rate_control"])
def test_the_start_runbook_forwards_every_filter_and_process_passes_each_to_the_update(window):
    # fan_out window: written into the run window's task (ArmRunWindow's payload); else the
    # rate-controlled aws:executeAutomation's RuntimeParameters.
    start = yaml.safe_load(rendered_document(ROOT, "AutomationStart", FanOutWindow=window))
    name = "ArmRunWindow" if window else "RunProcesses"
    (step,) = [s for s in start["mainSteps"] if s["name"] == name]
    forwarded = (
        {k: [v] for k, v in step["inputs"]["InputPayload"]["Parameters"].items()}
        if window
        else step["inputs"]["RuntimeParameters"]
    )
    (install,) = [
        s for s in runbook("AutomationProcess")["mainSteps"] if s["name"] == "InstallUpdates"
    ]
    for name in FILTERS:
        assert forwarded[name] == [f"{{{{{name}}}}}"]
        assert install["inputs"]["Parameters"][name] == f"{{{{{name}}}}}"


def test_the_start_runbook_checks_the_kbs_first_before_any_approval():
    steps = runbook("AutomationStart")["mainSteps"]
    # Then DecideApproval: whether to ask, and whom, before anything changes.
    assert steps[0]["name"] == "CheckFilters" and steps[0]["nextStep"] == "DecideApproval"
    assert steps[0]["onFailure"] == "step:ReportFailure"
    namespace: dict = {}
    exec(steps[0]["inputs"]["Script"], namespace)  # the script the runbook runs
    check = namespace["check_filters"]
    assert check({"IncludeKbs": "KB5005565,5005570", "ExcludeKbs": "KB1"}, None) == {
        "Conflicts": []
    }
    with pytest.raises(ValueError, match="KB5005565 is in both IncludeKbs and ExcludeKbs"):
        check({"IncludeKbs": "KB5005565", "ExcludeKbs": "5005565, KB7"}, None)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SeverityLevels", ""),
        ("SeverityLevels", "Critical,Important,Low,Moderate,Unspecified"),
        ("Categories", "SecurityUpdates,UpdateRollups"),
        ("IncludeKbs", "KB5005565,12"),
        ("PublishedDaysOld", "30"),
        ("PublishedDateAfter", "01/31/2025"),
        ("PublishedDateBefore", "12-01-1999"),
    ],
)
def test_values_aws_install_windows_updates_takes_are_accepted(name, value):
    check_filter_values({name: value})


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SeverityLevels", "Bogus", "Critical, Important, Low, Moderate, Unspecified"),
        ("SeverityLevels", "critical", "MSRC severities"),
        ("SeverityLevels", "Critical, Important", "MSRC severities"),  # no spaces in AWS's
        ("Categories", "SecurityUpdate", "SecurityUpdates"),
        ("IncludeKbs", "KB12345678", "1-7 digits"),
        ("ExcludeKbs", "kb5005565", "KB5005565 or 5005565"),
        ("PublishedDaysOld", "-1", "whole number of days"),
        ("PublishedDateAfter", "2025-01-31", "MM/DD/YYYY"),
        ("PublishedDateBefore", "13/01/2025", "MM/DD/YYYY"),
    ],
)
def test_values_it_refuses_are_refused_saying_what_it_takes(name, value, says):
    with pytest.raises(BadParameter) as raised:
        check_filter_values({name: value})
    message = str(raised.value)
    assert message.startswith(f"{name} {value!r} is not what AWS-InstallWindowsUpdates takes")
    assert says in message and message.endswith("nothing was started")


def test_a_kb_both_included_and_excluded_is_refused_in_either_spelling():
    with pytest.raises(BadParameter, match=r"^KB12, KB5005565 is in both IncludeKbs and Excl"):
        check_filter_values({"IncludeKbs": "KB5005565,12,KB3", "ExcludeKbs": "5005565,KB12"})


def test_the_command_lines_filters_are_the_option_and_the_parameters_last_one_wins():
    assert given_filters("Critical", ["Categories=Tools", "TargetTag=X", "Categories=Drivers"]) == {
        "SeverityLevels": "Critical",
        "Categories": "Drivers",
    }


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--severity-levels", "Bogus"), "SeverityLevels 'Bogus' is not what"),
        (("--parameter", "Categories=Everything"), "Categories 'Everything' is not what"),
        (
            ("--parameter", "IncludeKbs=KB5005565", "--parameter", "ExcludeKbs=5005565"),
            "KB5005565 is in both IncludeKbs and ExcludeKbs",
        ),
    ],
)
def test_run_refuses_a_bad_filter_in_one_line_before_any_call(monkeypatch, argv, message):
    # No endpoint answers: had the CLI called AWS first, the error would be another.
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", "--approve", *argv])
    assert code == 2
    (line,) = err.getvalue().strip().splitlines()
    assert line.startswith(f"winupdate: {message}") and "nothing was started" in line
