"""The audit log: who did what, when. Written inside the same transaction as the change."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Transaction
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

