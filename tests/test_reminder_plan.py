"""Reminder slot planning around deadlines, quiet hours, weekends and the 2026 National Day holiday."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.reminders.slots import (
    ReminderPolicy,
    Slot,
    commitment_reminder_slots,
    due_slots,
    escalation_slots,
    reminder_slots,
)
from bot.rules.periods import period_containing
from bot.rules.workcalendar import DeadlineRule, QuietHours, deadline_for, is_working_day

TZ = ZoneInfo("Asia/Shanghai")
POLICY = ReminderPolicy()
QUIET = QuietHours()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def plan(slots: list[Slot]) -> list[tuple[str, datetime]]:
    return [(s.key, s.at) for s in slots]


def test_an_ordinary_deadline():
    deadline = at(2026, 11, 25, 18, 0)  # Wednesday
    assert plan(reminder_slots(deadline, POLICY, QUIET)) == [
        ("before-3", at(2026, 11, 23, 9, 0)),
        ("due", at(2026, 11, 25, 9, 0)),
        ("after-1", at(2026, 11, 27, 9, 0)),
        ("after-2", at(2026, 11, 30, 9, 0)),  # Sunday the 29th → Monday, keeping 09:00
        ("after-3", at(2026, 12, 1, 9, 0)),
    ]


def test_a_before_slot_on_a_weekend_moves_to_monday_keeping_its_time():
    deadline = at(2026, 11, 24, 18, 0)  # Tuesday; three days before is Saturday
    slots = reminder_slots(deadline, POLICY, QUIET)
    assert plan(slots)[:2] == [("before-3", at(2026, 11, 23, 9, 0)), ("due", at(2026, 11, 24, 9, 0))]


def test_a_before_slot_moved_onto_the_deadline_day_is_merged():
    # September's deadline: the 25th is the Mid-autumn Festival, so it is Monday the 28th; three
    # days before is that holiday, which would move the reminder onto the deadline day itself.
    deadline = deadline_for(period_containing("month", date(2026, 9, 1)), DeadlineRule(), TZ)
    assert deadline == at(2026, 9, 28, 18, 0)
    assert plan(reminder_slots(deadline, POLICY, QUIET)) == [
        ("due", at(2026, 9, 28, 9, 0)),
        ("after-1", at(2026, 9, 30, 9, 0)),
        # after-2 (Oct 2) and after-3 (Oct 4) both land on Oct 8, after the holiday: one reminder.
        ("after-3", at(2026, 10, 8, 9, 0)),
    ]


def test_a_pre_deadline_slot_moved_past_the_deadline_is_dropped():
    deadline = at(2026, 11, 25, 8, 30)  # before the 09:00 morning reminder
    keys = [s.key for s in reminder_slots(deadline, POLICY, QUIET)]
    assert keys == ["before-3", "after-1", "after-2", "after-3"]
    # A deadline on a holiday (a custom range may end on one): nothing before it can be sent.
    holiday_deadline = at(2026, 10, 5, 18, 0)
    assert plan(reminder_slots(holiday_deadline, POLICY, QUIET)) == [
        ("after-1", at(2026, 10, 8, 9, 0)),  # Oct 7 is still the holiday
        ("after-2", at(2026, 10, 9, 9, 0)),
        ("after-3", at(2026, 10, 12, 9, 0)),  # Sunday the 11th → Monday
    ]


def test_a_reminder_time_in_quiet_hours_moves_to_the_next_morning():
    late = ReminderPolicy(reminder_time=time(22, 0), morning_of_deadline=time(7, 0))
    deadline = at(2026, 11, 25, 18, 0)
    assert plan(reminder_slots(deadline, late, QUIET)) == [
        ("before-3", at(2026, 11, 23, 8, 0)),  # Sunday 22:00 → Monday 08:00
        ("due", at(2026, 11, 25, 8, 0)),  # 07:00 is quiet → 08:00
        # after-1 (Friday 22:00) and after-2 (Sunday) both become Monday 08:00: sent once.
        ("after-2", at(2026, 11, 30, 8, 0)),
        ("after-3", at(2026, 12, 2, 8, 0)),  # Tuesday 22:00 → Wednesday 08:00
    ]
    slots = reminder_slots(deadline, late, QUIET)
    assert all(not QUIET.contains(s.at.time()) and is_working_day(s.at.date()) for s in slots)


def test_reminders_around_the_adjusted_working_saturday():
    deadline = at(2026, 10, 10, 18, 0)  # 调休 Saturday: a working day
    assert plan(reminder_slots(deadline, POLICY, QUIET)) == [
        ("before-3", at(2026, 10, 8, 9, 0)),  # Oct 7 is a holiday
        ("due", at(2026, 10, 10, 9, 0)),
        ("after-1", at(2026, 10, 12, 9, 0)),
        ("after-2", at(2026, 10, 14, 9, 0)),
        ("after-3", at(2026, 10, 16, 9, 0)),
    ]


def test_escalations_run_on_consecutive_working_days():
    deadline = at(2026, 9, 30, 18, 0)  # eve of National Day
    assert plan(escalation_slots(deadline, POLICY, QUIET)) == [
        ("esc-1", at(2026, 10, 8, 9, 0)),
        ("esc-2", at(2026, 10, 9, 9, 0)),
        ("esc-3", at(2026, 10, 10, 9, 0)),  # 调休 Saturday
        ("esc-4", at(2026, 10, 12, 9, 0)),
        ("esc-5", at(2026, 10, 13, 9, 0)),
    ]
    assert escalation_slots(deadline, ReminderPolicy(escalation_max_days=0), QUIET) == []
    two = escalation_slots(at(2026, 11, 25, 18, 0), ReminderPolicy(escalation_max_days=2), QUIET)
    assert plan(two) == [("esc-1", at(2026, 11, 26, 9, 0)), ("esc-2", at(2026, 11, 27, 9, 0))]


def test_commitment_reminders():
    assert plan(commitment_reminder_slots(date(2026, 11, 25), TZ, POLICY, QUIET)) == [
        ("before-3", at(2026, 11, 23, 9, 0)),
        ("due", at(2026, 11, 25, 9, 0)),
    ]
    # Due on a holiday: the before slot and the due slot both land on Oct 8; one reminder.
    assert plan(commitment_reminder_slots(date(2026, 10, 6), TZ, POLICY, QUIET)) == [
        ("due", at(2026, 10, 8, 9, 0)),
    ]
    assert plan(commitment_reminder_slots(date(2026, 11, 25), TZ, ReminderPolicy(days_before=0), QUIET)) == [
        ("due", at(2026, 11, 25, 9, 0)),
    ]


def test_due_slots_within_the_grace_window():
    slots = reminder_slots(at(2026, 11, 25, 18, 0), POLICY, QUIET)
    now = at(2026, 11, 25, 9, 0)
    assert [s.key for s in due_slots(slots, now, timedelta(hours=6))] == ["due"]
    assert [s.key for s in due_slots(slots, now - timedelta(seconds=1), timedelta(hours=6))] == []
    # After a restart a day later, the morning reminder is too stale to send.
    assert due_slots(slots, now + timedelta(days=1), timedelta(hours=6)) == []
    assert [s.key for s in due_slots(slots, now + timedelta(days=1), timedelta(days=3))] == ["due"]
    assert [s.key for s in due_slots(slots, now + timedelta(days=1), timedelta(days=3, hours=1))] == ["before-3", "due"]


@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    hour=st.integers(min_value=0, max_value=23),
    reminder_hour=st.integers(min_value=0, max_value=23),
)
def test_slots_never_crowd_and_never_fall_in_quiet_hours(day, hour, reminder_hour):
    deadline = datetime.combine(day, time(hour, 0), tzinfo=TZ)
    policy = ReminderPolicy(reminder_time=time(reminder_hour, 0), morning_of_deadline=time(reminder_hour, 0))
    for slots in (reminder_slots(deadline, policy, QUIET), escalation_slots(deadline, policy, QUIET)):
        moments = [s.at for s in slots]
        assert moments == sorted(moments)
        assert len({m.date() for m in moments}) == len(moments)
        assert len({s.key for s in slots}) == len(slots)
        for moment in moments:
            assert is_working_day(moment.date()) and not QUIET.contains(moment.time())
    for slot in reminder_slots(deadline, policy, QUIET):
        assert (slot.at < deadline) == (slot.key in {"before-3", "due"})
