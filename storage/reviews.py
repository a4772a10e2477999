"""Leaders' review of the units' work: 点评, 退回 and 通过 on records, 评诺 on commitments, the
township's review switch, and who asked for the morning 昨日新报送 message.

Every review is kept with its record (``activity_reviews``), naming the version the leader looked
at. A 退回 stays open until the unit saves the record again (:func:`close_return`). Reads that a
secretary's view reaches take the unit and put it in the WHERE clause, like storage.activities.
Each change is written with its audit entry in one transaction.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from storage import audit
from storage.commitments import get_commitment
from storage.db import Database
from storage.models import Commitment
from storage.timeutil import ds, parse_ds, parse_ts, ts

COMMENT, RETURN, APPROVE = "comment", "return", "approve"
_REVIEW_SETTING = "review"


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    activity_id: int
    action: str
    version: int
    note: str | None
    leader_id: int
    created_at: datetime
    resubmitted_at: datetime | None = None

    @property
    def open_return(self) -> bool:
        return self.action == RETURN and self.resubmitted_at is None


@dataclass(frozen=True, slots=True)
class WaitingRecord:
    activity_id: int
    unit_id: int


def _review(row: sqlite3.Row) -> Review:
    return Review(
        row["id"], row["activity_id"], row["action"], row["version"], row["note"], row["leader_id"],
        datetime.fromisoformat(row["created_at"]), parse_ts(row["resubmitted_at"]),
    )


# ----- the township's review switch -------------------------------------------------------------
async def review_on_since(db: Database) -> datetime | None:
    """When review was switched on, or None while it is off (the default)."""
    row = await db.fetchone("SELECT value, updated_at FROM township_settings WHERE name = ?", (_REVIEW_SETTING,))
    return parse_ts(row["updated_at"]) if row is not None and row["value"] == "on" else None


async def set_review(db: Database, on: bool, actor_id: int, now: datetime) -> None:
    """Switch review on or off for the township (audited)."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO township_settings (name, value, updated_by, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (_REVIEW_SETTING, "on" if on else "off", actor_id, ts(now)),
        )
        await audit.record(conn, now, actor_id, "review.on" if on else "review.off")


# ----- reviews of records -----------------------------------------------------------------------
async def add_review(db: Database, activity_id: int, unit_id: int, action: str, note: str | None, leader_id: int, now: datetime) -> Review | None:
    """Keep a 点评, 退回 or 通过 with a live record of ``unit_id``, at its current version.

    None (nothing stored) when there is no such live record, or when a 退回 or 通过 meets a
    record that is already returned and not yet saved again.
    """
    async with db.transaction() as conn:
        row = await conn.fetchone("SELECT version FROM activities WHERE id = ? AND unit_id = ? AND withdrawn_at IS NULL", (activity_id, unit_id))
        if row is None:
            return None
        if action != COMMENT:
            still_returned = await conn.fetchone(
                "SELECT 1 FROM activity_reviews WHERE activity_id = ? AND action = ? AND resubmitted_at IS NULL", (activity_id, RETURN)
            )
            if still_returned is not None:
                return None
        cursor = await conn.execute(
            "INSERT INTO activity_reviews (activity_id, action, version, note, leader_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (activity_id, action, row["version"], note, leader_id, ts(now)),
        )
        await audit.record(conn, now, leader_id, f"review.{action}", f"activity:{activity_id}", {"unit_id": unit_id, "version": row["version"]})
        stored = await conn.fetchone("SELECT * FROM activity_reviews WHERE id = ?", (cursor.lastrowid,))
    assert stored is not None
    return _review(stored)


async def list_reviews(db: Database, activity_id: int, *, unit_id: int) -> list[Review]:
    """The reviews of a record of ``unit_id``, oldest first."""
    rows = await db.fetchall(
        "SELECT r.* FROM activity_reviews r JOIN activities a ON a.id = r.activity_id WHERE r.activity_id = ? AND a.unit_id = ? ORDER BY r.id",
        (activity_id, unit_id),
    )
    return [_review(r) for r in rows]


async def close_return(db: Database, activity_id: int, unit_id: int, now: datetime) -> Review | None:
    """The unit saved a returned record again: close its open 退回 and return it (None if none)."""
    async with db.transaction() as conn:
        row = await conn.fetchone(
            "SELECT r.* FROM activity_reviews r JOIN activities a ON a.id = r.activity_id "
            "WHERE r.activity_id = ? AND a.unit_id = ? AND r.action = ? AND r.resubmitted_at IS NULL",
            (activity_id, unit_id, RETURN),
        )
        if row is None:
            return None
        await conn.execute("UPDATE activity_reviews SET resubmitted_at = ? WHERE id = ?", (ts(now), row["id"]))
    return _review(row)


