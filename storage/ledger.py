"""The 台账's read of a period's activities: plain rows straight from SQLite, in the sheet's order.

A county's year is 60,000 activities; the 台账 lists every field of each once and keeps nothing,
so it reads them as rows rather than :class:`storage.models.Activity` records (building those
took longer than writing the sheet), with the photos counted and the rows ordered by SQLite.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from storage.db import Database
from storage.models import ACTIVITY_FIELDS
from storage.timeutil import ds

# A row of :func:`activity_rows`: the unit, the ACTIVITY_FIELDS in their order (dates as stored,
# YYYY-MM-DD), how many photos, the activity's id.
LEDGER_ACTIVITY_COLUMNS: tuple[str, ...] = ("unit_id", *(f.name for f in ACTIVITY_FIELDS), "photo_count", "id")


async def activity_rows(
    db: Database, *, start: date, end: date, unit_ids: Collection[int], excluded: Collection[int] = ()
) -> Sequence[Sequence[Any]]:
    """The live activities of ``unit_ids`` (but not ``excluded``) held in [start, end], as rows of
    :data:`LEDGER_ACTIVITY_COLUMNS`, by day, unit and id."""
    if not unit_ids:
        return []
    ids = sorted(set(unit_ids))
    where = f"held_on BETWEEN ? AND ? AND unit_id IN ({', '.join('?' for _ in ids)}) AND withdrawn_at IS NULL"
    params: list[Any] = [ds(start), ds(end), *ids]
    if excluded:
        where += " AND id NOT IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(sorted(excluded)))
    fields = ", ".join(f"a.{f.name}" for f in ACTIVITY_FIELDS)
    return await db.fetchall(  # on the reader's thread
        f"SELECT a.unit_id, {fields}, (SELECT count(*) FROM activity_photos p WHERE p.activity_id = a.id), a.id "
        f"FROM activities a WHERE {where} ORDER BY held_on, unit_id, id",
        params,
    )
