"""The audit log: who did what, when. Written inside the same transaction as the change (or, for
what changes nothing, such as an export, in a transaction of its own); read newest first."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, Transaction
from storage.timeutil import parse_ts, ts


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    action: str
    subject: str | None
    detail: dict[str, Any]


async def record(
    conn: Transaction,
    at: datetime,
    actor_id: int | None,
    action: str,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        (ts(at), actor_id, action, subject, json.dumps(detail, ensure_ascii=False) if detail else None),
    )


async def note(
    db: Database, at: datetime, actor_id: int | None, action: str, subject: str | None = None, detail: dict[str, Any] | None = None
) -> None:
    """Record an action that changes nothing else (an export, say) in a transaction of its own."""
    async with db.transaction() as conn:
        await record(conn, at, actor_id, action, subject, detail)


def _entry(row: Any) -> AuditEntry:
    at = parse_ts(row["at"])
    assert at is not None
    return AuditEntry(row["id"], at, row["actor_id"], row["action"], row["subject"], json.loads(row["detail"]) if row["detail"] else {})


async def count_entries(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) AS n FROM audit_log")
    return int(row["n"]) if row else 0


async def latest(db: Database, offset: int, limit: int) -> list[AuditEntry]:
    """``limit`` entries, newest first, skipping the ``offset`` newest."""
    rows = await db.fetchall("SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset))
    return [_entry(r) for r in rows]


async def every_entry(db: Database, batch: int = 1000) -> AsyncIterator[AuditEntry]:
    """Every entry, oldest first, read in batches so a long log is never held whole."""
    after = 0
    while True:
        rows = await db.fetchall("SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", (after, batch))
        if not rows:
            return
        for row in rows:
            yield _entry(row)
        after = rows[-1]["id"]
