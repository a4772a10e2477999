"""The real bot and the stand-in running together, driven as people would drive it.

Used by the end-to-end tests and the sandbox. ``BotHarness`` starts the stand-in on 127.0.0.1,
builds the real Application against it (polling, a real SQLite file) and knows when the bot has
finished with each update, so a test reads like a session on a phone::

    leader = harness.person(1001, "王书记")
    replies = await leader.send("/addunit")
    await leader.send("山宁村党支部")
    await leader.tap("村")
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app.limiter import PriorityRateLimiter
from bot.app.polling import AcknowledgingPoller
from bot.app.runner import ALLOWED_UPDATES
from bot.app.update_processor import ChatOrderedUpdateProcessor
from bot.app.wiring import build_application
from bot.config import Settings, load_settings
from bot.fakeapi.server import FakeBotApi, FloodLimits, SentMessage
from bot.texts import plain
from storage.db import Database, open_database

TEST_TOKEN = "123456:TEST-token-never-real"
PROCESS_TIMEOUT = 15.0


class FakeClock:
    """A clock the tests move by hand: ``clock.set(...)``, ``clock.advance(...)``."""

    def __init__(self, start: datetime):
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


@dataclass
class Person:
    """A simulated Telegram user talking to the bot in a private chat."""

    harness: "BotHarness"
    user_id: int
    name: str

    async def send(self, text: str) -> list[SentMessage]:
        return await self.harness.run(lambda: self.harness.api.send_text(self.user_id, text), self.user_id)

    async def send_photo(self, caption: str | None = None, album: str | None = None) -> list[SentMessage]:
        """A photo, captioned or not; ``album`` is the media group it belongs to, if any."""
        send = self.harness.api.send_photo
        return await self.harness.run(lambda: send(self.user_id, caption=caption, media_group_id=album)[0], self.user_id)

    async def send_document(self, content: bytes, file_name: str) -> list[SentMessage]:
        return await self.harness.run(lambda: self.harness.api.send_document(self.user_id, content, file_name), self.user_id)

    async def send_sticker(self) -> list[SentMessage]:
        return await self.harness.run(lambda: self.harness.api.send_sticker(self.user_id), self.user_id)

    async def send_location(self) -> list[SentMessage]:
        return await self.harness.run(lambda: self.harness.api.send_location(self.user_id), self.user_id)

    async def send_voice(self) -> list[SentMessage]:
        return await self.harness.run(lambda: self.harness.api.send_voice(self.user_id), self.user_id)

    def last(self) -> SentMessage:
        """The latest message the bot sent to this person."""
        return self.harness.api.last_message(self.user_id)

    def find_button(self, label: str, message: SentMessage | None = None) -> tuple[SentMessage, str]:
        """The newest message with a button whose label contains ``label``, and that button's data."""
        candidates = [message] if message else list(reversed(self.harness.api.bot_messages(self.user_id)))
        for candidate in candidates:
            for row in candidate.buttons:
                for button in row:
                    if label in button["text"] and "callback_data" in button:
                        return candidate, button["callback_data"]
        raise AssertionError(f"no button labelled {label!r}; latest: {[b['text'] for r in (candidates[0].buttons if candidates else []) for b in r]}")

    async def tap(self, label: str, message: SentMessage | None = None) -> list[SentMessage]:
        """Tap the button labelled ``label`` on ``message`` (default: the newest that has one)."""
        target, data = self.find_button(label, message)
        return await self.tap_data(data, target)

    async def tap_data(self, data: str, message: SentMessage | None = None) -> list[SentMessage]:
        """Send a callback with arbitrary ``data`` (to test forged or stale buttons)."""
        target = message or self.last()
        return await self.harness.run(lambda: self.harness.api.press(self.user_id, target, data), self.user_id)

    def answers(self) -> list[str]:
        """Texts of callback answers (toasts/alerts) the bot gave, newest last."""
        return [str(p.get("text", "")) for m, p in self.harness.api.calls if m == "answerCallbackQuery"]


