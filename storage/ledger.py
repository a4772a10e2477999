"""The 台账's reads of a period's activities: plain rows straight from SQLite, a page at a time.

A county's year is 60,000 activities; the 台账 lists every field of each once and keeps nothing,
so it reads them as rows in the sheet's order, with their photos counted, rather than as
:class:`storage.models.Activity` records (building those took longer than writing the sheet),
and a page at a time, so that a year of 5,000 units is never in memory at once. The meeting rules
get the months each unit held each kind in, which is all they ask of the activities.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from datetime import date
from typing import Any

from storage.activities import held_where
from storage.db import Database
from storage.models import ACTIVITY_FIELDS

# A row of :func:`activity_pages`: the unit, the ACTIVITY_FIELDS in their order (dates as stored,
# YYYY-MM-DD), how many photos, the activity's id.
LEDGER_ACTIVITY_COLUMNS: tuple[str, ...] = ("unit_id", *(f.name for f in ACTIVITY_FIELDS), "photo_count", "id")
PAGE_ROWS = 5000


async def activity_pages(
    db: Database, *, start: date, end: date, unit_ids: Collection[int], excluded: Collection[int] = ()
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The live activities of ``unit_ids`` (but not ``excluded``) held in [start, end], as rows of
    :data:`LEDGER_ACTIVITY_COLUMNS` by day, unit and id, :data:`PAGE_ROWS` rows at a time."""
    if not unit_ids:
        return
    where, params = held_where(start, end, unit_ids, excluded=excluded)
    fields = ", ".join(f"a.{f.name}" for f in ACTIVITY_FIELDS)
    async for page in db.fetch_pages(  # on the reader's thread
        f"SELECT a.unit_id, {fields}, (SELECT count(*) FROM activity_photos p WHERE p.activity_id = a.id), a.id "
        f"FROM activities a WHERE {where} ORDER BY held_on, unit_id, id",
        params,
        PAGE_ROWS,
    ):
        yield page


async def held_months(
    db: Database, *, start: date, end: date, unit_ids: Collection[int], excluded: Collection[int] = ()
) -> list[tuple[int, str, list[str]]]:
    """(unit id, kind, the months it was held in as YYYY-MM) of the live activities of
    ``unit_ids`` (but not ``excluded``) held in [start, end]."""
    if not unit_ids:
        return []
    where, params = held_where(start, end, unit_ids, excluded=excluded)
    rows = await db.fetchall(
        f"SELECT unit_id, kind, group_concat(DISTINCT substr(held_on, 1, 7)) FROM activities WHERE {where} GROUP BY unit_id, kind",
        params,
    )
    return [(unit_id, kind, months.split(",")) for unit_id, kind, months in rows]
