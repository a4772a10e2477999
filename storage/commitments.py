"""Commitments (双向承诺 / 承诺践诺): what a branch or a member promised, progress, fulfilment.

As with activities, each query a secretary reaches carries their ``unit_id``, so another unit's
commitment cannot be seen or changed with a forged id. The leaders' evaluation (评诺) columns
exist in the table and are read here; writing them belongs to the leaders' features.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from storage import audit
from storage.activities import AlreadySubmitted, consume_dialog
from storage.db import Database
from storage.models import Commitment, CommitmentProgress
from storage.timeutil import ds, parse_ds, parse_ts, ts


def _commitment(row: sqlite3.Row) -> Commitment:
    return Commitment(
        id=row["id"],
        unit_id=row["unit_id"],
        made_by=row["made_by"],
        content=row["content"],
        due_on=date.fromisoformat(row["due_on"]),
        created_by=row["created_by"],
        fulfilled_on=parse_ds(row["fulfilled_on"]),
        result=row["result"],
        evaluation=row["evaluation"],
        evaluation_comment=row["evaluation_comment"],
        withdrawn=row["withdrawn_at"] is not None,
        created_at=parse_ts(row["created_at"]),
    )


def _progress(row: sqlite3.Row) -> CommitmentProgress:
    return CommitmentProgress(
        id=row["id"],
        commitment_id=row["commitment_id"],
        note=row["note"],
        photo_file_id=row["photo_file_id"],
        created_at=datetime.fromisoformat(row["created_at"]),
    )


async def add_commitment(
    db: Database,
    unit_id: int,
    made_by: str | None,
    content: str,
    due_on: date,
    actor_id: int,
    now: datetime,
    *,
    draft: tuple[int, int],
) -> Commitment:
    """Record a commitment (``made_by`` None: the branch itself) and consume its draft atomically."""
    async with db.transaction() as conn:
        if not await consume_dialog(conn, *draft):
            raise AlreadySubmitted
        cursor = await conn.execute(
            "INSERT INTO commitments (unit_id, made_by, content, due_on, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (unit_id, made_by, content, ds(due_on), actor_id, ts(now)),
        )
        commitment_id = cursor.lastrowid
        await audit.record(conn, now, actor_id, "commitment.add", f"commitment:{commitment_id}", {"unit_id": unit_id})
        row = await conn.fetchone("SELECT * FROM commitments WHERE id = ?", (commitment_id,))
    assert row is not None
    return _commitment(row)


async def get_commitment(db: Database, commitment_id: int, *, unit_id: int) -> Commitment | None:
    """One live commitment of ``unit_id``; None for another unit's or a withdrawn one."""
    row = await db.fetchone(
        "SELECT * FROM commitments WHERE id = ? AND unit_id = ? AND withdrawn_at IS NULL", (commitment_id, unit_id)
    )
    return _commitment(row) if row else None


async def list_commitments(
    db: Database,
    unit_ids: Collection[int] | None = None,
    *,
    open_only: bool = False,
    include_withdrawn: bool = False,
) -> list[Commitment]:
    """Commitments of ``unit_ids`` (None: every unit), earliest due first.

    ``open_only`` keeps those not yet fulfilled.
    """
    if unit_ids is not None and not unit_ids:
        return []
    clauses: list[str] = []
    params: list[Any] = []
    if unit_ids is not None:
        ids = sorted(set(unit_ids))
        clauses.append(f"unit_id IN ({', '.join('?' for _ in ids)})")
        params.extend(ids)
    if open_only:
        clauses.append("fulfilled_on IS NULL")
    if not include_withdrawn:
        clauses.append("withdrawn_at IS NULL")
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = await db.fetchall(f"SELECT {_LISTED} FROM commitments{where} ORDER BY due_on, id", params)
    # A county's year holds thousands: rows are unpacked by position, each day parsed once.
    days: dict[str | None, date | None] = {None: None}
    moments: dict[str, datetime] = {}
    found = []
    for r in rows:
        due, fulfilled, created = r[4], r[6], r[11]
        if due not in days:
            days[due] = date.fromisoformat(due)
        if fulfilled not in days:
            days[fulfilled] = date.fromisoformat(fulfilled)
        if created not in moments:
            moments[created] = datetime.fromisoformat(created)
        found.append(
            Commitment(r[0], r[1], r[2], r[3], days[due], r[5], days[fulfilled], r[7], r[8], r[9], r[10] is not None, moments[created])
        )
    return found


