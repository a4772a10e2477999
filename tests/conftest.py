"""Fixtures: a running bot against the Bot API stand-in, with a real SQLite file and a fake clock."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.fakeapi.harness import BotHarness, FakeClock, Person

SHANGHAI = ZoneInfo("Asia/Shanghai")
LEADER_ID = 1001


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
async def harness(tmp_path: Path, clock: FakeClock) -> AsyncIterator[BotHarness]:
    # The periodic reminder tick is off: tests that are about reminders run it explicitly.
    env = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0"}
    async with BotHarness(tmp_path / "bot.sqlite3", clock, env=env) as running:
        yield running


@pytest.fixture
async def leader(harness: BotHarness) -> Person:
    person = harness.person(LEADER_ID, "王", "书记")
    await person.send("/start")
    return person
