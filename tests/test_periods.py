"""Reporting periods: keys, Chinese labels, neighbours and parsing."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.rules.periods import (
    CALENDAR_KINDS,
    contains,
    custom_period,
    next_period,
    period_containing,
    period_from_key,
    periods_overlapping,
    previous_period,
)

days_2000_2100 = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@pytest.mark.parametrize(
    ("kind", "day", "key", "label", "start", "end"),
    [
        ("month", date(2026, 11, 20), "2026-11", "2026年11月", date(2026, 11, 1), date(2026, 11, 30)),
        ("month", date(2028, 2, 10), "2028-02", "2028年2月", date(2028, 2, 1), date(2028, 2, 29)),
        ("week", date(2026, 11, 25), "2026-W48", "2026年第48周", date(2026, 11, 23), date(2026, 11, 29)),
        ("quarter", date(2026, 11, 20), "2026-Q4", "2026年第四季度", date(2026, 10, 1), date(2026, 12, 31)),
        ("quarter", date(2026, 2, 1), "2026-Q1", "2026年第一季度", date(2026, 1, 1), date(2026, 3, 31)),
        ("year", date(2026, 11, 20), "2026", "2026年", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_period_containing(kind, day, key, label, start, end):
    period = period_containing(kind, day)
    assert (period.kind, period.key, period.label, period.start, period.end) == (kind, key, label, start, end)


def test_iso_week_belongs_to_its_iso_year():
    # 2026-12-31 is a Thursday, so its week is week 53 of 2026; 2027-01-01 too.
    assert period_containing("week", date(2027, 1, 1)).key == "2026-W53"
    # 2025-12-29 (Monday) starts week 1 of 2026.
    week = period_containing("week", date(2025, 12, 31))
    assert (week.key, week.label, week.start) == ("2026-W01", "2026年第1周", date(2025, 12, 29))


def test_custom_period_labels_omit_a_repeated_year():
    assert custom_period(date(2026, 11, 1), date(2026, 11, 20)).label == "2026年11月1日至11月20日"
    assert custom_period(date(2025, 12, 29), date(2026, 1, 4)).label == "2025年12月29日至2026年1月4日"
    assert custom_period(date(2026, 11, 1), date(2026, 11, 1)).label == "2026年11月1日"
    assert custom_period(date(2026, 11, 1), date(2026, 11, 20)).key == "2026-11-01~2026-11-20"


def test_custom_period_rejects_end_before_start():
    with pytest.raises(ValueError, match="不能早于"):
        custom_period(date(2026, 11, 20), date(2026, 11, 1))


def test_neighbours():
    assert previous_period(period_from_key("2026-01")).key == "2025-12"
    assert next_period(period_from_key("2026-12")).key == "2027-01"
    assert previous_period(period_from_key("2026-Q1")).key == "2025-Q4"
    assert next_period(period_from_key("2026-W53")).key == "2027-W01"
    assert next_period(period_from_key("2026")).key == "2027"
    assert previous_period(period_from_key("2026-11-01~2026-11-20")).key == "2026-10-12~2026-10-31"
    assert next_period(period_from_key("2026-11-01~2026-11-20")).key == "2026-11-21~2026-12-10"


def test_contains():
    october = period_from_key("2026-10")
    assert contains(october, date(2026, 10, 1)) and contains(october, date(2026, 10, 31))
    assert not contains(october, date(2026, 9, 30)) and not contains(october, date(2026, 11, 1))


def test_periods_overlapping():
    keys = [p.key for p in periods_overlapping("month", date(2026, 9, 15), date(2026, 12, 1))]
    assert keys == ["2026-09", "2026-10", "2026-11", "2026-12"]
    assert periods_overlapping("month", date(2026, 9, 15), date(2026, 9, 1)) == []


@pytest.mark.parametrize(
    "key", ["", "2026-13", "2026-00", "2026-W54", "2026-W00", "2026-Q5", "26", "2026-11-31~2026-12-01",
            "2026-11-20~2026-11-01", "2026/11", "abc"],
)
def test_period_from_key_rejects_bad_keys(key):
    with pytest.raises(ValueError):
        period_from_key(key)


def test_period_from_key_tolerates_surrounding_spaces():
    assert period_from_key(" 2026-11 ").key == "2026-11"


def test_unknown_kind():
    with pytest.raises(ValueError, match="不支持"):
        period_containing("fortnight", date(2026, 1, 1))


@given(kind=st.sampled_from(CALENDAR_KINDS), day=days_2000_2100)
def test_calendar_periods_round_trip_and_tile(kind, day):
    period = period_containing(kind, day)
    assert contains(period, day)
    assert period_from_key(period.key) == period
    assert previous_period(period).end == period.start - timedelta(days=1)
    assert next_period(period).start == period.end + timedelta(days=1)
    assert previous_period(next_period(period)) == period


@given(start=days_2000_2100, length=st.integers(min_value=0, max_value=400))
def test_custom_periods_round_trip(start, length):
    period = custom_period(start, start + timedelta(days=length))
    assert period_from_key(period.key) == period
    assert previous_period(next_period(period)) == period
