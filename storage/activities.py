"""Reported activities (meetings, 主题党日 …) with their photos and edit history.

Every query that a secretary's action reaches takes the caller's ``unit_id`` and puts it in the
WHERE clause, so a forged id from another unit finds nothing. Submitting a report consumes the
draft (the dialog row, matched by its nonce) in the same transaction as the insert: a second tap
on 提交 finds no draft and stores nothing. Each revision copies the previous version into
``activity_versions`` before changing the row.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from storage import audit, owed_messages
from storage.db import Database, Transaction
from storage.models import ACTIVITY_FIELDS, Activity, ActivityFields, Photo
from storage.timeutil import ds, month_number, ts


class AlreadySubmitted(Exception):
    """The draft was already consumed (a double tap, or a stale card): nothing was stored."""


class ActivityNotFound(Exception):
    """No such activity in the caller's unit (or it was withdrawn)."""


@dataclass(frozen=True, slots=True)
class ActivityVersion:
    """A previous version of an activity, kept for audit."""

    activity_id: int
    version: int
    data: dict[str, Any]
    replaced_by: int
    replaced_at: datetime


# The columns an Activity is read from, in the dataclass's field order: rows are unpacked by
# position, which matters when a year of a county (60 000 rows) is read for the 小结.
_ACTIVITY_COLUMNS = ", ".join(("id", "unit_id", *(f.name for f in ACTIVITY_FIELDS), "created_by", "version", "withdrawn_at"))
_DATE_FIELDS = tuple(f.name for f in ACTIVITY_FIELDS if f.type is date)
_DATE_POSITIONS = tuple(position for position, f in enumerate(ACTIVITY_FIELDS, start=2) if f.type is date)  # after id, unit_id


def _activity(row: sqlite3.Row, photos: Sequence[str] = ()) -> Activity:
    """An Activity from a row selected as ``_ACTIVITY_COLUMNS``."""
    values = list(row)
    for position in _DATE_POSITIONS:
        values[position] = date.fromisoformat(values[position])
    return Activity(*values[:-1], tuple(photos), values[-1] is not None)


def _column_values(fields: ActivityFields) -> dict[str, Any]:
    """The ``activities`` columns of what was filled in, dates as stored."""
    values = {f.name: getattr(fields, f.name) for f in ACTIVITY_FIELDS}
    for name in _DATE_FIELDS:
        values[name] = ds(values[name])
    return values


async def consume_dialog(conn: Transaction, user_id: int, nonce: int) -> bool:
    """Delete the caller's dialog if its card is still the current one; False if it is not."""
    cursor = await conn.execute("DELETE FROM dialogs WHERE user_id = ? AND nonce = ?", (user_id, nonce))
    return cursor.rowcount == 1


async def _store_photos(conn: Transaction, activity_id: int, photos: Sequence[Photo], *, replace: bool) -> None:
    if replace:
        await conn.execute("DELETE FROM activity_photos WHERE activity_id = ?", (activity_id,))
    if photos:
        await conn.executemany(
            "INSERT INTO activity_photos (activity_id, position, file_id, file_unique_id) VALUES (?, ?, ?, ?)",
            [(activity_id, position, photo.file_id, photo.file_unique_id) for position, photo in enumerate(photos, start=1)],
        )


async def _fetch(conn: Transaction, activity_id: int, unit_id: int) -> Activity | None:
    row = await conn.fetchone(f"SELECT {_ACTIVITY_COLUMNS} FROM activities WHERE id = ? AND unit_id = ?", (activity_id, unit_id))
    if row is None:
        return None
    photos = await conn.execute_fetchall("SELECT file_id FROM activity_photos WHERE activity_id = ? ORDER BY position", (activity_id,))
    return _activity(row, [p["file_id"] for p in photos])


