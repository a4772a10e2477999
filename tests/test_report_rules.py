"""Unit tests of bot.report_rules: what typed dates, numbers, times and texts mean."""
from __future__ import annotations

from datetime import date

import pytest

from bot.rules import report_rules as rules
from bot.rules.report_rules import DateProblem

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("2026/11/20", date(2026, 11, 20)),
        ("2026.11.2", date(2026, 11, 2)),
        ("2026年11月20日", date(2026, 11, 20)),
        ("11-20", date(2026, 11, 20)),
        ("11/20", date(2026, 11, 20)),
        ("11月20日", date(2026, 11, 20)),
        ("11月20号", date(2026, 11, 20)),
        ("１１月２０日", date(2026, 11, 20)),
        (" 11 - 20 ", date(2026, 11, 20)),
        ("今天", TODAY),
        ("昨天", date(2026, 11, 26)),
        ("前天", date(2026, 11, 25)),
        # Without a year, the nearest such day is meant (a later check refuses future ones).
        ("12-30", date(2026, 12, 30)),
        ("11-28", date(2026, 11, 28)),
        ("01-15", date(2027, 1, 15)),
        ("11-27", TODAY),
    ],
)
def test_parse_date_accepts_what_phones_type(typed: str, expected: date) -> None:
    assert rules.parse_date(typed, TODAY) == expected


@pytest.mark.parametrize("typed", ["", "明天见", "13-01", "2026-02-30", "11月32日", "20", "2026-11", "abc", "0-0"])
def test_parse_date_refuses_nonsense(typed: str) -> None:
    assert rules.parse_date(typed, TODAY) is None


def test_parse_date_without_year_across_new_year() -> None:
    new_year = date(2027, 1, 3)
    assert rules.parse_date("12-30", new_year) == date(2026, 12, 30)
    assert rules.parse_date("12月31日", new_year) == date(2026, 12, 31)
    assert rules.parse_date("1-2", new_year) == date(2027, 1, 2)


def test_leap_day_without_year_finds_the_nearest_leap_year() -> None:
    assert rules.parse_date("2月29日", date(2029, 3, 1)) == date(2028, 2, 29)
    assert rules.parse_date("2-29", date(2028, 3, 1)) == date(2028, 2, 29)


def test_held_on_window() -> None:
    assert rules.check_held_on(TODAY, TODAY, 90) is None
    assert rules.check_held_on(date(2026, 11, 28), TODAY, 90) is DateProblem.FUTURE
    oldest = rules.oldest_allowed(TODAY, 90)
    assert (TODAY - oldest).days == 89
    assert rules.check_held_on(oldest, TODAY, 90) is None
    assert rules.check_held_on(date.fromordinal(oldest.toordinal() - 1), TODAY, 90) is DateProblem.TOO_OLD


def test_due_on_rules() -> None:
    assert rules.check_due_on(TODAY, TODAY) is None
    assert rules.check_due_on(date(2026, 11, 26), TODAY) is DateProblem.PAST
    assert rules.check_due_on(date(2031, 1, 1), TODAY) is DateProblem.TOO_FAR


@pytest.mark.parametrize(("typed", "expected"), [("7", 7), ("0", 0), ("7人", 7), ("７名", 7), (" 12 ", 12), ("七", 7)])
def test_parse_count(typed: str, expected: int) -> None:
    assert rules.parse_count(typed) == expected


@pytest.mark.parametrize("typed", ["-1", "7.5", "七八", "", "1e3", "100001", "²"])
def test_parse_count_refuses(typed: str) -> None:
    assert rules.parse_count(typed) is None


def test_parse_attendance() -> None:
    assert rules.parse_attendance("7") == (7, None)
    assert rules.parse_attendance("7/9") == (7, 9)
    assert rules.parse_attendance("7人／9人") == (7, 9)
    assert rules.parse_attendance("7，9") == (7, 9)
    assert rules.parse_attendance("-7") is None
    assert rules.parse_attendance("7/") is None


