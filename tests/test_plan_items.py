"""The 下一步计划 typed by a leader: list markers are dropped, the words themselves never."""
from __future__ import annotations

import pytest

from handlers.plans import parse_plan_items


@pytest.mark.parametrize(
    ("line", "item"),
    [
        ("1. 开展冬季走访慰问", "开展冬季走访慰问"),
        ("2、做好年终党员评议", "做好年终党员评议"),
        ("3）加强流动党员管理", "加强流动党员管理"),
        ("（三）推进阵地建设", "推进阵地建设"),
        ("(4) 推进阵地建设", "推进阵地建设"),
        ("一、抓好理论学习", "抓好理论学习"),
        ("十二、抓好理论学习", "抓好理论学习"),
        ("① 抓好理论学习", "抓好理论学习"),
        ("- 抓好理论学习", "抓好理论学习"),
        ("• 抓好理论学习", "抓好理论学习"),
        ("１０．抓好理论学习", "抓好理论学习"),
        # The first character of a word is never a marker.
        ("三会一课规范化建设", "三会一课规范化建设"),
        ("二十届四中全会精神再学习", "二十届四中全会精神再学习"),
        ("七一表彰", "七一表彰"),
        ("1. 三会一课规范化建设", "三会一课规范化建设"),
        ("一、七一表彰", "七一表彰"),
        ("2026年度党员评议", "2026年度党员评议"),
        ("1.5万元集体经济增收", "1.5万元集体经济增收"),
        ("是否开展评议", "是否开展评议"),
    ],
)
def test_one_line(line: str, item: str) -> None:
    assert parse_plan_items(line) == [item]


def test_lines_blank_lines_and_spaces() -> None:
    text = "  1、开展冬季走访慰问 \n\n2、做好年终党员评议\n   \n七一表彰"
    assert parse_plan_items(text) == ["开展冬季走访慰问", "做好年终党员评议", "七一表彰"]


def test_a_line_of_zero_width_characters_is_no_item() -> None:
    assert parse_plan_items("\u200b1、开展冬季走访慰问\u200b\n\u200b\ufeff\n2、\u200b") == ["开展冬季走访慰问"]
