"""Benchmark: `winupdate bench fleet` in virtual time — the same run twice gives the same
numbers (only the wall time differs). Prints both results; run with `make bench`."""

from __future__ import annotations

import json

from winupdate.bench.fleet import FleetBench, run_fleet_bench


def test_a_virtual_time_fleet_run_repeats_exactly():
    bench = FleetBench(instances=12, concurrency=4, documents="module", faults={"image_fails": 1})
    first = run_fleet_bench(bench)
    second = run_fleet_bench(bench)
    print("\nBENCH fleet " + json.dumps(first))
    print("BENCH fleet " + json.dumps(second))
    first_wall, second_wall = first.pop("wall_s"), second.pop("wall_s")
    assert first == second
    assert first_wall > 0 and second_wall > 0
    assert first["peak_slots_per_instance"] == 1
    assert first["failure_to_message_s"] is not None