def test_attendance_and_quorum() -> None:
    assert rules.attendance_ok(7, 9)
    assert rules.attendance_ok(9, 9)
    assert not rules.attendance_ok(10, 9)
    assert rules.below_quorum(4, 9)
    assert not rules.below_quorum(5, 10)
    assert not rules.below_quorum(0, 0)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("9:30", "09:30"), ("14：00", "14:00"), ("9点半", "09:30"), ("9点", "09:00"), ("下午2点", "14:00"), ("晚上7点30分", "19:30"), ("8.15", "08:15")],
)
def test_parse_clock_time(typed: str, expected: str) -> None:
    assert rules.parse_clock_time(typed) == expected


@pytest.mark.parametrize("typed", ["25:00", "9:75", "早", "下午", ""])
def test_parse_clock_time_refuses(typed: str) -> None:
    assert rules.parse_clock_time(typed) is None


def test_text_limits() -> None:
    assert rules.check_text("学习二十届四中全会精神", "topic") is None
    assert rules.check_text("   ", "topic") == rules.TextProblem(empty=True)
    assert rules.check_text("字" * 101, "topic") == rules.TextProblem(limit=100)
    assert rules.check_text("字" * 100, "topic") is None


def test_short_ids_and_words() -> None:
    assert rules.activity_short_id(12) == "HD0012"
    assert rules.commitment_short_id(3) == "CN0003"
    assert rules.is_skip("跳过") and not rules.is_skip("跳过吧我们")
    assert rules.days_overdue(date(2026, 11, 20), TODAY) == 7
    assert rules.days_overdue(date(2026, 12, 20), TODAY) == 0


# ----- dates as people write them (today injected; 2026-11-27 is a Friday) ------------------------
FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("typed", "today", "expected"),
    [
        ("15号", FRIDAY, date(2026, 11, 15)),
        ("15日", FRIDAY, date(2026, 11, 15)),
        ("28号", FRIDAY, date(2026, 10, 28)),  # still to come this month: last month's
        ("27号", FRIDAY, date(2026, 11, 27)),
        ("31号", date(2026, 3, 1), date(2026, 1, 31)),  # no 31 February
        ("15号", date(2027, 1, 3), date(2026, 12, 15)),  # the year boundary
        ("上周五", FRIDAY, date(2026, 11, 20)),
        ("上星期一", FRIDAY, date(2026, 11, 16)),
        ("上周日", FRIDAY, date(2026, 11, 22)),
        ("上周五", date(2027, 1, 2), date(2026, 12, 25)),  # the year boundary
        ("周三", FRIDAY, date(2026, 11, 25)),
        ("周六", FRIDAY, date(2026, 11, 21)),  # a bare weekday still to come: the one just past
        ("本周六", FRIDAY, date(2026, 11, 28)),  # said as this week's: kept (the caller refuses it)
        ("星期天", FRIDAY, date(2026, 11, 22)),
        ("昨天上午", FRIDAY, date(2026, 11, 26)),
        ("今天下午", FRIDAY, date(2026, 11, 27)),
        ("前天晚上", FRIDAY, date(2026, 11, 25)),
        ("11月20日下午", FRIDAY, date(2026, 11, 20)),
        ("十二月十五日", date(2027, 1, 3), date(2026, 12, 15)),
        ("十一月二十日", FRIDAY, date(2026, 11, 20)),
        ("十五号", FRIDAY, date(2026, 11, 15)),
        ("二〇二六年十一月二十七日", FRIDAY, date(2026, 11, 27)),
        ("11.20", FRIDAY, date(2026, 11, 20)),
        ("11。20", FRIDAY, date(2026, 11, 20)),
        ("１１．２０", FRIDAY, date(2026, 11, 20)),
        ("１１月２０日", FRIDAY, date(2026, 11, 20)),
        ("１５号", FRIDAY, date(2026, 11, 15)),
        ("12.30", date(2027, 1, 3), date(2026, 12, 30)),
    ],
)
def test_parse_date_reads_what_people_write(typed: str, today: date, expected: date) -> None:
    assert rules.parse_date(typed, today) == expected


