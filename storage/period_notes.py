"""Period notes (本期小结): per unit and reporting period, 存在问题, 下一步计划 and 典型事迹.

One row per unit and period key (``2026-11``); each field is saved as soon as it is typed.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Collection
from datetime import datetime
from typing import Any

from storage import audit
from storage.db import Database
from storage.models import PeriodNote
from storage.timeutil import ts

NOTE_FIELDS = ("problems", "next_plans", "deeds")


def _note(row: sqlite3.Row) -> PeriodNote:
    return PeriodNote(unit_id=row["unit_id"], period=row["period"], problems=row["problems"], next_plans=row["next_plans"], deeds=row["deeds"])


async def get_note(db: Database, unit_id: int, period: str) -> PeriodNote | None:
    row = await db.fetchone("SELECT * FROM period_notes WHERE unit_id = ? AND period = ?", (unit_id, period))
    return _note(row) if row else None


async def save_note_field(db: Database, unit_id: int, period: str, field: str, value: str | None, actor_id: int, now: datetime) -> PeriodNote:
    """Set (or, with None, clear) one field of the unit's note for ``period``, creating the note."""
    if field not in NOTE_FIELDS:
        raise ValueError(f"unknown period-note field {field!r}")
    async with db.transaction() as conn:
        await conn.execute(
            f"INSERT INTO period_notes (unit_id, period, {field}, updated_by, updated_at) VALUES (?, ?, ?, ?, ?) "
            f"ON CONFLICT(unit_id, period) DO UPDATE SET {field} = excluded.{field}, "
            "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (unit_id, period, value, actor_id, ts(now)),
        )
        await audit.record(conn, now, actor_id, "period_note.save", f"unit:{unit_id}", {"period": period, "field": field})
        row = await conn.fetchone("SELECT * FROM period_notes WHERE unit_id = ? AND period = ?", (unit_id, period))
    assert row is not None
    return _note(row)


async def list_notes(db: Database, period_keys: Collection[str], *, unit_ids: Collection[int] | None = None) -> list[PeriodNote]:
    """Notes of the given period keys (``2026-11`` …). ``unit_ids`` None means every unit.

    Ordered by period, then unit. Which keys a date range covers is the calendar's business
    (``bot.rules.periods``), not storage's.
    """
    keys = sorted(set(period_keys))
    if not keys or (unit_ids is not None and not unit_ids):
        return []
    clauses = [f"period IN ({', '.join('?' for _ in keys)})"]
    params: list[Any] = list(keys)
    if unit_ids is not None:
        ids = sorted(set(unit_ids))
        clauses.append(f"unit_id IN ({', '.join('?' for _ in ids)})")
        params.extend(ids)
    rows = await db.fetchall(f"SELECT * FROM period_notes WHERE {' AND '.join(clauses)} ORDER BY period, unit_id", params)
    return [_note(r) for r in rows]