async def insert_activity(conn: Transaction, unit_id: int, fields: ActivityFields, actor_id: int, now: datetime) -> int:
    """Insert one activity with its photos inside the caller's transaction; returns its id."""
    values = _column_values(fields)
    cursor = await conn.execute(
        f"INSERT INTO activities (unit_id, {', '.join(values)}, created_by, created_at, updated_at) "
        f"VALUES (?, {', '.join('?' for _ in values)}, ?, ?, ?)",
        (unit_id, *values.values(), actor_id, ts(now), ts(now)),
    )
    activity_id = cursor.lastrowid
    assert activity_id is not None
    await _store_photos(conn, activity_id, fields.photos, replace=False)
    return activity_id


Receipt = Callable[[int], str]  # an activity id → the confirmation owed to its author until said


async def submit_activity(
    db: Database, unit_id: int, fields: ActivityFields, actor_id: int, now: datetime, *, draft: tuple[int, int], receipt: Receipt | None = None
) -> Activity:
    """Store a new activity and consume the draft ``(user_id, nonce)`` it came from, atomically;
    ``receipt`` (if given) is owed to the author in the same transaction (storage/owed_messages).

    Raises :class:`AlreadySubmitted` (storing nothing) when that draft is gone or has moved on.
    """
    async with db.transaction() as conn:
        if not await consume_dialog(conn, *draft):
            raise AlreadySubmitted
        activity_id = await insert_activity(conn, unit_id, fields, actor_id, now)
        await audit.record(conn, now, actor_id, "activity.submit", f"activity:{activity_id}", {"unit_id": unit_id, "kind": fields.kind})
        if receipt is not None:
            await owed_messages.owe_within(conn, actor_id, receipt(activity_id), now)
        activity = await _fetch(conn, activity_id, unit_id)
    assert activity is not None
    return activity


async def revise_activity(
    db: Database,
    activity_id: int,
    unit_id: int,
    fields: ActivityFields,
    actor_id: int,
    now: datetime,
    *,
    draft: tuple[int, int],
    receipt: Receipt | None = None,
) -> Activity:
    """Replace an activity's content, keeping the previous version; consumes the draft atomically
    (and owes ``receipt``, as :func:`submit_activity` does).

    Raises :class:`AlreadySubmitted` when the draft is gone, :class:`ActivityNotFound` when the
    activity is not in ``unit_id`` or was withdrawn (nothing changes in either case).
    """
    async with db.transaction() as conn:
        if not await consume_dialog(conn, *draft):
            raise AlreadySubmitted
        previous = await _fetch(conn, activity_id, unit_id)
        if previous is None or previous.withdrawn:
            raise ActivityNotFound(activity_id)
        snapshot = asdict(previous)
        for name in _DATE_FIELDS:
            snapshot[name] = ds(snapshot[name])
        snapshot["photos"] = list(previous.photos)
        await conn.execute(
            "INSERT INTO activity_versions (activity_id, version, data, replaced_by, replaced_at) VALUES (?, ?, ?, ?, ?)",
            (activity_id, previous.version, json.dumps(snapshot, ensure_ascii=False), actor_id, ts(now)),
        )
        values = _column_values(fields)
        assignments = ", ".join(f"{column} = ?" for column in values)
        await conn.execute(
            f"UPDATE activities SET {assignments}, updated_at = ?, version = version + 1 WHERE id = ? AND unit_id = ?",
            (*values.values(), ts(now), activity_id, unit_id),
        )
        await _store_photos(conn, activity_id, fields.photos, replace=True)
        await audit.record(conn, now, actor_id, "activity.revise", f"activity:{activity_id}", {"from_version": previous.version})
        if receipt is not None:
            await owed_messages.owe_within(conn, actor_id, receipt(activity_id), now)
        activity = await _fetch(conn, activity_id, unit_id)
    assert activity is not None
    return activity


