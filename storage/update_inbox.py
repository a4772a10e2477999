"""Updates received and not yet handled: written before Telegram is told they arrived, deleted once
handled, taken back by the next start after a crash (bot/app/polling.py). Rows live for the time
an update takes to handle, so they hold a person's words only for seconds, or until the next
start after a crash."""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from storage.db import Database

MAX_REPLAYS = 3  # starts that may take an update back before it is given up


async def keep(db: Database, updates: Iterable[dict[str, Any]]) -> None:
    """Keep raw updates (as Telegram sent them) until they are handled."""
    rows = [(update["update_id"], json.dumps(update, ensure_ascii=False)) for update in updates]
    if rows:
        async with db.transaction() as conn:
            await conn.executemany("INSERT OR IGNORE INTO update_inbox (update_id, body) VALUES (?, ?)", rows)


async def handled(db: Database, update_id: int) -> None:
    """Forget an update: it has been handled (or failed in a way the error handler saw)."""
    await db.execute("DELETE FROM update_inbox WHERE update_id = ?", (update_id,))


async def take_back(db: Database) -> tuple[list[dict[str, Any]], list[int]]:
    """At a start: the updates a crash left unhandled, oldest first, each counted as replayed once
    more; and the ids of those replayed too often already, which are dropped."""
    async with db.transaction() as conn:
        await conn.execute("UPDATE update_inbox SET replays = replays + 1")
        dropped = [row[0] for row in await conn.execute_fetchall("SELECT update_id FROM update_inbox WHERE replays > ?", (MAX_REPLAYS,))]
        await conn.execute("DELETE FROM update_inbox WHERE replays > ?", (MAX_REPLAYS,))
        rows = await conn.execute_fetchall("SELECT body FROM update_inbox ORDER BY update_id")
    return [json.loads(row[0]) for row in rows], dropped
