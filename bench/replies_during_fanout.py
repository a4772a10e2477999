"""How long a person waits for a reply while a reminder fan-out runs, with the rate limiter on.

The real Application runs against the Bot API stand-in enforcing Telegram's limits (30/s overall,
~1/s per chat, 429 with ``retry_after``). Several hundred units with one secretary each get one
reminder slot's fan-out (at the rate limiter's 29.8/s); once it is under way, 20 of those
secretaries each send /help five times, one after another as on a phone, and the time from their
message to the bot's reply is measured. Three runs: no fan-out (the baseline), the fan-out with
bulk sends giving way to replies (bot/app/limiter.py, as deployed), and the fan-out with bulk
sends and replies in one queue, first come, first served. Printed per run: reply
latency p50/p95/max, the fan-out's rate and how long it took, 429s.

    .venv/bin/python -m bench.replies_during_fanout [--units 600] [--people 20] [--steps 5]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.reminder_fanout import LEADER_ID, SLOT, seed
from bot.fakeapi.harness import BotHarness, FakeClock, Person
from bot.fakeapi.server import FloodLimits, SentMessage
from bot.reminders.engine import engine_of


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _ask_help(person: Person, steps: int, latencies: list[float]) -> None:
    for _ in range(steps):
        started = time.perf_counter()
        replies = await person.send("/help")
        latencies.append(time.perf_counter() - started)
        assert replies, "no reply"


async def one_run(units: int, people: int, steps: int, fanout: bool, replies_first: bool) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0"}
        async with BotHarness(Path(tmp) / "bench.sqlite3", FakeClock(SLOT - timedelta(hours=1)), env=env, flood=FloodLimits()) as h:
            secretaries = await seed(h, units)
            h.clock.set(SLOT)
            assert h.app is not None
            h.app.bot.rate_limiter.replies_first = replies_first  # type: ignore[union-attr]
            sends: list[float] = []

            def on_message(event: str, message: SentMessage) -> None:
                if event == "send" and message.chat_id not in asking:
                    sends.append(time.monotonic())

            asking = set(secretaries[:people])
            h.api.on_bot_message(on_message)
            fan = None
            if fanout:
                fan = asyncio.create_task(engine_of(h.app).run_once())
                while len(sends) < 60:  # two seconds into the fan-out
                    await asyncio.sleep(0.05)
            latencies: list[float] = []
            during = [Person(h, user_id, "") for user_id in secretaries[:people]]
            await asyncio.gather(*(_ask_help(p, steps, latencies) for p in during))
            fan_note = ""
            if fan is not None:
                still_running = not fan.done()
                report = await fan
                rate = (len(sends) - 1) / (sends[-1] - sends[0])
                fan_note = (
                    f"   fan-out {report.sent} sent, {rate:.1f}/s"
                    f"{'' if still_running else ' (finished before the replies did)'}"
                )
            return (
                f"reply p50 {statistics.median(latencies) * 1000:6.0f} ms   p95 {_quantile(latencies, 0.95) * 1000:6.0f} ms"
                f"   max {max(latencies) * 1000:6.0f} ms   (n={len(latencies)}){fan_note}   429s: {h.api.flood_hits}"
            )


async def run(units: int, people: int, steps: int) -> None:
    print(f"{units} units, {people} people each sending /help {steps} times, limiter on, Telegram's limits enforced", flush=True)
    for title, fanout, replies_first in (
        ("no fan-out                        ", False, True),
        ("fan-out, replies first (deployed) ", True, True),
        ("fan-out, one queue                ", True, False),
    ):
        print(f"{title} {await one_run(units, people, steps, fanout, replies_first)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=600)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(run(args.units, args.people, args.steps))


if __name__ == "__main__":
    main()