@dataclass
class BotHarness:
    """Stand-in + real Application + real SQLite file. Use as ``async with BotHarness(...)``."""

    database_path: Path
    clock: FakeClock
    env: dict[str, str] = field(default_factory=dict)
    flood: FloodLimits | None = None
    # Replies failing transiently are tried again at once: tests do not wait.
    reply_delays: tuple[float, ...] = (0.0, 0.0)
    # The Bot API calls' read timeout (None: python-telegram-bot's), and the overall pace of
    # calls (None: the limiter's, just under Telegram's 30/s; 0: unpaced).
    read_timeout: float | None = None
    rate: float | None = None
    api: FakeBotApi = field(init=False)
    app: Application[Any, Any, Any, Any, Any, Any] | None = field(init=False, default=None)
    db: Database | None = field(init=False, default=None)
    settings: Settings = field(init=False)
    _done: dict[int, asyncio.Event] = field(init=False, default_factory=dict)
    _touched: dict[int, list[SentMessage]] = field(init=False, default_factory=dict)
    _polling: asyncio.Task[None] | None = field(init=False, default=None)
    _stop_polling: asyncio.Event = field(init=False, default_factory=asyncio.Event)

    async def __aenter__(self) -> "BotHarness":
        self.api = FakeBotApi(flood=self.flood or FloodLimits(per_chat_burst=1000))
        self.api.add_bot(TEST_TOKEN)
        self.api.on_bot_message(self._on_bot_message)
        await self.api.start()
        self.settings = load_settings(self._env_now())
        await self.start_bot()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_bot()
        await self.api.stop()

    @property
    def tries(self) -> int:
        """How many times a reply that keeps failing transiently is tried (bot/app/limiter.py)."""
        return len(self.reply_delays) + 1

    def _on_bot_message(self, event: str, message: SentMessage) -> None:
        touched = self._touched.get(message.chat_id)
        if touched is not None and message not in touched:
            touched.append(message)

    def _on_processed(self, update: object) -> None:
        if isinstance(update, Update):
            self._done.setdefault(update.update_id, asyncio.Event()).set()

    async def start_bot(self) -> None:
        """Open the database and start a fresh Application polling the stand-in."""
        self.db = await open_database(self.settings.database_path)
        processor = ChatOrderedUpdateProcessor()
        processor.add_observer(self._on_processed)
        pace = {} if self.rate is None else {"rate": self.rate}
        limiter = PriorityRateLimiter(max_retries=5, reply_delays=self.reply_delays, **pace)
        self.app = build_application(self.settings, self.db, clock=self.clock, update_processor=processor, rate_limiter=limiter, read_timeout=self.read_timeout)
        await self.app.initialize()
        if self.app.post_init is not None:  # run_polling would call it; we start by hand
            await self.app.post_init(self.app)
        await self.app.start()
        # Served as `python -m bot run` serves it: confirming each update once it is handled.
        self._stop_polling = asyncio.Event()
        self._polling = asyncio.create_task(AcknowledgingPoller(self.app, self.db, ALLOWED_UPDATES, long_poll=5.0).run(self._stop_polling))

    async def stop_bot(self) -> None:
        """Stop the Application and close the database, as a graceful shutdown does."""
        if self.app is not None:
            if self._polling is not None:
                self._stop_polling.set()
                await self._polling
                self._polling = None
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()
            self.app = None
        if self.db is not None:
            await self.db.close()
            self.db = None

    async def restart(self, **env: str) -> None:
        """Stop the bot and start a new one on the same database (settings may change)."""
        await self.stop_bot()
        if env:
            self.settings = load_settings({**self._env_now(), **env})
        await self.start_bot()

    def _env_now(self) -> dict[str, str]:
        return {
            "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_BASE_URL": self.api.base_url,
            "DATABASE_PATH": str(self.database_path),
            "ORG_NAME": plain("names", "demo_org"),
            **self.env,
        }

    def person(self, user_id: int, name: str, last_name: str | None = None) -> Person:
        self.api.add_user(user_id, name, last_name)
        return Person(self, user_id, name + (last_name or ""))

    async def run(self, act: Callable[[], int], chat_id: int) -> list[SentMessage]:
        """Do ``act`` (which queues one update), wait until the bot has handled it, and return
        the messages the bot sent or edited in ``chat_id`` meanwhile."""
        touched: list[SentMessage] = []
        self._touched[chat_id] = touched
        update_id = act()
        event = self._done.setdefault(update_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), PROCESS_TIMEOUT)
        finally:
            self._touched.pop(chat_id, None)
            self._done.pop(update_id, None)
        return touched
