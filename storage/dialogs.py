"""Guided conversations in progress, one per person, saved at every step.

Because the dialog lives in the database, a restart (even a crash) mid-conversation loses
nothing: the next message finds it here. A half-filled report left by a secretary who was moved
or revoked waits in ``unit_drafts`` until the unit's next secretary adopts it.
"""
from __future__ import annotations

import json
from datetime import datetime

from storage.db import Database
from storage.models import Dialog
from storage.timeutil import ts

# The flow whose dialog is a report draft: the unit's work, kept when the person leaves.
REPORT_DRAFT_FLOW = "report"


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


async def adopt_unit_draft(db: Database, user_id: int, unit_id: int, now: datetime) -> tuple[Dialog, int] | None:
    """Make the oldest draft left with ``unit_id`` the dialog of ``user_id`` (who has none open),
    and return it with who left it; None when there is none or the person is busy."""
    async with db.transaction() as conn:
        if await conn.fetchone("SELECT 1 FROM dialogs WHERE user_id = ?", (user_id,)) is not None:
            return None
        row = await conn.fetchone("SELECT * FROM unit_drafts WHERE unit_id = ? ORDER BY id LIMIT 1", (unit_id,))
        if row is None:
            return None
        await conn.execute(
            "INSERT INTO dialogs (user_id, flow, step, data, nonce, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, row["flow"], row["step"], row["data"], row["nonce"], ts(now)),
        )
        await conn.execute("DELETE FROM unit_drafts WHERE id = ?", (row["id"],))
    dialog = Dialog(user_id=user_id, flow=row["flow"], step=row["step"], data=json.loads(row["data"]), nonce=row["nonce"])
    return dialog, row["left_by"]
