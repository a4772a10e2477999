"""Dates written the way Chinese official documents write them.

Two styles: ``hanzi`` (二〇二六年十一月二十七日 — the traditional 成文日期 with 〇 for zero, the
year read digit by digit, month and day read as numbers) and ``arabic`` (2026年11月27日, the form
GB/T 9704-2012 prescribes: full year, no leading zeros). Also small helpers for Chinese
numerals that the 小结 needs (一是、二是 …), and the reverse for dates people type
(十二月十五日 → 12月15日, read with the ``cn2an`` package).
"""
from __future__ import annotations

import re
from datetime import date

import cn2an

from bot.texts import plain

HANZI = "hanzi"
ARABIC = "arabic"
DATE_STYLES: tuple[str, ...] = (HANZI, ARABIC)

_DIGITS = "〇一二三四五六七八九"


def digits_hanzi(n: int) -> str:
    """Read a number digit by digit, as years are read: 2026 → 二〇二六."""
    if n < 0:
        raise ValueError(plain("rules", "negative_number", n=n))
    return "".join(_DIGITS[int(c)] for c in str(n))


def number_hanzi(n: int) -> str:
    """Read 0–99 as a number: 10 → 十, 11 → 十一, 20 → 二十, 27 → 二十七."""
    if not 0 <= n <= 99:
        raise ValueError(plain("rules", "number_out_of_range", n=n))
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def format_date_cn(d: date, style: str = HANZI) -> str:
    """``二〇二六年十一月二十七日`` (style ``hanzi``) or ``2026年11月27日`` (style ``arabic``)."""
    return _format(d, style, with_year=True)


def _format(d: date, style: str, *, with_year: bool) -> str:
    if style == HANZI:
        year, month, day = digits_hanzi(d.year), number_hanzi(d.month), number_hanzi(d.day)
    elif style == ARABIC:
        year, month, day = str(d.year), str(d.month), str(d.day)
    else:
        raise ValueError(plain("rules", "date_style_unknown", style=repr(style), styles=DATE_STYLES))
    return plain("rules", "date", year=year if with_year else None, month=month, day=day)


def format_span_cn(start: date, end: date, style: str = HANZI) -> str:
    """A period as 起止日期, dropping the repeated year: 2026年11月1日至11月30日."""
    first = format_date_cn(start, style)
    last = _format(end, style, with_year=start.year != end.year)
    return plain("rules", "span", first=first, last=last)


# A run of Chinese numerals just before 年, 月, 日 or 号 (十二月十五日, 二〇二六年).
_NUMERAL_RUN = re.compile(r"[〇零一二三四五六七八九十两]+(?=[年月日号])")


def arabic_date_numbers(text: str) -> str:
    """``text`` with the Chinese numerals of a date written in digits: 十二月十五日 → 12月15日,
    二〇二六年 → 2026年. Other numerals (一次, 三会一课) are left as they are; a run that cannot be
    read as a number is left too, and the date reader then refuses it."""

    def digits(match: re.Match[str]) -> str:
        try:
            return str(int(cn2an.cn2an(match[0], "smart")))
        except (ValueError, KeyError, TypeError):
            return match[0]

    return _NUMERAL_RUN.sub(digits, text)
