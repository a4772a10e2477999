"""Polling that confirms an update only once it is handled (bot/app/polling.py), against the Bot API
stand-in: the offset stays at the lowest update still being handled, a new poller (the bot after a
crash) gets that update again, two people are handled at once, a stop lets the update in flight
finish and confirms it, and a failing getUpdates is retried."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from bot.app.polling import AcknowledgingPoller
from bot.app.runner import ALLOWED_UPDATES
from bot.app.update_processor import ChatOrderedUpdateProcessor
from bot.fakeapi.server import DROP, BotAccount, FakeBotApi

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


class Running:
    """An Application with :class:`Handling`, served by a poller until stopped."""

    def __init__(self, api: FakeBotApi, **poller: Any):
        self.handling = Handling()
        self.app: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder().token(TOKEN).base_url(api.base_url).updater(None).concurrent_updates(ChatOrderedUpdateProcessor()).build()
        )
        self.app.add_handler(TypeHandler(Update, self.handling))
        self.poller = AcknowledgingPoller(self.app, ALLOWED_UPDATES, long_poll=1.0, **poller)
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


def account(api: FakeBotApi) -> BotAccount:
    return api.bots[TOKEN]


async def test_an_update_is_confirmed_only_after_it_was_handled(api: FakeBotApi) -> None:
    async with Running(api) as bot:
        first = api.send_text(1, "你好")
        await until(lambda: first in bot.handling.started)
        polls = sum(1 for method, _ in api.calls if method == "getUpdates")
        await until(lambda: sum(1 for method, _ in api.calls if method == "getUpdates") > polls + 2)
        assert account(api).confirmed_offset <= first  # asked again and again, never confirmed
        bot.handling.release(first)
        await until(lambda: account(api).confirmed_offset > first)
        assert bot.handling.finished == [first]


async def test_the_update_in_flight_at_a_crash_comes_again(api: FakeBotApi) -> None:
    first = api.send_text(1, "第一条")
    async with Running(api) as crashed:
        await until(lambda: first in crashed.handling.started)
        # The process dies here: whatever it does later, Telegram never heard the update was done.
        async with Running(api) as restarted:
            await until(lambda: first in restarted.handling.started)
            restarted.handling.release(first)
            await until(lambda: account(api).confirmed_offset > first)
        assert restarted.handling.finished == [first]


async def test_two_people_are_handled_at_once_and_the_lowest_unfinished_is_the_offset(api: FakeBotApi) -> None:
    async with Running(api) as bot:
        slow = api.send_text(1, "慢")
        await until(lambda: slow in bot.handling.started)
        quick = api.send_text(2, "快")
        await until(lambda: quick in bot.handling.started)  # not waiting for the other person
        bot.handling.release(quick)
        await until(lambda: quick in bot.handling.finished)
        later = api.send_text(2, "又一条")
        await until(lambda: later in bot.handling.started)  # new updates still come while one waits
        bot.handling.release(later)
        await until(lambda: later in bot.handling.finished)
        assert account(api).confirmed_offset == slow  # done ones above it wait for it
        bot.handling.release(slow)
        await until(lambda: account(api).confirmed_offset > later)
        assert bot.handling.started.count(quick) == 1 and bot.handling.started.count(later) == 1  # fetched again, handled once


async def test_a_stop_lets_the_update_in_flight_finish_and_confirms_it(api: FakeBotApi) -> None:
    bot = Running(api)
    async with bot:
        update_id = api.send_text(1, "停之前")
        await until(lambda: update_id in bot.handling.started)
        bot.stop.set()
        await asyncio.sleep(0)
        assert bot.task is not None and not bot.task.done()  # waits for the update
    assert bot.handling.finished == [update_id]
    assert account(api).confirmed_offset == update_id + 1


async def test_a_stop_while_waiting_for_updates_returns_at_once(api: FakeBotApi) -> None:
    async with Running(api) as bot:
        await until(lambda: any(method == "getUpdates" for method, _ in api.calls))
        bot.stop.set()
        assert bot.task is not None
        await asyncio.wait_for(asyncio.shield(bot.task), 0.5)  # the long poll (1 s) is abandoned


async def test_failing_polls_are_tried_again(api: FakeBotApi) -> None:
    api.inject_faults("getUpdates", [502, DROP, 502])
    async with Running(api, first_backoff=0.01) as bot:
        update_id = api.send_text(1, "网络不好")
        await until(lambda: update_id in bot.handling.started)
        bot.handling.release(update_id)
        await until(lambda: account(api).confirmed_offset > update_id)
    assert sum(1 for method, _ in api.calls if method == "getUpdates") >= 4  # the three failures, then the one that worked


async def test_a_stop_while_waiting_confirms_what_was_handled(api: FakeBotApi) -> None:
    bot = Running(api)
    async with bot:
        update_id = api.send_text(1, "处理完了")
        await until(lambda: update_id in bot.handling.started)
        bot.handling.release(update_id)
        await until(lambda: account(api).confirmed_offset > update_id)
        polls = sum(1 for method, _ in api.calls if method == "getUpdates")
        await until(lambda: sum(1 for method, _ in api.calls if method == "getUpdates") > polls)  # waiting for more
        account(api).confirmed_offset = 0  # so only the confirmation sent at the stop counts below
    assert account(api).confirmed_offset == update_id + 1
