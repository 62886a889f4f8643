"""When a maintenance window runs: its schedule expression, time zone, offset and active period.

What AWS documents (SSM User Guide, "Reference: Cron and rate expressions for Systems
Manager"; CreateMaintenanceWindow in the API reference, as botocore models it), and so
what this module computes:

- ``cron(minutes hours day-of-month month day-of-week year)``: six fields; ``?`` in exactly
  one of day-of-month and day-of-week; ``, - * /``; ``L`` (last day of the month; alone in
  day-of-week, the last day of the week, Saturday), ``W`` (``15W``: the weekday nearest the
  15th, in the same month; ``LW``: the month's last weekday), ``#`` (``TUE#2``: the second
  Tuesday); ``nL`` in day-of-week (``FRIL``/``6L``: the month's last Friday). Days of the
  week are 1-7 or SUN-SAT, months 1-12 or JAN-DEC, years 1970-2199.
- ``rate(value unit)``: minutes, hours or days; a singular unit for 1.
- ``at(yyyy-mm-ddThh:mm:ss)``: once, "a timestamp in Coordinated Universal Time (UTC)".
- ``ScheduleTimezone`` (IANA): the cron fields are read on that zone's wall clock.
- ``ScheduleOffset`` (1-6, cron only): "the number of days to wait after the date and time
  specified by a cron expression before running"; a cron date that has already passed when
  the window is created does not run, even if its offset date is still to come ("the
  maintenance window will not run in the period. It will go into effect in the following
  period").
- ``StartDate``: "the maintenance window won't run before this specified time"; for a rate
  schedule, "if you provide a start date that occurs in the past, the current date and time
  are used as the start date". ``EndDate``: it "won't run after this specified time".

Where the documents are silent, this module assumes (and the unit tests say so):
- a rate window first runs one interval after it was scheduled (created, updated, or its
  StartDate), then every interval;
- a wall-clock time that a DST change skips runs at the same instant the zone's offset
  before the change gives it (02:30 in a gap that jumps to 03:00 runs at 03:30); a time
  the change repeats runs once, the first time;
- a StartDate or EndDate without an offset is read in the window's time zone.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = {name: i + 1 for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
# Spelt out: calendar.month_abbr follows the process's locale.
MONTHS = {
    name: i + 1
    for i, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
}
YEARS = (1970, 2199)
RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")
CRON = re.compile(r"cron\((.*)\)", re.DOTALL)


class ScheduleError(ValueError):
    """A schedule, time zone or date that Systems Manager would refuse."""


# -- cron ---------------------------------------------------------------------------------
def _number(text: str, names: dict[str, int], low: int, high: int, field: str) -> int:
    value = (names or {}).get(text.upper())
    if value is None:
        if not text.isdigit():
            raise ScheduleError(f"{field}: {text!r} is not a value ({low}-{high})")
        value = int(text)
    if not low <= value <= high:
        raise ScheduleError(f"{field}: {value} is outside {low}-{high}")
    return value


def _values(
    text: str, low: int, high: int, field: str, names: dict[str, int] | None = None
) -> frozenset:
    """A list field: ``*``, ``n``, ``a-b``, each optionally ``/step``, comma-separated."""
    values: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        step = 1
        if step_text:
            step = _number(step_text, {}, 1, high, field)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = _number(a, names, low, high, field), _number(b, names, low, high, field)
            if first > last:
                raise ScheduleError(f"{field}: the range {base!r} runs backwards")
        else:
            first = _number(base, names, low, high, field)
            last = high if step_text else first
        values.update(range(first, last + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    # ("any", None) | ("days", {..}) | ("last", None) | ("last_weekday", None) | ("nearest", n)
    day_of_month: tuple[str, object]
    # ("any", None) | ("days", {..}) | ("last_of", weekday) | ("nth", (weekday, n))
    day_of_week: tuple[str, object]

    @classmethod
    def parse(cls, body: str) -> Cron:
        fields = body.split()
        if len(fields) != 6:
            raise ScheduleError(
                "a maintenance window's cron expression has six fields (minutes hours "
                f"day-of-month month day-of-week year), not {len(fields)}"
            )
        minutes, hours, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise ScheduleError("use ? in exactly one of day-of-month and day-of-week")
        return cls(
            minutes=_values(minutes, 0, 59, "minutes"),
            hours=_values(hours, 0, 23, "hours"),
            months=_values(month, 1, 12, "month", MONTHS),
            years=_values(year, *YEARS, "year"),
            day_of_month=_day_of_month(dom),
            day_of_week=_day_of_week(dow),
        )

    def days(self, year: int, month: int) -> list[int]:
        """The days of ``month`` the expression matches, in order."""
        length = calendar.monthrange(year, month)[1]
        kind, arg = self.day_of_month
        if kind != "any":
            if kind == "days":
                return sorted(d for d in arg if d <= length)  # type: ignore[union-attr]
            if kind == "last":
                return [length]
            if kind == "last_weekday":
                return [_nearest_weekday(year, month, length)]
            if arg > length:  # type: ignore[operator]
                return []
            return [_nearest_weekday(year, month, arg)]  # type: ignore[arg-type]
        kind, arg = self.day_of_week
        weekday = [_aws_weekday(year, month, d) for d in range(1, length + 1)]
        if kind == "days":
            return [d for d in range(1, length + 1) if weekday[d - 1] in arg]  # type: ignore[operator]
        if kind == "last_of":
            return [max(d for d in range(1, length + 1) if weekday[d - 1] == arg)]
        wanted, n = arg  # type: ignore[misc]
        matching = [d for d in range(1, length + 1) if weekday[d - 1] == wanted]
        return [matching[n - 1]] if n <= len(matching) else []

    def matches_after(self, after: datetime) -> datetime | None:
        """The first wall-clock time (naive, in the schedule's zone) after ``after``."""
        times = sorted((h, m) for h in self.hours for m in self.minutes)
        for year in sorted(y for y in self.years if y >= after.year):
            for month in sorted(self.months):
                if (year, month) < (after.year, after.month):
                    continue
                for day in self.days(year, month):
                    if (year, month, day) < (after.year, after.month, after.day):
                        continue
                    for hour, minute in times:
                        candidate = datetime(year, month, day, hour, minute)
                        if candidate > after:
                            return candidate
        return None


def _day_of_month(text: str) -> tuple[str, object]:
    upper = text.upper()
    if upper == "?":
        return ("any", None)
    if upper == "L":
        return ("last", None)
    if upper == "LW":
        return ("last_weekday", None)
    if upper.endswith("W"):
        return ("nearest", _number(upper[:-1], {}, 1, 31, "day-of-month"))
    return ("days", _values(text, 1, 31, "day-of-month"))


def _day_of_week(text: str) -> tuple[str, object]:
    upper = text.upper()
    if upper == "?":
        return ("any", None)
    if upper == "L":
        return ("days", frozenset({WEEKDAYS["SAT"]}))
    if "#" in upper:
        day, _, n = upper.partition("#")
        if "," in upper or "-" in day:
            raise ScheduleError("day-of-week: # takes one day (3#1,6#3 is two expressions)")
        return ("nth", (_number(day, WEEKDAYS, 1, 7, "day-of-week"), _number(n, {}, 1, 5, "#")))
    if len(upper) > 1 and upper.endswith("L"):
        return ("last_of", _number(upper[:-1], WEEKDAYS, 1, 7, "day-of-week"))
    return ("days", _values(text, 1, 7, "day-of-week", WEEKDAYS))


def _aws_weekday(year: int, month: int, day: int) -> int:
    """1 (Sunday) to 7 (Saturday), as cron counts them."""
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, day: int) -> int:
    """The Monday-Friday nearest ``day``, without leaving the month."""
    length = calendar.monthrange(year, month)[1]
    weekday = calendar.weekday(year, month, day)  # Monday 0 .. Sunday 6
    if weekday == 5:  # Saturday: the Friday before, or the Monday after the 1st
        return day - 1 if day > 1 else day + 2
    if weekday == 6:  # Sunday: the Monday after, or the Friday before the month's end
        return day + 1 if day < length else day - 2
    return day


