"""Polling that never loses a received update (bot/app/polling.py), against the Bot API stand-in
and a real SQLite file: an update is kept in the inbox before Telegram is told it arrived and
leaves it once handled; a new poller on the same database (the bot after a crash) handles what
was in flight again; new updates are fetched at once while another is still being handled; an
update taken back at every start is given up; a stop lets the update in flight finish and
confirms it; a failing getUpdates is retried."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from bot.app.polling import AcknowledgingPoller
from bot.app.runner import ALLOWED_UPDATES
from bot.app.update_processor import ChatOrderedUpdateProcessor
from bot.fakeapi.server import DROP, BotAccount, FakeBotApi
from storage import update_inbox
from storage.db import Database, open_database

TOKEN = "4242:polling-test"
DEADLINE = 10.0


class Handling:
    """A handler that records each update and holds it until the test lets it go."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.finished: list[int] = []
        self._release: dict[int, asyncio.Event] = {}

    def release(self, update_id: int) -> None:
        self._release.setdefault(update_id, asyncio.Event()).set()

    async def __call__(self, update: Update, context: Any) -> None:
        self.started.append(update.update_id)
        await self._release.setdefault(update.update_id, asyncio.Event()).wait()
        self.finished.append(update.update_id)


async def until(condition: Callable[[], bool]) -> None:
    """Wait for ``condition`` (it depends on the bot, in this event loop) at most DEADLINE seconds."""
    async with asyncio.timeout(DEADLINE):
        while not condition():
            await asyncio.sleep(0.005)


async def kept(db: Database) -> list[int]:
    return [row[0] for row in await db.fetchall("SELECT update_id FROM update_inbox ORDER BY update_id")]


class Running:
    """An Application with :class:`Handling`, served by a poller until stopped."""

    def __init__(self, api: FakeBotApi, db: Database, **poller: Any):
        self.handling = Handling()
        self.app: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder().token(TOKEN).base_url(api.base_url).updater(None).concurrent_updates(ChatOrderedUpdateProcessor()).build()
        )
        self.app.add_handler(TypeHandler(Update, self.handling))
        self.poller = AcknowledgingPoller(self.app, db, ALLOWED_UPDATES, long_poll=1.0, **poller)
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "Running":
        await self.app.initialize()
        await self.app.start()
        self.task = asyncio.create_task(self.poller.run(self.stop))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        for update_id in self.handling.started:
            self.handling.release(update_id)
        assert self.task is not None
        await asyncio.wait_for(self.task, DEADLINE)
        await self.app.stop()
        await self.app.shutdown()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    stand_in = FakeBotApi()
    stand_in.add_bot(TOKEN)
    stand_in.add_user(1, "甲")
    stand_in.add_user(2, "乙")
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "bot.sqlite3")
    yield database
    await database.close()


def account(api: FakeBotApi) -> BotAccount:
    return api.bots[TOKEN]


async def test_an_update_is_kept_until_handled_and_confirmed_once_kept(api: FakeBotApi, db: Database) -> None:
    async with Running(api, db) as bot:
        first = api.send_text(1, "你好")
        await until(lambda: first in bot.handling.started)
        assert await kept(db) == [first]
        polls = sum(1 for method, _ in api.calls if method == "getUpdates")
        await until(lambda: sum(1 for method, _ in api.calls if method == "getUpdates") > polls)
        assert account(api).confirmed_offset == first + 1  # kept, so Telegram may be told at once
        bot.handling.release(first)
        await until(lambda: first in bot.handling.finished)
        await until(lambda: not bot.poller._in_flight)  # noqa: SLF001 - the inbox is cleared as the update ends
        assert await kept(db) == []
        assert bot.handling.started == [first]