async def withdraw_activity(db: Database, activity_id: int, unit_id: int, actor_id: int, now: datetime) -> bool:
    """Withdraw (撤回) an activity of ``unit_id``; False when there is no such live activity."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE activities SET withdrawn_at = ?, updated_at = ? WHERE id = ? AND unit_id = ? AND withdrawn_at IS NULL",
            (ts(now), ts(now), activity_id, unit_id),
        )
        if cursor.rowcount != 1:
            return False
        await audit.record(conn, now, actor_id, "activity.withdraw", f"activity:{activity_id}")
    return True


async def get_activity(db: Database, activity_id: int, *, unit_id: int, include_withdrawn: bool = False) -> Activity | None:
    """One activity of ``unit_id`` (None for another unit's, or a withdrawn one unless asked)."""
    row = await db.fetchone(f"SELECT {_ACTIVITY_COLUMNS} FROM activities WHERE id = ? AND unit_id = ?", (activity_id, unit_id))
    if row is None or (row["withdrawn_at"] is not None and not include_withdrawn):
        return None
    photos = await db.fetchall("SELECT file_id FROM activity_photos WHERE activity_id = ? ORDER BY position", (activity_id,))
    return _activity(row, [p["file_id"] for p in photos])


async def list_photos(db: Database, activity_id: int, *, unit_id: int) -> list[Photo]:
    """The photos of an activity of ``unit_id``, in the order they were sent."""
    rows = await db.fetchall(
        "SELECT p.file_id, p.file_unique_id FROM activity_photos p JOIN activities a ON a.id = p.activity_id "
        "WHERE p.activity_id = ? AND a.unit_id = ? ORDER BY p.position",
        (activity_id, unit_id),
    )
    return [Photo(r["file_id"], r["file_unique_id"]) for r in rows]


# The ids left out, as one JSON parameter: a list of thousands would not fit SQLite's variables.
_NOT_EXCLUDED = "id NOT IN (SELECT value FROM json_each(?))"


def held_where(
    start: date, end: date, unit_ids: Collection[int] | None, include_withdrawn: bool = False, excluded: Collection[int] = ()
) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) of activities held in [start, end] by ``unit_ids``,
    but not ``excluded`` (records returned under review)."""
    clauses = ["held_on BETWEEN ? AND ?"]
    params: list[Any] = [ds(start), ds(end)]
    if unit_ids is not None:
        ids = sorted(set(unit_ids))
        clauses.append(f"unit_id IN ({', '.join('?' for _ in ids)})")
        params.extend(ids)
    if not include_withdrawn:
        clauses.append("withdrawn_at IS NULL")
    if excluded:
        clauses.append(_NOT_EXCLUDED)
        params.append(json.dumps(sorted(excluded)))
    return " AND ".join(clauses), params


class ActivityFact(NamedTuple):
    """What the 小结 counts of an activity (no texts, no photos): a year of a county is 60 000
    of these, so they are light tuples rather than full :class:`Activity` records."""

    id: int
    unit_id: int
    kind: str
    held_on: date
    attended: int
    expected: int
    withdrawn: bool = False


async def activity_facts(
    db: Database, *, start: date, end: date, unit_ids: Collection[int] | None = None
) -> list[ActivityFact]:
    """The live activities held from ``start`` to ``end`` (both included), as :class:`ActivityFact`,
    by day, unit and id. ``unit_ids`` None means every unit; an empty collection means none."""
    if unit_ids is not None and not unit_ids:
        return []
    where, params = held_where(start, end, unit_ids)
    rows = await db.fetchall(
        f"SELECT id, unit_id, kind, held_on, attended, expected FROM activities WHERE {where} ORDER BY held_on, unit_id, id",
        params,
    )
    days: dict[str, date] = {}  # a year has 365 days; 60 000 rows share them
    facts = []
    new = tuple.__new__  # the tuple built in C: no Python-level constructor frame per row
    for row in rows:
        held = days.get(row[3])
        if held is None:
            held = days[row[3]] = date.fromisoformat(row[3])
        facts.append(new(ActivityFact, (row[0], row[1], row[2], held, row[4], row[5], False)))
    return facts


class TallyCell(NamedTuple):
    """One unit's activities of one kind, as :func:`activity_tally` counts them."""

    unit_id: int
    kind: str
    count: int  # held in [start, end]
    attended: int  # summed over those
    expected: int
    months: int  # bit i: held in month ``month_base + i`` (from ``window_start`` on)
    ids: str  # the ids of those held in [start, end], as SQLite joins them ("4,9,12"); "" for none
    unexpected: str  # of those, the ids without an 应到 (rare: a kind nobody is expected at)


