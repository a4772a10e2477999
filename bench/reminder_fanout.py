"""One reminder slot fanned out to 2,000 units' secretaries through Telegram's flood limits.

The real Application (AIORateLimiter, the reminder engine, a real SQLite file) runs against the
Bot API stand-in with its default ``FloodLimits`` — about 30 messages/s overall, ~1/s per chat —
answering 429 with ``retry_after`` when a limit is passed. 2,000 units with one secretary each
and nothing reported; the clock stands at the first reminder slot of November 2026; one tick
plans and sends. Printed:

* messages/second from the first send to the last, against the 30/s ceiling (goal ≥ 0.97 of it),
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
from typing import Any
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


async def measure(count: int, concurrency: int) -> dict[str, Any]:
    """One tick's fan-out to ``count`` secretaries through the stand-in's flood limits: figures."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0", "REMINDER_SEND_CONCURRENCY": str(concurrency)}
        async with BotHarness(Path(tmp) / "bench.sqlite3", FakeClock(SLOT - timedelta(hours=1)), env=env, flood=FloodLimits()) as h:
            secretaries = await seed(h, count)
            h.clock.set(SLOT)
            engine = engine_of(h.app)  # type: ignore[arg-type]

            timing = await load_timing(engine.services)
            started = time.perf_counter()
            planned = await engine.plan(timing, h.clock())
            plan_seconds = time.perf_counter() - started

            sends = record_sends(h)
            started = time.perf_counter()
            report = await engine.run_once()
            tick_seconds = time.perf_counter() - started
            per_unit = [len(h.api.bot_messages(user_id)) for user_id in secretaries]
            assert h.db is not None
            return {
                "units": count,
                "concurrency": concurrency,
                "planned": planned,
                "plan_s": plan_seconds,
                "sent": report.sent,
                "tick_s": tick_seconds,
                **send_rates(sends, h.api.flood_hit_times),
                "flood_hits": h.api.flood_hits,
                "exactly_one": sum(1 for n in per_unit if n == 1),
                "min_per_unit": min(per_unit),
                "max_per_unit": max(per_unit),
                "outbox": await store.delivery_counts(h.db),
            }


def record_sends(h: BotHarness, leave_out: int | None = None) -> list[float]:
    """A list that fills with the moment of each message the bot sends (except to ``leave_out``)."""
    sends: list[float] = []

    def on_message(event: str, message: SentMessage) -> None:
        if event == "send" and message.chat_id != leave_out:
            sends.append(time.monotonic())

    h.api.on_bot_message(on_message)
    return sends


def send_rates(sends: list[float], flood_hit_times: list[float]) -> dict[str, float]:
    """Messages/s first to last and after the first second, and the 429s after the first second."""
    if len(sends) < 2:
        return {"rate": float("nan"), "steady_rate": float("nan"), "late_429": 0}
    first, last = sends[0], sends[-1]
    steady = [t for t in sends if t - first > 1.0]
    return {
        "rate": (len(sends) - 1) / (last - first),
        "steady_rate": (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else float("nan"),
        "late_429": sum(1 for t in flood_hit_times if t - first > 1.0),
    }


async def run(count: int, concurrency: int) -> None:
    print(f"seeding {count} units with one secretary each …", flush=True)
    r = await measure(count, concurrency)
    print(f"planned {r['planned']} reminders for {count} units in {r['plan_s'] * 1000:.0f} ms")
    print(f"tick: {r['sent']} sent in {r['tick_s']:.1f} s (concurrency {concurrency})")
    print(f"rate: {r['rate']:.2f} messages/s from first to last send = {r['rate'] / CEILING:.3f} of the {CEILING:.0f}/s ceiling (goal ≥ 0.97)")
    print(f"      {r['steady_rate']:.2f} messages/s after the first second = {r['steady_rate'] / CEILING:.3f} of the ceiling")
    print(f"429s: {r['flood_hits']} in total, {r['late_429']} after the first second (goal: none)")
    print(
        f"every unit exactly one message: {'yes' if r['exactly_one'] == count else 'NO'} "
        f"({r['exactly_one']}/{count}; min {r['min_per_unit']}, max {r['max_per_unit']}); outbox: {r['outbox']}"
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
