"""Process updates concurrently across chats but strictly in order within one chat.

Two people never wait for each other, while one person's quick double tap is handled in the
order it was made. Observers registered with :meth:`ChatOrderedUpdateProcessor.add_observer` are
told when each update has been fully handled; the tests and the sandbox use that to know the
bot has finished answering.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.app.limiter import STEP_STARTED


def _chat_key(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 32):
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._observers: list[Callable[[object], None]] = []

    def add_observer(self, observer: Callable[[object], None]) -> None:
        self._observers.append(observer)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        try:
            if key is None:
                STEP_STARTED.set(time.monotonic())
                await coroutine
                return
            lock = self._locks.setdefault(key, asyncio.Lock())
            self._waiting[key] = self._waiting.get(key, 0) + 1
            try:
                async with lock:
                    STEP_STARTED.set(time.monotonic())  # the replies' place in the rate limiter's queue
                    await coroutine
            finally:
                self._waiting[key] -= 1
                if self._waiting[key] == 0:
                    del self._waiting[key]
                    self._locks.pop(key, None)
        finally:
            for observer in self._observers:
                observer(update)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""
