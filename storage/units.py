"""Units (grassroots Party organisations): add, rename, archive, set member count, committee
size (支委人数) and number of 党小组 (党小组数), bulk import."""
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
        row["id"], row["name"], row["kind"], row["member_count"], bool(row["archived"]), parse_ts(row["created_at"]),
        committee_size=row["committee_size"], group_count=row["group_count"],
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


_INSERT = "INSERT INTO units (name, kind, member_count, committee_size, group_count, created_at) VALUES (?, ?, ?, ?, ?, ?)"


async def add_unit(
    db: Database,
    name: str,
    kind: str,
    member_count: int,
    actor_id: int | None,
    now: datetime,
    *,
    committee_size: int | None = None,
    group_count: int | None = None,
) -> Unit:
    async with db.transaction() as conn:
        try:
            cursor = await conn.execute(_INSERT, (name, kind, member_count, committee_size, group_count, ts(now)))
        except sqlite3.IntegrityError as exc:
            raise DuplicateUnitName(name) from exc
        unit_id = cursor.lastrowid
        await audit.record(conn, now, actor_id, "unit.add", f"unit:{unit_id}", {"name": name, "kind": kind})
    return Unit(
        id=unit_id, name=name, kind=kind, member_count=member_count, created_at=parse_ts(ts(now)),
        committee_size=committee_size, group_count=group_count,
    )


async def add_units(
    db: Database, rows: Sequence[tuple[str, str, int] | tuple[str, str, int, int | None, int | None]], actor_id: int | None, now: datetime
) -> int:
    """Add many units in one transaction: all or nothing. Returns how many were added.

    A row is (name, kind, members) or (name, kind, members, committee size, group count)."""
    async with db.transaction() as conn:
        for name, kind, members, *sizes in rows:
            committee_size, group_count = (*sizes, None, None)[:2]
            try:
                await conn.execute(_INSERT, (name, kind, members, committee_size, group_count, ts(now)))
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
    sizes: dict[str, int | None] | None = None,
) -> Unit | None:
    """Change the given fields. ``sizes`` sets ``committee_size`` / ``group_count``, where None
    is a value (not stated), so it comes as a mapping of the columns to change."""
    changes: dict[str, object] = {}
    for column, value in (sizes or {}).items():
        if column not in ("committee_size", "group_count"):
            raise ValueError(f"not a size column: {column!r}")
        changes[column] = value
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
