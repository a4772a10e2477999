"""Loading many records at once, in one transaction: the demo township and the benchmarks.

Secretaries' reports go through storage.activities (one draft, one record); this is for data
that arrives in bulk and has no draft behind it.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from storage import audit
from storage.activities import ActivityFields, insert_activity
from storage.db import Database
from storage.timeutil import ds, ts


async def add_activities(db: Database, rows: Sequence[tuple[int, ActivityFields]], actor_id: int, now: datetime) -> int:
    """Insert ``(unit_id, fields)`` rows with their photos; returns how many."""
    async with db.transaction() as conn:
        for unit_id, fields in rows:
            await insert_activity(conn, unit_id, fields, actor_id, now)
        await audit.record(conn, now, actor_id, "activity.bulk_add", None, {"count": len(rows)})
    return len(rows)


async def add_commitments(
    db: Database, rows: Sequence[tuple[int, str | None, str, date, date | None, str | None]], actor_id: int, now: datetime
) -> int:
    """Insert ``(unit_id, made_by, content, due_on, fulfilled_on, result)`` rows; returns how many."""
    stamp = ts(now)
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO commitments (unit_id, made_by, content, due_on, fulfilled_on, result, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(u, who, what, ds(due), ds(done) if done else None, result, actor_id, stamp) for u, who, what, due, done, result in rows],
        )
        await audit.record(conn, now, actor_id, "commitment.bulk_add", None, {"count": len(rows)})
    return len(rows)


async def add_period_notes(
    db: Database, rows: Sequence[tuple[int, str, str | None, str | None, str | None]], actor_id: int, now: datetime
) -> int:
    """Insert or replace ``(unit_id, period, problems, next_plans, deeds)`` rows; returns how many."""
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO period_notes (unit_id, period, problems, next_plans, deeds, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(unit_id, period) DO UPDATE SET problems = excluded.problems, "
            "next_plans = excluded.next_plans, deeds = excluded.deeds",
            [(u, period, p, n, d, actor_id, ts(now)) for u, period, p, n, d in rows],
        )
    return len(rows)
