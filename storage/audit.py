"""The audit log: who did what, when. Written inside the same transaction as the change."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any


from storage.db import Database, Transaction
from storage.timeutil import ts


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


async def recent(db: Database, limit: int = 50) -> list[tuple[str, int | None, str, str | None]]:
    rows = await db.fetchall(
        "SELECT at, actor_id, action, subject FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [(r["at"], r["actor_id"], r["action"], r["subject"]) for r in rows]
