"""Crash loops, the short version: the bot in a subprocess is SIGKILLed a few times while a
secretary reports (tests/crash_loop.py); the database stays whole, every confirmed report is stored
exactly once, and the conversation goes on after each restart. The reminder fan-out dies at a
random send, three times here and twenty under ``make proof`` (PROOF_FULL=1), which also runs the
long reporting loop (tests/proof_run.py)."""
from __future__ import annotations

import os
import random
from datetime import timedelta
from pathlib import Path

import pytest

from bot.fakeapi.harness import BotHarness, FakeClock
from bot.fakeapi.server import FloodLimits
from tests.crash_loop import report_crash_loop
from tests.proof_tally import record
from tests.test_e2e_reminders import BASE_ENV, SimulatedCrash, at, engine, reminders_to, tick, units_with_secretaries

FULL = os.environ.get("PROOF_FULL") == "1"


async def test_reporting_survives_a_few_kills(tmp_path: Path) -> None:
    tally = await report_crash_loop(tmp_path, kills=3, seed=7)
    assert tally.kills == 3 and tally.tried >= 1
    assert (tally.lost, tally.duplicated, tally.crashed, tally.silent) == (0, 0, 0, 0), tally
    assert tally.held >= 1, tally


async def test_reminder_fan_out_killed_again_and_again(tmp_path: Path, clock: FakeClock) -> None:
    """The fan-out of one reminder slot dies at a random send, before or after Telegram took the
    message, ``kills`` times in a row; after each restart the next tick goes on. Nobody is missed;
    a death after a send and before its record costs one message sent again, and no more."""
    kills = 20 if FULL else 3
    rng = random.Random(11)
    env = {**BASE_ENV, "REMINDER_SEND_CONCURRENCY": "1"}
    async with BotHarness(tmp_path / "bot.sqlite3", clock, env=env, flood=FloodLimits(enabled=False)) as h:
        pairs = await units_with_secretaries(h, kills * 3 + 5)
        moment, allowed, per_kill = at(2026, 11, 23, 9), 0, []
        for kill in range(kills):
            e = engine(h)
            real_send, sends, dies_at, after = e.sender.send, 0, rng.randrange(3), rng.random() < 0.5

            async def dies(chat_id, text, markup=None, real_send=real_send, dies_at=dies_at, after=after):  # noqa: ANN001, ANN202
                nonlocal sends
                if sends == dies_at and not after:
                    raise SimulatedCrash
                result = await real_send(chat_id, text, markup)
                sends += 1
                if sends == dies_at + 1 and after:
                    raise SimulatedCrash  # Telegram has it; the database never heard of it
                return result

            e.sender.send = dies  # type: ignore[method-assign]
            with pytest.raises(SimulatedCrash):
                await tick(h, moment)
            allowed += after
            await h.restart()
            moment += timedelta(minutes=1)
            per_kill.append(sum(max(0, len(reminders_to(h, s.user_id)) - 1) for _, s in pairs))
        await tick(h, moment)
        counts = [len(reminders_to(h, s.user_id)) for _, s in pairs]
    duplicates = sum(c - 1 for c in counts if c > 1)
    print("duplicates after each kill:", per_kill)
    record(f"reminder fan-out under crashes ({kills} kills)", len(counts), sum(1 for c in counts if c == 1), lost=counts.count(0), duplicated=duplicates)
    assert counts.count(0) == 0  # no one missed
    assert duplicates == allowed  # one extra message per death between a send and its record, no more
