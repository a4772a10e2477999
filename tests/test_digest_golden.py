"""Golden files: the 小结 of a small fixed township, as text and as the Word file's paragraphs.

The files under tests/golden/ were read by eye once; a change to the wording or the figures shows
up here as a diff. After an intended change, regenerate them with
``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_digest_golden.py`` and read the diff.
"""
from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

import docx

from bot.digest.build import build_digest
from bot.digest.document import digest_document, plain_text
from bot.digest.query import owed_meetings
from bot.digest.word import render_docx
from bot.rules.meeting_rules import load_rules
from storage.models import Activity, Commitment, LeaderActivity, PeriodNote, Unit

GOLDEN = Path(__file__).parent / "golden"
# Written on the first working day after the quarter: every slot of the quarter is over.
START, END, TODAY = date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 4)
UNITS = [
    Unit(1, "山宁村党总支", "村", 40, committee_size=7, group_count=4),
    Unit(2, "新城村党总支", "村", 32, committee_size=5),
    Unit(3, "博望中学党支部", "学校", 20),
    Unit(4, "博望机床厂党支部", "非公企业", 12, committee_size=3, group_count=0),  # no 党小组: owes no 党小组会
]
ACTIVITIES = [
    Activity(1, 1, "支委会", date(2026, 10, 9), "研究发展党员工作", 7, 7),
    Activity(2, 1, "支委会", date(2026, 11, 6), "研究冬季安全", 6, 7),
    Activity(3, 1, "支委会", date(2026, 12, 4), "年终总结", 7, 7),
    Activity(4, 1, "党课", date(2026, 11, 20), "书记讲党课", 35, 40),
    Activity(5, 1, "主题党日", date(2026, 10, 15), "重温入党誓词", 33, 40),
    Activity(6, 2, "支委会", date(2026, 10, 10), "研究党费收缴", 5, 5),
    Activity(7, 2, "结对共建", date(2026, 11, 12), "与县供电公司结对共建", 12, 32),
    Activity(8, 3, "支部党员大会", date(2026, 12, 2), "接收预备党员", 18, 20),
    Activity(9, 3, "主题党日", date(2026, 12, 9), "参观红色教育基地", 16, 20),
    Activity(10, 1, "走访慰问", date(2026, 12, 20), "走访慰问老党员", 10, 40, withdrawn=True),
]
COMMITMENTS = [
    Commitment(1, 1, None, "修缮村民活动室", date(2026, 11, 30), fulfilled_on=date(2026, 11, 28), result="已完成"),
    Commitment(2, 2, "王建国", "为困难群众办实事三件", date(2026, 12, 15)),
]
NOTES = [
    PeriodNote(1, "2026-12", problems="活动形式比较单一", next_plans="开展冬训\n做好年终党员评议", deeds="党员王某带头调解邻里纠纷"),
    PeriodNote(2, "2026-11", problems="活动形式比较单一。", next_plans="做好年终党员评议"),
]
LEADER_WORK = [
    LeaderActivity(1, 1001, "讲党课", 1, date(2026, 11, 20)),
    LeaderActivity(2, 1001, "调研指导", 2, date(2026, 12, 3)),
    LeaderActivity(3, 1001, "调研指导", 3, date(2026, 12, 10)),
]


def small_digest(unit_id: int | None = None):
    """The small township's 小结, or (``unit_id``) one unit's own."""
    units = [u for u in UNITS if unit_id is None or u.id == unit_id]
    return build_digest(
        org_name="博望镇党委",
        title=f"{units[0].name}党建工作小结" if unit_id else "博望镇党委党建工作小结",
        period_label="2026年第四季度",
        start=START,
        end=END,
        today=TODAY,
        units=units,
        activities=ACTIVITIES,
        commitments=COMMITMENTS,
        notes=NOTES,
        leader_activities=LEADER_WORK,
        compliance_for=owed_meetings(load_rules(), ACTIVITIES, {}, START, END, TODAY, None),
        scope_label=units[0].name if unit_id else "全镇",
        unit_scope=unit_id is not None,
    )


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; see the module docstring"


def test_text_matches_the_golden_file() -> None:
    _check("digest_small.txt", plain_text(digest_document(small_digest())) + "\n")


def test_word_paragraphs_match_the_golden_file() -> None:
    document = docx.Document(io.BytesIO(render_docx(digest_document(small_digest()))))
    _check("digest_small_docx.txt", "\n".join(p.text for p in document.paragraphs if p.text.strip()) + "\n")


def test_internal_version_matches_the_golden_file() -> None:
    """The 内部版 differs from the 上报版 only in 存在主要问题, where it names units."""
    _check("digest_small_internal.txt", plain_text(digest_document(small_digest(), internal=True)) + "\n")


def test_a_units_own_digest_matches_the_golden_file() -> None:
    _check("digest_unit.txt", plain_text(digest_document(small_digest(unit_id=2))) + "\n")
