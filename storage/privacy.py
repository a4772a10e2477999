"""Personal data: what is stored about a person, and erasing a person (by a leader, or by the
retention rule for people who left).

Erasing keeps the unit's records and removes the person: in one transaction every column that
holds their Telegram id (:data:`PERSON_COLUMNS`) is re-pointed to a fresh negative pseudonym
(Telegram never gives a person a negative id), the same id or name inside stored JSON is
replaced, their name is blanked, and their saved dialog and undelivered messages are deleted.
A pseudonym rather than NULL keeps the NOT NULL and UNIQUE constraints of those tables true
(two erased people who received the same reminder stay two rows), and it keeps an invite the
person used marked as used, so an unexpired link cannot be redeemed a second time. Nothing left
links the pseudonym to the person. A column added later that holds a person's id must be added
to :data:`PERSON_COLUMNS` (tests/test_privacy.py fails until every integer column is classified).
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage import audit, people
from storage.db import Database, Transaction
from storage.models import Person
from storage.timeutil import parse_ts, ts

# Every column that holds a person's Telegram id. people.user_id is handled on its own.
PERSON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("invites", "created_by"),
    ("invites", "used_by"),
    ("audit_log", "actor_id"),
    ("activities", "created_by"),
    ("activity_versions", "replaced_by"),
    ("commitments", "created_by"),
    ("commitments", "evaluated_by"),
    ("commitment_progress", "created_by"),
    ("period_notes", "updated_by"),
    ("report_schedule", "updated_by"),
    ("cycle_reminder_months", "updated_by"),
    ("excuses", "created_by"),
    ("reminder_deliveries", "recipient"),
    ("period_plans", "updated_by"),
    ("period_openings", "updated_by"),
    ("leader_activities", "leader_id"),
    ("township_settings", "updated_by"),
    ("activity_reviews", "leader_id"),
    ("unit_drafts", "left_by"),
    ("notices", "author"),
    ("notice_deliveries", "recipient"),
    ("notice_reads", "user_id"),
)
# Rows that exist only for the person: deleted, not kept under a pseudonym.
PERSON_ROWS: tuple[tuple[str, str], ...] = (
    ("dialogs", "user_id"),
    ("owed_messages", "user_id"),
    ("leader_news", "user_id"),
)
# JSON text that may carry the id or the name (a record's earlier versions, audit details, and
# other people's dialogs, which may name the person they are about).
JSON_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("activity_versions", "data", "rowid"),
    ("audit_log", "detail", "id"),
    ("dialogs", "data", "user_id"),
    ("unit_drafts", "data", "id"),
    ("update_inbox", "body", "update_id"),
)

ERASE_ACTION = "person.erase"


@dataclass(frozen=True)
class FormerPerson:
    """Someone a leader may erase: current or former, not yet erased."""

    person: Person
    joined_at: datetime
    left_at: datetime | None


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    action: str


@dataclass(frozen=True)
class PersonalData:
    """Everything stored about one person, as /mydata shows it."""

    person: Person
    unit_name: str | None
    joined_at: datetime
    activities: int
    commitments: int
    progress_notes: int
    period_notes: int
    excuses: int
    leader_activities: int
    invites_created: int
    reminders_received: int
    open_dialog: str | None  # the flow of a half-finished conversation
    open_dialog_at: datetime | None
    owed_messages: int
    audit_count: int
    audit_latest: tuple[AuditLine, ...]


def _person(row: sqlite3.Row) -> Person:
    return Person(row["user_id"], row["display_name"], row["role"], row["unit_id"], bool(row["active"]), bool(row["reachable"]))


async def _count(db: Database, sql: str, user_id: int) -> int:
    row = await db.fetchone(sql, (user_id,))
    return int(row[0]) if row else 0


async def personal_data(db: Database, user_id: int, latest: int = 10) -> PersonalData | None:
    """What the database holds about ``user_id`` (None if nothing: unknown or erased)."""
    row = await db.fetchone(
        "SELECT p.*, u.name AS unit_name FROM people p LEFT JOIN units u ON u.id = p.unit_id WHERE p.user_id = ?", (user_id,)
    )
    if row is None:
        return None
    dialog = await db.fetchone("SELECT flow, updated_at FROM dialogs WHERE user_id = ?", (user_id,))
    subject = f"user:{user_id}"
    audit_rows = await db.fetchall(
        "SELECT at, action FROM audit_log WHERE actor_id = ? OR subject = ? ORDER BY id DESC LIMIT ?", (user_id, subject, latest)
    )
    audit_total = await db.fetchone("SELECT COUNT(*) FROM audit_log WHERE actor_id = ? OR subject = ?", (user_id, subject))
    counted = {
        "activities": "SELECT COUNT(*) FROM activities WHERE created_by = ?",
        "commitments": "SELECT COUNT(*) FROM commitments WHERE created_by = ?",
        "progress_notes": "SELECT COUNT(*) FROM commitment_progress WHERE created_by = ?",
        "period_notes": "SELECT COUNT(*) FROM period_notes WHERE updated_by = ?",
        "excuses": "SELECT COUNT(*) FROM excuses WHERE created_by = ?",
        "leader_activities": "SELECT COUNT(*) FROM leader_activities WHERE leader_id = ?",
        "invites_created": "SELECT COUNT(*) FROM invites WHERE created_by = ?",
        "reminders_received": "SELECT COUNT(*) FROM reminder_deliveries WHERE recipient = ? AND status = 'sent'",
        "owed_messages": "SELECT COUNT(*) FROM owed_messages WHERE user_id = ?",
    }
    counts = {name: await _count(db, sql, user_id) for name, sql in counted.items()}
    return PersonalData(
        person=_person(row),
        unit_name=row["unit_name"],
        joined_at=datetime.fromisoformat(row["joined_at"]),
        open_dialog=dialog["flow"] if dialog else None,
        open_dialog_at=parse_ts(dialog["updated_at"]) if dialog else None,
        audit_count=int(audit_total[0]) if audit_total else 0,
        audit_latest=tuple(AuditLine(datetime.fromisoformat(r["at"]), r["action"]) for r in audit_rows),
        **counts,
    )


async def erasable_people(db: Database) -> list[FormerPerson]:
    """Everyone not yet erased: current people first, then those who left, most recent first."""
    rows = await db.fetchall(
        "SELECT * FROM people WHERE erased_at IS NULL ORDER BY active DESC, left_at DESC, role, user_id"
    )
    return [FormerPerson(_person(r), datetime.fromisoformat(r["joined_at"]), parse_ts(r["left_at"])) for r in rows]


def _scrub(value: Any, user_id: int, name: str, pseudonym: int) -> Any:
    """``value`` (parsed JSON) with the person's id replaced by the pseudonym and name blanked."""
    if isinstance(value, dict):
        return {key: _scrub(item, user_id, name, pseudonym) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, user_id, name, pseudonym) for item in value]
    if isinstance(value, bool):
        return value
    if value == user_id:
        return pseudonym
    if isinstance(value, str) and value == str(user_id):
        return str(pseudonym)
    if isinstance(value, str) and name and value == name:
        # Only a value that is the name itself: a record's text that mentions someone of that
        # name (a 主持人 typed by the secretary) is the unit's record and stays as written.
        return ""
    return value


