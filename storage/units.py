"""Units (grassroots Party organisations): add, rename, archive, set member count, bulk import."""
from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from storage import audit
from storage.db import Database
from storage.models import Unit
from storage.timeutil import parse_ts, ts


class DuplicateUnitName(ValueError):
    """Another unit already has that name."""


def _unit(row: sqlite3.Row) -> Unit:
    return Unit(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        member_count=row["member_count"],
        archived=bool(row["archived"]),
        created_at=parse_ts(row["created_at"]),
    )


async def list_units(db: Database, include_archived: bool = False) -> list[Unit]:
    sql = "SELECT * FROM units" + ("" if include_archived else " WHERE archived = 0") + " ORDER BY id"
    return [_unit(r) for r in await db.fetchall(sql)]


async def get_unit(db: Database, unit_id: int) -> Unit | None:
    row = await db.fetchone("SELECT * FROM units WHERE id = ?", (unit_id,))
    return _unit(row) if row else None


async def find_by_name(db: Database, name: str) -> Unit | None:
    row = await db.fetchone("SELECT * FROM units WHERE name = ?", (name,))
    return _unit(row) if row else None


async def add_unit(db: Database, name: str, kind: str, member_count: int, actor_id: int | None, now: datetime) -> Unit:
    async with db.transaction() as conn:
        try:
            cursor = await conn.execute(
                "INSERT INTO units (name, kind, member_count, created_at) VALUES (?, ?, ?, ?)",
                (name, kind, member_count, ts(now)),
            )
        except sqlite3.IntegrityError as exc:
            raise DuplicateUnitName(name) from exc
        unit_id = cursor.lastrowid
        await audit.record(conn, now, actor_id, "unit.add", f"unit:{unit_id}", {"name": name, "kind": kind})
    return Unit(id=unit_id, name=name, kind=kind, member_count=member_count, created_at=parse_ts(ts(now)))


async def add_units(
    db: Database, rows: Sequence[tuple[str, str, int]], actor_id: int | None, now: datetime
) -> int:
    """Add many units in one transaction: all or nothing. Returns how many were added."""
    async with db.transaction() as conn:
        for name, kind, members in rows:
            try:
                await conn.execute(
                    "INSERT INTO units (name, kind, member_count, created_at) VALUES (?, ?, ?, ?)",
                    (name, kind, members, ts(now)),
                )
            except sqlite3.IntegrityError as exc:
                raise DuplicateUnitName(name) from exc
        await audit.record(conn, now, actor_id, "unit.import", None, {"count": len(rows)})
    return len(rows)


async def update_unit(
    db: Database,
    unit_id: int,
    actor_id: int | None,
    now: datetime,
    *,
    name: str | None = None,
    member_count: int | None = None,
    archived: bool | None = None,
) -> Unit | None:
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = name
    if member_count is not None:
        changes["member_count"] = member_count
    if archived is not None:
        changes["archived"] = int(archived)
    async with db.transaction() as conn:
        if changes:
            assignments = ", ".join(f"{column} = ?" for column in changes)
            try:
                cursor = await conn.execute(
                    f"UPDATE units SET {assignments} WHERE id = ?", (*changes.values(), unit_id)
                )
            except sqlite3.IntegrityError as exc:
                raise DuplicateUnitName(str(name)) from exc
            if cursor.rowcount == 0:
                return None
            await audit.record(conn, now, actor_id, "unit.update", f"unit:{unit_id}", changes)
        row = await conn.fetchone("SELECT * FROM units WHERE id = ?", (unit_id,))
    return _unit(row) if row else None


async def existing_names(db: Database) -> set[str]:
    return {r["name"] for r in await db.fetchall("SELECT name FROM units")}
