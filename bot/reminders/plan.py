"""Who must be reminded of what at a given moment: the planning half of the reminder engine.

Everything here is pure. It takes the reporting schedule, the reminder policy, quiet hours and
plain records (each unit's kind, activities and 本期未开展 excuses; open commitments) plus "now",
and answers: which reporting periods are in play, which reminder and escalation slots are due,
which units still owe which activities (``gaps``), which are overdue, what the status board shows
and when a snoozed reminder comes back. The engine (``bot.reminders.engine``) reads the records
from the database, stores the answers in the outbox and sends them.

A reminder slot is due when its moment has come but is not older than the grace window
(``slots.due_slots``); when two slots of one period are due at once (after a long
outage), only the latest is kept, so nobody gets yesterday's and today's reminder together.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from bot.reminders.slots import (
    ReminderPolicy,
    Slot,
    commitment_reminder_slots,
    due_slots,
    escalation_slots,
    reminder_slots,
)
from bot.rules.meeting_rules import FULL_STRUCTURE, KindStatus, MeetingRules, Structure, compliance
from bot.rules.periods import MONTH, QUARTER, WEEK, YEAR, Period, next_period, period_containing, previous_period
from bot.rules.workcalendar import (
    DeadlineRule,
    QuietHours,
    deadline_for,
    next_allowed_moment,
    next_working_day,
    nominal_deadline_date,
)
from bot.texts import plain
from storage.models import Activity, Commitment

REPORT_CYCLES: tuple[str, ...] = (WEEK, MONTH, QUARTER)


@dataclass(frozen=True)
class ReportSchedule:
    """The reporting cycle and its deadline: the 25th at 18:00 of each month by default."""

    cycle: str = MONTH
    deadline_day: int = 25  # monthly and quarterly cycles (quarterly: in the quarter's last month)
    deadline_weekday: int = 4  # weekly cycles: Monday = 0 … Sunday = 6
    deadline_time: time = time(18, 0)

    def __post_init__(self) -> None:
        if self.cycle not in REPORT_CYCLES:
            raise ValueError(plain("rules", "cycle_unsupported", cycle=repr(self.cycle)))
        self.rule()  # validates day and weekday

    def rule(self) -> DeadlineRule:
        return DeadlineRule(day_of_month=self.deadline_day, time=self.deadline_time, weekday=self.deadline_weekday)


@dataclass(frozen=True)
class Timing:
    """Everything that decides *when*: schedule, reminder policy, quiet hours, zone, grace window."""

    schedule: ReportSchedule = field(default_factory=ReportSchedule)
    policy: ReminderPolicy = field(default_factory=ReminderPolicy)
    quiet: QuietHours = field(default_factory=QuietHours)
    tz: tzinfo | None = None
    grace: timedelta = timedelta(hours=24)
    # Reminder months leaders set in chat per cycle (quarter, year); the rules file's for the rest.
    remind_in: Mapping[str, frozenset[int]] = field(default_factory=dict)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)


@dataclass(frozen=True)
class PeriodTimes:
    """A reporting period with its deadline, its reminder slots and its escalation slots."""

    period: Period
    deadline: datetime
    reminders: tuple[Slot, ...]
    escalations: tuple[Slot, ...]
    shifted: bool  # the deadline was moved off a weekend or holiday


def period_times(timing: Timing, period: Period) -> PeriodTimes:
    rule = timing.schedule.rule()
    deadline = deadline_for(period, rule, timing.tz)  # type: ignore[arg-type]
    return PeriodTimes(
        period=period,
        deadline=deadline,
        reminders=tuple(reminder_slots(deadline, timing.policy, timing.quiet)),
        escalations=tuple(escalation_slots(deadline, timing.policy, timing.quiet)),
        shifted=deadline.date() != nominal_deadline_date(period, rule),
    )


def current_period(timing: Timing, now: datetime) -> Period:
    """The reporting period today falls in."""
    return period_containing(timing.schedule.cycle, timing.local(now).date())


def periods_in_play(timing: Timing, now: datetime) -> list[PeriodTimes]:
    """The previous, current and next period: every slot that can be due now belongs to one.

    After-deadline reminders and escalations of the previous period run into the current one,
    and an early deadline (the 1st) puts the next period's first reminder in this one.
    """
    current = current_period(timing, now)
    return [period_times(timing, p) for p in (previous_period(current), current, next_period(current))]


def may_speak(timing: Timing, now: datetime) -> bool:
    """True on a working day outside quiet hours."""
    local = timing.local(now)
    return next_allowed_moment(local, timing.quiet) == local


@dataclass(frozen=True)
class DueSlot:
    times: PeriodTimes
    slot: Slot

    @property
    def period(self) -> Period:
        return self.times.period


def _latest_due(timing: Timing, slots: Iterable[Slot], now: datetime) -> Slot | None:
    due = due_slots(slots, timing.local(now), timing.grace)
    return due[-1] if due else None


def _due_per_period(timing: Timing, now: datetime, slots_of: Callable[[PeriodTimes], Iterable[Slot]]) -> list[DueSlot]:
    """Per period in play, the latest of its ``slots_of`` that is due now (if any)."""
    found = []
    for times in periods_in_play(timing, now):
        slot = _latest_due(timing, slots_of(times), now)
        if slot is not None:
            found.append(DueSlot(times, slot))
    return found


def due_reminder_slots(timing: Timing, now: datetime) -> list[DueSlot]:
    """Per period in play, the latest unit-reminder slot that is due now (if any)."""
    return _due_per_period(timing, now, lambda times: times.reminders)


def due_escalation_slots(timing: Timing, now: datetime) -> list[DueSlot]:
    """Per period in play, the latest escalation slot that is due now (if any)."""
    return _due_per_period(timing, now, lambda times: times.escalations)


def activity_window(periods: Iterable[Period]) -> tuple[date, date]:
    """The dates whose activities decide compliance for these periods.

    A yearly requirement is satisfied by an activity anywhere in its calendar year, so the
    window opens on 1 January of the earliest period's year.
    """
    chosen = list(periods)
    start = min(p.start for p in chosen)
    return date(start.year, 1, 1), max(p.end for p in chosen)


@dataclass(frozen=True)
class UnitRecord:
    """What the rules need to know about one unit."""

    unit_id: int
    kind: str
    activities: tuple[Activity, ...] = ()
    excused: frozenset[tuple[str, str]] = frozenset()  # (activity kind, slot key)
    added_on: date | None = None  # local day the unit was added: it owes no slot that ended before
    structure: Structure = FULL_STRUCTURE  # no committee: no 支委会 owed; no 党小组: no 党小组会


def statuses(rules: MeetingRules, unit: UnitRecord, period: Period) -> list[KindStatus]:
    """应开 / 已开 / 未开 per required kind for the unit over the whole period (slots still
    running count: reminders and the board speak of what is still to be held), leaving out the
    slots that ended before the unit was added."""
    return compliance(
        rules, unit.kind, unit.activities, period.start, period.end, unit.excused, added_on=unit.added_on, structure=unit.structure
    )


def gaps(rules: MeetingRules, unit: UnitRecord, period: Period) -> list[KindStatus]:
    """The kinds the unit still owes for the period (neither held nor excused), catalogue order."""
    return [s for s in statuses(rules, unit, period) if not s.satisfied]


def cycles_of(rules: MeetingRules, unit_kind: str) -> dict[str, str]:
    """Each required kind's own cycle for a unit of ``unit_kind`` (activity kind → month | quarter
    | year), so a reminder names a yearly item as the year's, not the month's."""
    return {r.activity_kind: r.every for r in rules.for_unit_kind(unit_kind)}


def by_cycle(names: Iterable[str], cycles: Mapping[str, str]) -> list[tuple[str, list[str]]]:
    """``names`` grouped by their own cycle: monthly first, then quarterly, then yearly."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(cycles.get(name, MONTH), []).append(name)
    return [(cycle, groups[cycle]) for cycle in (WEEK, MONTH, QUARTER, YEAR) if cycle in groups]


