"""People known to the bot: leaders and the secretaries bound to a unit."""
from __future__ import annotations

import sqlite3
from datetime import datetime

from storage import audit
from storage.db import Database
from storage.models import LEADER, Person
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


async def revoke(db: Database, user_id: int, actor_id: int, now: datetime) -> Person | None:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE people SET active = 0, left_at = ? WHERE user_id = ? AND active = 1", (ts(now), user_id)
        )
        if cursor.rowcount == 0:
            return None
        await audit.record(conn, now, actor_id, "person.revoke", f"user:{user_id}")
        await conn.execute("DELETE FROM dialogs WHERE user_id = ?", (user_id,))
        row = await conn.fetchone("SELECT * FROM people WHERE user_id = ?", (user_id,))
    forget(db, user_id)
    return _person(row) if row else None
