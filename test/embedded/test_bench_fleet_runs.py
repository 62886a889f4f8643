"""`winupdate bench fleet` in processes of its own: a poll of a resource that has not changed
reuses its last answer in virtual time (``StepContext.call``) and the run is exactly the one
in which every poll is a request; and the two fan-outs, rate control against a maintenance
window."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Each `bench fleet` run is a process of its own (this session's embedded AWS already runs
# in this one); they all start at once and the tests below read their results.
RUNS = {
    "module": ["--documents", "module", "--faults", "image_fails:1"],
    "module, every poll": [
        "--documents",
        "module",
        "--faults",
        "image_fails:1",
        "--request-every-poll",
    ],
    "seed": ["--documents", "seed", "--faults", "command_fails:1"],
    "seed, every poll": [
        "--documents",
        "seed",
        "--faults",
        "command_fails:1",
        "--request-every-poll",
    ],
    "module, window": ["--documents", "module", "--faults", "image_fails:1", "--fan-out", "window"],
    "module, start": ["--documents", "module", "--faults", "image_fails:1", "--fan-out", "start"],
}


@pytest.fixture(scope="module")
def bench_runs() -> dict[str, dict]:
    command = [sys.executable, "-m", "winupdate.cli", "bench", "fleet", "--json"]
    command += ["--instances", "4", "--concurrency", "2"]
    started = {
        name: subprocess.Popen(command + extra, stdout=subprocess.PIPE, text=True)
        for name, extra in RUNS.items()
    }
    results = {}
    for name, run in started.items():
        out, _ = run.communicate(timeout=300)
        assert run.returncode == 0, name
        results[name] = json.loads(out)
        results[name].pop("wall_s")
    return results


@pytest.mark.parametrize("documents", ["module", "seed"])
def test_reused_polls_change_nothing(bench_runs, documents):
    reused, requested = bench_runs[documents], bench_runs[f"{documents}, every poll"]
    # The digest covers every execution's and step's id, status, times and outputs, and
    # every message: the same run, not only the same numbers.
    assert reused == requested
    assert reused["failed_instances"], "the fault must show in both runs"


def test_a_window_fan_out_runs_the_concurrency_at_once_and_rate_control_ramps_up(bench_runs):
    """The same per-instance runbook started by Automation rate control (which ramps up:
    running-automations-scale-controls.md) or by a maintenance window's task
    (MaxConcurrency targets at once, no ramp)."""
    window, automation = bench_runs["module, window"], bench_runs["module"]
    assert window["failed_instances"] == automation["failed_instances"] != []
    # Both reach their scheduler's own bound within the runbook's small overhead.
    assert window["ratio_scheduled"] <= 1.05
    assert automation["ratio_scheduled"] <= 1.05
    # The window never waits for a first instance before starting the others.
    assert window["peak_executions"] == 2
    assert window["ideal_scheduled_s"] < automation["ideal_scheduled_s"]
    assert window["makespan_s"] < automation["makespan_s"]
    assert window["peak_slots_per_instance"] == 1
    # The failed instance's own run said so at once, however it was started.
    assert window["failure_to_message_s"] == automation["failure_to_message_s"] == 0.0


def test_the_approved_start_run_fans_out_through_its_run_window_without_the_ramp(bench_runs):
    """The module's default run (fan_out window): the Start runbook, approved, arms its run
    window a minute ahead and waits for it; the window starts C instances at once."""
    start, window, automation = (
        bench_runs["module, start"],
        bench_runs["module, window"],
        bench_runs["module"],
    )
    assert start["failed_instances"] == window["failed_instances"] != []
    assert start["status"] == "Failed"  # an instance failed: the run says so at its end
    # The window's makespan, plus the arming's minute and the summary; never the ramp's.
    assert window["makespan_s"] < start["makespan_s"] <= window["makespan_s"] + 120
    assert start["makespan_s"] < automation["makespan_s"]
    assert start["ideal_scheduled_s"] == window["ideal_scheduled_s"]
    # C per-instance runs and the Start run itself; one slot per instance.
    assert start["peak_executions"] == 3
    assert start["peak_slots_per_instance"] == 1
    assert start["lower_bound_s"] == window["lower_bound_s"]
    assert start["failure_to_message_s"] == 0.0
