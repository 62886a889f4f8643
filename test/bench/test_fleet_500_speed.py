"""Benchmark: a 500-instance patch night simulated in virtual time (`bench fleet`, the
module's runbooks, C=50). Issue goal: under 30 s of wall time on this machine (2 cores).
Prints the result; run with `make bench`.

This machine's speed drifts by up to 2x within minutes (test/bench/README.md): a fixed
pure-Python loop is timed right before and right after the run, and printed with the result.
When the goal is missed while that loop ran slow (over SLOWED_REFERENCE_SECONDS; 0.9-1.4 s
otherwise), the test reports an expected failure naming both times instead of failing: the
machine was slowed, not the simulation. In any other case a miss fails."""

from __future__ import annotations

import json
import sys
import time

import pytest

from winupdate.bench.fleet import FleetBench, run_fleet_bench

GOAL_SECONDS = 30.0
SLOWED_REFERENCE_SECONDS = 1.6


def reference_loop_seconds() -> float:
    """``calib.py`` of the README: 5 M multiplications and 1 M dict stores."""
    began = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i * i % 7
    stores = {}
    for i in range(1_000_000):
        stores[str(i)] = i
    return time.perf_counter() - began


def test_five_hundred_instances_simulate_within_the_goal():
    before = reference_loop_seconds()
    began = time.perf_counter()
    result = run_fleet_bench(
        FleetBench(instances=500, concurrency=50, documents="module", faults={})
    )
    process = time.perf_counter() - began
    after = reference_loop_seconds()
    figures = {
        **result,
        "run_s": round(process, 1),
        "reference_loop_s": [round(before, 2), round(after, 2)],
    }
    print("\nBENCH fleet500 " + json.dumps(figures))
    sys.stdout.flush()
    assert result["failed_instances"] == [] and not result["deadlocked"]
    assert result["peak_slots_per_instance"] == 1
    missed = (
        f"{process:.1f} s for 500 instances (goal {GOAL_SECONDS:.0f} s); the reference loop "
        f"took {before:.2f} s before and {after:.2f} s after"
    )
    if process >= GOAL_SECONDS and max(before, after) > SLOWED_REFERENCE_SECONDS:
        pytest.xfail("the machine was slowed: " + missed)
    assert process < GOAL_SECONDS, missed
