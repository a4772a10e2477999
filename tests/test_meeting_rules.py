"""Meeting-frequency rules: the shipped data, per-unit-kind overrides, compliance and what is still owed."""
from __future__ import annotations

from datetime import date
from itertools import count

import pytest

from bot.rules.meeting_rules import (
    KindStatus,
    Requirement,
    compliance,
    load_rules,
    missing_kinds,
    parse_rules,
    slots_due,
)
from bot.rules.periods import period_from_key
from storage.models import Activity

_ids = count(1)


def activity(kind: str, held_on: date, withdrawn: bool = False) -> Activity:
    return Activity(
        id=next(_ids), unit_id=1, kind=kind, held_on=held_on, topic="学习", attended=10, expected=12,
        withdrawn=withdrawn,
    )


def by_kind(statuses: list[KindStatus]) -> dict[str, KindStatus]:
    return {s.activity_kind: s for s in statuses}


RULES_TEXT = """
[defaults]
"支委会" = "month"
"党小组会" = "month"
"主题党日" = "每月"
"支部党员大会" = "quarter"
"党课" = "quarter"
"组织生活会" = "year"
"民主评议党员" = "year"

[kinds."社会组织"]
"党小组会" = "none"

[kinds."非公企业"]
"党课" = "year"
"专题学习" = "month"
"""


@pytest.fixture
def rules():
    return parse_rules(RULES_TEXT)


def test_shipped_rules_follow_the_branch_work_regulations():
    rules = load_rules()
    village = rules.for_unit_kind("村")
    assert {(r.activity_kind, r.every) for r in village} == {
        ("支委会", "month"),
        ("党小组会", "month"),
        ("主题党日", "month"),
        ("支部党员大会", "quarter"),
        ("党课", "quarter"),
        ("组织生活会", "year"),
        ("民主评议党员", "year"),
    }
    # Catalogue order, as the report buttons show them.
    assert [r.activity_kind for r in village][:4] == ["支部党员大会", "支委会", "党小组会", "党课"]
    assert "党小组会" not in {r.activity_kind for r in rules.for_unit_kind("社会组织")}
    assert rules.for_unit_kind("某种新类型") == village


def test_overrides_change_drop_and_add_requirements(rules):
    company = {r.activity_kind: r.every for r in rules.for_unit_kind("非公企业")}
    assert company["党课"] == "year"
    assert company["专题学习"] == "month"
    assert company["党小组会"] == "month"
    assert Requirement("党小组会", "month") not in rules.for_unit_kind("社会组织")
    assert len(rules.for_unit_kind("社会组织")) == 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[defaults]\n"支委会" = "weekly"\n', "频次"),
        ('[defaults]\n"支委会" = 1\n', "频次"),
        ('[defaults]\n"支部委员会" = "month"\n', "活动类型“支部委员会”不存在"),
        ('[kinds."社会组织"]\n"党小组" = "none"\n', "活动类型“党小组”不存在"),
        ('[kinds."合作社"]\n"党课" = "year"\n', "单位类型“合作社”不存在"),
        ('[kinds]\n"社会组织" = "none"\n', "表"),
        ('[defaults]\n"支委会" = "none"\n', "删掉"),
        ('[defaults\n"支委会" = "month"\n', "格式有误"),
        ('[rules]\n"支委会" = "month"\n', "无法识别"),
    ],
)
def test_bad_rules_raise_value_error_in_chinese(text, message):
    with pytest.raises(ValueError, match=message):
        parse_rules(text)


def test_slots_due_counts_a_slot_in_the_range_where_it_ends():
    assert [s.key for s in slots_due("month", date(2026, 10, 1), date(2026, 12, 31))] == ["2026-10", "2026-11", "2026-12"]
    assert [s.key for s in slots_due("month", date(2026, 10, 15), date(2026, 11, 20))] == ["2026-10"]
    assert slots_due("quarter", date(2026, 11, 1), date(2026, 11, 30)) == []
    assert [s.key for s in slots_due("quarter", date(2026, 12, 1), date(2026, 12, 31))] == ["2026-Q4"]
    assert [s.key for s in slots_due("year", date(2026, 10, 1), date(2026, 12, 31))] == ["2026"]
    assert slots_due("year", date(2026, 1, 1), date(2026, 9, 30)) == []
    with pytest.raises(ValueError):
        slots_due("week", date(2026, 1, 1), date(2026, 12, 31))