def reminder_gaps(rules: MeetingRules, unit: UnitRecord, period: Period, remind_in: Mapping[str, frozenset[int]] | None = None) -> list[KindStatus]:
    """What a reminder for ``period`` names: the monthly items still owed, and — in a monthly
    period — a quarterly or yearly item only in the months ``rules.remind_in`` gives for its
    cycle (or ``remind_in``, the months leaders set in chat), then whenever its quarter or year is
    not yet held or explained (in November the year's 组织生活会 is named although its slot ends
    in December). Other periods: ``gaps``."""
    if period.kind != MONTH:
        return gaps(rules, unit, period)
    owed = {s.activity_kind: s for s in gaps(rules, unit, period)}
    by_cycle: dict[str, dict[str, KindStatus]] = {}
    found = []
    for requirement in rules.for_unit_kind(unit.kind):
        every, name = requirement.every, requirement.activity_kind
        if every == MONTH:
            status = owed.get(name)
        elif unit.added_on is not None and unit.added_on > period.end:
            status = None  # a unit added after the month is not reminded for it
        elif period.start.month in (remind_in or {}).get(every, rules.remind_in(every)):
            if every not in by_cycle:
                by_cycle[every] = {s.activity_kind: s for s in statuses(rules, unit, period_containing(every, period.start))}
            status = by_cycle[every].get(name)
        else:
            status = None
        if status is not None and not status.satisfied:
            found.append(status)
    return found


