"""The digest builder: figures, the empty period, problems from facts, deduplicated notes."""
from dataclasses import dataclass
from datetime import date

import pytest

from bot.digest.build import (
    LOW_ATTENDANCE_THRESHOLD,
    PLAN_FROM_LEADER,
    PLAN_FROM_UNITS,
    PLAN_NONE,
    build_digest,
    figures,
    short_name,
)
from bot.rules.unit_kinds import GROUP_INSTITUTION, GROUP_TWO_NEW, GROUP_VILLAGE
from storage.models import Activity, Commitment, PeriodNote, Unit

START, END, TODAY = date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 2)

UNITS = [
    Unit(1, "博望镇山宁村党支部", "村", 40),
    Unit(2, "新城社区党总支", "社区", 60),
    Unit(3, "新联村党支部", "村", 30),
    Unit(4, "东城村党支部", "村", 35),
    Unit(5, "丹阳村党支部", "村", 25),
    Unit(6, "中心学校党支部", "学校", 20),
    Unit(7, "宏达公司党支部", "非公企业", 8),
    Unit(8, "旧厂党支部", "非公企业", 5, archived=True),
]


def act(id, unit, kind, day, attended, expected, **kw):
    return Activity(id, unit, kind, date(2026, 11, day), f"主题{id}", attended, expected, **kw)


ACTIVITIES = [
    act(1, 1, "支委会", 3, 5, 5),
    act(2, 1, "结对共建", 8, 20, 40),
    act(3, 2, "结对共建", 9, 30, 60),
    act(4, 3, "结对共建", 10, 25, 30),
    act(5, 4, "结对共建", 11, 30, 35),
    act(6, 5, "结对共建", 12, 5, 25),  # 丹阳: 20% attendance
    act(7, 5, "结对共建", 13, 5, 25),
    act(8, 6, "主题党日", 14, 18, 20),
    act(9, 2, "党课", 15, 50, 60),
    act(10, 1, "主题党日", 16, 35, 40, withdrawn=True),  # withdrawn
    Activity(11, 1, "主题党日", date(2026, 10, 31), "上月", 30, 40),  # before the period
    act(12, 8, "主题党日", 16, 5, 5),  # archived unit
    act(13, 99, "主题党日", 16, 5, 5),  # unit not in scope
]

COMMITMENTS = [
    Commitment(1, 1, "张三", "修通村道", date(2026, 11, 20)),  # overdue
    Commitment(2, 2, None, "建成便民服务站", date(2026, 11, 10), fulfilled_on=date(2026, 11, 9)),  # fulfilled
    Commitment(3, 3, "李四", "帮扶困难户", date(2027, 3, 1)),  # open, in progress
    Commitment(4, 4, None, "旧承诺", date(2026, 5, 1), fulfilled_on=date(2026, 5, 1)),  # kept long ago: not tracked
    Commitment(5, 6, None, "撤回的", date(2026, 11, 5), withdrawn=True),
    Commitment(6, 5, None, "去年的承诺", date(2025, 12, 1)),  # open since last year: overdue
]

NOTES = [
    PeriodNote(1, "2026-11", problems="1、学习不够深入。\n2、活动形式单一", next_plans="抓好冬训", deeds="张三勇救落水儿童"),
    PeriodNote(2, "2026-11", problems="活动形式单一；", next_plans="抓好冬训。\n（2）开展走访慰问"),
    PeriodNote(3, "2026-11", problems="  活动 形式单一!  "),
    PeriodNote(8, "2026-11", problems="已撤销单位的问题"),
]


@dataclass
class Status:
    activity_kind: str
    due: int
    held: int
    excused: bool = False


def monthly_committee(unit, activities):
    """Every unit owes one 支委会 a month and one 党课 a quarter (here: this month)."""
    return [
        Status("支委会", 1, sum(a.kind == "支委会" for a in activities)),
        Status("党课", 1, sum(a.kind == "党课" for a in activities), excused=unit.id == 7),
    ]


def build(**overrides):
    kw = dict(
        org_name="博望镇党委",
        title=None,
        period_label="2026年11月",
        start=START,
        end=END,
        today=TODAY,
        units=UNITS,
        activities=ACTIVITIES,
        commitments=COMMITMENTS,
        notes=NOTES,
        leader_plan=None,
        compliance_for=monthly_committee,
        scope_label="全镇",
    )
    kw.update(overrides)
    return build_digest(**kw)


def test_basic_situation():
    d = build()
    assert not d.empty
    assert d.unit_count == 7  # the archived unit is out
    assert d.member_count == 40 + 60 + 30 + 35 + 25 + 20 + 8
    assert d.reporting_unit_ids == (1, 2, 3, 4, 5, 6)
    assert d.unreported_unit_ids == (7,)
    assert [(g.group, g.count) for g in d.groups] == [(GROUP_VILLAGE, 5), (GROUP_INSTITUTION, 1), (GROUP_TWO_NEW, 1)]
    assert d.activity_ids == (1, 2, 3, 4, 5, 6, 7, 8, 9)
    assert sorted(d.ignored_activity_ids) == [10, 11, 12, 13]


