"""The 小结's voice, stated as facts about its text, for any records (hypothesis).

The 上报版 names no unit in 存在主要问题; in the 内部版 a unit named as not having reported has no
record in the period; no clause states a zero count; no two units share a short name.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digest.build import build_digest, unique_short_names
from bot.digest.document import BlockKind, digest_document
from bot.rules.activity_kinds import load_kinds
from bot.rules.meeting_rules import compliance, load_rules
from storage.models import Activity, Commitment, PeriodNote, Unit

START, END, TODAY = date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 1)
KINDS = load_kinds().names()
RULES = load_rules()
# Stems that appear nowhere in the template's own wording, so finding one in the text means a name.
STEMS = ["山宁", "新联", "东城", "丹阳", "薛津", "詹桥", "横山", "石门", "杨村", "花园"]
ENDINGS = [("村党支部", "村"), ("村党总支", "村"), ("社区党总支", "社区"), ("中学党支部", "学校"), ("机床厂党支部", "非公企业")]
PROBLEMS = ["活动形式比较单一", "学习深度不够", "流动党员管理难"]
ZERO_CLAUSE = re.compile(r"(?<![\d.])0(?:\.0)?(?:%|个|项|次|堂|名|人次)")


@st.composite
def townships(draw):
    picks = draw(st.lists(st.tuples(st.sampled_from(STEMS), st.sampled_from(ENDINGS)), min_size=1, max_size=8, unique=True))
    units = [Unit(i, stem + ending, kind, draw(st.integers(0, 60))) for i, (stem, (ending, kind)) in enumerate(picks, 1)]
    ids = [u.id for u in units]
    activities = [
        Activity(i, unit_id, kind, START + timedelta(days=off), "x", attended, expected)
        for i, (unit_id, kind, off, attended, expected) in enumerate(
            draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(KINDS), st.integers(-5, 35), st.integers(0, 30), st.integers(0, 30)), max_size=30)),
            1,
        )
    ]
    commitments = [
        Commitment(i, unit_id, None, "为群众办实事", START + timedelta(days=off), fulfilled_on=START if kept else None)
        for i, (unit_id, off, kept) in enumerate(draw(st.lists(st.tuples(st.sampled_from(ids), st.integers(0, 40), st.booleans()), max_size=6)), 1)
    ]
    notes = [PeriodNote(unit_id, "2026-11", problems=problem) for unit_id, problem in draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(PROBLEMS)), max_size=4))]
    return units, activities, commitments, notes


def _digest(units, activities, commitments, notes):
    by_unit = {u.id: [a for a in activities if a.unit_id == u.id] for u in units}
    return build_digest(
        org_name="博望镇党委", title=None, period_label="2026年11月", start=START, end=END, today=TODAY,
        units=units, activities=activities, commitments=commitments, notes=notes,
        compliance_for=lambda unit, _acts: compliance(RULES, unit.kind, by_unit[unit.id], START, END),
        scope_label="全镇",
    )


def _problem_points(blocks):
    """The paragraphs of 存在主要问题: the run-in section and the 一是/二是 after it."""
    start = next(i for i, b in enumerate(blocks) if b.kind is BlockKind.HEADING_2 and "存在主要问题" in b.text)
    end = next(i for i, b in enumerate(blocks) if i > start and b.kind is BlockKind.HEADING_1)
    return [b.text for b in blocks[start:end]]


SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(townships())
def test_the_report_version_names_no_unit_in_its_problems(township) -> None:
    d = _digest(*township)
    if d.empty:
        return
    text = "".join(_problem_points(digest_document(d)))
    for u in d.units:
        assert u.short_name not in text and u.name not in text


@SLOW
@given(townships())
def test_a_unit_named_as_not_reporting_has_no_record_in_the_period(township) -> None:
    units, activities, _, _ = township
    d = _digest(*township)
    if d.empty:
        return
    points = _problem_points(digest_document(d, internal=True))
    sentence = next((p for p in points if "未报送活动记录（" in p), None)
    if sentence is None:
        return
    listed = re.search(r"未报送活动记录（([^）]*)）", sentence).group(1).removesuffix("等").split("、")
    by_short = {u.short_name: u.id for u in d.units}
    for short in listed:
        unit_id = by_short[short]
        assert not [a for a in activities if a.unit_id == unit_id and START <= a.held_on <= END]


@SLOW
@given(townships(), st.booleans())
def test_no_clause_states_a_zero_count(township, internal) -> None:
    text = "\n".join(b.text for b in digest_document(_digest(*township), internal=internal))
    assert not ZERO_CLAUSE.search(text), ZERO_CLAUSE.search(text)


@SLOW
@given(townships())
def test_no_two_units_share_a_short_name(township) -> None:
    d = _digest(*township)
    shorts = [u.short_name for u in d.units]
    assert len(set(shorts)) == len(shorts)


def test_colliding_short_names_fall_back_to_the_full_name() -> None:
    names = ["博望村党总支", "博望社区党总支", "山宁村党支部"]
    assert unique_short_names(names) == ["博望村党总支", "博望社区党总支", "山宁"]


def test_a_custom_period_is_said_once() -> None:
    d = build_digest(
        org_name="博望镇党委", title=None, period_label="2026年11月10日至11月20日", start=date(2026, 11, 10), end=date(2026, 11, 20),
        today=TODAY, units=[Unit(1, "山宁村党支部", "村", 10)], activities=[Activity(1, 1, "党课", date(2026, 11, 12), "x", 8, 10)],
        commitments=[], notes=[], scope_label="全镇",
    )
    opening = digest_document(d)[1].text
    assert opening.startswith("2026年11月10日至11月20日，") and opening.count("11月20日") == 1
    assert "上党课1堂" in "".join(b.text for b in digest_document(d))
