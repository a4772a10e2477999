"""When reminders go out: the plan of reminder slots around a deadline, computed without sending anything.

A slot is a stable key (``before-3``, ``due``, ``after-1``, ``esc-1`` …) and the moment it is due;
the scheduler records which keys it has sent, so a restart neither repeats nor loses a reminder
(``due_slots`` finds the ones still worth sending late). Every slot is moved by
``next_allowed_moment`` off quiet hours, weekends and holidays (keeping its time of day when
that is allowed on the day it moves to), and slots that would land on the
same day as the next one are merged into it, so nobody is reminded twice in a day. Deadlines are
aware datetimes in the unit's local time zone (as ``deadline_for`` returns them); slots keep that
zone.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bot.rules.workcalendar import QuietHours, next_allowed_moment, next_working_day
from bot.texts import plain


@dataclass(frozen=True)
class ReminderPolicy:
    days_before: int = 3
    morning_of_deadline: time = time(9, 0)
    reminder_time: time = time(9, 0)
    after_every_days: int = 2
    after_max: int = 3
    escalation_time: time = time(9, 0)
    escalation_max_days: int = 5

    def __post_init__(self) -> None:
        if self.days_before < 0 or self.after_max < 0 or self.escalation_max_days < 0:
            raise ValueError(plain("rules", "reminder_counts_negative"))
        if self.after_every_days < 1:
            raise ValueError(plain("rules", "reminder_interval_bad"))


@dataclass(frozen=True)
class Slot:
    key: str  # stable: 'before-3', 'due', 'after-1' …, 'esc-1' …
    at: datetime


def _merge_same_day(slots: list[Slot]) -> list[Slot]:
    """Keep a slot only when it comes on an earlier day than the next slot kept after it.

    ``slots`` are in nominal order (moving never reorders them). Walking from the last backwards, a slot that was moved onto (or past) the day of a
    later one is merged into that later one, whose nominal time it was.
    """
    kept: list[Slot] = []
    for slot in reversed(slots):
        if not kept or slot.at.date() < kept[-1].at.date():
            kept.append(slot)
    return kept[::-1]


def _at(day: date, clock: time, tz: tzinfo | None) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


def _allowed(nominal: datetime, quiet: QuietHours) -> datetime:
    """``nominal`` moved to an allowed moment, keeping its time of day when moved to another day.

    ``next_allowed_moment`` lands a moved moment at the end of quiet hours (08:00); a reminder
    planned for 09:00 on a Saturday is better sent at 09:00 on Monday, when that is allowed.
    """
    moved = next_allowed_moment(nominal, quiet)
    if moved.date() == nominal.date():
        return moved
    same_clock = datetime.combine(moved.date(), nominal.time(), tzinfo=nominal.tzinfo)
    if same_clock > moved and next_allowed_moment(same_clock, quiet) == same_clock:
        return same_clock
    return moved


def reminder_slots(deadline: datetime, policy: ReminderPolicy, quiet: QuietHours) -> list[Slot]:
    """Reminders for one deadline: ``before-N``, the morning ``due`` slot, then ``after-1``… after it.

    ``before-N`` is ``days_before`` days ahead at ``reminder_time``; ``due`` is the deadline's
    day at ``morning_of_deadline``; ``after-k`` is every ``after_every_days`` days after the
    deadline's day at ``reminder_time``, at most ``after_max`` times. Each is moved to an allowed
    moment; a pre-deadline slot that the move carries to or past the deadline is dropped, and a
    slot that lands on the same day as a later one is merged into it. Sorted by time.
    """
    tz, day = deadline.tzinfo, deadline.date()
    before: list[Slot] = []
    if policy.days_before > 0:
        nominal = _at(day - timedelta(days=policy.days_before), policy.reminder_time, tz)
        before.append(Slot(f"before-{policy.days_before}", nominal))
    before.append(Slot("due", _at(day, policy.morning_of_deadline, tz)))
    candidates = [
        Slot(s.key, moved)
        for s in before
        if (moved := _allowed(s.at, quiet)) < deadline
    ]
    for k in range(1, policy.after_max + 1):
        nominal = _at(day + timedelta(days=k * policy.after_every_days), policy.reminder_time, tz)
        candidates.append(Slot(f"after-{k}", _allowed(nominal, quiet)))
    return _merge_same_day(candidates)


def escalation_slots(deadline: datetime, policy: ReminderPolicy, quiet: QuietHours) -> list[Slot]:
    """Escalations to the leaders about units still missing: ``esc-1`` … ``esc-N``.

    ``esc-1`` is the morning after the deadline's day at ``escalation_time`` (moved to an allowed
    moment); each next one is the following working day at the same time, so a holiday delays
    the escalations instead of swallowing them. At most ``escalation_max_days``.
    """
    if policy.escalation_max_days == 0:
        return []
    tz = deadline.tzinfo
    first = _allowed(_at(deadline.date() + timedelta(days=1), policy.escalation_time, tz), quiet)
    slots = [Slot("esc-1", first)]
    for k in range(2, policy.escalation_max_days + 1):
        day = next_working_day(slots[-1].at.date(), include_today=False)
        slots.append(Slot(f"esc-{k}", _allowed(_at(day, policy.escalation_time, tz), quiet)))
    return slots


def commitment_reminder_slots(
    due_on: date, tz: ZoneInfo, policy: ReminderPolicy, quiet: QuietHours
) -> list[Slot]:
    """Reminders for a 承诺事项 due on ``due_on``: ``before-N`` days ahead and ``due`` on the day.

    Both at ``reminder_time``, moved to allowed moments; a ``before`` slot moved onto the due
    slot's day is merged into it.
    """
    candidates = []
    if policy.days_before > 0:
        nominal = _at(due_on - timedelta(days=policy.days_before), policy.reminder_time, tz)
        candidates.append(Slot(f"before-{policy.days_before}", _allowed(nominal, quiet)))
    candidates.append(Slot("due", _allowed(_at(due_on, policy.reminder_time, tz), quiet)))
    return _merge_same_day(candidates)


def due_slots(slots: Iterable[Slot], now: datetime, grace: timedelta) -> list[Slot]:
    """Slots whose moment has come (``at <= now``) but not by more than ``grace`` (``at > now - grace``)."""
    return [slot for slot in slots if now - grace < slot.at <= now]
