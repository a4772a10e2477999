"""A notice fanned out to 1,000 units' secretaries while a leader keeps using the bot.

The real Application (AIORateLimiter, the reminder engine's tick, a real SQLite file) runs against
the Bot API stand-in with its default ``FloodLimits`` (about 30 messages/s overall, ~1/s per chat).
The notice and its outbox rows are stored as 发送 stores them; one tick sends them, and meanwhile
the leader sends ``/help`` every 2 seconds (a person's pace; faster than 1/s would hit Telegram's
per-chat limit, which holds every request back). Printed:

* storing the notice with one pending delivery per recipient;
* the fan-out: messages/second, 429s, whether every secretary got exactly one notice, the outbox;
* how long the leader's replies took during the fan-out (the goal: a person is not kept waiting
  behind the fan-out; p95 under 0.5 s);
* that the delivery report reached the leader.

    .venv/bin/python -m bench.notice_fanout [--units 1000]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.reminder_fanout import LEADER_ID, record_sends, seed, send_rates
from bot.fakeapi.harness import BotHarness, FakeClock
from bot.fakeapi.server import FloodLimits
from bot.reminders.engine import engine_of
from storage import notices as store
from storage import people as people_store

CEILING = 30.0
# A working morning when units added today owe no reminder yet, so the tick sends the notice only.
MOMENT = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LEADER_PAUSE = 2.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def measure(count: int) -> dict[str, Any]:
    """A notice to ``count`` secretaries, the leader asking /help meanwhile: figures."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0"}
        async with BotHarness(Path(tmp) / "bench.sqlite3", FakeClock(MOMENT), env=env, flood=FloodLimits()) as h:
            assert h.db is not None
            secretaries = await seed(h, count)
            leader = h.person(LEADER_ID, "王书记")
            await leader.send("/start")
            recipients = [(p.user_id, p.unit_id) for p in await people_store.list_people(h.db) if p.is_secretary and p.unit_id is not None]

            started = time.perf_counter()
            await store.create_notice(
                h.db, author=LEADER_ID, text="请各支部于12月3日前报送年度述职报告。", attachment=None, audience=store.ALL_UNITS,
                unit_ids=[unit for _, unit in recipients], recipients=recipients, due_at=h.clock(), now=h.clock(), draft=None,
            )
            store_ms = (time.perf_counter() - started) * 1000

            sends = record_sends(h, leave_out=LEADER_ID)
            started = time.perf_counter()
            tick = asyncio.create_task(engine_of(h.app).run_once())  # type: ignore[arg-type]
            finished: list[float] = []
            tick.add_done_callback(lambda _: finished.append(time.perf_counter()))
            waits: list[float] = []
            while not tick.done():
                asked = time.perf_counter()
                await leader.send("/help")
                waits.append(time.perf_counter() - asked)
                await asyncio.wait({tick}, timeout=LEADER_PAUSE)  # a pause, cut short when the tick ends
            report = await tick
            per_secretary = [len(h.api.bot_messages(u)) for u in secretaries]
            return {
                "units": count,
                "recipients": len(recipients),
                "store_ms": store_ms,
                "notices_sent": report.notices_sent,
                "other_sent": report.sent,
                "tick_s": finished[0] - started,
                **send_rates(sends, h.api.flood_hit_times),
                "flood_hits": h.api.flood_hits,
                "exactly_one": sum(1 for n in per_secretary if n == 1),
                "outbox": await store.delivery_counts(h.db),
                "leader_waits": waits,
                "delivery_report": any("通知送达情况" in m.visible for m in h.api.bot_messages(LEADER_ID)),
            }


async def run(count: int) -> None:
    print(f"seeding {count} units with one secretary each …", flush=True)
    r = await measure(count)
    waits = r["leader_waits"]
    print(f"stored the notice with {r['recipients']} pending deliveries in {r['store_ms']:.0f} ms")
    print(f"tick: {r['notices_sent']} notices sent in {r['tick_s']:.1f} s; {r['rate']:.2f} messages/s = {r['rate'] / CEILING:.3f} of the {CEILING:.0f}/s ceiling")
    print(
        f"429s: {r['flood_hits']} ({r['late_429']} after the first second); every secretary exactly one message: "
        f"{'yes' if r['exactly_one'] == count else 'NO'} ({r['exactly_one']}/{count}); "
        f"notice outbox: {r['outbox']}; other messages sent by the tick: {r['other_sent']}"
    )
    print(
        f"leader's /help during the fan-out (every {LEADER_PAUSE:.0f} s): n={len(waits)}  p50 {percentile(waits, 0.5) * 1000:.0f} ms  "
        f"p95 {percentile(waits, 0.95) * 1000:.0f} ms  max {max(waits) * 1000:.0f} ms  (goal p95 < 500 ms: {'met' if percentile(waits, 0.95) < 0.5 else 'NOT met'})"
    )
    print(f"delivery report reached the leader: {'yes' if r['delivery_report'] else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.units))


if __name__ == "__main__":
    main()
