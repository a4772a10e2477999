"""Invites: created by leaders, redeemed once by the person who follows the deep link."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from storage import audit, people
from storage.db import Database
from storage.models import LEADER, Invite, Person
from storage.timeutil import parse_ts, ts


class RedeemOutcome(Enum):
    JOINED = "joined"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    UNIT_ARCHIVED = "unit_archived"
    ALREADY_JOINED = "already_joined"  # the person who redeemed it taps it again: nothing changes
    LEADER_KEEPS_ROLE = "leader_keeps_role"  # a leader taps a secretary's invite: refused, still unused


@dataclass(frozen=True)
class RedeemResult:
    outcome: RedeemOutcome
    person: Person | None = None


async def create_invite(
    db: Database, code_hash: str, role: str, unit_id: int | None, created_by: int, now: datetime, ttl: timedelta
) -> datetime:
    """Store a new invite and return when it expires."""
    expires = now + ttl
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO invites (code_hash, role, unit_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (code_hash, role, unit_id, created_by, ts(now), ts(expires)),
        )
        await audit.record(conn, now, created_by, "invite.create", f"unit:{unit_id}" if unit_id else role)
    return expires


async def redeem_invite(db: Database, code_hash: str, user_id: int, display_name: str, now: datetime) -> RedeemResult:
    """Bind ``user_id`` to the invite's role and unit, atomically, if the invite is still good."""
    async with db.transaction() as conn:
        invite = await conn.fetchone("SELECT * FROM invites WHERE code_hash = ?", (code_hash,))
        if invite is None:
            return RedeemResult(RedeemOutcome.UNKNOWN)
        if invite["used_by"] is not None:
            if invite["used_by"] == user_id:
                return RedeemResult(RedeemOutcome.ALREADY_JOINED)
            return RedeemResult(RedeemOutcome.USED)
        if parse_ts(invite["expires_at"]) <= now:
            return RedeemResult(RedeemOutcome.EXPIRED)
        unit_id = invite["unit_id"]
        if unit_id is not None:
            unit = await conn.fetchone("SELECT archived FROM units WHERE id = ?", (unit_id,))
            if unit is None or unit["archived"]:
                return RedeemResult(RedeemOutcome.UNIT_ARCHIVED)
        role = invite["role"]
        if role != LEADER:
            # Roles change only on purpose: a leader who follows a secretary's link (forwarded by
            # mistake, or to try it) stays a leader, and the link stays good for the secretary.
            current = await conn.fetchone("SELECT role FROM people WHERE user_id = ? AND active = 1", (user_id,))
            if current is not None and current["role"] == LEADER:
                return RedeemResult(RedeemOutcome.LEADER_KEEPS_ROLE)
        await conn.execute(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ?", (user_id, ts(now), code_hash)
        )
        await conn.execute(
            "INSERT INTO people (user_id, display_name, role, unit_id, active, reachable, joined_at) "
            "VALUES (?, ?, ?, ?, 1, 1, ?) ON CONFLICT(user_id) DO UPDATE SET "
            "display_name = excluded.display_name, role = excluded.role, unit_id = excluded.unit_id, "
            "active = 1, reachable = 1",
            (user_id, display_name, role, None if role == LEADER else unit_id, ts(now)),
        )
        await conn.execute("DELETE FROM dialogs WHERE user_id = ?", (user_id,))
        await audit.record(conn, now, user_id, "invite.redeem", f"unit:{unit_id}" if unit_id else role)
    people.forget(db, user_id)
    return RedeemResult(
        RedeemOutcome.JOINED,
        Person(user_id=user_id, display_name=display_name, role=role, unit_id=None if role == LEADER else unit_id),
    )


def _invite(row: sqlite3.Row) -> Invite:
    return Invite(
        code_hash=row["code_hash"],
        role=row["role"],
        unit_id=row["unit_id"],
        created_by=row["created_by"],
        created_at=parse_ts(row["created_at"]),
        expires_at=parse_ts(row["expires_at"]),
        used_by=row["used_by"],
        used_at=parse_ts(row["used_at"]),
    )


async def pending_invites(db: Database, now: datetime) -> list[Invite]:
    """Invites not used yet and still valid, the soonest to expire first."""
    rows = await db.fetchall(
        "SELECT * FROM invites WHERE used_by IS NULL AND expires_at > ? ORDER BY expires_at, code_hash", (ts(now),)
    )
    return [_invite(r) for r in rows]


async def usable_invite(db: Database, code_hash: str, now: datetime) -> Invite | None:
    """The invite with ``code_hash`` if it can still be used (unused, unexpired)."""
    row = await db.fetchone(
        "SELECT * FROM invites WHERE code_hash = ? AND used_by IS NULL AND expires_at > ?", (code_hash, ts(now))
    )
    return _invite(row) if row else None
