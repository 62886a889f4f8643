"""The run window a harness makes (``documents/run_window.py``: the embedded tests, ``bench
fleet``) is the one ``modules/run-window`` makes, and the Start runbook writes into it every
parameter its rate-controlled fan-out would pass (fan_out window against rate_control)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
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


class _Windows:
    """Systems Manager as the arming script sees it: the service's clock runs on, so that
    the first ``late`` armings land 30 s after the time they set (ModifiedDate)."""

    def __init__(self, late: int) -> None:
        self.late = late
        self.updates: list[dict] = []
        self.window = {"WindowId": "mw-0123456789abcdef0", "Name": "MY-WindowsUpdateRun"}

    def describe_maintenance_windows(self, **_):
        return {"WindowIdentities": [self.window]}

    def get_paginator(self, _name):
        return self

    def paginate(self, **_):
        return [{"WindowExecutions": []}]

    def describe_maintenance_window_executions(self, **_):
        return {"WindowExecutions": []}

    def describe_maintenance_window_targets(self, **_):
        return {"Targets": [{"WindowTargetId": "t-1", "Targets": []}]}

    def describe_maintenance_window_tasks(self, **_):
        return {"Tasks": [{"WindowTaskId": "task-1"}]}

    def update_maintenance_window_target(self, **_):
        return {}

    def update_maintenance_window_task(self, **_):
        return {}

    def update_maintenance_window(self, **params):
        self.updates.append(params)
        self.window.update({k: v for k, v in params.items() if k != "WindowId"})
        return {}

    def get_maintenance_window(self, **_):
        from datetime import UTC, datetime, timedelta

        armed = [u for u in self.updates if "Schedule" in u]
        found = dict(self.window)
        if armed:
            at = datetime.strptime(armed[-1]["Schedule"], "at(%Y-%m-%dT%H:%M:%S)")
            late = timedelta(seconds=30 if len(armed) <= self.late else -59)
            found["ModifiedDate"] = at.replace(tzinfo=UTC) + late
        return found


def _arm(windows: _Windows) -> dict:
    import sys
    import types

    start = yaml.safe_load(rendered_document(ROOT, "AutomationStart"))
    (step,) = [s for s in start["mainSteps"] if s["name"] == "ArmRunWindow"]
    fake = types.ModuleType("boto3")
    fake.client = lambda _service: windows
    saved = sys.modules.get("boto3")
    sys.modules["boto3"] = fake
    try:
        namespace: dict = {}
        exec(step["inputs"]["Script"], namespace)  # the script the runbook runs
        payload = {
            **step["inputs"]["InputPayload"],
            "ExecutionId": "e-1",
            "Now": "2026-12-03_03.00.00",
            "TargetTag": "WinUpdate",
            "TargetTagValue": "ON",
            "MaxConcurrency": "50",
            "MaxErrors": "1",
            "Parameters": {"Action": "Install", "Categories": ""},
        }
        return namespace["arm_run_window"](payload, None)
    finally:
        sys.modules["boto3"] = saved


def test_an_arming_in_place_before_its_time_is_armed_once():
    windows = _Windows(late=0)
    _arm(windows)
    assert [u["Schedule"] for u in windows.updates if "Schedule" in u] == [
        "at(2026-12-03T03:01:00)"
    ]


def test_an_arming_that_lands_too_late_is_armed_again_from_the_services_clock():
    windows = _Windows(late=1)
    armed = _arm(windows)
    schedules = [u["Schedule"] for u in windows.updates if "Schedule" in u]
    # The step's time + 60 s landed 30 s too late; the service's clock then + 60 s did not.
    assert schedules == ["at(2026-12-03T03:01:00)", "at(2026-12-03T03:02:30)"]
    assert armed["StartsAt"] == "2026-12-03T03:02:30Z"
    assert windows.window["Enabled"] is True


def test_an_arming_that_never_takes_is_disarmed_and_refused():
    windows = _Windows(late=5)
    with pytest.raises(RuntimeError, match="already past when the update landed"):
        _arm(windows)
    assert len([u for u in windows.updates if "Schedule" in u]) == 3
    assert windows.updates[-1] == {"WindowId": "mw-0123456789abcdef0", "Enabled": False}
