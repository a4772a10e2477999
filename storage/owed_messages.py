"""Messages the bot owes a person: a report was stored, but the reply that says so did not reach
them. Kept until their next update, when they are said first (handlers/owed.py). A report's
receipt is written in the transaction that stores it and forgotten once the confirmation went,
so a crash in between still leaves it owed."""
from __future__ import annotations

from datetime import datetime

from storage.db import Database, Transaction
from storage.timeutil import ts


async def owe(db: Database, user_id: int, text: str, now: datetime) -> None:
    """Keep ``text`` for ``user_id``."""
    async with db.transaction() as conn:
        await owe_within(conn, user_id, text, now)


async def owe_within(conn: Transaction, user_id: int, text: str, now: datetime) -> None:
    """Keep ``text`` for ``user_id`` as part of the caller's transaction."""
    await conn.execute("INSERT INTO owed_messages (user_id, text, created_at) VALUES (?, ?, ?)", (user_id, text, ts(now)))


async def forget(db: Database, user_id: int, text: str) -> None:
    """No longer owe ``text`` to ``user_id`` (it was said after all)."""
    await db.execute(
        "DELETE FROM owed_messages WHERE id = (SELECT MIN(id) FROM owed_messages WHERE user_id = ? AND text = ?)", (user_id, text)
    )


async def people_owed(db: Database) -> set[int]:
    """Everyone something is owed to."""
    return {row["user_id"] for row in await db.fetchall("SELECT DISTINCT user_id FROM owed_messages")}


async def take(db: Database, user_id: int) -> list[str]:
    """What is owed to ``user_id``, oldest first, no longer kept."""
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall("SELECT text FROM owed_messages WHERE user_id = ? ORDER BY id", (user_id,))
        await conn.execute("DELETE FROM owed_messages WHERE user_id = ?", (user_id,))
    return [row["text"] for row in rows]