@pytest.mark.parametrize("typed", ["32号", "0号", "十三月一日", "上周八", "11.2.3", "下午", "号"])
def test_parse_date_refuses_what_is_no_day(typed: str) -> None:
    assert rules.parse_date(typed, FRIDAY) is None


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("15号", date(2026, 12, 15)),  # typed on Tuesday 1 December: a deadline lies ahead
        ("1号", date(2026, 12, 1)),
        ("31号", date(2026, 12, 31)),
        ("周五", date(2026, 12, 4)),
        ("周一", date(2026, 12, 7)),
        ("周二", date(2026, 12, 1)),
        ("本周五", date(2026, 12, 4)),
        ("上周五", date(2026, 11, 27)),  # stays in the past: the commitment flow refuses it
        ("12月20日", date(2026, 12, 20)),
        ("十二月十五日", date(2026, 12, 15)),
        ("2027-01-10", date(2027, 1, 10)),
    ],
)
def test_a_deadline_reads_a_day_alone_and_a_weekday_ahead(text: str, due: date) -> None:
    assert rules.parse_due_date(text, date(2026, 12, 1)) == due


def test_a_deadline_day_past_the_end_of_the_month_is_next_month_or_later() -> None:
    assert rules.parse_due_date("31号", date(2027, 2, 1)) == date(2027, 3, 31)
    assert rules.parse_due_date("15号", date(2026, 12, 20)) == date(2027, 1, 15)
    assert rules.parse_due_date("没看懂", date(2026, 12, 20)) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("七人", (7, None)), ("十二", (12, None)), ("7个人", (7, None)), ("到了7人", (7, None)), ("两人", (2, None)),
     ("七/九", (7, 9)), ("全部到齐", (9, 9)), ("都到了", (9, 9)), ("全到了。", (9, 9))],
)
def test_attendance_as_people_write_it(typed: str, expected: tuple[int, int | None]) -> None:
    assert rules.parse_attendance(typed, expected=9) == expected


def test_all_present_needs_a_known_expected_count() -> None:
    assert rules.parse_attendance("全部到齐") is None
    assert rules.parse_attendance("七八个") is None


@pytest.mark.parametrize(
    ("typed", "today", "expected"),
    [
        ("12.1-12.15", date(2026, 12, 20), (date(2026, 12, 1), date(2026, 12, 15))),
        ("12月1日至15日", date(2026, 12, 20), (date(2026, 12, 1), date(2026, 12, 15))),
        ("12月1日至15日", date(2026, 12, 10), (date(2026, 12, 1), date(2026, 12, 15))),  # the caller refuses the future
        ("十二月一日到十二月十五日", date(2026, 12, 20), (date(2026, 12, 1), date(2026, 12, 15))),
        ("2026-10-01 至 2026-11-20", date(2026, 12, 20), (date(2026, 10, 1), date(2026, 11, 20))),
        ("2026-10-01-2026-11-20", date(2026, 12, 20), (date(2026, 10, 1), date(2026, 11, 20))),
        ("１２．１－１２．１５", date(2026, 12, 20), (date(2026, 12, 1), date(2026, 12, 15))),
        ("10-1 11-20", date(2026, 12, 20), (date(2026, 10, 1), date(2026, 11, 20))),
    ],
)
def test_parse_date_range(typed: str, today: date, expected: tuple[date, date]) -> None:
    assert rules.parse_date_range(typed, today) == expected


@pytest.mark.parametrize("typed", ["", "12.1", "12月1日至", "12月1日至32日", "随便"])
def test_parse_date_range_refuses(typed: str) -> None:
    assert rules.parse_date_range(typed, date(2026, 12, 20)) is None