# -- the window's schedule ---------------------------------------------------------------------
@dataclass(frozen=True)
class Expression:
    kind: str  # cron | rate | at
    cron: Cron | None = None
    interval: float | None = None  # rate, seconds
    at: datetime | None = None  # at, UTC


def parse_expression(text: str) -> Expression:
    """A window's ``Schedule``, or ``ScheduleError`` saying what is wrong with it."""
    text = (text or "").strip()
    if match := CRON.fullmatch(text):
        return Expression("cron", cron=Cron.parse(match.group(1)))
    if match := RATE.fullmatch(text):
        value, unit = int(match.group(1)), match.group(2)
        if value < 1 or (value == 1) == unit.endswith("s"):
            raise ScheduleError(
                f"{text}: a positive value with a singular unit for 1 (rate(1 day)) and a "
                "plural one above (rate(7 days))"
            )
        return Expression("rate", interval=value * RATE_UNITS[unit.rstrip("s")])
    if match := AT.fullmatch(text):
        try:
            when = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
        except ValueError as err:
            raise ScheduleError(f"{text}: {err}") from err
        return Expression("at", at=when)
    raise ScheduleError(
        f"{text!r} is not a schedule: cron(minutes hours day-of-month month day-of-week "
        "year), rate(value unit) or at(yyyy-mm-ddThh:mm:ss)"
    )


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ScheduleError(f"{name!r} is not an IANA time zone") from err


