"""A demo township like 博望镇 (35 grassroots Party organisations, 1,730 members) for the sandbox,
and plausible records for it (also used by the benchmarks)."""
from __future__ import annotations

import random
import tomllib
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from storage import activities, bulk
from storage import units as unit_store
from storage.activities import ActivityFields
from storage.db import Database
from storage.models import Unit

DEMO_DATA = _DATA = tomllib.loads((Path(__file__).parent / "data" / "demo.toml").read_text(encoding="utf-8"))

# (name, kind, members) of each unit, from data/demo.toml.
DEMO_UNITS: tuple[tuple[str, str, int], ...] = tuple((u["name"], u["kind"], u["members"]) for u in _DATA["units"])

async def seed_demo_township(db: Database, now: datetime) -> int:
    """Add the demo units if the database has none; returns how many were added."""
    if await unit_store.list_units(db, include_archived=True):
        return 0
    return await unit_store.add_units(db, list(DEMO_UNITS), None, now)


# Topics a branch might record, per kind; the demo and the benchmarks draw from them.
_TOPICS: dict[str, tuple[str, ...]] = {kind: tuple(topics) for kind, topics in _DATA["topics"].items()}
_PROBLEMS: tuple[str, ...] = tuple(_DATA["notes"]["problems"])
_PLANS: tuple[str, ...] = tuple(_DATA["notes"]["plans"])
_DEEDS: tuple[str, ...] = tuple(_DATA["notes"]["deeds"])
_COMMITMENTS: tuple[str, ...] = tuple(_DATA["commitments"]["contents"])
_DONE_NOTE: str = _DATA["commitments"]["done_note"]

def demo_records(
    units: Sequence[Unit], start: date, end: date, seed: int = 2026, per_unit_month: int = 5
) -> tuple[list[tuple[int, ActivityFields]], list[tuple[int, str | None, str, date, date | None, str | None]], list[tuple[int, str, str | None, str | None, str | None]]]:
    """Plausible activities, commitments and period notes for ``units`` between ``start`` and ``end``.

    Deterministic for a seed. About one unit in eight reports nothing, so the 小结 has gaps to name.
    """
    rng = random.Random(seed)
    kinds = list(_TOPICS)
    activities: list[tuple[int, ActivityFields]] = []
    commitments: list[tuple[int, str | None, str, date, date | None, str | None]] = []
    notes: list[tuple[int, str, str | None, str | None, str | None]] = []
    days = (end - start).days + 1
    months = sorted({(start + timedelta(days=d)).strftime("%Y-%m") for d in range(days)})
    for unit in units:
        if rng.random() < 0.125:
            continue
        for _ in range(max(1, round(per_unit_month * days / 30))):
            kind = rng.choice(kinds)
            expected = max(unit.member_count, 1)
            attended = max(0, min(expected, round(expected * rng.uniform(0.45, 1.0))))
            held_on = start + timedelta(days=rng.randrange(days))
            activities.append((unit.id, ActivityFields(kind, held_on, rng.choice(_TOPICS[kind]), attended, expected)))
        due = start + timedelta(days=rng.randrange(days))
        done = due - timedelta(days=rng.randrange(5)) if rng.random() < 0.6 else None
        commitments.append((unit.id, None, rng.choice(_COMMITMENTS), due, done, _DONE_NOTE if done else None))
        for month in months:
            if rng.random() < 0.4:
                notes.append((unit.id, month, rng.choice(_PROBLEMS), rng.choice(_PLANS), rng.choice(_DEEDS) if rng.random() < 0.5 else None))
    return activities, commitments, notes


async def seed_demo_records(db: Database, today: date, now: datetime) -> int:
    """Two months of demo records for the sandbox, if it has none yet; returns activities added."""
    if await activities.count_activities(db):
        return 0
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    acts, commits, notes = demo_records(await unit_store.list_units(db), start, today)
    await bulk.add_activities(db, acts, 0, now)
    await bulk.add_commitments(db, commits, 0, now)
    await bulk.add_period_notes(db, notes, 0, now)
    return len(acts)