async def _units_clause(db: Database, unit_ids: Collection[int]) -> tuple[str, list[Any]]:
    """A condition on ``unit_id`` that keeps the activities of ``unit_ids``, and its parameters.

    A township's 小结 covers nearly every unit: SQLite tests each of 60 000 rows against a list
    of 1 000 ids far slower than against the few units left out (archived ones, another group),
    so the shorter list is named. Units added since are above every id read here: the bound
    keeps them out."""
    wanted = set(unit_ids)
    every = [row[0] for row in await db.fetchall("SELECT id FROM units")]
    others = [unit_id for unit_id in every if unit_id not in wanted]
    if len(others) >= len(wanted) or not every:
        return f"unit_id IN ({', '.join('?' for _ in wanted)})", sorted(wanted)
    left_out = f"unit_id NOT IN ({', '.join('?' for _ in others)}) AND " if others else ""
    return f"{left_out}unit_id <= ?", [*others, max(every)]


def _month_bit(first: int, last: int, base: int) -> str:
    """SQL for the bit of ``held_on``'s month (bit i: month ``base + i``), for a day of the months
    numbered ``first`` to ``last``: comparisons halving the months, which SQLite evaluates faster
    than cutting the year and month out of 60 000 dates (the month numbers are ours, not input)."""
    if first == last:
        return str(1 << (first - base))
    middle = (first + last) // 2
    after = f"{(middle + 1) // 12:04d}-{(middle + 1) % 12 + 1:02d}"  # "2026-07": below every day of July
    return f"CASE WHEN held_on < '{after}' THEN {_month_bit(first, middle, base)} ELSE {_month_bit(middle + 1, last, base)} END"


async def activity_tally(
    db: Database,
    *,
    start: date,
    end: date,
    window_start: date,
    month_base: int,
    unit_ids: Collection[int],
    excluded: Collection[int] = (),
) -> list[TallyCell]:
    """The live activities of ``unit_ids`` (but not ``excluded``), counted per unit and kind, by
    unit id and kind.

    Counts, sums and ids are of [start, end]; the months held (bits from ``month_base``, a month
    numbered year × 12 + month − 1, at most 62 months before ``end``'s) are of [window_start, end].
    Sums of attendance over the activities with an 应到 equal the sums over all: the table's
    checks (0 ≤ 实到 ≤ 应到) make an activity without an 应到 one without a 实到."""
    if not unit_ids:
        return []
    units_clause, params = await _units_clause(db, unit_ids)
    where = f"{units_clause} AND withdrawn_at IS NULL"
    if excluded:
        where += f" AND {_NOT_EXCLUDED}"
        params.append(json.dumps(sorted(excluded)))
    # One pass, walking the index activities_by_unit_kind in its order (no sorting): "+held_on"
    # keeps SQLite from choosing the index by day instead. The ids come joined per unit and kind
    # (a county's year is 300 000 of them; the 小结's text needs only how many, and whoever reads
    # them sorts them). The whole answer is one JSON row: handed over row by row, 40 000 cells
    # would each wait for Python's lock while the event loop unpacks the commitments.
    # When the months' window starts with the period (a year), every row is the period's and
    # SQLite is spared testing each.
    in_period, since = ("held_on >= ?", [ds(start)]) if window_start < start else ("1", [])
    cells = (
        "SELECT unit_id, kind, "
        f"count(*) FILTER (WHERE {in_period}) AS n, "
        f"coalesce(sum(attended) FILTER (WHERE {in_period}), 0) AS a, "
        f"coalesce(sum(expected) FILTER (WHERE {in_period}), 0) AS e, "
        f"sum(DISTINCT {_month_bit(month_number(window_start), month_number(end), month_base)}) AS m, "
        f"coalesce(group_concat(id) FILTER (WHERE {in_period}), '') AS ids, "
        f"coalesce(group_concat(id) FILTER (WHERE expected = 0 AND {in_period}), '') AS x "
        f"FROM activities WHERE +held_on BETWEEN ? AND ? AND {where} GROUP BY unit_id, kind ORDER BY unit_id, kind"
    )
    [[found]] = await db.fetchall_beside(
        f"SELECT json_group_array(json_array(unit_id, kind, n, a, e, m, ids, x)) FROM ({cells})",
        (*since, *since, *since, *since, *since, ds(window_start), ds(end), *params),
    )
    new = tuple.__new__  # built in C: no Python constructor frame per row
    return [new(TallyCell, cell) for cell in json.loads(found)]


