"""Maintenance windows fired by their schedule on the embedded AWS's modelled clock.

References: SSM User Guide, "Reference: Cron and rate expressions for Systems Manager"
(cron fields, #, rate, schedule offsets); CreateMaintenanceWindow / GetMaintenanceWindow
(ScheduleTimezone, ScheduleOffset, EndDate, Duration, Cutoff: "the number of hours before
the end of the maintenance window that Systems Manager stops scheduling new tasks",
NextExecutionTime: "the next time the maintenance window will actually run, taking into
account any specified times for the maintenance window to become active or inactive");
UpdateMaintenanceWindow (Enabled); MaintenanceWindowExecutionStatus.

Virtual time runs in a child process (``window_schedule_support.py``): its schedules are
followed with the control ``POST /_winupdate/maintenance-windows/schedules`` up to
2026-02-20 (see ``scheduler``: a schedule is not an event the virtual clock jumps to unless
asked). Scaled time uses the session's embedded AWS.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from automation_support import window_schedules

SUPPORT = Path(__file__).with_name("window_schedule_support.py")


@pytest.fixture(scope="module")
def virtual():
    done = subprocess.run(
        [sys.executable, str(SUPPORT)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_second_tuesday_plus_two_fires_on_the_thursday_at_three_in_tokyo_and_not_otherwise(
    virtual,
):
    # cron(0 3 ? * TUE#2 *) with ScheduleOffset 2 in Asia/Tokyo: the second Tuesdays of
    # January and February 2026 are the 13th and 10th; two days later at 03:00 JST is
    # 18:00Z on the 14th and 11th. Nothing else in the seven weeks followed.
    runs = virtual["runs"]["tokyo"]
    assert [r["Start"] for r in runs] == ["2026-01-14T18:00Z", "2026-02-11T18:00Z"]
    # Each is a window execution with its task execution and one invocation (targetless),
    # which started an Automation execution, as the execution APIs show them.
    for run in runs:
        assert run["Status"] == "SUCCESS"
        assert [status for _, status in run["Tasks"]] == ["SUCCESS"]
        assert run["Invocations"] == [["SUCCESS", True]]


def test_next_execution_time_is_what_aws_would_show(virtual):
    # GetMaintenanceWindow and DescribeMaintenanceWindows agree; the format (ISO 8601, UTC,
    # to the minute) is assumed: the API reference only says String.
    before, after = virtual["next_before"], virtual["next_after"]
    assert before["tokyo"] == {"Get": "2026-01-14T18:00Z", "Describe": "2026-01-14T18:00Z"}
    assert after["tokyo"] == {"Get": "2026-03-11T18:00Z", "Describe": "2026-03-11T18:00Z"}
    assert before["hourly"]["Get"] == "2026-01-01T01:00Z"
    # Past its EndDate (and after its one-off cron year) there is no next time.
    assert after["hourly"] == {"Get": None, "Describe": None}
    assert after["cutoff"] == {"Get": None, "Describe": None}


def test_rate_fires_every_interval_until_its_end_date(virtual):
    # rate(1 hour) created at 00:00 (assumed: first run one interval later) with EndDate
    # 04:30: "won't run after this specified time".
    starts = [r["Start"] for r in virtual["runs"]["hourly"]]
    assert starts == [
        "2026-01-01T01:00Z",
        "2026-01-01T02:00Z",
        "2026-01-01T03:00Z",
        "2026-01-01T04:00Z",
    ]
    assert {r["Status"] for r in virtual["runs"]["hourly"]} == {"SUCCESS"}


def test_a_disabled_window_does_not_fire(virtual):
    assert virtual["runs"]["disabled"] == []
    assert virtual["next_before"]["disabled"] == {"Get": None, "Describe": None}


def test_a_task_that_would_start_after_the_cutoff_does_not(virtual):
    # Duration 2, Cutoff 1: no task starts after an hour. The priority-1 task sleeps 90
    # minutes, so the priority-2 task would start after the cutoff: it never starts, and
    # the window ends TIMED_OUT with only the first task's execution.
    (run,) = virtual["runs"]["cutoff"]
    assert run["Start"] == "2026-01-01T12:00Z"
    assert run["Status"] == "TIMED_OUT"
    assert len(run["Tasks"]) == 1 and run["Tasks"][0][1] == "SUCCESS"
    assert "1 task(s) not started" in run["StatusDetails"]


def test_the_virtual_clock_does_not_jump_to_a_window_nobody_follows(virtual):
    # The design choice: a schedule is no event of its own for the virtual clock. A window
    # due at 03:00 on the first day leaves an idle clock at midnight, and nothing runs.
    idle = virtual["idle"]
    assert idle["moved"] == 0.0 and idle["runs"] == []
    assert idle["next"]["Get"] == "2026-01-01T03:00Z"
    # Following stops at the last scheduled time up to FollowUntil (Tokyo's 11 February
    # run, plus its 10-minute task), not at FollowUntil or beyond; then the clock stays.
    assert virtual["clock_after"] == "2026-02-11T18:10Z"
    assert virtual["moved_after"] == 0.0


@pytest.fixture
def schedules_on(endpoint):
    """The session's embedded AWS starts scheduled windows only while a test asks."""
    window_schedules(endpoint, Paused=False)
    yield
    window_schedules(endpoint, Paused="recurring")


