"""People known to the bot: leaders and the secretaries bound to a unit."""
from __future__ import annotations

import sqlite3
from datetime import datetime

from storage import audit
from storage.db import Database, Transaction
from storage.dialogs import REPORT_DRAFT_FLOW
from storage.models import LEADER, SECRETARY, Person
from storage.timeutil import ts


def _person(row: sqlite3.Row) -> Person:
    return Person(
        user_id=row["user_id"],
        display_name=row["display_name"],
        role=row["role"],
        unit_id=row["unit_id"],
        active=bool(row["active"]),
        reachable=bool(row["reachable"]),
    )


class _Known:
    """The people this process has read. Every write to ``people`` calls :func:`forget` after it
    commits; the generation stops a read that raced with a write from caching what it read."""

    def __init__(self) -> None:
        self.people: dict[int, Person] = {}
        self.generation = 0


def _known(db: Database) -> _Known:
    return db.memo.setdefault("people", _Known())  # type: ignore[return-value]


def forget(db: Database, user_id: int | None = None) -> None:
    """Drop a cached person (or everyone) after writing to ``people``."""
    known = _known(db)
    known.generation += 1
    if user_id is None:
        known.people.clear()
    else:
        known.people.pop(user_id, None)


async def get_person(db: Database, user_id: int) -> Person | None:
    """The person with ``user_id`` (cached: the access gate asks on every update)."""
    known = _known(db)
    if user_id in known.people:
        return known.people[user_id]
    generation = known.generation
    row = await db.fetchone("SELECT * FROM people WHERE user_id = ?", (user_id,))
    if row is None:
        return None
    person = _person(row)
    if known.generation == generation:
        known.people[user_id] = person
    return person


async def list_people(db: Database, unit_id: int | None = None, active_only: bool = True) -> list[Person]:
    clauses, params = [], []
    if unit_id is not None:
        clauses.append("unit_id = ?")
        params.append(unit_id)
    if active_only:
        clauses.append("active = 1")
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = await db.fetchall(f"SELECT * FROM people{where} ORDER BY role, user_id", params)
    return [_person(r) for r in rows]


async def list_leaders(db: Database) -> list[Person]:
    rows = await db.fetchall("SELECT * FROM people WHERE role = ? AND active = 1 ORDER BY user_id", (LEADER,))
    return [_person(r) for r in rows]


async def ensure_admins(db: Database, admin_ids: frozenset[int], now: datetime) -> None:
    """Make the configured admins leaders (the bootstrap); their names are filled in on /start."""
    if not admin_ids:
        return
    async with db.transaction() as conn:
        for user_id in sorted(admin_ids):
            await conn.execute(
                "INSERT INTO people (user_id, display_name, role, unit_id, joined_at) VALUES (?, ?, ?, NULL, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET role = excluded.role, unit_id = NULL, active = 1",
                (user_id, str(user_id), LEADER, ts(now)),
            )
    forget(db)


async def set_display_name(db: Database, user_id: int, display_name: str) -> None:
    await db.execute("UPDATE people SET display_name = ? WHERE user_id = ?", (display_name, user_id))
    forget(db, user_id)


async def set_reachable(db: Database, user_id: int, reachable: bool) -> bool:
    """Record whether the person can be reached; True when this changed the stored value."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE people SET reachable = ? WHERE user_id = ? AND reachable != ?",
            (int(reachable), user_id, int(reachable)),
        )
    forget(db, user_id)
    return cursor.rowcount > 0


async def _leave_draft_with_unit(conn: Transaction, user_id: int, now: datetime) -> None:
    """Hand the person's half-filled report over to its unit (storage/dialogs.py takes it back
    out for the unit's next secretary), and drop whatever else they had open."""
    await conn.execute(
        "INSERT INTO unit_drafts (unit_id, flow, step, data, nonce, left_by, left_at) "
        "SELECT json_extract(data, '$.unit_id'), flow, step, data, nonce, user_id, ? FROM dialogs "
        "WHERE user_id = ? AND flow = ? AND json_extract(data, '$.unit_id') IS NOT NULL "
        "AND (json_extract(data, '$.kind') IS NOT NULL OR json_extract(data, '$.activity_id') IS NOT NULL)",
        (ts(now), user_id, REPORT_DRAFT_FLOW),
    )
    await conn.execute("DELETE FROM dialogs WHERE user_id = ?", (user_id,))


async def revoke(db: Database, user_id: int, actor_id: int, now: datetime) -> Person | None:
    """End ``user_id``'s access; a half-filled report of theirs stays with their unit."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE people SET active = 0, left_at = ? WHERE user_id = ? AND active = 1", (ts(now), user_id)
        )
        if cursor.rowcount == 0:
            return None
        await audit.record(conn, now, actor_id, "person.revoke", f"user:{user_id}")
        await _leave_draft_with_unit(conn, user_id, now)
        row = await conn.fetchone("SELECT * FROM people WHERE user_id = ?", (user_id,))
    forget(db, user_id)
    return _person(row) if row else None


async def move(db: Database, user_id: int, unit_id: int, actor_id: int, now: datetime) -> Person | None:
    """Bind the active secretary ``user_id`` to another active unit; None when either is not
    (any more) what the leader saw. A half-filled report of theirs stays with the old unit."""
    async with db.transaction() as conn:
        before = await conn.fetchone(
            "SELECT unit_id FROM people WHERE user_id = ? AND role = ? AND active = 1 AND unit_id != ?",
            (user_id, SECRETARY, unit_id),
        )
        target = await conn.fetchone("SELECT id FROM units WHERE id = ? AND archived = 0", (unit_id,))
        if before is None or target is None:
            return None
        await conn.execute("UPDATE people SET unit_id = ? WHERE user_id = ?", (unit_id, user_id))
        await audit.record(conn, now, actor_id, "person.move", f"user:{user_id}", {"from": before["unit_id"], "to": unit_id})
        await _leave_draft_with_unit(conn, user_id, now)
        row = await conn.fetchone("SELECT * FROM people WHERE user_id = ?", (user_id,))
    forget(db, user_id)
    return _person(row) if row else None
