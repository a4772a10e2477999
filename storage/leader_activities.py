"""Leaders' own work at the units (讲党课, 调研指导, 参加组织生活会), reported in the 小结."""
from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from storage import audit
from storage.db import Database
from storage.models import LeaderActivity
from storage.timeutil import ds, parse_ds, ts


async def add_leader_activity(
    db: Database, leader_id: int, kind: str, unit_id: int | None, held_on: date, note: str | None, now: datetime
) -> LeaderActivity:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO leader_activities (leader_id, kind, unit_id, held_on, note, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (leader_id, kind, unit_id, ds(held_on), note, ts(now)),
        )
        activity_id = cursor.lastrowid
        await audit.record(conn, now, leader_id, "leader_activity.add", f"leader_activity:{activity_id}", {"kind": kind})
    return LeaderActivity(activity_id, leader_id, kind, unit_id, held_on, note)


async def list_leader_activities(
    db: Database, *, start: date, end: date, unit_ids: Collection[int] | None = None
) -> list[LeaderActivity]:
    rows = await db.fetchall(
        "SELECT * FROM leader_activities WHERE withdrawn_at IS NULL AND held_on BETWEEN ? AND ? ORDER BY held_on, id",
        (ds(start), ds(end)),
    )
    found = [
        LeaderActivity(r["id"], r["leader_id"], r["kind"], r["unit_id"], parse_ds(r["held_on"]), r["note"])  # type: ignore[arg-type]
        for r in rows
    ]
    if unit_ids is not None:
        wanted = set(unit_ids)
        found = [a for a in found if a.unit_id in wanted]
    return found