def test_rate_fires_repeatedly_on_the_scaled_clock(client, schedules_on):
    # Scaled time (the session's, 600x): rate(5 minutes) is 0.5 s of wall time; the
    # scheduler's runner on the engine wakes for each run without any request.
    ssm = client("ssm")
    window_id = ssm.create_maintenance_window(
        Name=f"mw-rate-{uuid.uuid4().hex[:8]}",
        Schedule="rate(5 minutes)",
        Duration=1,
        Cutoff=0,
        AllowUnassociatedTargets=False,
    )["WindowId"]
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            runs = ssm.describe_maintenance_window_executions(WindowId=window_id)[
                "WindowExecutions"
            ]
            if len(runs) >= 3 and all(r["Status"] == "SUCCESS" for r in runs):
                break
            time.sleep(0.2)
    finally:
        ssm.delete_maintenance_window(WindowId=window_id)
    starts = sorted(r["StartTime"].timestamp() for r in runs)
    assert len(starts) >= 3
    gaps = {round(b - a) for a, b in itertools.pairwise(starts)}
    assert gaps == {300}
    # No task registered: each run ends at once, as AWS ends a window with nothing to do.
    assert {r["Status"] for r in runs} == {"SUCCESS"}


def test_paused_recurring_fires_a_one_off_window_and_holds_a_rate_one(client, embedded_aws):
    # The session's setting (test/conftest.py): cron and rate windows wait, an at(...) window
    # armed a minute ahead runs (the module's run window is armed so, fan_out window).
    ssm = client("ssm")
    now = embedded_aws.clock.now()
    at = datetime.fromtimestamp(now + 60, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    made = [
        ssm.create_maintenance_window(
            Name=f"mw-{kind}-{uuid.uuid4().hex[:8]}",
            Schedule=schedule,
            ScheduleTimezone="UTC",
            Duration=1,
            Cutoff=0,
            AllowUnassociatedTargets=False,
        )["WindowId"]
        for kind, schedule in (("at", f"at({at})"), ("rate", "rate(1 minute)"))
    ]
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            runs = [
                ssm.describe_maintenance_window_executions(WindowId=w)["WindowExecutions"]
                for w in made
            ]
            if runs[0] and embedded_aws.clock.now() > now + 300:
                break
            time.sleep(0.1)
    finally:
        for window_id in made:
            ssm.delete_maintenance_window(WindowId=window_id)
    one_off, rate = runs
    assert [r["StartTime"].timestamp() for r in one_off] == [pytest.approx(now + 60, abs=1)]
    assert rate == []