def parse_date(text: str | None, tz: ZoneInfo) -> float | None:
    """A StartDate/EndDate (ISO-8601 extended) as epoch seconds; no offset: in ``tz``."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise ScheduleError(f"{text!r} is not an ISO-8601 date and time") from err
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.timestamp()


@dataclass(frozen=True)
class WindowSchedule:
    """Everything that decides when one window runs. ``since``: when the schedule was set
    (the window created or its schedule updated); nothing at or before it runs."""

    expression: Expression
    tz: ZoneInfo
    offset_days: int
    start: float | None
    end: float | None
    since: float

    @classmethod
    def of(
        cls,
        schedule: str,
        *,
        timezone: str | None = None,
        offset: int | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        since: float,
    ) -> WindowSchedule:
        expression = parse_expression(schedule)
        tz = zone(timezone)
        if offset and expression.kind != "cron":
            raise ScheduleError("ScheduleOffset is supported for cron expressions only")
        return cls(
            expression=expression,
            tz=tz,
            offset_days=int(offset or 0),
            start=parse_date(start_date, tz),
            end=parse_date(end_date, tz),
            since=since,
        )

    def next_run(self, after: float) -> float | None:
        """The first time after ``after`` (epoch seconds) the window runs, or None."""
        after = max(after, self.since)
        if self.start is not None and self.start > after and self.expression.kind != "rate":
            # Nothing runs before StartDate: look from just before it.
            after = max(after, self.start - 1e-6)
        run = self._next(after)
        if run is None or (self.end is not None and run > self.end):
            return None
        return run

    def _next(self, after: float) -> float | None:
        kind = self.expression.kind
        if kind == "at":
            at = self.expression.at.timestamp()  # type: ignore[union-attr]
            return at if at > after else None
        if kind == "rate":
            base = max(self.since, self.start or self.since)
            interval = self.expression.interval or 0.0
            k = max(1, math.floor((after - base) / interval) + 1)
            run = base + k * interval
            return run if run > after else run + interval
        return self._next_cron(after)

    def _next_cron(self, after: float) -> float | None:
        cron = self.expression.cron
        assert cron is not None
        # A match runs offset days later: look for matches from the later of (when the
        # schedule was set) and (offset days before ``after``).
        look_from = max(self.since, after - self.offset_days * 86400.0 - 86400.0)
        cursor = _wall(look_from, self.tz)
        while True:
            match = cron.matches_after(cursor)
            if match is None:
                return None
            cursor = match
            if _instant(match, self.tz) <= self.since:
                continue  # a cron date passed before the window was scheduled does not run
            run = _instant(match + timedelta(days=self.offset_days), self.tz)
            if run > after:
                return run


def _wall(epoch: float, tz: ZoneInfo) -> datetime:
    """The naive wall-clock time in ``tz`` at ``epoch`` (to the second: cron counts minutes)."""
    return datetime.fromtimestamp(math.floor(epoch), tz).replace(tzinfo=None)


def _instant(wall: datetime, tz: ZoneInfo) -> float:
    # fold=0: a repeated wall time is its first instant; a skipped one takes the offset
    # before the change (see the module docstring).
    return wall.replace(tzinfo=tz, fold=0).timestamp()


def api_time(epoch: float) -> str:
    """``NextExecutionTime`` as the API answers it: ISO 8601 in UTC, to the minute
    (``2026-01-15T18:00Z``)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%MZ")
