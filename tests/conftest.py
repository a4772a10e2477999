"""Fixtures: a running bot against the Bot API stand-in, with a real SQLite file and a fake clock.

Two costs every end-to-end test would pay are paid once per session instead (see
:func:`cheap_bot_starts`): the database of a new bot starts as a copy of one migrated earlier, and
the bot's HTTP clients trust one certificate instead of loading the whole CA bundle.
"""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import certifi
import pytest

import bot.fakeapi.harness as harness_module
from bot.fakeapi.harness import BotHarness, FakeClock, Person
from storage.db import Database, open_database

SHANGHAI = ZoneInfo("Asia/Shanghai")
LEADER_ID = 1001
FIRST_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", re.S)


@pytest.fixture(scope="session", autouse=True)
def cheap_bot_starts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Start every test's bot without the two slow steps that test nothing of ours.

    * Every python-telegram-bot client builds an SSL context, and loading certifi's whole bundle
      into it takes about 0.3 s — twice per bot start. The stand-in speaks plain HTTP on
      127.0.0.1 and nothing here goes further, so the clients (httpx reads ``SSL_CERT_FILE``) are
      given a bundle of one certificate. Subprocesses (the crash loop's bot) inherit it.
    * Migrating a new database file takes several times longer than copying one migrated before,
      so a harness opening a file that does not exist yet gets a copy of a migrated template.
      Existing files (a restart, a test's own schema) are opened as they are.
    """
    folder = tmp_path_factory.mktemp("bot_start")
    bundle = folder / "one_certificate.pem"
    found = FIRST_CERTIFICATE.search(Path(certifi.where()).read_text(encoding="ascii"))
    assert found is not None
    bundle.write_text(found.group(0), encoding="ascii")
    template = folder / "migrated.sqlite3"
    real_open = harness_module.open_database

    async def open_from_template(path: Path | str) -> Database:
        if not Path(path).exists():
            if not template.exists():
                await (await open_database(template)).close()
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, path)
        return await real_open(path)

    saved_bundle = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(bundle)
    harness_module.open_database = open_from_template  # type: ignore[assignment]
    try:
        yield
    finally:
        harness_module.open_database = real_open  # type: ignore[assignment]
        if saved_bundle is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved_bundle


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
