"""What the buttons on reminders add to the outbox: 稍后提醒 (a snooze) and 一键催办 (a nudge).

Both plan reminders the way the tick does (``storage.reminders.plan_reminders``, keyed so that a
second tap adds nothing) and leave sending to the tick in ``bot.reminders.engine``.
"""
from __future__ import annotations

from datetime import datetime

from bot.reminders import plan
from bot.reminders.queries import load_timing, secretaries_by_unit, unit_records
from bot.rules.periods import period_from_key
from bot.rules.workcalendar import next_allowed_moment
from bot.services import Services
from storage import people as people_store
from storage import reminders as store
from storage.reminders import PlannedReminder, Reminder


async def plan_nudge(services: Services, escalation: Reminder, now: datetime) -> tuple[int, datetime | None]:
    """一键催办: a reminder now (or at the next allowed moment) to every unit still overdue for
    the escalation's period. Returns (units newly nudged, the later moment if not now);
    a second tap on the same escalation nudges nobody again."""
    timing = await load_timing(services)
    times = plan.period_times(timing, period_from_key(escalation.period))
    _, records = await unit_records(services, [times.period])
    overdue = plan.overdue_units(services.rules, records, times, now)
    secretaries = secretaries_by_unit(await people_store.list_people(services.db))
    local = timing.local(now)
    at = next_allowed_moment(local, timing.quiet)
    planned = [
        PlannedReminder(store.UNIT, unit_id, times.period.key, f"nudge-{escalation.slot}", at, tuple(secretaries.get(unit_id, ())))
        for unit_id, _ in overdue
    ]
    created = await store.plan_reminders(services.db, planned, now)
    return len(created), (at if at > local else None)


async def plan_snooze(services: Services, reminder: Reminder, now: datetime) -> datetime:
    """稍后提醒: when the unit hears again. The period's next planned reminder if one is left;
    otherwise one extra reminder the next working day at the usual time."""
    timing = await load_timing(services)
    times = plan.period_times(timing, period_from_key(reminder.period))
    upcoming = plan.next_reminder_slot(times, timing.local(now))
    if upcoming is not None:
        return upcoming.at
    at = plan.snooze_moment(timing, now)
    secretaries = secretaries_by_unit(await people_store.list_people(services.db))
    await store.plan_reminders(
        services.db,
        [PlannedReminder(store.UNIT, reminder.subject, reminder.period, f"snooze-{at.date().isoformat()}", at, tuple(secretaries.get(reminder.subject, ())))],
        now,
    )
    return at


async def plan_snooze_at(services: Services, reminder: Reminder, choice: str, now: datetime) -> datetime | None:
    """稍后提醒 → one of ``plan.snooze_choices``: one extra reminder of the unit at that moment
    (a second tap on the same choice adds nothing). None when the choice is no longer offered."""
    timing = await load_timing(services)
    times = plan.period_times(timing, period_from_key(reminder.period))
    at = plan.snooze_choices(timing, times, now).get(choice)
    if at is None:
        return None
    secretaries = secretaries_by_unit(await people_store.list_people(services.db))
    slot = f"snooze-{at.strftime('%Y%m%dT%H%M')}"
    await store.plan_reminders(services.db, [PlannedReminder(store.UNIT, reminder.subject, reminder.period, slot, at, tuple(secretaries.get(reminder.subject, ())))], now)
    return at
