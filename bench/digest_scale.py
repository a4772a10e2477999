"""How long the 小结 takes for a county-sized dataset, and how it grows with the number of units.

For 100, 1,000 and 5,000 units with a year of records (60 activities and 5 commitments per
unit): the digest data and chat text, the Word file, the Excel 台账, and the peak memory. Each
size runs in a fresh process so its peak memory is its own. The goals (issue 10): at 1,000 units
data and text < 0.3 s, Word < 1 s, Excel < 3 s, peak < 300 MB; at 5,000 units data and text
< 1.5 s. The figures are of a warm request (a running bot: the median of five, the fastest and
slowest beside it); (cold) is the first after start.

    .venv/bin/python -m bench.digest_scale            # all sizes
    .venv/bin/python -m bench.digest_scale 1000       # one size
"""
from __future__ import annotations

import asyncio
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import load_settings
from bot.digest.chat import chat_messages
from bot.digest.document import digest_document
from bot.digest.query import Scope, load_digest, load_ledger
from bot.digest.word import render_docx
from bot.rules.activity_kinds import load_kinds
from bot.rules.unit_kinds import UNIT_KINDS
from bot.sandbox.demo import _TOPICS
from storage import bulk
from storage import units as unit_store
from storage.activities import ActivityFields
from storage.db import Database, open_database

SIZES = (100, 1000, 5000)
YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)
ACTIVITIES_PER_UNIT = 60
COMMITMENTS_PER_UNIT = 5
WARM_RUNS = 5  # requests after the first, of which the median is the figure


NOW = datetime(2026, 12, 31, 10, tzinfo=UTC)


async def seed(db: Database, unit_count: int) -> tuple[int, int]:
    """Fill ``db`` with ``unit_count`` units and a year of their records; (activities, commitments)."""
    rng = random.Random(unit_count)
    now = NOW
    await unit_store.add_units(db, [(f"第{i}党支部", UNIT_KINDS[i % len(UNIT_KINDS)], rng.randint(8, 120)) for i in range(unit_count)], None, now)
    units = await unit_store.list_units(db)
    kinds = list(_TOPICS)
    acts = []
    for unit in units:
        for _ in range(ACTIVITIES_PER_UNIT):
            kind = rng.choice(kinds)
            expected = unit.member_count
            acts.append((unit.id, ActivityFields(kind, YEAR_START + timedelta(days=rng.randrange(365)), rng.choice(_TOPICS[kind]), rng.randint(expected // 2, expected), expected)))
    await bulk.add_activities(db, acts, 0, now)
    commitments = [
        (u.id, None, "为群众办实事", YEAR_START + timedelta(days=rng.randrange(365)), None if rng.random() < 0.3 else YEAR_START + timedelta(days=rng.randrange(365)), None)
        for u in units for _ in range(COMMITMENTS_PER_UNIT)
    ]
    await bulk.add_commitments(db, commitments, 0, now)
    notes = [(u.id, f"2026-{m:02d}", "活动形式比较单一", "做好年终党员评议", None) for u in units for m in (3, 6, 9, 12) if rng.random() < 0.5]
    await bulk.add_period_notes(db, notes, 0, now)
    return len(acts), len(commitments)


async def measure(unit_count: int, excel: bool = True) -> dict[str, float | None]:
    """Seed ``unit_count`` units with a year of records and time the 小结 twice (cold, then warm)."""
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "bench.sqlite3")
        now = NOW
        activity_count, commitment_count = await seed(db, unit_count)
        # A running bot copies its write-ahead log into the database every few hundred writes;
        # a year of records seeded at once would otherwise all be read through the log.
        await db.checkpoint()
        settings = load_settings({"ORG_NAME": "博望镇党委"})
        timings: dict[str, list[float]] = {"text": [], "word": [], "excel": []}
        # The first request in a fresh process also compiles templates and loads the calendars;
        # the ones after it are what a leader waits for in a running bot: the median of a few,
        # since a shared machine's figures move from one run to the next.
        for run in range(1 + WARM_RUNS):
            started = time.perf_counter()
            digest = await load_digest(
                db, settings, load_kinds(), scope=Scope("all"), start=YEAR_START, end=YEAR_END,
                period_label="2026年", period_key="2026", today=date(2026, 12, 31),
            )
            blocks = digest_document(digest)
            messages = chat_messages(blocks)
            timings["text"].append(time.perf_counter() - started)
            started = time.perf_counter()
            docx = render_docx(blocks, author=settings.org_name, now=now)
            timings["word"].append(time.perf_counter() - started)
            if excel and run < 2:  # the 台账 takes seconds: once cold, once warm
                started = time.perf_counter()
                xlsx = await load_ledger(db, scope=Scope("all"), start=YEAR_START, end=YEAR_END, period_label="2026年", today=date(2026, 12, 31))
                timings["excel"].append(time.perf_counter() - started)
        await db.close()
    return {
        "units": unit_count,
        "activities": activity_count,
        "commitments": commitment_count,
        "text_cold_s": round(timings["text"][0], 3),
        "text_s": round(statistics.median(timings["text"][1:]), 3),
        "text_range_s": [round(min(timings["text"][1:]), 3), round(max(timings["text"][1:]), 3)],
        "messages": len(messages),
        "word_s": round(statistics.median(timings["word"][1:]), 3),
        "word_kb": round(len(docx) / 1024),
        "excel_s": round(timings["excel"][1], 3) if excel else None,
        "excel_kb": round(len(xlsx) / 1024) if excel else None,
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def measure_in_fresh_process(size: int, excel: bool = True) -> dict[str, Any]:
    """One size in a process of its own, so that its peak memory is its own."""
    command = [sys.executable, "-m", "bench.digest_scale", "--one", str(size), *([] if excel else ["--no-excel"])]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(asyncio.run(measure(int(argv[1]), excel="--no-excel" not in argv))))
        return
    sizes = [int(a) for a in argv] or list(SIZES)
    print(f"{'units':>6} {'activities':>10} {'commitments':>11} {'data+text s':>11} {'(range)':>13} {'(cold)':>7} {'msgs':>4} {'Word s':>7} {'Excel s':>8} {'peak MB':>8}")
    for size in sizes:
        r = measure_in_fresh_process(size)
        print(f"{r['units']:>6} {r['activities']:>10} {r['commitments']:>11} {r['text_s']:>11.3f} {'{:.3f}–{:.3f}'.format(*r['text_range_s']):>13} {r['text_cold_s']:>7.3f} {r['messages']:>4} {r['word_s']:>7.3f} {r['excel_s']:>8.3f} {r['peak_mb']:>8}", flush=True)
    print(f"warm figures (a running bot): the median of {WARM_RUNS} requests, (range) their fastest and slowest; (cold) is the first request after start")
    print("goals at 1,000 units: data+text < 0.3 s, Word < 1 s, Excel < 3 s, peak < 300 MB; at 5,000: data+text < 1.5 s")


if __name__ == "__main__":
    main(sys.argv[1:])