# The columns of a Commitment, in the dataclass's field order (withdrawn_at for ``withdrawn``).
_LISTED = (
    "id, unit_id, made_by, content, due_on, created_by, fulfilled_on, result, evaluation, evaluation_comment, "
    "withdrawn_at, created_at"
)


async def add_progress(
    db: Database,
    commitment_id: int,
    unit_id: int,
    note: str,
    photo_file_id: str | None,
    actor_id: int,
    now: datetime,
    *,
    draft: tuple[int, int],
) -> CommitmentProgress:
    """Add a progress note (with optional photo) to an open commitment of ``unit_id``.

    Raises :class:`AlreadySubmitted` when the draft is gone and :class:`LookupError` when the
    commitment is not an open one of this unit; nothing is stored in either case.
    """
    async with db.transaction() as conn:
        if not await consume_dialog(conn, *draft):
            raise AlreadySubmitted
        open_one = await conn.fetchone(
            "SELECT id FROM commitments WHERE id = ? AND unit_id = ? AND withdrawn_at IS NULL AND fulfilled_on IS NULL",
            (commitment_id, unit_id),
        )
        if open_one is None:
            raise LookupError(commitment_id)
        cursor = await conn.execute(
            "INSERT INTO commitment_progress (commitment_id, note, photo_file_id, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            (commitment_id, note, photo_file_id, actor_id, ts(now)),
        )
        progress_id = cursor.lastrowid
        await audit.record(conn, now, actor_id, "commitment.progress", f"commitment:{commitment_id}")
        row = await conn.fetchone("SELECT * FROM commitment_progress WHERE id = ?", (progress_id,))
    assert row is not None
    return _progress(row)


async def list_progress(db: Database, commitment_id: int, *, unit_id: int | None) -> list[CommitmentProgress]:
    """Progress notes of a commitment, oldest first; ``unit_id`` (None for leaders) must own it."""
    sql = "SELECT p.* FROM commitment_progress p JOIN commitments c ON c.id = p.commitment_id WHERE p.commitment_id = ?"
    params: list[Any] = [commitment_id]
    if unit_id is not None:
        sql += " AND c.unit_id = ?"
        params.append(unit_id)
    rows = await db.fetchall(sql + " ORDER BY p.id", params)
    return [_progress(r) for r in rows]


async def fulfil_commitment(
    db: Database,
    commitment_id: int,
    unit_id: int,
    result: str,
    fulfilled_on: date,
    actor_id: int,
    now: datetime,
    *,
    draft: tuple[int, int],
) -> Commitment:
    """Mark an open commitment of ``unit_id`` fulfilled (践诺) with its result.

    Raises :class:`AlreadySubmitted` or :class:`LookupError` as :func:`add_progress` does.
    """
    async with db.transaction() as conn:
        if not await consume_dialog(conn, *draft):
            raise AlreadySubmitted
        cursor = await conn.execute(
            "UPDATE commitments SET fulfilled_on = ?, result = ? "
            "WHERE id = ? AND unit_id = ? AND withdrawn_at IS NULL AND fulfilled_on IS NULL",
            (ds(fulfilled_on), result, commitment_id, unit_id),
        )
        if cursor.rowcount != 1:
            raise LookupError(commitment_id)
        await audit.record(conn, now, actor_id, "commitment.fulfil", f"commitment:{commitment_id}")
        row = await conn.fetchone("SELECT * FROM commitments WHERE id = ?", (commitment_id,))
    assert row is not None
    return _commitment(row)
