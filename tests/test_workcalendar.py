"""Working days, deadlines and allowed moments on the Chinese calendar (2026 holidays from chinese_calendar)."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from bot.rules.periods import custom_period, period_from_key
from bot.rules.workcalendar import (
    DeadlineRule,
    QuietHours,
    deadline_for,
    is_working_day,
    next_allowed_moment,
    next_working_day,
)

TZ = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def test_the_library_knows_national_day_2026():
    # The facts the rest of this file relies on, checked against the library itself.
    assert all(not chinese_calendar.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert chinese_calendar.is_workday(date(2026, 10, 10))  # 调休 Saturday
    assert date(2026, 10, 10).weekday() == 5


def test_is_working_day():
    assert is_working_day(date(2026, 11, 20))  # Friday
    assert not is_working_day(date(2026, 11, 21))  # Saturday
    assert not is_working_day(date(2026, 10, 5))  # Monday, National Day holiday
    assert is_working_day(date(2026, 10, 10))  # Saturday, adjusted working day
    assert not is_working_day(date(2026, 10, 11))  # Sunday


def test_outside_the_library_range_weekdays_are_working_days():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2099, 10, 1))
    assert is_working_day(date(2099, 10, 1))  # a Thursday
    assert not is_working_day(date(2099, 10, 3))  # a Saturday
    assert next_working_day(date(2099, 10, 3)) == date(2099, 10, 5)


def test_next_working_day():
    assert next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert next_working_day(date(2026, 10, 9)) == date(2026, 10, 9)
    assert next_working_day(date(2026, 10, 9), include_today=False) == date(2026, 10, 10)
    assert next_working_day(date(2026, 10, 10), include_today=False) == date(2026, 10, 12)


def test_monthly_deadline_on_a_working_day_stays():
    assert deadline_for(period_from_key("2026-11"), DeadlineRule(), TZ) == at(2026, 11, 25, 18, 0)


def test_monthly_deadline_on_a_weekend_moves_to_monday():
    assert date(2026, 10, 25).weekday() == 6
    assert deadline_for(period_from_key("2026-10"), DeadlineRule(), TZ) == at(2026, 10, 26, 18, 0)
    assert deadline_for(period_from_key("2026-04"), DeadlineRule(), TZ) == at(2026, 4, 27, 18, 0)


def test_deadline_on_mid_autumn_moves_past_it():
    assert chinese_calendar.get_holiday_detail(date(2026, 9, 25))[0]
    assert deadline_for(period_from_key("2026-09"), DeadlineRule(), TZ) == at(2026, 9, 28, 18, 0)


def test_deadline_in_national_day_week_moves_past_the_holiday():
    rule = DeadlineRule(day_of_month=3, time=time(17, 30))
    assert deadline_for(period_from_key("2026-10"), rule, TZ) == at(2026, 10, 8, 17, 30)
    # The weekly Friday deadline of the National Day week is the Thursday after it.
    assert deadline_for(period_from_key("2026-W40"), DeadlineRule(), TZ) == at(2026, 10, 8, 18, 0)


def test_day_of_month_is_clipped_to_short_months():
    rule = DeadlineRule(day_of_month=31)
    assert deadline_for(period_from_key("2026-04"), rule, TZ).date() == date(2026, 4, 30)
    # 2026-02-28 is a 调休 working Saturday, so it stays.
    assert deadline_for(period_from_key("2026-02"), rule, TZ).date() == date(2026, 2, 28)


def test_quarter_year_week_and_custom_deadlines():
    assert deadline_for(period_from_key("2026-Q4"), DeadlineRule(), TZ) == at(2026, 12, 25, 18, 0)
    first_month = DeadlineRule(month_of_quarter=1)
    assert deadline_for(period_from_key("2026-Q4"), first_month, TZ) == at(2026, 10, 26, 18, 0)
    assert deadline_for(period_from_key("2026"), DeadlineRule(day_of_month=20), TZ) == at(2026, 12, 21, 18, 0)
    assert deadline_for(period_from_key("2026-W48"), DeadlineRule(weekday=0), TZ) == at(2026, 11, 23, 18, 0)
    custom = custom_period(date(2026, 11, 1), date(2026, 11, 22))  # ends on a Sunday
    assert deadline_for(custom, DeadlineRule(), TZ) == at(2026, 11, 23, 18, 0)


@pytest.mark.parametrize("bad", [dict(day_of_month=0), dict(day_of_month=32), dict(weekday=7), dict(month_of_quarter=4)])
def test_deadline_rule_validates(bad):
    with pytest.raises(ValueError):
        DeadlineRule(**bad)


QUIET = QuietHours()


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (at(2026, 11, 20, 10, 0), at(2026, 11, 20, 10, 0)),  # working Friday, daytime
        (at(2026, 11, 20, 8, 0), at(2026, 11, 20, 8, 0)),  # end of quiet hours is allowed
        (at(2026, 11, 20, 20, 59), at(2026, 11, 20, 20, 59)),
        (at(2026, 11, 19, 21, 0), at(2026, 11, 20, 8, 0)),  # start of quiet hours is quiet
        (at(2026, 11, 19, 22, 30), at(2026, 11, 20, 8, 0)),  # across midnight
        (at(2026, 11, 20, 3, 15), at(2026, 11, 20, 8, 0)),  # early morning, same day
        (at(2026, 11, 20, 22, 30), at(2026, 11, 23, 8, 0)),  # Friday night → Monday
        (at(2026, 11, 21, 10, 0), at(2026, 11, 23, 8, 0)),  # Saturday → Monday
        (at(2026, 9, 30, 22, 0), at(2026, 10, 8, 8, 0)),  # eve of National Day
        (at(2026, 10, 3, 12, 0), at(2026, 10, 8, 8, 0)),  # inside the holiday
        (at(2026, 10, 10, 10, 0), at(2026, 10, 10, 10, 0)),  # 调休 Saturday is a working day
        (at(2026, 10, 9, 23, 0), at(2026, 10, 10, 8, 0)),  # Friday night → 调休 Saturday morning
    ],
)
def test_next_allowed_moment(moment, allowed):
    assert next_allowed_moment(moment, QUIET) == allowed


def test_next_allowed_moment_with_daytime_quiet_hours_and_none():
    lunch = QuietHours(start=time(12, 0), end=time(14, 0))
    assert next_allowed_moment(at(2026, 11, 20, 12, 30), lunch) == at(2026, 11, 20, 14, 0)
    assert next_allowed_moment(at(2026, 11, 20, 23, 0), lunch) == at(2026, 11, 20, 23, 0)
    assert next_allowed_moment(at(2026, 11, 21, 13, 0), lunch) == at(2026, 11, 23, 0, 0)
    never = QuietHours(start=time(0, 0), end=time(0, 0))
    assert next_allowed_moment(at(2026, 11, 20, 23, 59), never) == at(2026, 11, 20, 23, 59)
