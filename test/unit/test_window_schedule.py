"""When a maintenance window runs: the expression math of ``maintenance_windows.schedule``.

References: SSM User Guide, "Reference: Cron and rate expressions for Systems Manager"
(fields, wildcards, L, W, #, rate units, at(), schedule offsets and the note on a cron date
already passed); CreateMaintenanceWindow (botocore's SSM model: ScheduleTimezone,
ScheduleOffset, StartDate, EndDate). Tests marked "assumed" pin what the docs leave open.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from winupdate.local.maintenance_windows.schedule import (
    Cron,
    ScheduleError,
    WindowSchedule,
    api_time,
    parse_expression,
)


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()[:16]


def runs(schedule: WindowSchedule, after: float, count: int) -> list[str | None]:
    found = []
    for _ in range(count):
        nxt = schedule.next_run(after)
        found.append(iso(nxt))
        if nxt is None:
            break
        after = nxt
    return found


def window(expression: str, since: str = "2026-01-01T00:00", **kwargs) -> WindowSchedule:
    return WindowSchedule.of(expression, since=ts(since), **kwargs)


def test_second_tuesday_with_offset_two_runs_two_days_later_in_tokyo():
    # Cron reference: "the cron expression schedules a maintenance window to run the third
    # Tuesday ... because the schedule offset is 2, [it] won't run until 11:30 PM two days
    # later". The fields are read on ScheduleTimezone's clock: 03:00 JST is 18:00Z the day
    # before. January 2026: Tuesdays 6 and 13; February: 3 and 10.
    schedule = window("cron(0 3 ? * TUE#2 *)", timezone="Asia/Tokyo", offset=2)
    assert runs(schedule, ts("2026-01-01T00:00"), 3) == [
        "2026-01-14T18:00",  # Thursday 15 January, 03:00 in Tokyo
        "2026-02-11T18:00",  # Thursday 12 February
        "2026-03-11T18:00",  # March: Tuesdays 3 and 10 -> Thursday 12
    ]


def test_a_cron_date_already_passed_does_not_run_even_if_its_offset_date_is_ahead():
    # Cron reference note: "if you specify a cron expression that would have run a
    # maintenance window yesterday and add a schedule offset of two days, the maintenance
    # window will not run tomorrow". Created on Wednesday 14 January 2026 (the second
    # Tuesday was the 13th): the 15th does not run, February's does.
    schedule = window("cron(0 3 ? * TUE#2 *)", since="2026-01-14T00:00", timezone="UTC", offset=2)
    assert iso(schedule.next_run(ts("2026-01-14T00:00"))) == "2026-02-12T03:00"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # every day at 10:00 (the reference's first example)
        ("cron(0 10 * * ? *)", ["2026-01-01T10:00", "2026-01-02T10:00"]),
        # Monday to Friday at 18:00: 1 January 2026 is a Thursday
        ("cron(0 18 ? * MON-FRI *)", ["2026-01-01T18:00", "2026-01-02T18:00", "2026-01-05T18:00"]),
        # every 15 minutes (0/15)
        ("cron(0/15 * * * ? *)", ["2026-01-01T00:15", "2026-01-01T00:30"]),
        # L in day-of-month: the last day of the month
        ("cron(0 9 L * ? *)", ["2026-01-31T09:00", "2026-02-28T09:00"]),
        # W: the weekday nearest the 3rd (3 January 2026 is a Saturday -> Friday 2nd;
        # 3 February is a Tuesday)
        ("cron(0 0 3W * ? *)", ["2026-01-02T00:00", "2026-02-03T00:00"]),
        # W does not leave the month: 1 February 2026 is a Sunday -> Monday 2nd;
        # 1 August 2026 is a Saturday -> Monday 3rd, not Friday 31 July
        ("cron(0 0 1W 2,8 ? *)", ["2026-02-02T00:00", "2026-08-03T00:00"]),
        # LW: the last weekday (31 January 2026 is a Saturday -> Friday 30th)
        ("cron(0 0 LW * ? *)", ["2026-01-30T00:00", "2026-02-27T00:00"]),
        # nL in day-of-week: the last Friday (6) of the month
        ("cron(0 0 ? * 6L *)", ["2026-01-30T00:00", "2026-02-27T00:00"]),
        # L alone in day-of-week: the last day of the week, Saturday
        ("cron(0 0 ? * L *)", ["2026-01-03T00:00", "2026-01-10T00:00"]),
        # # with a number: 3#2 is the second Tuesday ("3 refers to Tuesday")
        ("cron(0 0 ? * 3#2 *)", ["2026-01-13T00:00", "2026-02-10T00:00"]),
        # a fifth Monday exists only in some months (March 2026 has 2, 9, 16, 23, 30)
        ("cron(0 0 ? * MON#5 *)", ["2026-03-30T00:00", "2026-06-29T00:00"]),
        # months by name, one year only: after it, nothing more
        ("cron(30 2 1 JAN,JUL ? 2026)", ["2026-01-01T02:30", "2026-07-01T02:30", None]),
    ],
)
def test_cron_fields_and_wildcards(expression, expected):
    # Cron reference: the fields and the wildcards , - * ? / L W #.
    assert runs(window(expression), ts("2026-01-01T00:00"), len(expected)) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 3 * * SUN *)",  # no ? in either day field
        "cron(0 3 ? * ? *)",  # ? in both
        "cron(0 3 ? * SUN)",  # five fields
        "cron(60 3 ? * SUN *)",  # minute out of range
        "cron(0 3 ? * 3#1,6#3 *)",  # "#" takes one expression
        "cron(0 3 ? * 8 *)",  # day of week is 1-7
        "cron(0 3 ? * SUN 2200)",  # year is 1970-2199
        "rate(1 days)",  # singular for 1
        "rate(2 hour)",  # plural above
        "rate(0 minutes)",
        "rate(5 weeks)",
        "at(2026-13-01T00:00:00)",
        "every sunday",
    ],
)
def test_schedules_systems_manager_refuses(expression):
    with pytest.raises(ScheduleError):
        parse_expression(expression)


def test_offset_is_for_cron_only():
    # Cron reference: "maintenance windows support schedule offsets for cron expressions only".
    with pytest.raises(ScheduleError):
        window("rate(1 day)", offset=2)


def test_rate_runs_every_interval_from_when_it_was_scheduled():
    # Assumed (the docs give no first time): one interval after the window is created.
    schedule = window("rate(6 hours)", since="2026-01-01T00:10")
    assert runs(schedule, ts("2026-01-01T00:10"), 3) == [
        "2026-01-01T06:10",
        "2026-01-01T12:10",
        "2026-01-01T18:10",
    ]
    # Asked later, it keeps the same phase.
    assert iso(schedule.next_run(ts("2026-01-03T07:00"))) == "2026-01-03T12:10"


def test_rate_counts_from_a_future_start_date_and_from_now_for_a_past_one():
    # CreateMaintenanceWindow StartDate: "When using a rate schedule, if you provide a start
    # date that occurs in the past, the current date and time are used as the start date."
    future = window("rate(1 day)", since="2026-01-01T00:00", start_date="2026-02-01T05:00:00Z")
    assert iso(future.next_run(ts("2026-01-01T00:00"))) == "2026-02-02T05:00"
    past = window("rate(1 day)", since="2026-01-01T08:00", start_date="2025-06-01T05:00:00Z")
    assert iso(past.next_run(ts("2026-01-01T08:00"))) == "2026-01-02T08:00"


def test_start_date_and_end_date_bound_the_runs():
    # StartDate: "The maintenance window won't run before this specified time"; EndDate:
    # "won't run after this specified time". NextExecutionTime takes both into account.
    schedule = window(
        "cron(0 3 * * ? *)",
        start_date="2026-01-10T00:00:00Z",
        end_date="2026-01-12T03:00:00Z",
    )
    assert runs(schedule, ts("2026-01-01T00:00"), 4) == [
        "2026-01-10T03:00",
        "2026-01-11T03:00",
        "2026-01-12T03:00",
        None,
    ]


def test_dates_without_an_offset_are_read_in_the_window_time_zone():
    # Assumed: a StartDate without an offset is the window's time zone's wall clock.
    schedule = window("cron(0 * * * ? *)", timezone="Asia/Tokyo", start_date="2026-01-10T09:00")
    assert iso(schedule.next_run(ts("2026-01-01T00:00"))) == "2026-01-10T00:00"


def test_at_runs_once_in_utc_and_not_if_already_past():
    # Cron reference, single-run schedules: "a timestamp in Coordinated Universal Time
    # (UTC) format so that it runs once at the specified time".
    once = window("at(2026-03-01T12:30:00)", timezone="Asia/Tokyo")
    assert runs(once, ts("2026-01-01T00:00"), 2) == ["2026-03-01T12:30", None]
    assert window("at(2025-03-01T12:30:00)").next_run(ts("2026-01-01T00:00")) is None


def test_wall_clock_through_daylight_saving_changes():
    # Assumed: a skipped time runs at the instant the offset before the change gives it
    # (02:30 EST -> 07:30Z); a repeated one runs once, the first time (01:30 EDT -> 05:30Z).
    spring = window("cron(30 2 8 MAR ? 2026)", timezone="America/New_York")
    assert iso(spring.next_run(ts("2026-01-01T00:00"))) == "2026-03-08T07:30"
    autumn = window("cron(30 1 * NOV ? 2026)", timezone="America/New_York")
    assert runs(autumn, ts("2026-10-31T00:00"), 2) == ["2026-11-01T05:30", "2026-11-02T06:30"]
    # And the ordinary case moves with the zone: 03:00 Paris is 02:00Z in winter, 01:00Z
    # in summer.
    paris = window("cron(0 3 ? * SUN *)", timezone="Europe/Paris")
    assert iso(paris.next_run(ts("2026-01-01T00:00"))) == "2026-01-04T02:00"
    assert iso(paris.next_run(ts("2026-07-01T00:00"))) == "2026-07-05T01:00"


def test_a_schedule_that_never_matches_has_no_next_run():
    # 30 February does not exist: nothing to run, rather than a search without end.
    assert window("cron(0 0 30 2 ? *)").next_run(ts("2026-01-01T00:00")) is None


def test_unknown_time_zone_is_refused():
    with pytest.raises(ScheduleError):
        window("cron(0 3 ? * SUN *)", timezone="Europe/Atlantis")


def test_next_execution_time_text():
    # Assumed format (the API reference only says String): ISO 8601, UTC, to the minute.
    assert api_time(ts("2026-01-14T18:00")) == "2026-01-14T18:00Z"


def test_cron_days_of_a_month():
    cron = Cron.parse("0 0 ? * TUE#2 *")
    assert cron.days(2026, 1) == [13]
