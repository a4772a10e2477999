"""Capacity as deployed: many secretaries reporting at once, with the rate limiter on and the
Bot API stand-in enforcing Telegram's limits.

The real Application (bot/app/limiter.py's limiter, 29 calls/s, as deployed) runs in this
process against the stand-in with its default ``FloodLimits`` (30 messages/s overall, ~1/s per
chat, 429 with ``retry_after``). N secretaries, each of a unit of their own, report meeting after
meeting — /report, 支委会, 昨天, the topic, 7, 跳过, 跳过, 提交: eight updates each time — each waiting
for the bot's answer before the next step, as on a phone. They start spread over about one
report's time, so that they are at different steps rather than all at 提交 in the same second.
Printed for each N: updates/s, Bot API calls that count against the 30/s (those naming a chat)
per update, the step latency p50/p95/max while all N are at it (from when the last has started,
for as long again or at least 20 s), and what the 30/s limit alone forces on a step when everyone
has one outstanding (N × calls per update ÷ 30), with the ratio of the p95 to it (goal ≤ 1.2); and 429s.
Then the same with no budget at all, which shows what the machine itself allows.

    .venv/bin/python -m bench.capacity_with_limiter [--people 20 200]
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
from bot.app.limiter import Pacer
from bot.fakeapi.harness import BotHarness, FakeClock, Person
from bot.fakeapi.server import FloodLimits

CEILING = 30.0
MEASURED_SECONDS = 20.0  # at least, after everyone has started
STEPS = (("send", "/report"), ("tap", "支委会"), ("tap", "昨天"), ("send", "研究冬季走访慰问"), ("send", "7"), ("tap", "跳过"), ("tap", "跳过"), ("tap", "提交"))


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _reporting(person: Person, start_after: float, stop_at: float, steps: list[tuple[float, float]]) -> None:
    """Report one meeting after another, from ``start_after`` seconds in until ``stop_at``; every
    step's (start, end) is kept."""
    await asyncio.sleep(start_after)
    while True:
        for kind, value in STEPS:
            if time.perf_counter() >= stop_at:
                return
            started = time.perf_counter()
            replies = await (person.send(value) if kind == "send" else person.tap(value))
            steps.append((started, time.perf_counter()))
            assert replies, f"no answer to {value}"


async def one_run(people: int, unlimited: bool = False) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0"}
        # 25 November: the day before is a working day, and the unit's records are open.
        flood = FloodLimits(enabled=not unlimited)
        async with BotHarness(Path(tmp) / "bench.sqlite3", FakeClock(SLOT + timedelta(days=2)), env=env, flood=flood) as h:
            if unlimited:  # what this machine does when the budget is no limit
                assert h.app is not None
                h.app.bot.rate_limiter.pacer = Pacer(10_000, 100)  # type: ignore[union-attr]
            secretaries = [Person(h, user_id, "") for user_id in await seed(h, people)]
            calls_before = len(h.api.calls)
            # People start spread over about one report's time under the budget, so that they are
            # at different steps (not all at 提交 at once).
            spread = len(STEPS) * people * 1.12 / CEILING
            steps: list[tuple[float, float]] = []
            started = time.perf_counter()
            stop_at = started + spread + max(spread, MEASURED_SECONDS)
            await asyncio.gather(*(_reporting(p, spread * n / people, stop_at, steps) for n, p in enumerate(secretaries)))
            elapsed = time.perf_counter() - started
            calls = h.api.calls[calls_before:]
            limited = sum(1 for method, params in calls if "chat_id" in params and method != "getUpdates")
            updates = len(steps)
            per_update = limited / updates
            # Measured while everyone is at it: after the last has started, before the first is done.
            window = [end - begin for begin, end in steps if begin >= started + spread]
            forced = people * per_update / CEILING
            p95 = _quantile(window, 0.95)
            return (
                f"{people:4d} people  {updates / elapsed:6.1f} updates/s  {per_update:.2f} limited calls per update"
                f"   step p50 {statistics.median(window):6.2f} s  p95 {p95:6.2f} s  max {max(window):6.2f} s (n={len(window)})"
                f"   the 30/s alone forces {forced:5.2f} s: p95 {p95 / forced:.2f}× (goal ≤ 1.2)   429s: {h.api.flood_hits}"
            )


async def run(people: list[int]) -> None:
    print("secretaries reporting at once, limiter on, Telegram's limits enforced by the stand-in", flush=True)
    for count in people:
        print(await one_run(count), flush=True)
    print("the same with no budget (limiter and the stand-in's limits off): what the machine itself allows", flush=True)
    for count in people:
        print(await one_run(count, unlimited=True), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[20, 200])
    args, _ = parser.parse_known_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(run(args.people))


if __name__ == "__main__":
    main()