def test_kinds_in_catalogue_order_with_traceable_ids():
    d = build()
    assert [k.kind for k in d.kinds] == ["支委会", "党课", "主题党日", "结对共建"]
    joint = d.kinds[-1]
    assert joint.count == 6
    assert joint.activity_ids == (2, 3, 4, 5, 6, 7)
    assert joint.unit_ids == (1, 2, 3, 4, 5)
    assert (joint.attended, joint.expected) == (115, 215)
    assert joint.attendance_rate == pytest.approx(115 / 215)
    assert not joint.statutory and d.kinds[0].statutory
    fig = figures(d)
    assert fig["kind:结对共建"]["activity_ids"] == [2, 3, 4, 5, 6, 7]
    assert fig["activities"]["value"] == 9


def test_named_examples_are_short_names_most_active_first():
    d = build()
    joint = d.kinds[-1]
    # 丹阳 held two, so it leads; then unit order; at most four.
    assert joint.examples == ("丹阳", "山宁", "新城", "新联")


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("山宁村党支部", "山宁"),
        ("新城社区党总支", "新城"),
        ("东城社区党支部", "东城"),
        ("中心学校党支部", "中心学校"),
        ("宏达公司党委", "宏达公司"),
        ("党支部", "党支部"),
        ("卫生院", "卫生院"),
    ],
)
def test_short_name(name, short):
    assert short_name(name) == short


def test_short_name_drops_the_township():
    assert short_name("博望镇山宁村党支部", "博望镇") == "山宁"


def test_compliance_totals():
    d = build()
    c = d.compliance
    assert c.due == 14 and c.held == 2 and c.met == 2
    assert [(k.kind, k.due, k.held) for k in c.kinds] == [("支委会", 7, 1), ("党课", 7, 1)]
    assert c.complete_unit_ids == ()


def test_without_compliance_rules_no_meeting_figures():
    d = build(compliance_for=None)
    assert d.compliance is None
    assert d.problems.missed_meetings == ()


def test_commitments_as_of_today():
    c = build().commitments
    assert c.tracked_ids == (6, 2, 1, 3)
    assert c.fulfilled_ids == (2,)
    assert set(c.overdue_ids) == {1, 6}
    assert c.in_progress_ids == (3,)


def test_problems_come_from_facts():
    p = build().problems
    assert [u.short_name for u in p.unreported] == ["宏达公司"]
    missed = {(m.unit.id, m.kind) for m in p.missed_meetings}
    assert (1, "支委会") not in missed and (2, "党课") not in missed
    assert (1, "党课") in missed and (2, "支委会") in missed
    assert (7, "党课") not in missed  # excused
    assert (7, "支委会") in missed
    # 丹阳's 20 % is two 结对共建, whose 应到 names no body that should have come: not a problem.
    assert p.low_attendance == ()
    assert {o.commitment_id for o in p.overdue_commitments} == {1, 6}


def test_notes_deduplicated_and_attributed():
    d = build()
    reported = [(r.text, r.unit_ids) for r in d.problems.reported]
    assert reported == [("学习不够深入", (1,)), ("活动形式单一", (1, 2, 3))]
    assert [(i.text, i.unit_ids) for i in d.next_plan] == [("抓好冬训", (1, 2)), ("开展走访慰问", (2,))]
    assert d.next_plan_source == PLAN_FROM_UNITS
    assert [(i.text, i.unit_ids) for i in d.deeds] == [("张三勇救落水儿童", (1,))]


def test_leader_plan_wins():
    d = build(leader_plan=["围绕中心工作开展活动。", "", "加大宣传力度"])
    assert [i.text for i in d.next_plan] == ["围绕中心工作开展活动", "加大宣传力度"]
    assert d.next_plan_source == PLAN_FROM_LEADER


def test_empty_period():
    d = build(activities=[ACTIVITIES[9], ACTIVITIES[10]], commitments=[COMMITMENTS[3]], notes=[PeriodNote(1, "x", problems="  ")])
    assert d.empty
    assert d.activity_count == 0 and d.kinds == ()
    assert d.next_plan_source == PLAN_NONE


def test_nothing_reported_is_not_empty_when_a_note_exists():
    d = build(activities=[], commitments=[], notes=[PeriodNote(3, "x", deeds="义务清扫")])
    assert not d.empty
    assert d.reporting_count == 0


def test_end_before_start_is_refused():
    with pytest.raises(ValueError):
        build(start=END, end=START)


def test_low_attendance_counts_only_kinds_whose_expected_means_something():
    """丹阳: two 主题党日 at 20 % (the whole branch expected) are low attendance; its 结对共建 and
    a 志愿服务 at 10 % add nothing to the figure, and alone would raise nothing."""
    extra = [
        act(20, 5, "主题党日", 20, 5, 25),
        act(21, 5, "党小组会", 21, 5, 25),
        act(22, 4, "志愿服务", 22, 2, 35),  # 东城: only a 志愿服务 is low
    ]
    p = build(activities=[*ACTIVITIES, *extra]).problems
    assert [(low.unit.id, low.attended, low.expected) for low in p.low_attendance] == [(5, 10, 50)]
    assert all(low.rate < LOW_ATTENDANCE_THRESHOLD for low in p.low_attendance)
    assert set(p.low_attendance[0].activity_ids) == {20, 21}
