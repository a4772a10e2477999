"""The reporting schedule leaders set with /schedule: cycle, deadline day or weekday, deadline time.

At most one row; ``None`` means nobody has changed it in chat and the configured defaults apply.
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