async def _scrub_json(conn: Transaction, user_id: int, name: str, pseudonym: int) -> None:
    needles = [str(user_id)] + ([name] if name else [])
    for table, column, key in JSON_COLUMNS:
        where = " OR ".join(f"instr({column}, ?) > 0" for _ in needles)
        rows = await conn.execute_fetchall(f"SELECT {key} AS k, {column} AS v FROM {table} WHERE {where}", needles)
        for row in rows:
            try:
                scrubbed = json.dumps(_scrub(json.loads(row["v"]), user_id, name, pseudonym), ensure_ascii=False)
            except ValueError:  # not JSON after all: the id as text goes
                scrubbed = row["v"].replace(str(user_id), str(pseudonym))
            await conn.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (scrubbed, row["k"]))


async def _erase(
    conn: Transaction, user_id: int, actor_id: int | None, now: datetime, detail: dict[str, Any], left_before: str | None = None
) -> int | None:
    row = await conn.fetchone("SELECT * FROM people WHERE user_id = ? AND erased_at IS NULL", (user_id,))
    if row is None or user_id <= 0:
        return None
    if left_before is not None and (row["active"] or row["left_at"] is None or row["left_at"] > left_before):
        return None  # came back (or left later) since the list was read
    lowest = await conn.fetchone("SELECT MIN(user_id) FROM people")
    pseudonym = min(0, int(lowest[0])) - 1 if lowest and lowest[0] is not None else -1
    await conn.execute(
        "UPDATE people SET user_id = ?, display_name = '', active = 0, reachable = 0, "
        "left_at = COALESCE(left_at, ?), erased_at = ? WHERE user_id = ?",
        (pseudonym, ts(now), ts(now), user_id),
    )
    for table, column in PERSON_ROWS:
        await conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
    for table, column in PERSON_COLUMNS:
        await conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (pseudonym, user_id))
    # What was still waiting to be sent to them is not sent to anyone.
    await conn.execute("UPDATE reminder_deliveries SET status = 'dropped' WHERE recipient = ? AND status = 'pending'", (pseudonym,))
    await conn.execute("UPDATE notice_deliveries SET status = 'dropped' WHERE recipient = ? AND status = 'pending'", (pseudonym,))
    await conn.execute("UPDATE reminders SET subject = ? WHERE kind = 'unreachable' AND subject = ?", (pseudonym, user_id))
    # Nor is a notice still waiting to tell leaders that they could not be reached.
    await conn.execute(
        "UPDATE reminder_deliveries SET status = 'dropped' WHERE status = 'pending' AND reminder_id IN "
        "(SELECT id FROM reminders WHERE kind = 'unreachable' AND subject = ?)",
        (pseudonym,),
    )
    await conn.execute("UPDATE audit_log SET subject = ? WHERE subject = ?", (f"user:{pseudonym}", f"user:{user_id}"))
    await _scrub_json(conn, user_id, row["display_name"], pseudonym)
    await audit.record(conn, now, actor_id, ERASE_ACTION, f"user:{pseudonym}", {"role": row["role"], "unit_id": row["unit_id"], **detail})
    return pseudonym


async def erase_person(db: Database, user_id: int, actor_id: int, now: datetime) -> int | None:
    """Erase ``user_id`` (see the module docstring); the pseudonym, or None if there was nobody
    to erase. The erasure is audited under the leader's id and the pseudonym."""
    async with db.transaction() as conn:
        pseudonym = await _erase(conn, user_id, actor_id, now, {})
    people.forget(db, user_id)
    return pseudonym


async def erase_departed(db: Database, now: datetime, days: int) -> int:
    """Erase everyone whose access ended more than ``days`` days ago (0: nobody); how many."""
    if days <= 0:
        return 0
    cutoff = ts(now - timedelta(days=days))
    rows = await db.fetchall(
        "SELECT user_id FROM people WHERE active = 0 AND erased_at IS NULL AND user_id > 0 AND left_at IS NOT NULL AND left_at <= ?",
        (cutoff,),
    )
    erased = 0
    for row in rows:  # one transaction each: a long list never holds the writer for long
        async with db.transaction() as conn:
            if await _erase(conn, row["user_id"], None, now, {"retention_days": days}, left_before=cutoff) is not None:
                erased += 1
        people.forget(db, row["user_id"])
    return erased
