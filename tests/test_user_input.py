"""The gate for outside text (bot/rules/user_input.py), one table per question it answers."""
from __future__ import annotations

import pytest

from bot.rules import report_rules
from bot.rules.unit_import import UnitRow, check_rows
from bot.rules.user_input import clean_text, excerpt, is_blank, parse_id, parse_number

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # an emoji held together by zero-width joiners


@pytest.mark.parametrize(
    ("raw", "multiline", "kept"),
    [
        ("学习党章", False, "学习党章"),
        ("  学习党章 \u3000", False, "学习党章"),
        ("学\x00习\x01党\x0b章\x7f\x85", False, "学习党章"),
        ("学习\t党章", False, "学习 党章"),
        ("第一行\r\n第二行\r第三行", True, "第一行\n第二行\n第三行"),
        ("第一行\n第二行", False, "第一行 第二行"),
        ("第一段\u2029第二段", True, "第一段\n第二段"),
        ("\u200b\ufeff学习党章\u200b", False, "学习党章"),
        ("学\u200b习", False, "学\u200b习"),  # inside the text it is kept exactly
        (f"家 {FAMILY}", False, f"家 {FAMILY}"),
        ("<b>新联村</b> & 党支部", False, "<b>新联村</b> & 党支部"),
        ("\u3164\u2800", False, ""),
    ],
)
def test_clean_text(raw: str, multiline: bool, kept: str) -> None:
    assert clean_text(raw, multiline=multiline) == kept


@pytest.mark.parametrize(
    ("raw", "blank"),
    [("", True), ("   ", True), ("\u200b", True), ("\u200b\u200c\u200d\ufeff", True), ("\x00\x01\n\t", True), ("\u3000", True),
     ("。", False), ("a", False), (FAMILY, False)],
)
def test_is_blank(raw: str, blank: bool) -> None:
    assert is_blank(raw) is blank


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("7", 7),
        ("0", 0),
        (" 56 ", 56),
        ("５６", 56),
        ("100000", 100000),
        ("000007", 7),
        ("1000000", None),  # seven digits: more than any count needs
        ("9" * 5000, None),
        ("²", None),
        ("①", None),
        ("\u0663", None),  # ARABIC-INDIC DIGIT THREE
        ("1e9", None),
        ("-3", None),
        ("+3", None),
        ("12.5", None),
        ("1 000", None),
        ("", None),
        ("\x00", None),
    ],
)
def test_parse_number(raw: str, number: int | None) -> None:
    assert parse_number(raw) == number


def test_parse_number_takes_a_smaller_cap() -> None:
    assert (parse_number("31", max_digits=2), parse_number("031", max_digits=2)) == (31, None)


@pytest.mark.parametrize(
    ("part", "signed", "number"),
    [
        ("1", False, 1),
        ("0", False, 0),
        ("9" * 18, False, 10**18 - 1),
        ("9" * 19, False, None),
        ("99999999999999999999999", False, None),
        ("9223372036854775808", False, None),  # one past SQLite's largest integer
        ("²", False, None),
        ("①", False, None),
        ("１", False, None),  # button data is written by the bot: ASCII only
        ("", False, None),
        (" 1", False, None),
        ("1\x00", False, None),
        ("-5", False, None),
        ("-5", True, -5),
        ("-", True, None),
        ("--5", True, None),
        ("abc", False, None),
    ],
)
def test_parse_id(part: str, signed: bool, number: int | None) -> None:
    assert parse_id(part, signed=signed) == number


@pytest.mark.parametrize(
    ("raw", "count"),
    [("7", 7), ("７名", 7), ("7人", 7), ("9" * 5000, None), ("²", None), ("①", None), ("\u0663", None), ("100001", None)],
)
def test_head_counts_go_through_the_gate(raw: str, count: int | None) -> None:
    assert report_rules.parse_count(raw) == count


@pytest.mark.parametrize(
    ("raw", "attendance"),
    [("7/9", (7, 9)), ("7", (7, None)), ("7/" + "9" * 5000, None), ("²/9", None), ("7/①", None)],
)
def test_attendance_goes_through_the_gate(raw: str, attendance: tuple[int, int | None] | None) -> None:
    assert report_rules.parse_attendance(raw) == attendance


@pytest.mark.parametrize(
    ("raw", "field", "kept"),
    [
        ("学习\n党章", "topic", "学习 党章"),
        ("学习\n党章", "summary", "学习\n党章"),
        ("\x00学习党章\x0b", "summary", "学习党章"),
    ],
)
def test_fields_of_one_line_fold_line_breaks(raw: str, field: str, kept: str) -> None:
    assert report_rules.clean_field(raw, field) == kept


@pytest.mark.parametrize("raw", ["\u200b", " \u200b ", "\x00", ""])
def test_invisible_text_is_empty(raw: str) -> None:
    problem = report_rules.check_text(raw, "topic")
    assert problem is not None and problem.empty


def test_excerpt() -> None:
    assert (excerpt("很多"), excerpt("9" * 5000)) == ("很多", "9" * 20 + "\u2026")


def test_import_cells_are_cleaned_and_invisible_rows_skipped() -> None:
    rows = [["单位名称", "类型", "党员数"], ["山宁\x00村\x01党\x0b总支", "村\x00", "１２0"], ["\u200b", "\ufeff", ""], ["横山", "村", "²"]]
    check = check_rows(rows, set())
    assert check.good == [(2, UnitRow("山宁村党总支", "村", 120))]
    [(_, reason)] = check.bad  # the invisible row is skipped like a blank one, not refused
    assert "²" in reason
