"""How long a backup and an erasure take on a county-sized database.

1,000 units with a year of records (60 activities each, 60,000 in all), every one of them
submitted by the same secretary — the worst case for erasing that secretary, whose id must be
re-pointed in every row. Measures: the backup (SQLite's backup API, integrity check included),
the longest wait a write on the event loop saw while the backup ran in its thread, and the erase
(one transaction, during which the writer is busy).

    .venv/bin/python -m bench.backup_erase
"""
from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.rules.unit_kinds import UNIT_KINDS
from bot.sandbox.demo import _TOPICS
from storage import bulk, people
from storage import units as unit_store
from storage.activities import ActivityFields
from storage.backup import take_backup
from storage.db import open_database
from storage.privacy import erase_person

UNITS = 1000
ACTIVITIES_PER_UNIT = 60
SECRETARY = 7_000_001


async def measure() -> None:
    rng = random.Random(UNITS)
    now = datetime(2026, 12, 31, 10, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "bench.sqlite3")
        await unit_store.add_units(db, [(f"unit-{i}", UNIT_KINDS[i % len(UNIT_KINDS)], rng.randint(8, 120)) for i in range(UNITS)], None, now)
        kinds = list(_TOPICS)
        acts = []
        for unit in await unit_store.list_units(db):
            for _ in range(ACTIVITIES_PER_UNIT):
                kind = rng.choice(kinds)
                held = date(2026, 1, 1) + timedelta(days=rng.randrange(365))
                acts.append((unit.id, ActivityFields(kind, held, rng.choice(_TOPICS[kind]), unit.member_count, unit.member_count)))
        await bulk.add_activities(db, acts, SECRETARY, now)
        await people.ensure_admins(db, frozenset({SECRETARY}), now)
        await db.checkpoint()
        size_mb = db.path.stat().st_size / 1e6

        waits: list[float] = []
        done = asyncio.Event()

        async def keep_writing() -> None:
            while not done.is_set():
                started = time.perf_counter()
                await people.set_reachable(db, SECRETARY, len(waits) % 2 == 0)
                waits.append(time.perf_counter() - started)
                await asyncio.sleep(0.001)

        writer = asyncio.create_task(keep_writing())
        started = time.perf_counter()
        await asyncio.to_thread(take_backup, db.path, Path(folder) / "copy.sqlite3")
        backup_s = time.perf_counter() - started
        done.set()
        await writer

        started = time.perf_counter()
        await erase_person(db, SECRETARY, 1, now)
        erase_s = time.perf_counter() - started
        await db.close()
    print(f"database {size_mb:.1f} MB, {len(acts)} activities")
    print(f"backup (copy + integrity check): {backup_s:.2f} s; {len(waits)} writes meanwhile, longest {max(waits) * 1000:.1f} ms")
    print(f"erase a person who submitted all {len(acts)} records: {erase_s:.2f} s")


if __name__ == "__main__":
    asyncio.run(measure())