async def test_the_update_in_flight_at_a_crash_is_handled_by_the_next_start(api: FakeBotApi, db: Database) -> None:
    first = api.send_text(1, "第一条")
    async with Running(api, db) as crashed:
        await until(lambda: first in crashed.handling.started)
        await until(lambda: account(api).confirmed_offset > first)  # Telegram will not send it again
        # The process dies here (it never finishes the update): the inbox row stays for the next start.
        assert await kept(db) == [first]
        async with Running(api, db) as restarted:
            await until(lambda: first in restarted.handling.started)
            restarted.handling.release(first)
            await until(lambda: first in restarted.handling.finished)
            await until(lambda: not restarted.poller._in_flight)  # noqa: SLF001
        assert await kept(db) == []
        assert crashed.handling.finished == []


async def test_an_update_taken_back_at_every_start_is_given_up(api: FakeBotApi, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    await update_inbox.keep(db, [{"update_id": 77, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "x"}}])
    for _ in range(update_inbox.MAX_REPLAYS):
        left, dropped = await update_inbox.take_back(db)
        assert [data["update_id"] for data in left] == [77] and dropped == []
    with caplog.at_level(logging.ERROR):
        async with Running(api, db) as bot:
            await until(lambda: any(method == "getUpdates" for method, _ in api.calls))
    assert bot.handling.started == []
    assert await kept(db) == []
    assert "update 77 was given up" in caplog.text


async def test_two_people_are_handled_at_once_and_new_updates_come_while_one_waits(api: FakeBotApi, db: Database) -> None:
    async with Running(api, db) as bot:
        slow = api.send_text(1, "慢")
        await until(lambda: slow in bot.handling.started)
        quick = api.send_text(2, "快")
        await until(lambda: quick in bot.handling.started)  # not waiting for the other person
        bot.handling.release(quick)
        await until(lambda: quick in bot.handling.finished)
        later = api.send_text(2, "又一条")
        await until(lambda: later in bot.handling.started)
        bot.handling.release(later)
        await until(lambda: later in bot.handling.finished)
        await until(lambda: len(bot.poller._in_flight) == 1)  # noqa: SLF001
        assert await kept(db) == [slow]  # only what is still being handled
        bot.handling.release(slow)
        await until(lambda: not bot.poller._in_flight)  # noqa: SLF001
        assert await kept(db) == []
        assert sorted(bot.handling.started) == sorted([slow, quick, later])  # each handled once


async def test_a_stop_lets_the_update_in_flight_finish_and_confirms_it(api: FakeBotApi, db: Database) -> None:
    bot = Running(api, db)
    async with bot:
        update_id = api.send_text(1, "停之前")
        await until(lambda: update_id in bot.handling.started)
        bot.stop.set()
        await asyncio.sleep(0)
        assert bot.task is not None and not bot.task.done()  # waits for the update
    assert bot.handling.finished == [update_id]
    assert account(api).confirmed_offset == update_id + 1
    assert await kept(db) == []


async def test_a_stop_while_waiting_for_updates_returns_at_once(api: FakeBotApi, db: Database) -> None:
    async with Running(api, db) as bot:
        await until(lambda: any(method == "getUpdates" for method, _ in api.calls))
        bot.stop.set()
        assert bot.task is not None
        await asyncio.wait_for(asyncio.shield(bot.task), 0.5)  # the long poll (1 s) is abandoned


async def test_failing_polls_are_tried_again(api: FakeBotApi, db: Database) -> None:
    api.inject_faults("getUpdates", [502, DROP, 502])
    async with Running(api, db, first_backoff=0.01) as bot:
        update_id = api.send_text(1, "网络不好")
        await until(lambda: update_id in bot.handling.started)
        bot.handling.release(update_id)
        await until(lambda: account(api).confirmed_offset > update_id)
    assert sum(1 for method, _ in api.calls if method == "getUpdates") >= 4  # the three failures, then the one that worked


async def test_a_stop_confirms_what_was_received(api: FakeBotApi, db: Database) -> None:
    bot = Running(api, db)
    async with bot:
        update_id = api.send_text(1, "处理完了")
        await until(lambda: update_id in bot.handling.started)
        bot.handling.release(update_id)
        await until(lambda: update_id in bot.handling.finished)
        account(api).confirmed_offset = 0  # so only the confirmation sent at the stop counts below
    assert account(api).confirmed_offset == update_id + 1
