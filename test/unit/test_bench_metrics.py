"""The fleet benchmark's arithmetic."""

from dataclasses import replace
from types import SimpleNamespace

import pytest

from winupdate.bench.designs import module_design, seed_design
from winupdate.bench.fleet import parse_faults
from winupdate.bench.metrics import (
    blind_order_seconds,
    failure_to_message,
    ideal_instance_seconds,
    ideal_seconds,
    peak_overlap,
    scheduled_seconds,
)
from winupdate.errors import UsageError
from winupdate.local.automation.rate_control import Ramp
from winupdate.local.fleet.catalogue import Update
from winupdate.local.fleet.durations import Durations
from winupdate.local.fleet.windows_update import Install, Selection


def test_peak_overlap_counts_open_intervals_and_accepts_a_generator():
    intervals = [(0, 10), (5, 15), (10, 20), (12, 13)]
    assert peak_overlap(iter(intervals)) == 3  # 5..10 has two; 12..13 has three
    assert peak_overlap([(0, 5), (5, 10)]) == 1  # one ends as the next begins


def test_ideal_is_waves_of_the_mean_instance():
    assert ideal_seconds(10, 4, [100.0, 200.0]) == 3 * 150.0


def test_the_ramp_starts_at_one_and_doubles_per_completion_up_to_the_concurrency():
    ramp = Ramp(5)
    seen = [ramp.allowed]
    for _ in range(4):
        ramp.completed()
        seen.append(ramp.allowed)
    assert seen == [1, 2, 4, 5, 5]
    assert Ramp(0).allowed == 1


def test_rate_control_bound_of_equal_targets_counts_the_ramp():
    # C=2: one alone (0..d), then two (d..2d), then the last one (2d..3d).
    assert scheduled_seconds(2, [100.0] * 4) == 300.0
    # C=10, N=20: 1 (0..d), 2 (d..2d), 8 (2d..3d), the other 9 (3d..4d).
    assert scheduled_seconds(10, [100.0] * 20) == 400.0
    assert scheduled_seconds(1, [100.0]) == 100.0
    assert scheduled_seconds(3, []) == 0.0


def test_rate_control_bound_follows_the_target_order():
    # A long first target holds the ramp at one until it ends: 10, then 1, then 1.
    assert scheduled_seconds(2, [10.0, 1.0, 1.0, 1.0]) == 12.0
    # Second, it runs beside the short ones: 1, then 10 beside 1 and 1.
    assert scheduled_seconds(2, [1.0, 10.0, 1.0, 1.0]) == 11.0


def test_window_bound_runs_the_concurrency_at_once_from_the_start():
    # No ramp: two waves of two.
    assert scheduled_seconds(2, [100.0] * 4, ramp=False) == 200.0
    # A slot that frees takes the next target at once: 10 | 1, 1, 1 -> 10.
    assert scheduled_seconds(2, [10.0, 1.0, 1.0, 1.0], ramp=False) == 10.0
    # Waves of the mean are not reachable with uneven instances: the longest is a floor.
    uneven = [40.0, 10.0, 10.0, 10.0]
    assert ideal_seconds(4, 2, uneven) == 35.0
    assert scheduled_seconds(2, uneven, ramp=False) == 40.0


def _update(kb: str, severity: str, reboot: bool, fails: bool = False) -> Update:
    return Update(
        kb=kb,
        title=kb,
        severity=severity,
        category="SecurityUpdates" if severity != "Unspecified" else "Updates",
        published=0.0,
        reboot_required=reboot,
        fails=fails,
    )


PENDING = [
    _update("KB5000001", "Critical", reboot=True),
    _update("KB5000002", "Important", reboot=False),
    _update("KB5000003", "Unspecified", reboot=False),
    _update("KB5000004", "Low", reboot=False),
]


def _ideal(parameters: dict, pending: list[Update] = PENDING) -> float:
    durations = Durations()
    install = Install.plan(Selection.from_parameters(parameters), pending, durations, 1e9)
    return ideal_instance_seconds(durations, install)


def test_longest_first_pairs_the_longest_with_the_shortest_and_blind_orders_do_worse():
    # Two slots, two instances each: longest first pairs 9 with 1 and 6 with 4 (10 s, an
    # optimal schedule); an order that starts 9 last, after 4, takes 13 s.
    times = [9.0, 6.0, 4.0, 1.0]
    assert scheduled_seconds(2, sorted(times, reverse=True), ramp=False) == 10.0
    assert scheduled_seconds(2, [6.0, 4.0, 9.0, 1.0], ramp=False) == 13.0
    blind = blind_order_seconds(2, times)
    assert 10.0 <= blind <= 13.0
    # Seeded: the same median every time; no instances, nothing to wait for.
    assert blind_order_seconds(2, times) == blind
    assert blind_order_seconds(2, []) == 0.0