async def unit_review_states(db: Database, unit_id: int) -> dict[int, str]:
    """Per record of ``unit_id`` that a leader has returned (退回, not yet saved again) or passed
    (通过, at its current version): ``RETURN`` or ``APPROVE``. Records with neither are absent."""
    rows = await db.fetchall(
        "SELECT r.activity_id, r.action, r.version, r.resubmitted_at, a.version AS current FROM activity_reviews r "
        "JOIN activities a ON a.id = r.activity_id WHERE a.unit_id = ? AND r.action != ? ORDER BY r.id",
        (unit_id, COMMENT),
    )
    states: dict[int, str] = {}
    for r in rows:
        if r["action"] == RETURN and r["resubmitted_at"] is None:
            states[r["activity_id"]] = RETURN
        elif r["action"] == APPROVE and r["version"] == r["current"] and states.get(r["activity_id"]) != RETURN:
            states[r["activity_id"]] = APPROVE
    return states


async def returned_activity_ids(db: Database) -> set[int]:
    """Records returned (退回) and not yet saved again."""
    rows = await db.fetchall("SELECT activity_id FROM activity_reviews WHERE action = ? AND resubmitted_at IS NULL", (RETURN,))
    return {r["activity_id"] for r in rows}


async def uncounted_activity_ids(db: Database) -> set[int]:
    """The records that do not count anywhere (小结, 台账, /board, reminders): while review is on,
    those returned (退回) and not yet saved again; nothing while it is off."""
    if await review_on_since(db) is None:
        return set()
    return await returned_activity_ids(db)


async def waiting_records(db: Database, since: datetime) -> list[WaitingRecord]:
    """Live records submitted or changed since ``since`` that no leader has passed (通过) at their
    current version and that are not returned: the one that has waited longest first."""
    rows = await db.fetchall(
        "SELECT a.id, a.unit_id FROM activities a WHERE a.withdrawn_at IS NULL AND a.updated_at >= ? "
        "AND NOT EXISTS (SELECT 1 FROM activity_reviews r WHERE r.activity_id = a.id "
        "  AND ((r.action = 'approve' AND r.version = a.version) OR (r.action = 'return' AND r.resubmitted_at IS NULL))) "
        "ORDER BY a.updated_at, a.id",
        (ts(since),),
    )
    return [WaitingRecord(r["id"], r["unit_id"]) for r in rows]


# ----- 评诺 ---------------------------------------------------------------------------------------
async def evaluate_commitment(
    db: Database, commitment_id: int, unit_id: int, evaluation: str, comment: str | None, leader_id: int, now: datetime
) -> Commitment | None:
    """Give a fulfilled commitment of ``unit_id`` its 评诺 (one of the grades the table's CHECK
    allows; anything else raises sqlite3.IntegrityError); None when there is no such one."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE commitments SET evaluation = ?, evaluation_comment = ?, evaluated_by = ?, evaluated_at = ? "
            "WHERE id = ? AND unit_id = ? AND withdrawn_at IS NULL AND fulfilled_on IS NOT NULL",
            (evaluation, comment, leader_id, ts(now), commitment_id, unit_id),
        )
        if cursor.rowcount != 1:
            return None
        await audit.record(conn, now, leader_id, "commitment.evaluate", f"commitment:{commitment_id}", {"evaluation": evaluation})
    return await get_commitment(db, commitment_id, unit_id=unit_id)


# ----- the morning 昨日新报送 message -----------------------------------------------------------
async def set_news(db: Database, user_id: int, on: bool) -> None:
    """Ask for (or stop) the morning message listing yesterday's new records."""
    if on:
        await db.execute("INSERT INTO leader_news (user_id) VALUES (?) ON CONFLICT(user_id) DO NOTHING", (user_id,))
    else:
        await db.execute("DELETE FROM leader_news WHERE user_id = ?", (user_id,))


async def news_readers(db: Database) -> dict[int, date | None]:
    """Who asked for the morning message, with the day it was last sent to each."""
    return {r["user_id"]: parse_ds(r["last_sent_on"]) for r in await db.fetchall("SELECT * FROM leader_news")}


async def claim_news(db: Database, user_id: int, day: date) -> bool:
    """Mark ``day``'s message as sent to ``user_id``; False if it already was (send nothing)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE leader_news SET last_sent_on = ? WHERE user_id = ? AND (last_sent_on IS NULL OR last_sent_on < ?)",
            (ds(day), user_id, ds(day)),
        )
    return cursor.rowcount == 1


async def submitted_between(db: Database, start: datetime, end: datetime) -> list[WaitingRecord]:
    """Live records first submitted in [start, end), oldest first."""
    rows = await db.fetchall(
        "SELECT id, unit_id FROM activities WHERE withdrawn_at IS NULL AND created_at >= ? AND created_at < ? ORDER BY created_at, id",
        (ts(start), ts(end)),
    )
    return [WaitingRecord(r["id"], r["unit_id"]) for r in rows]
