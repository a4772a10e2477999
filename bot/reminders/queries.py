"""What the reminder rules need from the database, read for the tick, the board and the buttons.

``load_timing`` is the schedule in force (set by leaders in chat, else the configured defaults)
with the reminder policy, quiet hours and zone; ``unit_records`` is every active unit with the
activities and excuses that decide some periods; ``secretaries_by_unit`` is who hears a unit's
reminders; ``unit_standing`` is where one unit stands in one period (what it reported, what it
still owes), for the report confirmation, the welcome and a reminder card brought up to date.
Reads only: planning and sending stay in ``bot.reminders.engine``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.reminders import plan
from bot.reminders.slots import ReminderPolicy
from bot.rules.meeting_rules import KindStatus, unit_structure
from bot.rules.periods import Period, contains, local_day
from bot.rules.workcalendar import QuietHours
from bot.services import Services
from storage import reminders as store
from storage import reviews
from storage import schedule as schedule_store
from storage import units as unit_store
from storage.models import Person, Unit


def schedule_from(settings: Any, stored: schedule_store.StoredSchedule | None) -> plan.ReportSchedule:
    """The schedule leaders set in chat, or the configured defaults."""
    if stored is not None:
        return plan.ReportSchedule(stored.cycle, stored.deadline_day, stored.deadline_weekday, stored.deadline_time)
    return plan.ReportSchedule(settings.report_cycle, settings.deadline_day, settings.deadline_weekday, settings.deadline_time)


async def load_timing(services: Services) -> plan.Timing:
    """Schedule (database, else settings), reminder policy, quiet hours, zone and grace window."""
    settings = services.settings
    stored = await schedule_store.get_schedule(services.db)
    policy = ReminderPolicy(
        days_before=settings.reminder_days_before,
        morning_of_deadline=settings.reminder_time,
        reminder_time=settings.reminder_time,
        after_every_days=settings.reminder_after_every_days,
        after_max=settings.reminder_after_max,
        escalation_time=settings.reminder_time,
        escalation_max_days=settings.escalation_max_days,
    )
    return plan.Timing(
        schedule=schedule_from(settings, stored),
        policy=policy,
        quiet=QuietHours(settings.quiet_start, settings.quiet_end),
        tz=settings.timezone,
        grace=timedelta(hours=settings.reminder_grace_hours),
        remind_in=await schedule_store.get_reminder_months(services.db),
    )


async def unit_records(services: Services, periods: Iterable[Period]) -> tuple[dict[int, Unit], list[plan.UnitRecord]]:
    """The active units, and each with the activities and excuses that decide these periods."""
    units = await unit_store.list_units(services.db)
    start, end = plan.activity_window(periods)
    uncounted = await reviews.uncounted_activity_ids(services.db)  # returned while review is on
    activities = [a for a in await store.held_activities(services.db, start, end) if a.id not in uncounted]
    excused = await store.excused_slots(services.db)
    tz = services.settings.timezone
    records = plan.build_unit_records(
        ((u.id, u.kind, local_day(u.created_at, tz), unit_structure(u)) for u in units), activities, excused
    )
    return {u.id: u for u in units}, records


def secretaries_by_unit(everyone: Iterable[Person]) -> dict[int, list[int]]:
    """The reachable secretaries of each unit, by unit id."""
    found: dict[int, list[int]] = {}
    for person in everyone:
        if person.is_secretary and person.reachable and person.unit_id is not None:
            found.setdefault(person.unit_id, []).append(person.user_id)
    return found


@dataclass(frozen=True)
class Standing:
    """Where one unit stands in one period: how many activities it reported held there, and the
    kinds it still owes (the meeting rules, as the reminders and the board count them)."""

    period: Period
    reported: int
    owed: tuple[KindStatus, ...]
    cycles: Mapping[str, str] = field(default_factory=dict)  # activity kind → month | quarter | year

    @property
    def owed_names(self) -> list[str]:
        return [status.activity_kind for status in self.owed]

    def owed_by_cycle(self) -> list[tuple[str, list[str]]]:
        """The kinds owed, grouped by their own cycle (plan.by_cycle)."""
        return plan.by_cycle(self.owed_names, self.cycles)


async def unit_standing(services: Services, unit: Unit, period: Period) -> Standing:
    """``unit``'s standing in ``period``, read for this unit alone (a tap or a report must not
    load every unit's year)."""
    start, end = plan.activity_window([period])
    uncounted = await reviews.uncounted_activity_ids(services.db)  # returned while review is on
    held = await store.held_activities(services.db, start, end, unit_id=unit.id)
    activities = [a for a in held if a.id not in uncounted]
    excused = {(e.activity_kind, e.slot) for e in await store.list_excuses(services.db, [unit.id])}
    added_on = local_day(unit.created_at, services.settings.timezone)
    (record,) = plan.build_unit_records([(unit.id, unit.kind, added_on, unit_structure(unit))], activities, {unit.id: excused})
    reported = sum(1 for a in activities if contains(period, a.held_on))
    remind_in = await schedule_store.get_reminder_months(services.db)
    owed = tuple(plan.reminder_gaps(services.rules, record, period, remind_in))
    return Standing(period, reported, owed, plan.cycles_of(services.rules, unit.kind))
