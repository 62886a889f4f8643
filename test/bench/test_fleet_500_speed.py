"""Benchmark: a 500-instance patch night simulated in virtual time (`bench fleet`, the
module's runbooks, C=50). Issue goal: under 30 s of wall time on this machine (2 cores).
Prints the result; run with `make bench`."""

from __future__ import annotations

import json
import sys
import time

from winupdate.bench.fleet import FleetBench, run_fleet_bench

GOAL_SECONDS = 30.0


def test_five_hundred_instances_simulate_within_the_goal():
    began = time.perf_counter()
    result = run_fleet_bench(
        FleetBench(instances=500, concurrency=50, documents="module", faults={})
    )
    process = time.perf_counter() - began
    print("\nBENCH fleet500 " + json.dumps({**result, "run_s": round(process, 1)}))
    sys.stdout.flush()
    assert result["failed_instances"] == [] and not result["deadlocked"]
    assert result["peak_slots_per_instance"] == 1
    assert process < GOAL_SECONDS
