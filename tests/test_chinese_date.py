"""Chinese date formatting: 成文日期 in hanzi and in GB/T 9704 Arabic form."""
from datetime import date, timedelta

import pytest

from bot.rules.chinese_date import digits_hanzi, format_date_cn, format_span_cn, number_hanzi


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 11, 27), "二〇二六年十一月二十七日"),
        (date(2010, 10, 12), "二〇一〇年十月十二日"),
        (date(2000, 1, 1), "二〇〇〇年一月一日"),
        (date(2026, 12, 30), "二〇二六年十二月三十日"),
        (date(2026, 3, 10), "二〇二六年三月十日"),
        (date(2026, 5, 20), "二〇二六年五月二十日"),
        (date(2026, 7, 31), "二〇二六年七月三十一日"),
        (date(1999, 9, 9), "一九九九年九月九日"),
        (date(2026, 2, 19), "二〇二六年二月十九日"),
    ],
)
def test_hanzi(d, expected):
    assert format_date_cn(d) == expected
    assert format_date_cn(d, style="hanzi") == expected


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 11, 27), "2026年11月27日"),
        (date(2026, 1, 5), "2026年1月5日"),
        (date(2010, 10, 10), "2010年10月10日"),
    ],
)
def test_arabic_has_no_leading_zeros(d, expected):
    assert format_date_cn(d, style="arabic") == expected


def test_unknown_style_is_refused():
    with pytest.raises(ValueError):
        format_date_cn(date(2026, 1, 1), style="roman")


def test_numbers():
    assert [number_hanzi(n) for n in (0, 1, 9, 10, 11, 19, 20, 21, 30, 31, 99)] == [
        "〇", "一", "九", "十", "十一", "十九", "二十", "二十一", "三十", "三十一", "九十九",
    ]
    assert digits_hanzi(2026) == "二〇二六"
    with pytest.raises(ValueError):
        number_hanzi(100)
    with pytest.raises(ValueError):
        digits_hanzi(-1)


def test_every_day_of_a_leap_year_reads_back():
    """Every hanzi date parses back to the date it came from, with 〇 only in the year."""
    reverse = {number_hanzi(n): n for n in range(1, 32)}
    d = date(2028, 1, 1)
    while d.year == 2028:
        text = format_date_cn(d)
        year, rest = text.split("年")
        month, rest = rest.split("月")
        day = rest.removesuffix("日")
        assert year == "二〇二八"
        assert "〇" not in month + day
        assert (reverse[month], reverse[day]) == (d.month, d.day)
        d += timedelta(days=1)


def test_span_drops_the_repeated_year():
    assert format_span_cn(date(2026, 11, 1), date(2026, 11, 30), "arabic") == "2026年11月1日至11月30日"
    assert format_span_cn(date(2026, 12, 1), date(2027, 2, 28), "arabic") == "2026年12月1日至2027年2月28日"
    assert format_span_cn(date(2026, 11, 1), date(2026, 11, 30)) == "二〇二六年十一月一日至十一月三十日"
