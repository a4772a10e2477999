"""Reporting periods: weeks, months, quarters, years and custom date ranges.

A ``Period`` is an inclusive range of local dates with a stable ``key`` (stored in the database
and carried in button data: ``2026-11``, ``2026-W48``, ``2026-Q4``, ``2026``,
``2026-11-01~2026-11-20``) and a Chinese ``label`` people read (``2026年11月``, ``2026年第48周``,
``2026年第四季度``, ``2026年``, ``2026年11月1日至11月20日``). Weeks are ISO weeks (Monday to
Sunday, numbered by ISO year). Everything here is pure date arithmetic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

from bot.rules.chinese_date import number_hanzi
from bot.texts import plain

WEEK = "week"
MONTH = "month"
QUARTER = "quarter"
YEAR = "year"
CUSTOM = "custom"
# Kinds that follow the calendar and can be found from a single day.
CALENDAR_KINDS: tuple[str, ...] = (WEEK, MONTH, QUARTER, YEAR)

_MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")
_QUARTER_KEY = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR_KEY = re.compile(r"^(\d{4})$")
_CUSTOM_KEY = re.compile(r"^(\d{4}-\d{2}-\d{2})~(\d{4}-\d{2}-\d{2})$")


@lru_cache(maxsize=1024)
def _label(name: str, *values: object) -> str:
    """A period's label from templates/rules.j2 (cached: periods are made often, labels rarely differ)."""
    return plain("rules", name, **dict(zip(_LABEL_FIELDS[name], values)))


_LABEL_FIELDS = {"month": ("year", "month"), "week": ("year", "week"), "quarter": ("year", "numeral"), "year": ("year",)}


@dataclass(frozen=True)
class Period:
    kind: str  # 'week' | 'month' | 'quarter' | 'year' | 'custom'
    start: date
    end: date  # inclusive
    key: str
    label: str

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1


def local_day(moment: datetime | None, tz: tzinfo | None) -> date | None:
    """The local calendar day of a stored moment (the day a unit or a commitment came to exist);
    None stays None: nothing is known, so nothing is held against the record."""
    return None if moment is None else moment.astimezone(tz).date()


def contains(period: Period, day: date) -> bool:
    """True when ``day`` lies within the period (both ends included)."""
    return period.start <= day <= period.end


def _last_day_of_month(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def _month(year: int, month: int) -> Period:
    return Period(
        kind=MONTH,
        start=date(year, month, 1),
        end=_last_day_of_month(year, month),
        key=f"{year:04d}-{month:02d}",
        label=_label("month", year, month),
    )


def _iso_week(iso_year: int, week: int) -> Period:
    monday = date.fromisocalendar(iso_year, week, 1)
    return Period(
        kind=WEEK,
        start=monday,
        end=monday + timedelta(days=6),
        key=f"{iso_year:04d}-W{week:02d}",
        label=_label("week", iso_year, week),
    )


def _quarter(year: int, quarter: int) -> Period:
    first_month = 3 * (quarter - 1) + 1
    return Period(
        kind=QUARTER,
        start=date(year, first_month, 1),
        end=_last_day_of_month(year, first_month + 2),
        key=f"{year:04d}-Q{quarter}",
        label=_label("quarter", year, number_hanzi(quarter)),
    )


def _year(year: int) -> Period:
    return Period(
        kind=YEAR,
        start=date(year, 1, 1),
        end=date(year, 12, 31),
        key=f"{year:04d}",
        label=_label("year", year),
    )


def _custom_label(start: date, end: date) -> str:
    first = plain("rules", "date", year=start.year, month=start.month, day=start.day)
    if start == end:
        return first
    last = plain("rules", "date", year=None if start.year == end.year else end.year, month=end.month, day=end.day)
    return plain("rules", "span", first=first, last=last)


def custom_period(start: date, end: date) -> Period:
    """A free date range, e.g. for a 小结 covering 11月1日 to 11月20日."""
    if end < start:
        raise ValueError(plain("rules", "period_end_before_start", start=start.isoformat(), end=end.isoformat()))
    return Period(
        kind=CUSTOM,
        start=start,
        end=end,
        key=f"{start.isoformat()}~{end.isoformat()}",
        label=_custom_label(start, end),
    )


def period_containing(kind: str, day: date) -> Period:
    """The week, month, quarter or year that ``day`` falls in."""
    if kind == WEEK:
        iso_year, week, _ = day.isocalendar()
        return _iso_week(iso_year, week)
    if kind == MONTH:
        return _month(day.year, day.month)
    if kind == QUARTER:
        return _quarter(day.year, (day.month - 1) // 3 + 1)
    if kind == YEAR:
        return _year(day.year)
    raise ValueError(plain("rules", "period_kind_unknown", kind=repr(kind), kinds=CALENDAR_KINDS))


def previous_period(period: Period) -> Period:
    """The period just before; for a custom range, the range of equal length ending the day before."""
    if period.kind == CUSTOM:
        end = period.start - timedelta(days=1)
        return custom_period(end - timedelta(days=period.days - 1), end)
    return period_containing(period.kind, period.start - timedelta(days=1))


def next_period(period: Period) -> Period:
    """The period just after; for a custom range, the range of equal length starting the day after."""
    if period.kind == CUSTOM:
        start = period.end + timedelta(days=1)
        return custom_period(start, start + timedelta(days=period.days - 1))
    return period_containing(period.kind, period.end + timedelta(days=1))


def periods_overlapping(kind: str, start: date, end: date) -> list[Period]:
    """The calendar periods of ``kind`` that share at least one day with [start, end], in order."""
    if end < start:
        return []
    found = [period_containing(kind, start)]
    while found[-1].end < end:
        found.append(next_period(found[-1]))
    return found


def period_from_key(key: str) -> Period:
    """Parse a key made by this module back into its period; ValueError on anything else."""
    text = key.strip()
    try:
        if m := _MONTH_KEY.match(text):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise ValueError
            return _month(year, month)
        if m := _WEEK_KEY.match(text):
            return _iso_week(int(m[1]), int(m[2]))
        if m := _QUARTER_KEY.match(text):
            return _quarter(int(m[1]), int(m[2]))
        if m := _YEAR_KEY.match(text):
            return _year(int(m[1]))
        if m := _CUSTOM_KEY.match(text):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        else:
            raise ValueError
    except ValueError:
        raise ValueError(plain("rules", "period_key_unknown", key=repr(key))) from None
    return custom_period(start, end)


def period_for_range(start: date, end: date) -> Period:
    """The named month, quarter or year that is exactly [start, end], else a custom period."""
    for kind in (MONTH, QUARTER, YEAR):
        candidate = period_containing(kind, start)
        if candidate.start == start and candidate.end == end:
            return candidate
    return custom_period(start, end)
