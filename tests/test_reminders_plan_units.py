"""Who is reminded of what, and when: the pure planning in bot/reminders/plan.py, on the real calendar."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.reminders import plan as plan
from bot.reminders.slots import ReminderPolicy
from bot.rules.meeting_rules import load_rules, parse_rules
from bot.rules.periods import MONTH, QUARTER, WEEK, period_containing, period_from_key
from bot.rules.workcalendar import QuietHours, is_working_day
from storage.models import Activity, Commitment

TZ = ZoneInfo("Asia/Shanghai")
RULES = load_rules()
MONTHLY = ["支委会", "党小组会", "主题党日"]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def timing(cycle: str = MONTH, grace_hours: int = 24, **schedule: object) -> plan.Timing:
    return plan.Timing(
        schedule=plan.ReportSchedule(cycle=cycle, **schedule),  # type: ignore[arg-type]
        policy=ReminderPolicy(),
        quiet=QuietHours(),
        tz=TZ,
        grace=timedelta(hours=grace_hours),
    )


def held(unit_id: int, kind: str, day: date, n: int = 1) -> Activity:
    return Activity(id=n, unit_id=unit_id, kind=kind, held_on=day, topic="学习", attended=10, expected=12)


def unit(unit_id: int, kind: str = "村", activities: tuple[Activity, ...] = (), excused: frozenset = frozenset()) -> plan.UnitRecord:
    return plan.UnitRecord(unit_id, kind, activities, excused)


# ----- schedule and periods -------------------------------------------------------------------
def test_schedule_rejects_what_a_leader_cannot_mean() -> None:
    with pytest.raises(ValueError):
        plan.ReportSchedule(cycle="year")
    with pytest.raises(ValueError):
        plan.ReportSchedule(deadline_day=32)
    with pytest.raises(ValueError):
        plan.ReportSchedule(cycle=WEEK, deadline_weekday=7)


def test_periods_in_play_are_previous_current_and_next() -> None:
    keys = [t.period.key for t in plan.periods_in_play(timing(), at(2026, 11, 27, 10))]
    assert keys == ["2026-10", "2026-11", "2026-12"]
    keys = [t.period.key for t in plan.periods_in_play(timing(QUARTER), at(2026, 11, 27, 10))]
    assert keys == ["2026-Q3", "2026-Q4", "2027-Q1"]


def test_november_deadline_and_slots() -> None:
    times = plan.period_times(timing(), period_from_key("2026-11"))
    assert times.deadline == at(2026, 11, 25, 18)  # a Wednesday: not moved
    assert not times.shifted
    # before-3 falls on Sunday 22nd: moved to Monday 09:00. after-2 (Sunday 29th) to Monday 30th.
    assert [(s.key, s.at) for s in times.reminders] == [
        ("before-3", at(2026, 11, 23, 9)),
        ("due", at(2026, 11, 25, 9)),
        ("after-1", at(2026, 11, 27, 9)),
        ("after-2", at(2026, 11, 30, 9)),
        ("after-3", at(2026, 12, 1, 9)),
    ]
    assert [s.at.date() for s in times.escalations] == [
        date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)
    ]


def test_mid_autumn_moves_the_september_deadline_and_merges_reminders() -> None:
    times = plan.period_times(timing(), period_from_key("2026-09"))
    # 25 September 2026 is 中秋节 (Friday), then the weekend: due on Monday the 28th.
    assert times.deadline == at(2026, 9, 28, 18)
    assert times.shifted
    slots = {s.key: s.at for s in times.reminders}
    # before-3 (the 25th, a holiday) moved onto the deadline's morning and merged into it;
    # after-2 (2 October) and after-3 (4 October) both fall in the National Day holiday: one
    # reminder on the first working day after it.
    assert slots == {"due": at(2026, 9, 28, 9), "after-1": at(2026, 9, 30, 9), "after-3": at(2026, 10, 8, 9)}
    # Escalations skip the National Day week instead of being swallowed by it.
    assert [s.at.date() for s in times.escalations] == [
        date(2026, 9, 29), date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)
    ]


def test_a_tiaoxiu_saturday_is_a_working_day_for_weekly_deadlines() -> None:
    saturday = timing(WEEK, deadline_weekday=5)
    # 10 October 2026 is a Saturday worked in exchange for the National Day holiday (调休).
    worked = plan.period_times(saturday, period_containing(WEEK, date(2026, 10, 10)))
    assert worked.deadline == at(2026, 10, 10, 18) and not worked.shifted
    # An ordinary Saturday deadline moves to Monday.
    ordinary = plan.period_times(saturday, period_containing(WEEK, date(2026, 10, 17)))
    assert ordinary.deadline == at(2026, 10, 19, 18) and ordinary.shifted
    assert plan.may_speak(saturday, at(2026, 10, 10, 10))
    assert not plan.may_speak(saturday, at(2026, 10, 17, 10))


def test_across_a_year_deadlines_and_reminders_land_on_allowed_moments() -> None:
    t = timing()
    for month in range(1, 13):
        times = plan.period_times(t, period_from_key(f"2026-{month:02d}"))
        nominal = date(2026, month, 25)
        assert times.deadline.date() >= nominal
        assert is_working_day(times.deadline.date())
        assert times.shifted == (not is_working_day(nominal))
        for slot in (*times.reminders, *times.escalations):
            assert plan.may_speak(t, slot.at), (month, slot)
        days = [s.at.date() for s in times.reminders]
        assert days == sorted(set(days)), "never two reminders on one day"


def test_may_speak_respects_quiet_hours() -> None:
    t = timing()
    assert plan.may_speak(t, at(2026, 11, 26, 8, 0))
    assert plan.may_speak(t, at(2026, 11, 26, 20, 59))
    assert not plan.may_speak(t, at(2026, 11, 26, 21, 0))
    assert not plan.may_speak(t, at(2026, 11, 26, 7, 59))


# ----- which slots are due --------------------------------------------------------------------
def test_a_slot_is_due_from_its_moment_until_the_grace_window_ends() -> None:
    t = timing()
    assert plan.due_reminder_slots(t, at(2026, 11, 23, 8, 59)) == []
    [due] = plan.due_reminder_slots(t, at(2026, 11, 23, 9, 0))
    assert (due.period.key, due.slot.key) == ("2026-11", "before-3")
    [late] = plan.due_reminder_slots(t, at(2026, 11, 24, 8, 59))
    assert late.slot.key == "before-3"
    assert plan.due_reminder_slots(t, at(2026, 11, 24, 9, 0)) == []


def test_after_a_long_outage_only_the_latest_slot_is_sent() -> None:
    t = timing(grace_hours=72)
    [due] = plan.due_reminder_slots(t, at(2026, 11, 27, 9, 30))
    assert due.slot.key == "after-1"  # the 'due' slot of the 25th is superseded, not sent too


def test_escalation_slots_come_the_morning_after_the_deadline() -> None:
    t = timing()
    assert plan.due_escalation_slots(t, at(2026, 11, 25, 20)) == []
    [due] = plan.due_escalation_slots(t, at(2026, 11, 26, 9))
    assert (due.period.key, due.slot.key) == ("2026-11", "esc-1")


# ----- what is missing ------------------------------------------------------------------------
def yearly_held(unit_id: int) -> tuple:
    return tuple(held(unit_id, k, date(2026, 3, 10)) for k in ("组织生活会", "民主评议党员"))


def test_quarterly_and_yearly_items_are_reminded_only_in_their_months() -> None:
    nothing_held = unit(1)
    named = {
        month: [s.activity_kind for s in plan.reminder_gaps(RULES, nothing_held, period_from_key(f"2026-{month:02d}"))]
        for month in (10, 11, 12)
    }
    assert named[10] == MONTHLY  # October: the month's items only
    assert named[11] == [*MONTHLY, "组织生活会", "民主评议党员"]  # November: the year's too
    assert named[12] == ["支部党员大会", "支委会", "党小组会", "党课", "主题党日", "组织生活会", "民主评议党员"]
    held_in_march = unit(2, activities=yearly_held(2))
    assert [s.activity_kind for s in plan.reminder_gaps(RULES, held_in_march, period_from_key("2026-11"))] == MONTHLY
    # A leader may move them: the year's items in December only.
    december_only = parse_rules('[defaults]\n"支委会" = "month"\n"组织生活会" = "year"\n[remind_in]\n"year" = [12]\n')
    assert [s.activity_kind for s in plan.reminder_gaps(december_only, nothing_held, period_from_key("2026-11"))] == ["支委会"]
    assert plan.cycles_of(RULES, "村")["党课"] == "quarter"


def test_one_combined_reminder_only_for_units_with_gaps() -> None:
    november = plan.DueSlot(plan.period_times(timing(), period_from_key("2026-11")), plan.period_times(timing(), period_from_key("2026-11")).reminders[0])
    # The year's items, reminded in November too, were held in March.
    complete = unit(1, activities=tuple(held(1, k, date(2026, 11, 3)) for k in MONTHLY) + yearly_held(1))
    partial = unit(2, activities=(held(2, "支委会", date(2026, 11, 5)), *yearly_held(2)))
    # A 社会组织 owes no 党小组会 (bot/rules/data/meeting_rules.toml).
    social = unit(3, kind="社会组织", activities=(held(3, "支委会", date(2026, 11, 5)), held(3, "主题党日", date(2026, 11, 6)), *yearly_held(3)))
    found = plan.unit_reminders(RULES, [complete, partial, social], [november])
    assert [(r.unit_id, [s.activity_kind for s in r.missing]) for r in found] == [(2, ["党小组会", "主题党日"])]


def test_an_activity_in_the_wrong_month_or_withdrawn_does_not_count() -> None:
    period = period_from_key("2026-11")
    record = unit(
        1,
        activities=(
            held(1, "支委会", date(2026, 10, 30)),
            Activity(id=9, unit_id=1, kind="主题党日", held_on=date(2026, 11, 2), topic="x", attended=1, expected=1, withdrawn=True),
        ),
    )
    assert [s.activity_kind for s in plan.gaps(RULES, record, period)] == MONTHLY


def test_a_reasoned_not_held_counts_as_answered() -> None:
    period = period_from_key("2026-11")
    record = unit(1, activities=(held(1, "支委会", date(2026, 11, 5)), held(1, "党小组会", date(2026, 11, 6))), excused=frozenset({("主题党日", "2026-11")}))
    assert plan.gaps(RULES, record, period) == []
    # An excuse for another month does not answer this one.
    other = unit(1, excused=frozenset({("主题党日", "2026-10")}))
    assert "主题党日" in [s.activity_kind for s in plan.gaps(RULES, other, period)]


def test_december_also_owes_the_quarterly_and_yearly_kinds() -> None:
    record = unit(1, activities=(held(1, "党课", date(2026, 10, 12)), held(1, "组织生活会", date(2026, 2, 3))))
    missing = [s.activity_kind for s in plan.gaps(RULES, record, period_from_key("2026-12"))]
    assert missing == ["支部党员大会", "支委会", "党小组会", "主题党日", "民主评议党员"]


def test_overdue_only_after_the_deadline() -> None:
    times = plan.period_times(timing(), period_from_key("2026-11"))
    units = [unit(1), unit(2, activities=tuple(held(2, k, date(2026, 11, 3)) for k in MONTHLY))]
    assert plan.overdue_units(RULES, units, times, at(2026, 11, 25, 17, 59)) == []
    overdue = plan.overdue_units(RULES, units, times, at(2026, 11, 25, 18, 0))
    assert [(u, [s.activity_kind for s in m]) for u, m in overdue] == [(1, MONTHLY)]


def test_activity_window_opens_on_the_first_of_january() -> None:
    assert plan.activity_window([period_from_key("2026-11"), period_from_key("2026-12")]) == (date(2026, 1, 1), date(2026, 12, 31))


# ----- commitments ----------------------------------------------------------------------------
def promise(cid: int, unit_id: int, due_on: date, **kw: object) -> Commitment:
    return Commitment(id=cid, unit_id=unit_id, made_by=None, content=f"承诺{cid}", due_on=due_on, **kw)  # type: ignore[arg-type]


def test_commitment_reminders_three_days_before_and_on_the_day_grouped_per_unit() -> None:
    t = timing()
    due_on = date(2026, 12, 4)  # a Friday
    commitments = [
        promise(1, 7, due_on),
        promise(2, 7, due_on),
        promise(3, 8, due_on, fulfilled_on=date(2026, 11, 30)),
        promise(4, 9, due_on, withdrawn=True),
    ]
    [before] = plan.commitment_reminders(t, commitments, at(2026, 12, 1, 9, 5))
    assert (before.unit_id, before.slot.key, before.commitment_ids) == (7, "before-3", (1, 2))
    assert plan.commitment_reminders(t, commitments, at(2026, 12, 3, 9, 5)) == []
    [on_day] = plan.commitment_reminders(t, commitments, at(2026, 12, 4, 9, 0))
    assert on_day.slot.key == "due"


def test_a_commitment_due_in_the_national_day_holiday_is_reminded_once_after_it() -> None:
    t = timing()
    commitments = [promise(1, 7, date(2026, 10, 5))]
    [reminder] = plan.commitment_reminders(t, commitments, at(2026, 10, 8, 9, 0))
    assert reminder.slot.key == "due"
    assert plan.commitment_reminders(t, commitments, at(2026, 10, 2, 10)) == []


def test_overdue_commitments_oldest_first() -> None:
    items = [promise(1, 7, date(2026, 11, 20)), promise(2, 8, date(2026, 11, 10)), promise(3, 9, date(2026, 11, 27))]
    assert [c.id for c in plan.overdue_commitments(items, date(2026, 11, 27))] == [2, 1]


# ----- snooze and board -----------------------------------------------------------------------
def test_snooze_goes_to_the_next_slot_or_the_next_working_morning() -> None:
    t = timing()
    times = plan.period_times(t, period_from_key("2026-11"))
    assert plan.next_reminder_slot(times, at(2026, 11, 23, 10)).key == "due"  # type: ignore[union-attr]
    assert plan.next_reminder_slot(times, at(2026, 12, 1, 10)) is None
    # Friday 4 December → Monday 7 December, 09:00.
    assert plan.snooze_moment(t, at(2026, 12, 4, 10)) == at(2026, 12, 7, 9)


def test_board_rows_put_overdue_units_first_and_add_up() -> None:
    times = plan.period_times(timing(), period_from_key("2026-11"))
    units = [
        unit(1, activities=tuple(held(1, k, date(2026, 11, 3)) for k in MONTHLY)),
        unit(2, activities=(held(2, "支委会", date(2026, 11, 3)),), excused=frozenset({("主题党日", "2026-11")})),
        unit(3),
    ]
    rows = plan.board_rows(RULES, units, times, at(2026, 11, 26, 10))
    assert [(r.unit_id, r.due, r.held, r.excused, r.missing, r.overdue) for r in rows] == [
        (2, 3, 1, 1, 1, True),
        (3, 3, 0, 0, 3, True),
        (1, 3, 3, 0, 0, False),
    ]
    assert rows[0].missing_kinds == ("党小组会",)
    totals = plan.board_totals(rows)
    assert (totals.units, totals.complete, totals.overdue, totals.due, totals.held, totals.excused, totals.missing) == (3, 1, 2, 9, 4, 1, 4)
    before = plan.board_rows(RULES, units, times, at(2026, 11, 20, 10))
    assert not any(r.overdue for r in before)


def test_build_unit_records_joins_activities_and_excuses() -> None:
    records = plan.build_unit_records([(1, "村", None), (2, "社区", None)], [held(2, "支委会", date(2026, 11, 3))], {1: {("党课", "2026-Q4")}})
    assert records[0].excused == frozenset({("党课", "2026-Q4")}) and records[0].activities == ()
    assert [a.kind for a in records[1].activities] == ["支委会"]


def test_deadline_time_comes_from_the_schedule() -> None:
    t = timing(deadline_day=10, deadline_time=time(12, 0))
    assert plan.period_times(t, period_from_key("2026-11")).deadline == at(2026, 11, 10, 12)


def test_snooze_offers_this_afternoon_tomorrow_morning_and_the_eve_of_the_deadline() -> None:
    t = timing()
    times = plan.period_times(t, period_from_key("2026-11"))  # deadline Wednesday 25 November
    monday = plan.snooze_choices(t, times, at(2026, 11, 23, 9))
    assert monday == {"pm": at(2026, 11, 23, 15), "am": at(2026, 11, 24, 9)}  # the eve is tomorrow morning
    sunday_night = plan.snooze_choices(t, times, at(2026, 11, 22, 21, 30))
    assert "pm" not in sunday_night and sunday_night["am"] == at(2026, 11, 23, 9)
    # Friday: tomorrow morning is Saturday, moved to Monday's start of the day (quiet hours end).
    friday = plan.snooze_choices(t, plan.period_times(t, period_from_key("2026-12")), at(2026, 11, 27, 10))
    assert friday["am"].date() == date(2026, 11, 30) and friday["am"] == plan.next_allowed_moment(at(2026, 11, 28, 9), t.quiet)
    assert friday["eve"].date() == date(2026, 12, 24)