async def list_activities(
    db: Database,
    *,
    start: date,
    end: date,
    unit_ids: Collection[int] | None = None,
    include_withdrawn: bool = False,
) -> list[Activity]:
    """Activities held from ``start`` to ``end`` (both included), with photos, oldest first.

    ``unit_ids`` None means every unit; an empty collection means none.
    """
    if unit_ids is not None and not unit_ids:
        return []
    where, params = held_where(start, end, unit_ids, include_withdrawn)
    rows = await db.fetchall(f"SELECT {_ACTIVITY_COLUMNS} FROM activities WHERE {where} ORDER BY held_on, id", params)
    photos: dict[int, list[str]] = {}
    for photo in await db.fetchall(
        f"SELECT activity_id, file_id FROM activity_photos WHERE activity_id IN (SELECT id FROM activities WHERE {where}) "
        "ORDER BY activity_id, position",
        params,
    ):
        photos.setdefault(photo["activity_id"], []).append(photo["file_id"])
    return [_activity(row, photos.get(row[0], ())) for row in rows]


async def list_versions(db: Database, activity_id: int, *, unit_id: int) -> list[ActivityVersion]:
    """The previous versions of an activity of ``unit_id``, oldest first (for audit)."""
    rows = await db.fetchall(
        "SELECT v.* FROM activity_versions v JOIN activities a ON a.id = v.activity_id "
        "WHERE v.activity_id = ? AND a.unit_id = ? ORDER BY v.version",
        (activity_id, unit_id),
    )
    return [
        ActivityVersion(
            activity_id=r["activity_id"],
            version=r["version"],
            data=json.loads(r["data"]),
            replaced_by=r["replaced_by"],
            replaced_at=datetime.fromisoformat(r["replaced_at"]),
        )
        for r in rows
    ]


async def count_unit_activities(db: Database, unit_id: int, start: date, end: date) -> int:
    """How many live activities ``unit_id`` held from ``start`` to ``end`` (both included)."""
    row = await db.fetchone(
        "SELECT COUNT(*) FROM activities WHERE unit_id = ? AND held_on BETWEEN ? AND ? AND withdrawn_at IS NULL",
        (unit_id, ds(start), ds(end)),
    )
    return int(row[0]) if row else 0


async def same_meeting(db: Database, unit_id: int, kind: str, held_on: date) -> int | None:
    """The id of a live activity of ``unit_id`` of ``kind`` held on ``held_on`` (the latest), if any."""
    row = await db.fetchone(
        "SELECT MAX(id) FROM activities WHERE unit_id = ? AND kind = ? AND held_on = ? AND withdrawn_at IS NULL",
        (unit_id, kind, ds(held_on)),
    )
    return int(row[0]) if row and row[0] is not None else None


async def count_activities(db: Database) -> int:
    """All activity rows, withdrawn included (tests use it to prove nothing was stored)."""
    row = await db.fetchone("SELECT COUNT(*) FROM activities")
    return int(row[0]) if row else 0



async def last_expected(db: Database, unit_id: int, kind: str) -> int | None:
    """The 应到 the unit gave in its latest report of ``kind`` (withdrawn ones aside), or None."""
    row = await db.fetchone(
        "SELECT expected FROM activities WHERE unit_id = ? AND kind = ? AND withdrawn_at IS NULL "
        "ORDER BY held_on DESC, id DESC LIMIT 1",
        (unit_id, kind),
    )
    return None if row is None else int(row["expected"])
