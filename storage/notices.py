"""Notices a leader sends to units (/notice): the notice, its outbox, and who has read it.

A notice is stored with one *pending* row per recipient in ``notice_deliveries``, in the same
transaction that consumes the leader's dialog (so a double tap on 发送 stores one notice). The
reminder tick sends the pending rows and marks each *sent* as soon as Telegram has accepted it,
exactly as ``storage.reminders`` does for reminders: a crash loses nothing, and at most the
messages in flight can be sent twice. Round 0 is the notice itself; round 1 is the one 提醒未阅 a
leader may ask for. 已阅 is a recipient's explicit tap, kept in ``notice_reads``.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage import audit
from storage.activities import consume_dialog
from storage.db import Database
from storage.timeutil import parse_ts, ts

PENDING = "pending"
SENT = "sent"
BLOCKED = "blocked"
FAILED = "failed"
DROPPED = "dropped"

NOTICE_ROUND = 0
CHASE_ROUND = 1

ALL_UNITS = "all"
GROUP_PREFIX = "group:"
CHOSEN_UNITS = "units"


class AlreadySent(Exception):
    """The preview card was already used (a double tap, or a stale card): nothing was stored."""


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str  # photo | document
    file_id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    author: int
    text: str
    attachment: Attachment | None
    audience: str
    due_at: datetime
    created_at: datetime
    reported_at: datetime | None = None
    chased_at: datetime | None = None
    unit_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class NoticeDelivery:
    notice_id: int
    round: int
    recipient: int
    unit_id: int
    status: str
    attempts: int = 0
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """What became of a notice for one recipient: its delivery (round 0) and the 已阅 tap."""

    recipient: int
    unit_id: int
    status: str
    read_at: datetime | None


@dataclass(frozen=True, slots=True)
class NoticeSummary:
    """A line of the /notice list."""

    notice: Notice
    recipients: int
    delivered: int
    read: int


def _notice(row: sqlite3.Row, unit_ids: Sequence[int] = ()) -> Notice:
    attachment = Attachment(row["attachment_kind"], row["attachment_id"], row["attachment_name"]) if row["attachment_kind"] else None
    return Notice(
        id=row["id"], author=row["author"], text=row["text"], attachment=attachment, audience=row["audience"],
        due_at=parse_ts(row["due_at"]), created_at=parse_ts(row["created_at"]),  # type: ignore[arg-type]
        reported_at=parse_ts(row["reported_at"]), chased_at=parse_ts(row["chased_at"]), unit_ids=tuple(unit_ids),
    )


def _delivery(row: sqlite3.Row) -> NoticeDelivery:
    return NoticeDelivery(row["notice_id"], row["round"], row["recipient"], row["unit_id"], row["status"], row["attempts"], row["message_id"])


# ----- writing a notice ----------------------------------------------------------------------------
async def create_notice(
    db: Database,
    *,
    author: int,
    text: str,
    attachment: Attachment | None,
    audience: str,
    unit_ids: Sequence[int],
    recipients: Sequence[tuple[int, int]],
    due_at: datetime,
    now: datetime,
    draft: tuple[int, int] | None,
) -> int:
    """Store a notice with one pending delivery per (recipient, unit), consuming the author's
    dialog ``draft`` = (user id, nonce), if given, in the same transaction; returns the notice's id.

    Raises :class:`AlreadySent` (storing nothing) when that dialog is gone or has moved on.
    """
    async with db.transaction() as conn:
        if draft is not None and not await consume_dialog(conn, *draft):
            raise AlreadySent
        cursor = await conn.execute(
            "INSERT INTO notices (author, text, attachment_kind, attachment_id, attachment_name, audience, due_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                author, text, attachment.kind if attachment else None, attachment.file_id if attachment else None,
                attachment.name if attachment else None, audience, ts(due_at), ts(now),
            ),
        )
        notice_id = int(cursor.lastrowid or 0)
        await conn.executemany("INSERT INTO notice_units (notice_id, unit_id) VALUES (?, ?)", [(notice_id, u) for u in dict.fromkeys(unit_ids)])
        unique = dict(recipients)  # one delivery per person, even if listed under two units
        await conn.executemany(
            "INSERT INTO notice_deliveries (notice_id, round, recipient, unit_id) VALUES (?, 0, ?, ?)",
            [(notice_id, user_id, unit_id) for user_id, unit_id in unique.items()],
        )
        await audit.record(
            conn, now, author, "notice.send", f"notice:{notice_id}",
            {"audience": audience, "units": len(unit_ids), "recipients": len(unique), "attachment": attachment.kind if attachment else None},
        )
    return notice_id


async def chase_unread(db: Database, notice_id: int, actor_id: int, now: datetime) -> int | None:
    """提醒未阅: one more delivery to each recipient who received the notice and has not read it.
    None when it was already asked for (at most once per notice); else how many were planned
    (0 changes nothing, so the one chase is not used up when everyone has read)."""
    async with db.transaction() as conn:
        row = await conn.fetchone("SELECT chased_at FROM notices WHERE id = ?", (notice_id,))
        if row is None or row["chased_at"] is not None:
            return None
        cursor = await conn.execute(
            "INSERT INTO notice_deliveries (notice_id, round, recipient, unit_id) "
            "SELECT d.notice_id, 1, d.recipient, d.unit_id FROM notice_deliveries d "
            "WHERE d.notice_id = ? AND d.round = 0 AND d.status = 'sent' "
            "AND NOT EXISTS (SELECT 1 FROM notice_reads r WHERE r.notice_id = d.notice_id AND r.user_id = d.recipient)",
            (notice_id,),
        )
        planned = cursor.rowcount
        if planned:
            await conn.execute("UPDATE notices SET chased_at = ? WHERE id = ?", (ts(now), notice_id))
            await audit.record(conn, now, actor_id, "notice.chase", f"notice:{notice_id}", {"recipients": planned})
    return planned


# ----- reading notices ----------------------------------------------------------------------------
async def get_notice(db: Database, notice_id: int) -> Notice | None:
    row = await db.fetchone("SELECT * FROM notices WHERE id = ?", (notice_id,))
    if row is None:
        return None
    units = await db.fetchall("SELECT unit_id FROM notice_units WHERE notice_id = ? ORDER BY unit_id", (notice_id,))
    return _notice(row, [r["unit_id"] for r in units])


async def get_notices(db: Database, notice_ids: Sequence[int]) -> dict[int, Notice]:
    """Notices by id (without their unit lists), for the sender."""
    ids = list(dict.fromkeys(notice_ids))
    rows = await db.fetchall(f"SELECT * FROM notices WHERE id IN ({','.join('?' * len(ids)) or 'NULL'})", ids)
    return {r["id"]: _notice(r) for r in rows}


async def count_notices(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM notices")
    return int(row[0]) if row else 0


async def recent_notices(db: Database, limit: int, offset: int = 0) -> list[NoticeSummary]:
    """The latest notices first, each with its recipients, deliveries and reads counted."""
    rows = await db.fetchall(
        "SELECT n.*, "
        "(SELECT COUNT(*) FROM notice_deliveries d WHERE d.notice_id = n.id AND d.round = 0) AS recipients, "
        "(SELECT COUNT(*) FROM notice_deliveries d WHERE d.notice_id = n.id AND d.round = 0 AND d.status = 'sent') AS delivered, "
        "(SELECT COUNT(*) FROM notice_reads r WHERE r.notice_id = n.id) AS readers "
        "FROM notices n ORDER BY n.id DESC LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [NoticeSummary(_notice(r), r["recipients"], r["delivered"], r["readers"]) for r in rows]


async def chased_count(db: Database, notice_id: int) -> int:
    """How many the one 提醒未阅 was planned for."""
    row = await db.fetchone("SELECT COUNT(*) FROM notice_deliveries WHERE notice_id = ? AND round = 1", (notice_id,))
    return int(row[0]) if row else 0


async def receipts(db: Database, notice_id: int) -> list[Receipt]:
    """Each recipient of the notice with what became of it and when they tapped 已阅."""
    rows = await db.fetchall(
        "SELECT d.recipient, d.unit_id, d.status, r.read_at FROM notice_deliveries d "
        "LEFT JOIN notice_reads r ON r.notice_id = d.notice_id AND r.user_id = d.recipient "
        "WHERE d.notice_id = ? AND d.round = 0 ORDER BY d.unit_id, d.recipient",
        (notice_id,),
    )
    return [Receipt(r["recipient"], r["unit_id"], r["status"], parse_ts(r["read_at"])) for r in rows]


# ----- the outbox ---------------------------------------------------------------------------------
async def pending_deliveries(db: Database, now: datetime) -> list[NoticeDelivery]:
    """Deliveries still to make whose notice is due, oldest notice first."""
    rows = await db.fetchall(
        "SELECT d.* FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id "
        "WHERE d.status = 'pending' AND n.due_at <= ? ORDER BY d.notice_id, d.round, d.unit_id, d.recipient",
        (ts(now),),
    )
    return [_delivery(r) for r in rows]


async def deliveries(db: Database, notice_id: int | None = None) -> list[NoticeDelivery]:
    """Every delivery (of one notice, or of all), in the order they were planned."""
    where, params = ("WHERE notice_id = ?", (notice_id,)) if notice_id is not None else ("", ())
    rows = await db.fetchall(f"SELECT * FROM notice_deliveries {where} ORDER BY notice_id, round, unit_id, recipient", params)
    return [_delivery(r) for r in rows]


async def mark_sent(db: Database, delivery: NoticeDelivery, message_id: int, now: datetime) -> None:
    await db.execute(
        "UPDATE notice_deliveries SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1, error = NULL "
        "WHERE notice_id = ? AND round = ? AND recipient = ?",
        (message_id, ts(now), delivery.notice_id, delivery.round, delivery.recipient),
    )


async def mark_closed(db: Database, delivery: NoticeDelivery, status: str, error: str | None = None) -> None:
    """End a pending delivery without a message: ``blocked``, ``failed`` or ``dropped``."""
    if status not in (BLOCKED, FAILED, DROPPED):
        raise ValueError(f"not a closing status: {status!r}")
    await db.execute(
        "UPDATE notice_deliveries SET status = ?, error = ?, attempts = attempts + (? != 'dropped') "
        "WHERE notice_id = ? AND round = ? AND recipient = ? AND status = 'pending'",
        (status, error, status, delivery.notice_id, delivery.round, delivery.recipient),
    )


async def note_attempt(db: Database, delivery: NoticeDelivery, error: str) -> None:
    """A send that failed for now (network trouble): stays pending for the next tick."""
    await db.execute(
        "UPDATE notice_deliveries SET attempts = attempts + 1, error = ? WHERE notice_id = ? AND round = ? AND recipient = ?",
        (error, delivery.notice_id, delivery.round, delivery.recipient),
    )


async def finished_unreported(db: Database) -> list[Notice]:
    """Notices whose fan-out is over (no round-0 delivery pending) and whose author has not yet
    had the delivery report."""
    rows = await db.fetchall(
        "SELECT n.* FROM notices n WHERE n.reported_at IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM notice_deliveries d WHERE d.notice_id = n.id AND d.round = 0 AND d.status = 'pending') ORDER BY n.id"
    )
    return [_notice(r) for r in rows]


async def mark_reported(db: Database, notice_id: int, now: datetime) -> None:
    await db.execute("UPDATE notices SET reported_at = ? WHERE id = ? AND reported_at IS NULL", (ts(now), notice_id))


async def delivery_counts(db: Database, round: int = NOTICE_ROUND) -> dict[str, int]:
    rows = await db.fetchall("SELECT status, COUNT(*) AS n FROM notice_deliveries WHERE round = ? GROUP BY status", (round,))
    return {r["status"]: r["n"] for r in rows}


# ----- 已阅 ------------------------------------------------------------------------------------------
async def has_read(db: Database, notice_id: int, user_id: int) -> bool:
    return await db.fetchone("SELECT 1 FROM notice_reads WHERE notice_id = ? AND user_id = ?", (notice_id, user_id)) is not None


async def mark_read(db: Database, notice_id: int, user_id: int, now: datetime) -> bool | None:
    """Record ``user_id``'s 已阅 of the notice. None when the notice never reached them (a forged
    or foreign button: nothing is stored); False when it was already recorded; True when new."""
    async with db.transaction() as conn:
        received = await conn.fetchone(
            "SELECT 1 FROM notice_deliveries WHERE notice_id = ? AND recipient = ? AND status = 'sent'", (notice_id, user_id)
        )
        if received is None:
            return None
        cursor = await conn.execute(
            "INSERT INTO notice_reads (notice_id, user_id, read_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (notice_id, user_id, ts(now)),
        )
    return cursor.rowcount == 1
