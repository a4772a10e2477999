"""Working days, report deadlines and the moments the bot may speak, on the Chinese calendar.

Statutory holidays and the adjusted working weekends (调休) come from the ``chinese_calendar``
library, never from a hand-kept list; for years the library does not cover yet it raises
``NotImplementedError`` and we fall back to Monday–Friday. Deadlines are computed from a
``DeadlineRule`` and moved off weekends and holidays; reminders are moved out of quiet hours and
off non-working days by ``next_allowed_moment``. All functions are pure.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from bot.rules.periods import MONTH, QUARTER, WEEK, YEAR, Period
from bot.texts import plain

# No real run of non-working days is anywhere near this long; the bound only guards the loops.
_MAX_SEARCH_DAYS = 366


def is_working_day(day: date) -> bool:
    """True on ordinary weekdays and on 调休 working weekends; False on weekends and holidays."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def next_working_day(day: date, include_today: bool = True) -> date:
    """The first working day on or after ``day`` (strictly after it when ``include_today`` is False)."""
    candidate = day if include_today else day + timedelta(days=1)
    for _ in range(_MAX_SEARCH_DAYS):
        if is_working_day(candidate):
            return candidate
        candidate += timedelta(days=1)
    raise RuntimeError(f"no working day within {_MAX_SEARCH_DAYS} days of {day}")


@dataclass(frozen=True)
class DeadlineRule:
    day_of_month: int = 25
    time: time = time(18, 0)
    weekday: int = 4  # for weekly cycles: Monday = 0 … Friday = 4
    month_of_quarter: int = 3  # for quarterly cycles: 3 = the quarter's last month

    def __post_init__(self) -> None:
        if not 1 <= self.day_of_month <= 31:
            raise ValueError(plain("rules", "deadline_day_bad", day=self.day_of_month))
        if not 0 <= self.weekday <= 6:
            raise ValueError(plain("rules", "deadline_weekday_bad", weekday=self.weekday))
        if not 1 <= self.month_of_quarter <= 3:
            raise ValueError(plain("rules", "deadline_quarter_month_bad", month=self.month_of_quarter))


def _clipped_day(year: int, month: int, day: int) -> date:
    """``day`` of the month, or the month's last day when the month is shorter."""
    first_of_next = date(year + (month == 12), month % 12 + 1, 1)
    return min(date(year, month, 1) + timedelta(days=day - 1), first_of_next - timedelta(days=1))


def nominal_deadline_date(period: Period, rule: DeadlineRule) -> date:
    """The deadline's date before moving it off non-working days.

    Month: ``day_of_month`` (clipped to the month's length); quarter: that day in the
    ``month_of_quarter``-th month; week: ``weekday``; year: ``day_of_month`` of December;
    a custom range: its last day.
    """
    start = period.start
    if period.kind == MONTH:
        return _clipped_day(start.year, start.month, rule.day_of_month)
    if period.kind == QUARTER:
        return _clipped_day(start.year, start.month + rule.month_of_quarter - 1, rule.day_of_month)
    if period.kind == WEEK:
        return start + timedelta(days=rule.weekday)
    if period.kind == YEAR:
        return _clipped_day(start.year, 12, rule.day_of_month)
    return period.end


def deadline_for(period: Period, rule: DeadlineRule, tz: ZoneInfo) -> datetime:
    """The aware local moment reports for ``period`` are due.

    The nominal date (see ``nominal_deadline_date``) moves to the next working day when it falls
    on a weekend or holiday; this may carry it past the period's end (a Friday deadline in the
    National Day week becomes the Thursday after the holiday).
    """
    day = next_working_day(nominal_deadline_date(period, rule))
    return datetime.combine(day, rule.time, tzinfo=tz)


@dataclass(frozen=True)
class QuietHours:
    """Hours in which the bot stays silent; ``start`` after ``end`` means the span crosses midnight."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, moment: time) -> bool:
        """True when a wall-clock time is quiet (``start`` included, ``end`` excluded)."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def next_allowed_moment(moment: datetime, quiet: QuietHours) -> datetime:
    """The earliest moment at or after ``moment``, in its time zone, on a working day and outside quiet hours.

    Moved moments land on ``quiet.end`` (the start of the speaking day): Saturday 10:00 becomes
    Monday 08:00, a working day's 22:30 becomes the next working day's 08:00. A 调休 Saturday is
    a working day like any other.
    """
    tz = moment.tzinfo
    day, clock = moment.date(), moment.timetz().replace(tzinfo=None)
    if is_working_day(day):
        if not quiet.contains(clock):
            return moment
        if quiet.start < quiet.end or clock < quiet.end:
            # Quiet until ``end`` later on this same day.
            return datetime.combine(day, quiet.end, tzinfo=tz)
    # A non-working day, or the evening part of quiet hours that cross midnight.
    speaking_starts = quiet.end if quiet.contains(time(0, 0)) else time(0, 0)
    return datetime.combine(next_working_day(day, include_today=False), speaking_starts, tzinfo=tz)