def test_compliance_over_a_quarter(rules):
    activities = [
        activity("支委会", date(2026, 10, 9)),
        activity("支委会", date(2026, 10, 20)),  # a second one in October still counts once
        activity("支委会", date(2026, 12, 3)),
        activity("支委会", date(2026, 11, 5), withdrawn=True),  # withdrawn: November not held
        activity("党课", date(2026, 11, 12)),
        activity("组织生活会", date(2026, 2, 6)),  # earlier in the year satisfies the year
        activity("主题党日", date(2026, 9, 28)),  # September lies outside the quarter
        activity("专题学习", date(2026, 10, 9)),  # not required of a 村
    ]
    excused = [("党小组会", "2026-10"), ("党小组会", "2026-11"), ("支委会", "2026-12")]
    statuses = compliance(rules, "村", activities, date(2026, 10, 1), date(2026, 12, 31), excused)
    status = by_kind(statuses)
    assert set(status) == {"支委会", "党小组会", "主题党日", "支部党员大会", "党课", "组织生活会", "民主评议党员"}
    assert status["支委会"] == KindStatus("支委会", due=3, held=2, excused=0, missing_slots=("2026-11",))
    assert status["支委会"].missing == 1 and not status["支委会"].satisfied
    assert status["党小组会"] == KindStatus("党小组会", due=3, held=0, excused=2, missing_slots=("2026-12",))
    assert status["主题党日"].missing == 3
    assert (status["支部党员大会"].due, status["支部党员大会"].missing) == (1, 1)
    assert status["党课"].satisfied and status["党课"].held == 1
    assert status["组织生活会"].satisfied and status["组织生活会"].due == 1
    assert status["民主评议党员"].missing_slots == ("2026",)


def test_compliance_over_a_year(rules):
    activities = [activity("支委会", date(2026, month, 10)) for month in range(1, 13)]
    activities += [activity("支部党员大会", date(2026, month, 15)) for month in (2, 5, 8)]
    activities += [activity("支部党员大会", date(2026, 11, 15), withdrawn=True)]
    activities += [activity("民主评议党员", date(2026, 12, 28))]
    status = by_kind(compliance(rules, "社区", activities, date(2026, 1, 1), date(2026, 12, 31), [("党课", "2026-Q1")]))
    assert (status["支委会"].due, status["支委会"].held, status["支委会"].missing) == (12, 12, 0)
    assert status["支部党员大会"] == KindStatus("支部党员大会", due=4, held=3, missing_slots=("2026-Q4",))
    assert (status["党课"].due, status["党课"].excused, status["党课"].missing) == (4, 1, 3)
    assert status["党小组会"].missing == 12
    assert status["民主评议党员"].satisfied


def test_an_excuse_for_a_held_slot_does_not_count_twice(rules):
    activities = [activity("党课", date(2026, 11, 12))]
    status = by_kind(compliance(rules, "村", activities, date(2026, 10, 1), date(2026, 12, 31), [("党课", "2026-Q4")]))
    assert (status["党课"].held, status["党课"].excused, status["党课"].missing) == (1, 0, 0)


def test_kind_status_missing_never_negative():
    assert KindStatus("党课", due=1, held=1, excused=1).missing == 0
    assert KindStatus("党课", due=0, held=0).satisfied


def test_unit_kind_overrides_apply_to_compliance(rules):
    statuses = compliance(rules, "社会组织", [], date(2026, 10, 1), date(2026, 10, 31))
    assert "党小组会" not in by_kind(statuses)
    company = by_kind(compliance(rules, "非公企业", [], date(2026, 10, 1), date(2026, 12, 31)))
    assert company["专题学习"].due == 3 and company["党课"].due == 1


def test_missing_kinds_for_months(rules):
    activities = [
        activity("支委会", date(2026, 11, 3)),
        activity("党小组会", date(2026, 11, 4)),
        activity("主题党日", date(2026, 11, 5)),
        activity("党课", date(2026, 10, 20)),
    ]
    # November: only the monthly kinds are owed, and they were all held.
    assert missing_kinds(rules, "村", activities, period_from_key("2026-11")) == []
    # October: no monthly kind was held in October; quarterly kinds are not owed mid-quarter.
    assert missing_kinds(rules, "村", activities, period_from_key("2026-10")) == ["支委会", "党小组会", "主题党日"]
    # December closes the quarter and the year: 党课 was held in October, the rest is owed.
    december = missing_kinds(rules, "村", activities, period_from_key("2026-12"))
    assert december == ["支部党员大会", "支委会", "党小组会", "主题党日", "组织生活会", "民主评议党员"]
    # An excused December 主题党日 is no longer owed.
    excused = [("主题党日", "2026-12")]
    assert "主题党日" not in missing_kinds(rules, "村", activities, period_from_key("2026-12"), excused)
    # A 社会组织 owes no 党小组会.
    assert "党小组会" not in missing_kinds(rules, "社会组织", [], period_from_key("2026-10"))


def test_missing_kinds_for_a_quarter(rules):
    activities = [activity(kind, date(2026, 9, 10)) for kind in ("支委会", "党小组会", "主题党日", "支部党员大会", "党课")]
    activities += [activity(kind, date(2026, month, 10)) for kind in ("支委会", "党小组会", "主题党日") for month in (7, 8)]
    assert missing_kinds(rules, "村", activities, period_from_key("2026-Q3")) == []
    assert missing_kinds(rules, "村", activities[:5], period_from_key("2026-Q3")) == ["支委会", "党小组会", "主题党日"]
