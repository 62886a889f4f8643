"""``winupdate bench fleet --rollback``: the module's rollback_on_failure in virtual time.
A failed update is restored from its AMI before by the Restore runbook (a child run that
holds a second Automation slot meanwhile) before its one message; the instance's time is
measured apart from the successful ones'."""

from __future__ import annotations

import pytest

from winupdate.bench.fleet import FleetBench, run_fleet_bench
from winupdate.errors import UsageError


def bench(rollback: bool) -> dict:
    return run_fleet_bench(
        FleetBench(
            instances=4,
            concurrency=2,
            documents="module",
            faults={"command_fails": 1},
            rollback=rollback,
        )
    )


def test_a_rolled_back_instance_is_measured_and_holds_two_slots_only_then():
    without, rolled = bench(False), bench(True)
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
    with pytest.raises(UsageError, match="--documents module"):
        run_fleet_bench(
            FleetBench(instances=2, concurrency=1, documents="seed", faults={}, rollback=True)
        )
