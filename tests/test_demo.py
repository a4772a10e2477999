"""The demo township convinces: rule frequencies met about 90 % of the time by all but two to
four laggards, a few slots excused with reasons, meetings expecting whom their kind expects,
content that fits the unit and the season, leaders' visits and a plan — the same for a seed."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from bot.rules.activity_kinds import load_kinds
from bot.rules.meeting_rules import compliance, load_rules, unit_structure
from bot.sandbox.demo import _CONTENT, _SEASONAL, _TOPICS, DEMO_UNITS, demo_start, demo_township_records
from storage.models import Activity, Unit

UNITS = [Unit(i, name, kind, members, committee_size=c, group_count=g) for i, (name, kind, members, c, g) in enumerate(DEMO_UNITS, 1)]
TODAY = date(2026, 12, 1)
KINDS = load_kinds()


def statutory_rate(records, start: date, end: date, today: date) -> float:
    """三会一课 slots met over [start, end] as of ``today``, as the 小结 counts them."""
    by_unit: dict[int, list[Activity]] = defaultdict(list)
    for n, (unit_id, f) in enumerate(records.activities):
        by_unit[unit_id].append(Activity(n, unit_id, f.kind, f.held_on, f.topic, f.attended, f.expected))
    excused: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for unit_id, kind, slot, _ in records.excuses:
        excused[unit_id].add((kind, slot))
    due = met = 0
    for u in UNITS:
        for s in compliance(load_rules(), u.kind, by_unit[u.id], start, end, excused[u.id], as_of=today, structure=unit_structure(u)):
            if KINDS.by_name(s.activity_kind).is_statutory:
                due, met = due + s.due, met + min(s.held, s.due)
    return met / due


@pytest.mark.parametrize(("seed", "today"), [(2026, TODAY), (7, TODAY), (2026, date(2027, 3, 2)), (11, date(2026, 11, 16))])
def test_about_nine_slots_in_ten_are_met_over_two_full_months(seed: int, today: date) -> None:
    start = demo_start(today)
    records = demo_township_records(UNITS, start, today, seed)
    last_full_day = today.replace(day=1).toordinal() - 1
    assert 0.85 <= statutory_rate(records, start, date.fromordinal(last_full_day), today) <= 0.95
    assert 2 <= len(records.laggards) <= 4


def test_deterministic_for_a_seed_and_different_for_another() -> None:
    start = demo_start(TODAY)
    assert start == date(2026, 10, 1)
    once, again = demo_township_records(UNITS, start, TODAY, 2026), demo_township_records(UNITS, start, TODAY, 2026)
    assert once == again
    assert demo_township_records(UNITS, start, TODAY, 2027).activities != once.activities


def test_records_read_like_a_township() -> None:
    records = demo_township_records(UNITS, demo_start(TODAY), TODAY, 2026)
    units = {u.id: u for u in UNITS}
    held = defaultdict(lambda: defaultdict(int))
    for unit_id, f in records.activities:
        unit = units[unit_id]
        assert f.held_on <= TODAY and f.summary and f.host and f.recorder and f.host != ""
        assert 0 < f.attended <= f.expected
        if f.kind == "支委会":
            assert f.expected == unit.committee_size and 3 <= f.expected <= 7
        if f.kind in ("支部党员大会", "党课", "主题党日"):
            assert f.expected == unit.member_count
        if f.kind == "党小组会":
            assert unit.group_count and f.expected == max(3, unit.member_count // unit.group_count)
        # Content fits the unit: its own topics, the shared ones, or the season's.
        seasonal = {s["topic"] for s in _SEASONAL if unit.kind in s["units"] and f.held_on.month in s["months"]}
        assert f.topic in {*_CONTENT.get(unit.kind, {}).get(f.kind, _TOPICS.get(f.kind, ())), *seasonal}
        assert not (f.topic == "防汛值守" and f.held_on.month in (10, 11, 12))
        held[unit_id][f.kind] += 1
    # Rule frequencies, not a lottery: no unit holds a quarterly 支部党员大会 every month.
    assert all(kinds.get("支部党员大会", 0) <= 1 for kinds in held.values())
    # Units without a committee or 党小组 hold none of those meetings.
    for u in UNITS:
        if not unit_structure(u).has_committee:
            assert held[u.id].get("支委会", 0) == 0
        if u.group_count == 0:
            assert held[u.id].get("党小组会", 0) == 0
    assert 3 <= len(records.excuses) <= 8 and all(reason for *_, reason in records.excuses)
    assert {kind for kind, *_ in records.leader_work} >= {"讲党课", "调研指导"}
    assert records.plans and all(records.plans.values())
    assert any(c[4] for c in records.commitments) and any(c[4] is None for c in records.commitments)
    contents = {u.kind: set() for u in UNITS}
    for unit_id, _, content, *_ in records.commitments:
        contents[units[unit_id].kind].add(content)
    assert all("村规民约" not in c for kind, cs in contents.items() if kind not in ("村", "社区") for c in cs)


def test_the_demo_township_states_its_structure() -> None:
    assert all(c is None or 3 <= c <= 7 for *_, c, _ in DEMO_UNITS)
    assert any(members < 7 for _, _, members, _, _ in DEMO_UNITS)
    assert any(g == 0 for *_, g in DEMO_UNITS) and all(g is not None for *_, g in DEMO_UNITS)
