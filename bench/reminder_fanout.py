"""One reminder slot fanned out to 2,000 units' secretaries through Telegram's flood limits.

The real Application (AIORateLimiter, the reminder engine, a real SQLite file) runs against the
Bot API stand-in with its default ``FloodLimits`` — about 30 messages/s overall, ~1/s per chat —
answering 429 with ``retry_after`` when a limit is passed. 2,000 units with one secretary each
and nothing reported; the clock stands at the first reminder slot of November 2026; one tick
plans and sends. Printed:

* messages/second from the first send to the last, against the 30/s ceiling (goal ≥ 0.9 of it),
  and the same counting only after the first second;
* 429s received, and how many came after the first second (goal: none);
* that every unit got exactly one message, and the outbox says so too;
* the planning half of the tick on its own.

    .venv/bin/python -m bench.reminder_fanout [--units 2000] [--concurrency 4]

2,000 messages at 30/s take a little over a minute.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.fakeapi.harness import BotHarness, FakeClock
from bot.fakeapi.server import FloodLimits, SentMessage
from bot.reminders.engine import engine_of
from bot.reminders.queries import load_timing
from storage import invites
from storage import reminders as store
from storage import units as unit_store

CEILING = 30.0
FIRST_SECRETARY = 100_000
LEADER_ID = 1001
SLOT = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # before-3 of 25 November


async def seed(h: BotHarness, count: int) -> list[int]:
    """``count`` units with one secretary each; returns the secretaries' user ids."""
    assert h.db is not None
    now = h.clock()
    await unit_store.add_units(h.db, [(f"第{i + 1:04d}党支部", "村", 30) for i in range(count)], LEADER_ID, now)
    secretaries = []
    for unit in await unit_store.list_units(h.db):
        user_id = FIRST_SECRETARY + unit.id
        code_hash = f"bench-{user_id}"
        await invites.create_invite(h.db, code_hash, "secretary", unit.id, LEADER_ID, now, timedelta(days=1))
        await invites.redeem_invite(h.db, code_hash, user_id, f"书记{unit.id}", now)
        h.api.add_user(user_id, f"书记{unit.id}")
        secretaries.append(user_id)
    return secretaries


async def run(count: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0", "REMINDER_SEND_CONCURRENCY": str(concurrency)}
        async with BotHarness(Path(tmp) / "bench.sqlite3", FakeClock(SLOT - timedelta(hours=1)), env=env, flood=FloodLimits()) as h:
            print(f"seeding {count} units with one secretary each …", flush=True)
            secretaries = await seed(h, count)
            h.clock.set(SLOT)
            engine = engine_of(h.app)  # type: ignore[arg-type]

            timing = await load_timing(engine.services)
            started = time.perf_counter()
            planned = await engine.plan(timing, h.clock())
            plan_seconds = time.perf_counter() - started

            sends: list[float] = []

            def on_message(event: str, message: SentMessage) -> None:
                if event == "send":
                    sends.append(time.monotonic())

            h.api.on_bot_message(on_message)
            started = time.perf_counter()
            report = await engine.run_once()
            tick_seconds = time.perf_counter() - started

            first, last = sends[0], sends[-1]
            rate = (len(sends) - 1) / (last - first) if len(sends) > 1 else float("nan")
            steady = [t for t in sends if t - first > 1.0]
            steady_rate = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else float("nan")
            late_429 = sum(1 for t in h.api.flood_hit_times if t - first > 1.0)
            per_unit = [len(h.api.bot_messages(user_id)) for user_id in secretaries]
            assert h.db is not None
            outbox = await store.delivery_counts(h.db)

            print(f"planned {planned} reminders for {count} units in {plan_seconds * 1000:.0f} ms")
            print(f"tick: {report.sent} sent in {tick_seconds:.1f} s (concurrency {concurrency})")
            print(f"rate: {rate:.2f} messages/s from first to last send = {rate / CEILING:.3f} of the {CEILING:.0f}/s ceiling (goal ≥ 0.9)")
            print(f"      {steady_rate:.2f} messages/s after the first second = {steady_rate / CEILING:.3f} of the ceiling")
            print(f"429s: {h.api.flood_hits} in total, {late_429} after the first second (goal: none)")
            exactly_one = sum(1 for n in per_unit if n == 1)
            print(
                f"every unit exactly one message: {'yes' if exactly_one == count else 'NO'} "
                f"({exactly_one}/{count}; min {min(per_unit)}, max {max(per_unit)}); outbox: {outbox}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.units, args.concurrency))


if __name__ == "__main__":
    main()