def test_ideal_instance_counts_only_the_selected_updates_and_the_reboot():
    d = Durations()
    images = 2 * d.image
    # The Unspecified update is not selected by the MSRC severities.
    # AWS-InstallWindowsUpdates' script exits 3010 once it installed anything (AllowReboot
    # not False): the agent restarts the instance and runs the script again (a search).
    rerun = d.reboot + d.scan
    all_severities = {"SeverityLevels": "Critical,Important,Moderate,Low", "AllowReboot": "True"}
    assert _ideal(all_severities) == images + d.scan + 3 * d.update_per_kb + rerun
    critical = {"SeverityLevels": ["Critical"], "AllowReboot": ["True"]}
    assert _ideal(critical) == images + d.scan + d.update_per_kb + rerun
    no_reboot = {"SeverityLevels": "Critical", "AllowReboot": "False"}
    assert _ideal(no_reboot) == images + d.scan + d.update_per_kb
    # Nothing selected needs a reboot: the script restarts all the same.
    low = {"SeverityLevels": "Low", "AllowReboot": "True"}
    assert _ideal(low) == images + d.scan + d.update_per_kb + rerun
    assert _ideal({"Action": "Scan", "AllowReboot": "True"}) == images + d.scan
    failing = [_update("KB5000005", "Critical", reboot=True, fails=True)]
    assert _ideal({"AllowReboot": "True"}, failing) == images + d.scan + d.update_per_kb


def test_each_design_selects_with_the_parameters_its_own_runbooks_pass():
    # The seed's Process passes its SeverityLevels on to MY-WindowsUpdate's install step.
    seed = seed_design().install_parameters()
    assert Selection.from_parameters(seed) == Selection(
        allow_reboot=True, severities=frozenset({"Critical", "Important", "Moderate", "Low"})
    )
    critical_only = replace(seed_design(), process_parameters={"SeverityLevels": ["Critical"]})
    assert Selection.from_parameters(critical_only.install_parameters()).severities == {"Critical"}
    # The module's per-instance runbook installs with its own defaults.
    module = module_design().install_parameters()
    assert Selection.from_parameters(module) == Selection(
        allow_reboot=True, severities=frozenset({"Critical", "Important", "Moderate", "Low"})
    )


def test_failure_to_message_measures_until_the_instance_run_says_so():
    step = SimpleNamespace(status="Failed", end=1000.0)
    run = SimpleNamespace(
        execution_id="run-1",
        document_name="Process",
        resolved_targets=None,
        target="i-1",
        api_parameters={},
        steps=[step],
    )
    child = SimpleNamespace(
        execution_id="child",
        document_name="CreateImage",
        resolved_targets=None,
        target=None,
        api_parameters={"InstanceId": ["i-1"]},
        steps=[],
    )
    messages = [
        {"Message": "i-1 image failed", "Timestamp": 1001.0, "PublishedBy": "child"},
        {"Message": "i-1 run failed", "Timestamp": 4600.0, "PublishedBy": "run-1"},
    ]
    assert failure_to_message([run, child], messages, {"i-1"}, "Process") == 3600.0
    assert failure_to_message([run, child], messages, {"i-2"}, "Process") is None


def test_failure_to_message_counts_a_window_s_run_of_the_instance_too():
    # A maintenance window starts the per-instance runbook with InstanceId, no target.
    step = SimpleNamespace(status="Failed", end=1000.0)
    run = SimpleNamespace(
        execution_id="run-1",
        document_name="Process",
        resolved_targets=None,
        target=None,
        api_parameters={"InstanceId": ["i-1"]},
        steps=[step],
    )
    messages = [{"Message": "i-1 failed", "Timestamp": 1000.0, "PublishedBy": "run-1"}]
    assert failure_to_message([run], messages, {"i-1"}, "Process") == 0.0


def test_fault_spec_parses_kinds_and_counts_and_refuses_unknown_kinds():
    assert parse_faults("image_fails:2,command_fails") == {"image_fails": 2, "command_fails": 1}
    with pytest.raises(UsageError):
        parse_faults("meteor_strike:1")
