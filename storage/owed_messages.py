"""Messages the bot owes a person: a report was stored, but the reply that says so did not reach
them. Kept until their next update, when they are said first (handlers/owed.py)."""
from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.timeutil import ts


async def owe(db: Database, user_id: int, text: str, now: datetime) -> None:
    """Keep ``text`` for ``user_id``."""
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO owed_messages (user_id, text, created_at) VALUES (?, ?, ?)", (user_id, text, ts(now)))


async def people_owed(db: Database) -> set[int]:
    """Everyone something is owed to."""
    return {row["user_id"] for row in await db.fetchall("SELECT DISTINCT user_id FROM owed_messages")}


async def take(db: Database, user_id: int) -> list[str]:
    """What is owed to ``user_id``, oldest first, no longer kept."""
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall("SELECT text FROM owed_messages WHERE user_id = ? ORDER BY id", (user_id,))
        await conn.execute("DELETE FROM owed_messages WHERE user_id = ?", (user_id,))
    return [row["text"] for row in rows]