@dataclass(frozen=True)
class UnitReminder:
    unit_id: int
    period: Period
    slot: Slot
    missing: tuple[KindStatus, ...]


def unit_reminders(
    rules: MeetingRules, units: Iterable[UnitRecord], due: Sequence[DueSlot], remind_in: Mapping[str, frozenset[int]] | None = None
) -> list[UnitReminder]:
    """One combined reminder per unit and due slot, only for units that still owe something."""
    found = []
    unit_list = list(units)
    for item in due:
        for unit in unit_list:
            missing = reminder_gaps(rules, unit, item.period, remind_in)
            if missing:
                found.append(UnitReminder(unit.unit_id, item.period, item.slot, tuple(missing)))
    return found


def is_past_deadline(times: PeriodTimes, now: datetime) -> bool:
    return now >= times.deadline


def overdue_units(
    rules: MeetingRules, units: Iterable[UnitRecord], times: PeriodTimes, now: datetime
) -> list[tuple[int, list[KindStatus]]]:
    """Units that still owe something after the period's deadline, with what they owe."""
    if not is_past_deadline(times, now):
        return []
    found = []
    for unit in units:
        missing = gaps(rules, unit, times.period)
        if missing:
            found.append((unit.unit_id, missing))
    return found


# ----- commitments -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CommitmentReminder:
    """One combined reminder per unit about the open commitments due on one day."""

    unit_id: int
    due_on: date
    slot: Slot
    commitment_ids: tuple[int, ...]


def is_open(commitment: Commitment) -> bool:
    return commitment.fulfilled_on is None and not commitment.withdrawn


def commitment_window(timing: Timing, today: date) -> tuple[date, date]:
    """Due dates of commitments that can have a reminder due today.

    A ``before`` slot is never earlier than its nominal day, so nothing due after
    ``today + days_before`` can be due; a holiday can push the ``due`` slot a week or more past
    the due date, hence the generous look-back.
    """
    return today - timedelta(days=30), today + timedelta(days=timing.policy.days_before)


