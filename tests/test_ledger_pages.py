"""The 台账 read a page of plain rows at a time is the 台账 written from the records, part for part.

``load_ledger`` reads the period's activities as rows (storage/ledger.py) and asks the meeting
rules from the months each kind was held in; ``render_ledger`` writes the same workbook from
:class:`storage.models.Activity` records and the rules asked of them (``owed_meetings``). Over
random townships (archived units, withdrawn records, records returned under review, 本期未开展
answers, photos, meetings held before the period in a due slot) and periods, with pages of three
rows, both give the same sheets, byte for byte.
"""
from __future__ import annotations

import asyncio
import io
import tempfile
import zipfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.digest.excel import render_ledger
from bot.digest.query import Scope, load_ledger, load_records, meeting_rows
from storage import ledger
from storage.activities import ActivityFields
from storage.db import open_database
from storage.models import Photo
from tests.test_digest_counts import FIRST, TZ, activity_rows, excuse_rows, held_days, ranges, seed_township, unit_rows


def parts(xlsx: bytes) -> dict[str, bytes]:
    """Every part of the file but its properties (which hold the moment it was written)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}


def ledger_fields(n: int, kind: str, held_on: date, a: int, b: int) -> ActivityFields:
    """A topic that looks like a formula, a place on every other record, up to two photos."""
    photos = tuple(Photo(f"p{n}-{k}") for k in range(n % 3))
    return ActivityFields(kind, held_on, f"=主题{n}", min(a, b), max(a, b), place=None if n % 2 else "村部", photos=photos)


async def _both(units, acts, excuses, span, today, review_on) -> None:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "t.sqlite3")
        try:
            await seed_township(db, units, acts, excuses, review_on, ledger_fields)
            start, end = span
            paged = await load_ledger(db, scope=Scope("all"), start=start, end=end, period_label="本期", today=today, zone=TZ)
            records = await load_records(db, scope=Scope("all"), start=start, end=end, today=today, zone=TZ)
            from_records = render_ledger(
                records.units, records.activities, records.commitments, records.notes, "本期", start=start, end=end,
                today=today, zone=TZ, meetings=meeting_rows(records.units, records.compliance_for),
                leader_activities=records.leader_activities,
            )
            assert parts(paged) == parts(from_records)
        finally:
            await db.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=unit_rows, acts=activity_rows, excuses=excuse_rows, span=ranges, today=held_days, review_on=st.booleans())
# A 党课 held in October counts toward December's due quarter: the months are read from the
# quarter's first day, before the period's.
@example(
    units=[("村", 30, 3, 2, FIRST, False)], acts=[(0, "党课", date(2026, 10, 10), 10, 20, ""), (0, "支委会", date(2026, 11, 3), 3, 3, "")],
    excuses=[], span=(date(2026, 12, 1), date(2026, 12, 31)), today=date(2027, 1, 5), review_on=False,
)
def test_the_ledger_read_in_pages_is_the_ledger_of_the_records(units, acts, excuses, span, today, review_on) -> None:  # noqa: ANN001
    page_rows, ledger.PAGE_ROWS = ledger.PAGE_ROWS, 3
    try:
        asyncio.run(_both(units, acts, excuses, span, today, review_on))
    finally:
        ledger.PAGE_ROWS = page_rows


def test_a_scope_without_units_has_no_rows() -> None:
    async def run() -> None:
        with tempfile.TemporaryDirectory() as folder:
            db = await open_database(Path(folder) / "t.sqlite3")
            try:
                pages = [page async for page in ledger.activity_pages(db, start=date(2026, 1, 1), end=date(2026, 12, 31), unit_ids=[])]
                assert pages == []
                assert await ledger.held_months(db, start=date(2026, 1, 1), end=date(2026, 12, 31), unit_ids=[]) == []
            finally:
                await db.close()

    asyncio.run(run())
