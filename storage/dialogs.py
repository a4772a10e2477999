"""Guided conversations in progress, one per person, saved at every step.

Because the dialog lives in the database, a restart (even a crash) mid-conversation loses
nothing: the next message finds it here.
"""
from __future__ import annotations

import json
from datetime import datetime

from storage.db import Database
from storage.models import Dialog
from storage.timeutil import ts


async def get_dialog(db: Database, user_id: int) -> Dialog | None:
    row = await db.fetchone("SELECT * FROM dialogs WHERE user_id = ?", (user_id,))
    if row is None:
        return None
    return Dialog(user_id=row["user_id"], flow=row["flow"], step=row["step"], data=json.loads(row["data"]), nonce=row["nonce"])


async def save_dialog(db: Database, dialog: Dialog, now: datetime) -> None:
    await db.execute(
        "INSERT INTO dialogs (user_id, flow, step, data, nonce, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET flow = excluded.flow, step = excluded.step, "
        "data = excluded.data, nonce = excluded.nonce, updated_at = excluded.updated_at",
        (dialog.user_id, dialog.flow, dialog.step, json.dumps(dialog.data, ensure_ascii=False), dialog.nonce, ts(now)),
    )


async def delete_dialog(db: Database, user_id: int) -> None:
    await db.execute("DELETE FROM dialogs WHERE user_id = ?", (user_id,))
