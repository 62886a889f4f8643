"""`winupdate bench fleet --fan-out`: the same per-instance runbook started by Automation
rate control (which ramps up: running-automations-scale-controls.md) or by a maintenance
window's task (MaxConcurrency targets at once, no ramp)."""

from __future__ import annotations

import json
import subprocess
import sys


def _bench(*args: str) -> subprocess.Popen:
    # A process of its own: this session's embedded AWS already runs in this one.
    command = [sys.executable, "-m", "winupdate.cli", "bench", "fleet", "--json", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def _result(run: subprocess.Popen) -> dict:
    out, _ = run.communicate(timeout=300)
    assert run.returncode == 0
    return json.loads(out)


def test_a_window_fan_out_runs_the_concurrency_at_once_and_rate_control_ramps_up():
    common = ["--instances", "6", "--concurrency", "3", "--documents", "module"]
    window, automation = (
        _result(run) for run in [_bench(*common, "--fan-out", "window"), _bench(*common)]
    )
    assert window["failed_instances"] == automation["failed_instances"] == []
    assert window["status"] == "SUCCESS" and automation["status"] == "Success"
    # Both reach their scheduler's own bound within the runbook's small overhead.
    assert window["ratio_scheduled"] <= 1.05
    assert automation["ratio_scheduled"] <= 1.05
    # The window never waits for a first instance before starting the others.
    assert window["peak_executions"] == 3
    assert window["ideal_scheduled_s"] < automation["ideal_scheduled_s"]
    assert window["makespan_s"] < automation["makespan_s"]
    assert window["peak_slots_per_instance"] == 1
