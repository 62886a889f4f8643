"""The run window a harness makes (``documents/run_window.py``: the embedded tests, ``bench
fleet``) is the one ``modules/run-window`` makes, and the Start runbook writes into it every
parameter its rate-controlled fan-out would pass (fan_out window against rate_control)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from winupdate.documents import run_window
from winupdate.documents.render import rendered_document

ROOT = Path(__file__).resolve().parents[2]


def module_text() -> str:
    return (ROOT / "modules" / "run-window" / "main.tf").read_text(encoding="utf-8")


def test_the_harness_window_has_the_modules_schedule_duration_cutoff_and_priority():
    text = module_text()

    def attribute(name: str) -> str:
        (value,) = re.findall(rf"^\s+{name}\s+=\s+(.+)$", text, re.M)
        return value.strip().strip('"')

    assert attribute("schedule") == run_window.SCHEDULE
    assert int(attribute("duration")) == run_window.DURATION_HOURS
    assert int(attribute("cutoff")) == run_window.CUTOFF_HOURS
    assert int(attribute("priority")) == run_window.PRIORITY
    assert attribute("enabled") == "false"
    assert f'name          = "{run_window.TARGET_NAME}"' in text
    assert f'name             = "{run_window.TASK_NAME}"' in text
    assert "InstanceId = " + '"' + run_window.RESOURCE_ID + '"' in text


def test_the_run_window_name_is_the_one_the_start_runbook_arms():
    start = yaml.safe_load(rendered_document(ROOT, "AutomationStart"))
    (arm,) = [s for s in start["mainSteps"] if s["name"] == "ArmRunWindow"]
    assert arm["inputs"]["InputPayload"]["WindowName"] == run_window.run_window_name("MY-")
    main = (ROOT / "main.tf").read_text(encoding="utf-8")
    assert 'run_window_name = "${var.document_prefix}WindowsUpdateRun"' in main


def test_arming_passes_exactly_what_rate_control_passes_each_instance():
    window = yaml.safe_load(rendered_document(ROOT, "AutomationStart", FanOutWindow=True))
    rate = yaml.safe_load(rendered_document(ROOT, "AutomationStart", FanOutWindow=False))
    (arm,) = [s for s in window["mainSteps"] if s["name"] == "ArmRunWindow"]
    (run,) = [s for s in rate["mainSteps"] if s["name"] == "RunProcesses"]
    armed = arm["inputs"]["InputPayload"]["Parameters"]
    passed = run["inputs"]["RuntimeParameters"]
    assert set(armed) == set(passed)
    assert all(passed[name] == [value] for name, value in armed.items())
    assert arm["inputs"]["InputPayload"]["MaxConcurrency"] == run["inputs"]["MaxConcurrency"]
    assert arm["inputs"]["InputPayload"]["MaxErrors"] == run["inputs"]["MaxErrors"]


def test_each_fan_out_renders_only_its_own_steps():
    window = {
        s["name"] for s in yaml.safe_load(rendered_document(ROOT, "AutomationStart"))["mainSteps"]
    }
    rate = {
        s["name"]
        for s in yaml.safe_load(rendered_document(ROOT, "AutomationStart", FanOutWindow=False))[
            "mainSteps"
        ]
    }
    armed = {
        "ArmRunWindow",
        "WaitForRunWindowToStart",
        "GetRunWindowExecution",
        "AwaitRunWindow",
        "DisarmRunWindow",
        "DisarmRunWindowOnFailure",
        "CancelRunWindowOnCancel",
    }
    assert armed <= window and "RunProcesses" not in window
    assert not armed & rate and "RunProcesses" in rate
