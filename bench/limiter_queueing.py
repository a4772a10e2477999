"""The rate limiter's queueing alone, with the bot's own work taken out.

bench/capacity_with_limiter.py measures the whole bot, and on a busy two-core machine the CPU
(bot, stand-in and simulated people in one process) sets the pace before the 30/s does. Here the
people call the limiter's pacer (bot/app/limiter.py) directly and do nothing else, so only the
queueing is measured. The rate is scaled up tenfold (290 turns/s) to keep the run short; the
ratios do not depend on it.

* N people at once, each making eight steps of which one needs two calls (a step that edits
  one card and sends another), the next step as soon as the last is answered; each person starts at
  another point of the eight, so that not everyone submits in the same moment. Printed: step wait
  p50/p95, and the ratio of p95 to what the budget alone forces (N × calls per step ÷ rate; goal
  ≤ 1.2) — for the deployed order (replies by when their step began), first-come-first-served, and
  aiolimiter's AsyncLimiter as python-telegram-bot's AIORateLimiter uses it.
* A fan-out of bulk sends (four in flight, as ``REMINDER_SEND_CONCURRENCY``) while 10 people
  make single-call steps: their wait, in turns, with replies first and with one queue.

    .venv/bin/python -m bench.limiter_queueing [--people 20 200]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

from aiolimiter import AsyncLimiter

from bot.app.limiter import Pacer

RATE = 290.0
STEPS = (1, 1, 1, 1, 1, 1, 1, 2)  # calls per step


def _q(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


Turn = Callable[[float], Awaitable[None]]


def _pacer_turn(order_by_step: bool) -> Turn:
    pacer = Pacer(RATE, 10)

    async def turn(step_started: float) -> None:
        await pacer.turn(False, step_started if order_by_step else None)

    return turn


def _aiolimiter_turn() -> Turn:
    limiter = AsyncLimiter(RATE, 1)

    async def turn(step_started: float) -> None:
        async with limiter:
            pass

    return turn


async def _person(turn: Turn, waits: list[float], offset: int) -> None:
    for calls in STEPS[offset:] + STEPS[:offset]:
        started = time.monotonic()
        for _ in range(calls):
            await turn(started)
        waits.append(time.monotonic() - started)


async def people_at_once(people: int, turn: Turn) -> str:
    waits: list[float] = []
    await asyncio.gather(*(_person(turn, waits, n % len(STEPS)) for n in range(people)))
    forced = people * (sum(STEPS) / len(STEPS)) / RATE
    p95 = _q(waits, 0.95)
    return f"p50 {statistics.median(waits) / forced:4.2f}×  p95 {p95 / forced:4.2f}× of what the budget forces (goal p95 ≤ 1.2×)"


async def replies_during_fanout(replies_first: bool) -> str:
    pacer = Pacer(RATE, 10)
    done = asyncio.Event()

    async def bulk_sender() -> None:
        while not done.is_set():
            await pacer.turn(replies_first)  # bulk: its own queue, or the replies' one

    senders = [asyncio.create_task(bulk_sender()) for _ in range(4)]
    await asyncio.sleep(20 / RATE)  # the fan-out under way
    waits: list[float] = []

    async def person() -> None:
        for _ in range(20):
            started = time.monotonic()
            await pacer.turn(False)
            waits.append((time.monotonic() - started) * RATE)

    await asyncio.gather(*(person() for _ in range(10)))
    done.set()
    await asyncio.gather(*senders)
    return f"reply wait p50 {statistics.median(waits):4.1f} turns  p95 {_q(waits, 0.95):4.1f} turns"


async def run(people: list[int]) -> None:
    print(f"the pacer alone at {RATE:.0f} turns/s; steps of {sum(STEPS)} calls in {len(STEPS)}")
    for count in people:
        print(f"{count:4d} people  by step (deployed)        {await people_at_once(count, _pacer_turn(True))}", flush=True)
        print(f"{count:4d} people  first come, first served  {await people_at_once(count, _pacer_turn(False))}", flush=True)
        print(f"{count:4d} people  aiolimiter (PTB)          {await people_at_once(count, _aiolimiter_turn())}", flush=True)
    print("10 people during a fan-out (4 bulk sends in flight)")
    print(f"  replies first (deployed)  {await replies_during_fanout(True)}", flush=True)
    print(f"  one queue                 {await replies_during_fanout(False)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[20, 200])
    args, _ = parser.parse_known_args()
    asyncio.run(run(args.people))


if __name__ == "__main__":
    main()
