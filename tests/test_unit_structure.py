"""What a branch has decides what it owes: no 支委会 without a committee (fewer than 7 members,
or a committee of 0 stated), no 党小组会 without 党小组 — and the 应到 a report starts from."""
from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.activity_kinds import load_kinds
from bot.rules.attendance import attendance_judged, default_expected
from bot.rules.meeting_rules import Structure, compliance, load_rules, structure_of, unit_structure
from bot.rules.unit_import import parse_sizes
from bot.rules.unit_kinds import UNIT_KINDS
from storage.models import Activity, Unit

COMMITTEE, GROUP = "支委会", "党小组会"
QUARTER = (date(2026, 10, 1), date(2026, 12, 31))


def unit(members: int, committee: int | None = None, groups: int | None = None) -> Unit:
    return Unit(id=1, name="山宁村党支部", kind="村", member_count=members, committee_size=committee, group_count=groups)


def test_the_seven_member_line_and_stated_sizes() -> None:
    assert structure_of(6, None, None) == Structure(has_committee=False, has_groups=True)
    assert structure_of(6, 3, None).has_committee is False  # too small, whatever is stated
    assert structure_of(7, None, None) == Structure(True, True)
    assert structure_of(56, 0, 0) == Structure(False, False)
    assert unit_structure(unit(56, 5, 3)) == Structure(True, True)


@settings(deadline=None)  # the first example reads the rules' TOML; a busy machine is slow
@given(
    members=st.integers(0, 80),
    committee=st.none() | st.integers(0, 9),
    groups=st.none() | st.integers(0, 6),
    unit_kind=st.sampled_from(UNIT_KINDS),
)
def test_kinds_a_branch_cannot_hold_are_never_owed(members: int, committee: int | None, groups: int | None, unit_kind: str) -> None:
    rules = load_rules()
    statuses = compliance(rules, unit_kind, [], *QUARTER, structure=structure_of(members, committee, groups))
    owed = {s.activity_kind for s in statuses}
    full = {s.activity_kind for s in compliance(rules, unit_kind, [], *QUARTER)}
    has_committee = members >= 7 and committee != 0
    assert (COMMITTEE in owed) == (has_committee and COMMITTEE in full)
    assert (GROUP in owed) == (groups != 0 and GROUP in full)
    # Everything else is owed exactly as before.
    assert owed - {COMMITTEE, GROUP} == full - {COMMITTEE, GROUP}


def test_a_small_branch_holding_a_committee_meeting_is_still_not_owed_one() -> None:
    held = Activity(id=1, unit_id=1, kind=COMMITTEE, held_on=date(2026, 11, 3), topic="学习", attended=3, expected=3)
    statuses = compliance(load_rules(), "村", [held], *QUARTER, structure=structure_of(5, None, 1))
    assert COMMITTEE not in {s.activity_kind for s in statuses}


def test_expected_defaults_by_kind() -> None:
    kinds = load_kinds()
    branch = unit(40, committee=5)
    for name in ("支部党员大会", "党课", "主题党日"):
        assert default_expected(kinds.by_name(name), branch, last_given=12) == 40
    assert default_expected(kinds.by_name(COMMITTEE), branch, last_given=12) == 5
    assert default_expected(kinds.by_name(COMMITTEE), unit(40), last_given=12) is None  # size unknown: asked
    assert default_expected(kinds.by_name(GROUP), branch, last_given=None) is None  # first time: asked
    assert default_expected(kinds.by_name(GROUP), branch, last_given=9) == 9
    assert default_expected(kinds.by_name("志愿服务"), branch, last_given=None) == 40
    assert attendance_judged(kinds.by_name(GROUP)) and not attendance_judged(kinds.by_name("志愿服务"))


def test_typed_sizes() -> None:
    assert parse_sizes("5 3", 40, with_committee=True) == (5, 3)
    assert parse_sizes("5/0", 40, with_committee=True) == (5, 0)
    assert parse_sizes("5，3", 40, with_committee=True) == (5, 3)
    assert parse_sizes("2", 5, with_committee=False) == (None, 2)
    for bad in ("5", "5 3 1", "", "五 三", "41 2"):
        assert parse_sizes(bad, 40, with_committee=True) is None
    assert parse_sizes("2 1", 5, with_committee=False) is None


def test_reminders_and_the_board_use_the_unit_structure() -> None:
    """/board, reminders and escalations judge units through plan.statuses: a small branch owes
    no 支委会 there either."""
    from bot.reminders import plan
    from bot.rules.periods import period_from_key

    small, full = plan.build_unit_records([(1, "村", None, structure_of(5, None, 0)), (2, "村", None)], [], {})
    november = period_from_key("2026-11")
    assert {s.activity_kind for s in plan.gaps(load_rules(), small, november)}.isdisjoint({COMMITTEE, GROUP})
    assert {COMMITTEE, GROUP} <= {s.activity_kind for s in plan.gaps(load_rules(), full, november)}
