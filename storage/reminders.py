"""The reminder outbox, 本期未开展 excuses, and the read-only views reminders need.

The outbox is two tables. ``reminders`` holds one row per decision "this reminder is due", unique
on (kind, subject, period, slot), so planning the same slot again — at the next tick, or after a
restart — changes nothing. ``reminder_deliveries`` holds one row per recipient, written
``pending`` in the same transaction as its reminder and turned ``sent`` as soon as Telegram has
accepted the message. A pending delivery is retried at every tick until it is sent, fails for
good (the person blocked the bot), or becomes older than the grace window (``expired``).

The activity and commitment queries here read what the reporting flow writes (migration 002);
they return only what the reminder rules look at.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from storage import audit
from storage.db import Database
from storage.models import Activity, Commitment
from storage.timeutil import ds, parse_ds, parse_ts, ts

UNIT = "unit"
COMMITMENT = "commitment"
ESCALATION = "escalation"
UNREACHABLE = "unreachable"

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
EXPIRED = "expired"
DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """A reminder to record: what, about whom, for which period and slot, when, to whom."""

    kind: str
    subject: int
    period: str
    slot: str
    due_at: datetime
    recipients: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    kind: str
    subject: int
    period: str
    slot: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    reminder: Reminder
    recipient: int
    status: str
    attempts: int = 0
    message_id: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Excuse:
    unit_id: int
    activity_kind: str
    slot: str
    reason: str
    created_by: int
    created_at: datetime


def _reminder(row: sqlite3.Row) -> Reminder:
    return Reminder(row["id"], row["kind"], row["subject"], row["period"], row["slot"], parse_ts(row["due_at"]))  # type: ignore[arg-type]


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(_reminder(row), row["recipient"], row["status"], row["attempts"], row["message_id"], row["error"])


# ----- the outbox --------------------------------------------------------------------------------
async def plan_reminders(db: Database, planned: Iterable[PlannedReminder], now: datetime) -> list[int]:
    """Record reminders and their pending deliveries in one transaction; ids of the new ones.

    A reminder whose (kind, subject, period, slot) is already recorded is left as it is, with
    its deliveries: that is what makes planning safe to repeat.
    """
    created = []
    async with db.transaction() as conn:
        for item in planned:
            if not item.recipients:
                continue
            cursor = await conn.execute(
                "INSERT INTO reminders (kind, subject, period, slot, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (kind, subject, period, slot) DO NOTHING",
                (item.kind, item.subject, item.period, item.slot, ts(item.due_at), ts(now)),
            )
            if cursor.rowcount == 0:
                continue
            reminder_id = cursor.lastrowid
            await conn.executemany(
                "INSERT INTO reminder_deliveries (reminder_id, recipient) VALUES (?, ?)",
                [(reminder_id, recipient) for recipient in dict.fromkeys(item.recipients)],
            )
            created.append(reminder_id)
    return created


async def get_reminder(db: Database, reminder_id: int) -> Reminder | None:
    row = await db.fetchone("SELECT * FROM reminders WHERE id = ?", (reminder_id,))
    return _reminder(row) if row else None


async def find_reminders(db: Database, kind: str, subject: int | None = None, period: str | None = None) -> list[Reminder]:
    clauses, params = ["kind = ?"], [kind]
    if subject is not None:
        clauses.append("subject = ?")
        params.append(subject)
    if period is not None:
        clauses.append("period = ?")
        params.append(period)
    rows = await db.fetchall(f"SELECT * FROM reminders WHERE {' AND '.join(clauses)} ORDER BY due_at, id", params)
    return [_reminder(r) for r in rows]


async def pending_deliveries(db: Database, now: datetime) -> list[Delivery]:
    """Deliveries still to make whose moment has come, oldest reminder first."""
    rows = await db.fetchall(
        "SELECT r.*, d.recipient, d.status, d.attempts, d.message_id, d.error "
        "FROM reminder_deliveries d JOIN reminders r ON r.id = d.reminder_id "
        "WHERE d.status = 'pending' AND r.due_at <= ? ORDER BY r.due_at, r.id, d.recipient",
        (ts(now),),
    )
    return [_delivery(r) for r in rows]


async def deliveries(db: Database, kind: str | None = None) -> list[Delivery]:
    """Every delivery (of one kind of reminder, or all), in the order they were planned."""
    where, params = ("WHERE r.kind = ?", (kind,)) if kind else ("", ())
    rows = await db.fetchall(
        "SELECT r.*, d.recipient, d.status, d.attempts, d.message_id, d.error "
        f"FROM reminder_deliveries d JOIN reminders r ON r.id = d.reminder_id {where} ORDER BY r.id, d.recipient",
        params,
    )
    return [_delivery(r) for r in rows]


async def expire_stale(db: Database, older_than: datetime) -> int:
    """Give up on pending deliveries of reminders due at or before ``older_than`` (past the grace
    window, as ``reminder_plan.due_slots`` counts it)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE reminder_deliveries SET status = 'expired' WHERE status = 'pending' "
            "AND reminder_id IN (SELECT id FROM reminders WHERE due_at <= ?)",
            (ts(older_than),),
        )
        return cursor.rowcount


async def mark_sent(db: Database, reminder_id: int, recipient: int, message_id: int, now: datetime) -> None:
    await db.execute(
        "UPDATE reminder_deliveries SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1, error = NULL "
        "WHERE reminder_id = ? AND recipient = ?",
        (message_id, ts(now), reminder_id, recipient),
    )


