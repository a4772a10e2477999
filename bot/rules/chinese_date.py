"""Dates written the way Chinese official documents write them.

Two styles: ``hanzi`` (二〇二六年十一月二十七日 — the traditional 成文日期 with 〇 for zero, the
year read digit by digit, month and day read as numbers) and ``arabic`` (2026年11月27日, the form
GB/T 9704-2012 prescribes: full year, no leading zeros). Also small helpers for Chinese
numerals that the 小结 needs (一是、二是 …).
"""
from __future__ import annotations

from datetime import date

HANZI = "hanzi"
ARABIC = "arabic"
DATE_STYLES: tuple[str, ...] = (HANZI, ARABIC)

_DIGITS = "〇一二三四五六七八九"


def digits_hanzi(n: int) -> str:
    """Read a number digit by digit, as years are read: 2026 → 二〇二六."""
    if n < 0:
        raise ValueError(f"不能为负数：{n}")
    return "".join(_DIGITS[int(c)] for c in str(n))


def number_hanzi(n: int) -> str:
    """Read 0–99 as a number: 10 → 十, 11 → 十一, 20 → 二十, 27 → 二十七."""
    if not 0 <= n <= 99:
        raise ValueError(f"只支持 0–99：{n}")
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def format_date_cn(d: date, style: str = HANZI) -> str:
    """``二〇二六年十一月二十七日`` (style ``hanzi``) or ``2026年11月27日`` (style ``arabic``)."""
    if style == HANZI:
        return f"{digits_hanzi(d.year)}年{number_hanzi(d.month)}月{number_hanzi(d.day)}日"
    if style == ARABIC:
        return f"{d.year}年{d.month}月{d.day}日"
    raise ValueError(f"未知的日期格式：{style!r}（可选 {', '.join(DATE_STYLES)}）")


def format_span_cn(start: date, end: date, style: str = HANZI) -> str:
    """A period as 起止日期, dropping the repeated year: 2026年11月1日至11月30日."""
    first = format_date_cn(start, style)
    last = format_date_cn(end, style)
    if start.year == end.year:
        last = last.split("年", 1)[1]
    return f"{first}至{last}"
