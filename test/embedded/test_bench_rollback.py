"""``winupdate bench fleet --rollback``: the module's rollback_on_failure in virtual time.
A failed update is restored from its AMI before by the Restore runbook (a child run that
holds a second Automation slot meanwhile) before its one message; the instance's time is
measured apart from the successful ones'."""

from __future__ import annotations

import json
import subprocess
import sys

# Each `bench fleet` run is a process of its own: this session's embedded AWS already runs
# in the test process, and a process holds one.
COMMAND = [sys.executable, "-m", "winupdate.cli", "bench", "fleet", "--json"]
FLEET = ["--instances", "4", "--concurrency", "2", "--faults", "command_fails:1"]


def bench_runs(*variants: list[str]) -> list[dict]:
    """The runs at once (two cores), each one's JSON."""
    runs = [subprocess.Popen(COMMAND + v, stdout=subprocess.PIPE, text=True) for v in variants]
    results = []
    for run in runs:
        out, _ = run.communicate(timeout=300)
        assert run.returncode == 0
        results.append(json.loads(out))
    return results


def test_a_rolled_back_instance_is_measured_and_holds_two_slots_only_then():
    without, rolled = bench_runs(FLEET, [*FLEET, "--rollback"])
    assert without["instance_s_rolled_back"] is None and without["peak_slots_per_instance"] == 1
    (failed,) = rolled["failed_instances"]
    assert failed == without["failed_instances"][0]
    (seconds,) = rolled["instance_s_rolled_back"]
    # The restore (a root volume replacement: its volume made, the instance rebooted) comes
    # on top of the failed run's time, before its message.
    assert seconds > without["instance_s_failed_mean"]
    assert rolled["failure_to_message_s"] > without["failure_to_message_s"]
    assert rolled["peak_slots_per_instance"] == 2
    assert rolled["instance_s_succeeded_mean"] == without["instance_s_succeeded_mean"]


def test_rollback_is_the_modules_option_only():
    refused = subprocess.run(
        [*COMMAND, "--documents", "seed", "--rollback"], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2
    assert (
        "--rollback is the module's rollback_on_failure: use --documents module" in refused.stderr
    )