async def mark_closed(db: Database, reminder_id: int, recipient: int, status: str, error: str | None = None) -> None:
    """End a delivery without sending: ``failed`` (Telegram refused for good) or ``dropped``
    (nothing left to say, or the recipient no longer has access)."""
    if status not in (FAILED, DROPPED, EXPIRED):
        raise ValueError(f"not a closing status: {status!r}")
    await db.execute(
        "UPDATE reminder_deliveries SET status = ?, error = ?, attempts = attempts + (? = 'failed') "
        "WHERE reminder_id = ? AND recipient = ? AND status = 'pending'",
        (status, error, status, reminder_id, recipient),
    )


async def note_attempt(db: Database, reminder_id: int, recipient: int, error: str) -> None:
    """A send that failed for now (network trouble): stays pending for the next tick."""
    await db.execute(
        "UPDATE reminder_deliveries SET attempts = attempts + 1, error = ? WHERE reminder_id = ? AND recipient = ?",
        (error, reminder_id, recipient),
    )


async def delivery_counts(db: Database) -> dict[str, int]:
    rows = await db.fetchall("SELECT status, COUNT(*) AS n FROM reminder_deliveries GROUP BY status")
    return {r["status"]: r["n"] for r in rows}


# ----- 本期未开展 ----------------------------------------------------------------------------------
async def add_excuses(
    db: Database, unit_id: int, activity_kind: str, slots: Sequence[str], reason: str, actor_id: int, now: datetime
) -> int:
    """Record that ``activity_kind`` was not held in ``slots`` for ``reason``; a repeated answer
    replaces the earlier reason. Returns how many slots were recorded."""
    async with db.transaction() as conn:
        for slot in slots:
            await conn.execute(
                "INSERT INTO excuses (unit_id, activity_kind, slot, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (unit_id, activity_kind, slot) DO UPDATE SET reason = excluded.reason, "
                "created_by = excluded.created_by, created_at = excluded.created_at",
                (unit_id, activity_kind, slot, reason, actor_id, ts(now)),
            )
        await audit.record(
            conn, now, actor_id, "excuse.add", f"unit:{unit_id}", {"kind": activity_kind, "slots": list(slots), "reason": reason}
        )
    return len(slots)


async def list_excuses(db: Database, unit_ids: Iterable[int] | None = None) -> list[Excuse]:
    sql, params = "SELECT * FROM excuses", []
    if unit_ids is not None:
        ids = list(unit_ids)
        sql += f" WHERE unit_id IN ({','.join('?' * len(ids)) or 'NULL'})"
        params = ids
    rows = await db.fetchall(sql + " ORDER BY unit_id, slot, activity_kind", params)
    return [
        Excuse(r["unit_id"], r["activity_kind"], r["slot"], r["reason"], r["created_by"], parse_ts(r["created_at"]))  # type: ignore[arg-type]
        for r in rows
    ]


async def excused_slots(db: Database) -> dict[int, set[tuple[str, str]]]:
    """Per unit, the (activity kind, slot key) pairs answered 本期未开展, as compliance takes them."""
    found: dict[int, set[tuple[str, str]]] = {}
    for row in await db.fetchall("SELECT unit_id, activity_kind, slot FROM excuses"):
        found.setdefault(row["unit_id"], set()).add((row["activity_kind"], row["slot"]))
    return found


# ----- what the rules read -----------------------------------------------------------------------
async def held_activities(db: Database, start: date, end: date, unit_id: int | None = None) -> list[Activity]:
    """Activities held in [start, end] that were not withdrawn (only the fields the rules use),
    of every unit or of ``unit_id`` alone."""
    only_unit = "" if unit_id is None else " AND unit_id = ?"
    rows = await db.fetchall(
        "SELECT id, unit_id, kind, held_on, topic, attended, expected FROM activities "
        f"WHERE withdrawn_at IS NULL AND held_on BETWEEN ? AND ?{only_unit} ORDER BY held_on, id",
        (ds(start), ds(end)) if unit_id is None else (ds(start), ds(end), unit_id),
    )
    return [
        Activity(
            id=r["id"], unit_id=r["unit_id"], kind=r["kind"], held_on=parse_ds(r["held_on"]),  # type: ignore[arg-type]
            topic=r["topic"], attended=r["attended"], expected=r["expected"],
        )
        for r in rows
    ]


def _commitment(row: sqlite3.Row) -> Commitment:
    return Commitment(
        id=row["id"], unit_id=row["unit_id"], made_by=row["made_by"], content=row["content"],
        due_on=parse_ds(row["due_on"]),  # type: ignore[arg-type]
        created_by=row["created_by"], fulfilled_on=parse_ds(row["fulfilled_on"]), withdrawn=row["withdrawn_at"] is not None,
    )


async def open_commitments(
    db: Database, due_from: date | None = None, due_to: date | None = None, unit_id: int | None = None
) -> list[Commitment]:
    """Commitments neither fulfilled nor withdrawn, optionally by due date range and unit."""
    clauses, params = ["fulfilled_on IS NULL", "withdrawn_at IS NULL"], []
    if due_from is not None:
        clauses.append("due_on >= ?")
        params.append(ds(due_from))
    if due_to is not None:
        clauses.append("due_on <= ?")
        params.append(ds(due_to))
    if unit_id is not None:
        clauses.append("unit_id = ?")
        params.append(unit_id)
    rows = await db.fetchall(
        f"SELECT * FROM commitments WHERE {' AND '.join(clauses)} ORDER BY due_on, unit_id, id", params
    )
    return [_commitment(r) for r in rows]
