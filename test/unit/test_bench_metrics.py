"""The fleet benchmark's arithmetic."""

from types import SimpleNamespace

import pytest

from winupdate.bench.fleet import parse_faults
from winupdate.bench.metrics import failure_to_message, ideal_seconds, peak_overlap
from winupdate.errors import UsageError


def test_peak_overlap_counts_open_intervals_and_accepts_a_generator():
    intervals = [(0, 10), (5, 15), (10, 20), (12, 13)]
    assert peak_overlap(iter(intervals)) == 3  # 5..10 has two; 12..13 has three
    assert peak_overlap([(0, 5), (5, 10)]) == 1  # one ends as the next begins


def test_ideal_is_waves_of_the_mean_instance():
    assert ideal_seconds(10, 4, [100.0, 200.0]) == 3 * 150.0


def test_failure_to_message_measures_until_the_instance_run_says_so():
    step = SimpleNamespace(status="Failed", end=1000.0)
    run = SimpleNamespace(execution_id="run-1", target="i-1", api_parameters={}, steps=[step])
    child = SimpleNamespace(
        execution_id="child", target=None, api_parameters={"InstanceId": ["i-1"]}, steps=[]
    )
    messages = [
        {"Message": "i-1 image failed", "Timestamp": 1001.0, "PublishedBy": "child"},
        {"Message": "i-1 run failed", "Timestamp": 4600.0, "PublishedBy": "run-1"},
    ]
    assert failure_to_message([run, child], messages, {"i-1"}) == 3600.0
    assert failure_to_message([run, child], messages, {"i-2"}) is None


def test_fault_spec_parses_kinds_and_counts_and_refuses_unknown_kinds():
    assert parse_faults("image_fails:2,command_fails") == {"image_fails": 2, "command_fails": 1}
    with pytest.raises(UsageError):
        parse_faults("meteor_strike:1")
