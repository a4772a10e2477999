"""Leaders' own words in a period's 小结: the 下一步计划 (a numbered list, written with /plan) and
the opening paragraph (written with /opening)."""
from __future__ import annotations

import json
from datetime import datetime

from storage import audit
from storage.db import Database
from storage.timeutil import ts


async def get_plan(db: Database, period_key: str) -> list[str] | None:
    row = await db.fetchone("SELECT items FROM period_plans WHERE period = ?", (period_key,))
    return None if row is None else list(json.loads(row["items"]))


async def save_plan(db: Database, period_key: str, items: list[str], actor_id: int, now: datetime) -> None:
    """Replace the plan of ``period_key``; an empty list removes it."""
    async with db.transaction() as conn:
        if items:
            await conn.execute(
                "INSERT INTO period_plans (period, items, updated_by, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(period) DO UPDATE SET items = excluded.items, updated_by = excluded.updated_by, "
                "updated_at = excluded.updated_at",
                (period_key, json.dumps(items, ensure_ascii=False), actor_id, ts(now)),
            )
        else:
            await conn.execute("DELETE FROM period_plans WHERE period = ?", (period_key,))
        await audit.record(conn, now, actor_id, "plan.save", period_key, {"items": len(items)})


async def get_opening(db: Database, period_key: str) -> str | None:
    row = await db.fetchone("SELECT text FROM period_openings WHERE period = ?", (period_key,))
    return None if row is None else str(row["text"])


async def save_opening(db: Database, period_key: str, text: str | None, actor_id: int, now: datetime) -> None:
    """Replace the opening of ``period_key``; None removes it (the default opening returns)."""
    async with db.transaction() as conn:
        if text:
            await conn.execute(
                "INSERT INTO period_openings (period, text, updated_by, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(period) DO UPDATE SET text = excluded.text, updated_by = excluded.updated_by, "
                "updated_at = excluded.updated_at",
                (period_key, text, actor_id, ts(now)),
            )
        else:
            await conn.execute("DELETE FROM period_openings WHERE period = ?", (period_key,))
        await audit.record(conn, now, actor_id, "opening.save", period_key, {"length": len(text or "")})