def commitment_reminders(timing: Timing, commitments: Iterable[Commitment], now: datetime) -> list[CommitmentReminder]:
    """Open commitments whose ``before-N`` or ``due`` slot is due now, grouped per unit and day."""
    grouped: dict[tuple[int, date, str], tuple[Slot, list[int]]] = {}
    local = timing.local(now)
    for commitment in commitments:
        if not is_open(commitment):
            continue
        slots = commitment_reminder_slots(commitment.due_on, timing.tz, timing.policy, timing.quiet)  # type: ignore[arg-type]
        due = due_slots(slots, local, timing.grace)
        if not due:
            continue
        slot = due[-1]
        key = (commitment.unit_id, commitment.due_on, slot.key)
        grouped.setdefault(key, (slot, []))[1].append(commitment.id)
    return [
        CommitmentReminder(unit_id, due_on, slot, tuple(sorted(ids)))
        for (unit_id, due_on, _), (slot, ids) in sorted(grouped.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


def overdue_commitments(commitments: Iterable[Commitment], today: date) -> list[Commitment]:
    """Open commitments past their due date, oldest first."""
    return sorted((c for c in commitments if c.is_overdue(today)), key=lambda c: (c.due_on, c.unit_id, c.id))


# ----- snooze ------------------------------------------------------------------------------------
def next_reminder_slot(times: PeriodTimes, now: datetime) -> Slot | None:
    """The period's next planned reminder after ``now``, if any remain."""
    return next((slot for slot in times.reminders if slot.at > now), None)


def snooze_moment(timing: Timing, now: datetime) -> datetime:
    """When a snoozed reminder returns if the period has no planned reminder left: the next
    working day at the usual reminder time (moved out of quiet hours)."""
    local = timing.local(now)
    day = next_working_day(local.date(), include_today=False)
    return next_allowed_moment(datetime.combine(day, timing.policy.reminder_time, tzinfo=local.tzinfo), timing.quiet)


AFTERNOON = time(15, 0)  # 今天下午
SNOOZE_CHOICES = ("pm", "am", "eve")  # 今天下午, 明天上午, 截止前一天


def snooze_choices(timing: Timing, times: PeriodTimes, now: datetime) -> dict[str, datetime]:
    """What 稍后提醒 offers, each moved out of quiet hours and off rest days: ``pm`` this
    afternoon (while it is still ahead), ``am`` tomorrow at the usual reminder time, ``eve`` the
    day before the deadline at that time (while it is ahead). Moments that coincide are offered once."""
    local = timing.local(now)
    at_time = timing.policy.reminder_time
    wanted = {
        "pm": datetime.combine(local.date(), AFTERNOON, tzinfo=local.tzinfo),
        "am": datetime.combine(local.date() + timedelta(days=1), at_time, tzinfo=local.tzinfo),
        "eve": datetime.combine(times.deadline.date() - timedelta(days=1), at_time, tzinfo=local.tzinfo),
    }
    found: dict[str, datetime] = {}
    for key in SNOOZE_CHOICES:
        if wanted[key] <= local:
            continue
        moment = next_allowed_moment(wanted[key], timing.quiet)
        if moment > local and moment not in found.values():
            found[key] = moment
    return found


# ----- the status board --------------------------------------------------------------------------
@dataclass(frozen=True)
class BoardRow:
    unit_id: int
    due: int  # 应开
    held: int  # 已开
    excused: int  # 本期未开展 with a reason
    missing: int  # 未开
    missing_kinds: tuple[str, ...]
    overdue: bool


@dataclass(frozen=True)
class BoardTotals:
    units: int
    complete: int
    overdue: int
    due: int
    held: int
    excused: int
    missing: int


def board_rows(rules: MeetingRules, units: Iterable[UnitRecord], times: PeriodTimes, now: datetime) -> list[BoardRow]:
    """One row per unit; units that still owe something first (overdue ones first of all),
    each group keeping the order the units were given in."""
    past = is_past_deadline(times, now)
    rows = []
    for unit in units:
        found = statuses(rules, unit, times.period)
        missing = sum(s.missing for s in found)
        rows.append(
            BoardRow(
                unit_id=unit.unit_id,
                due=sum(s.due for s in found),
                held=sum(s.held for s in found),
                excused=sum(s.excused for s in found),
                missing=missing,
                missing_kinds=tuple(s.activity_kind for s in found if not s.satisfied),
                overdue=past and missing > 0,
            )
        )
    return sorted(rows, key=lambda r: (not r.overdue, r.missing == 0))


def board_totals(rows: Sequence[BoardRow]) -> BoardTotals:
    return BoardTotals(
        units=len(rows),
        complete=sum(1 for r in rows if r.missing == 0),
        overdue=sum(1 for r in rows if r.overdue),
        due=sum(r.due for r in rows),
        held=sum(r.held for r in rows),
        excused=sum(r.excused for r in rows),
        missing=sum(r.missing for r in rows),
    )


def build_unit_records(
    units: Iterable[tuple[int, str, date | None] | tuple[int, str, date | None, Structure]],
    activities: Iterable[Activity],
    excused: Mapping[int, Iterable[tuple[str, str]]],
) -> list[UnitRecord]:
    """Join units (id, kind, day added[, structure]) with their activities and excuses, keeping the units' order."""
    by_unit: dict[int, list[Activity]] = {}
    for activity in activities:
        by_unit.setdefault(activity.unit_id, []).append(activity)
    return [
        UnitRecord(unit_id, kind, tuple(by_unit.get(unit_id, ())), frozenset(excused.get(unit_id, ())), added_on, *structure)
        for unit_id, kind, added_on, *structure in units
    ]
