"""bot.rules.intent: which sentences start a report, with which kind and day (today is Friday
2026-11-27)."""
from __future__ import annotations

from datetime import date

import pytest

from bot.rules.activity_kinds import load_kinds, parse_kinds
from bot.rules.intent import is_question, read_report

TODAY = date(2026, 11, 27)  # a Friday
KINDS = load_kinds()

STARTS = [
    ("我要汇报支委会", "支委会", None),
    ("今天开了党小组会", "党小组会", date(2026, 11, 27)),
    ("昨天下午开了支部党员大会", "支部党员大会", date(2026, 11, 26)),
    ("11月20日主题党日", "主题党日", date(2026, 11, 20)),
    ("上周五党课", "党课", date(2026, 11, 20)),
    ("今天开了支委会", "支委会", date(2026, 11, 27)),
    ("汇报支委会", "支委会", None),
    ("支委会", "支委会", None),
    ("党课", "党课", None),
    ("前天开了党员大会", "支部党员大会", date(2026, 11, 25)),
    ("昨天开了支部大会。", "支部党员大会", date(2026, 11, 26)),
    ("11.20 上党课", "党课", date(2026, 11, 20)),
    ("11。20主题党日活动", "主题党日", date(2026, 11, 20)),
    ("十一月二十日开了组织生活会", "组织生活会", date(2026, 11, 20)),
    ("15号开了党小组会议", "党小组会", date(2026, 11, 15)),
    ("１１月２５日召开支委会", "支委会", date(2026, 11, 25)),
    ("2026年11月20日召开支部委员会", "支委会", date(2026, 11, 20)),
    ("周三组织党员开展志愿服务", "志愿服务", date(2026, 11, 25)),
    ("上星期一走访慰问困难党员", "走访慰问", date(2026, 11, 16)),
    ("今天上午党日活动", "主题党日", date(2026, 11, 27)),
    ("刚开完小组会", "党小组会", None),
    ("报一下民主评议", "民主评议党员", None),
    ("组织生活会今天开的！", "组织生活会", date(2026, 11, 27)),
]

NO_REPORT = [
    "你好",
    "谢谢",
    "好的",
    "在吗",
    "支委会怎么开?",
    "支委会怎么开？",
    "这个月要开党员大会吗",
    "支委会多少人参加算有效",
    "明天开党课",
    "下周开支委会",
    "今天没开支委会",
    "党小组会取消了",
    "准备开主题党日",
    "其他",
    "",
    "   ",
    "11月20日",
]


@pytest.mark.parametrize(("text", "kind", "held_on"), STARTS)
def test_sentences_that_start_a_report(text: str, kind: str, held_on: date | None) -> None:
    intent = read_report(text, TODAY, KINDS)
    assert intent is not None, text
    assert (intent.kind.name, intent.held_on) == (kind, held_on)


@pytest.mark.parametrize("text", NO_REPORT)
def test_sentences_that_do_not(text: str) -> None:
    assert read_report(text, TODAY, KINDS) is None


def test_a_statement_about_a_kind_without_question_marks_still_starts_one() -> None:
    # Only listed question words and endings mark a question; the person can still cancel.
    intent = read_report("党课要讲多久", TODAY, KINDS)
    assert intent is not None and intent.kind.name == "党课"


def test_questions() -> None:
    assert is_question("支委会怎么开?") and is_question("今天要开党课吗") and is_question("党课呢。")
    assert not is_question("今天开了党课。") and not is_question("今天开了党课！")


def test_a_long_text_is_not_a_request() -> None:
    assert read_report("今天开了支委会，" + "学习" * 60, TODAY, KINDS) is None


def test_longest_name_wins_and_unspoken_kinds_are_never_read() -> None:
    kinds = parse_kinds(
        '[[kind]]\ncode = "a"\nname = "大会"\n[[kind]]\ncode = "b"\nname = "党员大会"\n'
        '[[kind]]\ncode = "c"\nname = "学习"\nspoken = false\n'
    )
    intent = read_report("开了党员大会", TODAY, kinds)
    assert intent is not None and intent.kind.code == "b"
    assert read_report("今天学习", TODAY, kinds) is None


def test_a_date_across_the_new_year() -> None:
    intent = read_report("上周五开了党课", date(2027, 1, 2), KINDS)
    assert intent is not None and intent.held_on == date(2026, 12, 25)
