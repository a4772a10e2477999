"""The reporting schedule leaders set with /schedule: cycle, deadline day or weekday, deadline time,
and the months in which reminders name the quarterly and yearly items.

At most one schedule row; ``None`` means nobody has changed it in chat and the configured defaults
apply. Reminder months: a row per cycle changed in chat, else the rules file's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from storage import audit
from storage.db import Database
from storage.timeutil import ts


@dataclass(frozen=True, slots=True)
class StoredSchedule:
    cycle: str
    deadline_day: int
    deadline_weekday: int  # Monday = 0
    deadline_time: time


async def get_schedule(db: Database) -> StoredSchedule | None:
    row = await db.fetchone("SELECT * FROM report_schedule WHERE id = 1")
    if row is None:
        return None
    return StoredSchedule(
        cycle=row["cycle"],
        deadline_day=row["deadline_day"],
        deadline_weekday=row["deadline_weekday"],
        deadline_time=time.fromisoformat(row["deadline_time"]),
    )


async def save_schedule(db: Database, schedule: StoredSchedule, actor_id: int, now: datetime) -> None:
    """Store the whole schedule and note the change in the audit log, in one transaction."""
    values = (schedule.cycle, schedule.deadline_day, schedule.deadline_weekday, schedule.deadline_time.strftime("%H:%M"))
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO report_schedule (id, cycle, deadline_day, deadline_weekday, deadline_time, updated_by, updated_at) "
            "VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET cycle = excluded.cycle, "
            "deadline_day = excluded.deadline_day, deadline_weekday = excluded.deadline_weekday, "
            "deadline_time = excluded.deadline_time, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (*values, actor_id, ts(now)),
        )
        await audit.record(
            conn, now, actor_id, "schedule.update", None,
            {"cycle": values[0], "deadline_day": values[1], "deadline_weekday": values[2], "deadline_time": values[3]},
        )


async def get_reminder_months(db: Database) -> dict[str, frozenset[int]]:
    """The reminder months leaders set per cycle (``quarter``, ``year``); cycles never set are absent."""
    rows = await db.fetchall("SELECT cycle, months FROM cycle_reminder_months")
    return {row["cycle"]: frozenset(int(m) for m in row["months"].split(",") if m) for row in rows}


async def save_reminder_months(db: Database, cycle: str, months: frozenset[int], actor_id: int, now: datetime) -> None:
    """Store the reminder months of ``cycle`` and note the change in the audit log, in one transaction."""
    text = ",".join(str(m) for m in sorted(months))
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO cycle_reminder_months (cycle, months, updated_by, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(cycle) DO UPDATE SET months = excluded.months, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (cycle, text, actor_id, ts(now)),
        )
        await audit.record(conn, now, actor_id, "schedule.reminder_months", None, {"cycle": cycle, "months": text})
