"""The gate every Bot API call passes through: Telegram's flood limits, replies retried, and replies
ahead of bulk sends.

``PriorityRateLimiter`` is python-telegram-bot's ``AIORateLimiter`` (30 calls/s that name a chat,
429s waited out) with two additions:

- A reply to a person (any call not marked as bulk) that fails for a transient reason — a 5xx,
  a timeout, a flood wait the limiter gave up on — is tried again after short pauses
  (``reply_delays``; the sleep is injectable so tests do not wait). A 400 (the bot sent something
  wrong) or a 403 (the person blocked the bot) is never retried. When the last try fails too, the
  error reaches handlers/errors.py, which asks the person to tap again, or handlers/owed.py keeps
  what was not said. A timeout is ambiguous (the message may have arrived), so a retried send can
  show twice; an edit retried after it arrived is answered "not modified", which handlers/ui.py
  takes as done.
- Bulk sends (reminders, notices: bot/reminders/sender.py marks them with ``BULK``) give way:
  while any reply is waiting for its turn under the 30/s budget, a bulk send waits before it joins
  the queue, so a person tapping during a 300-unit fan-out is answered after at most the few bulk
  sends already queued (``REMINDER_SEND_CONCURRENCY``). Bulk sends keep their own retries
  (bot/reminders/sender.py), so they are not retried here.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

from bot.reminders.sender import Bulk, retry_after_seconds

log = logging.getLogger(__name__)

# Two more tries after the first, soon enough that the person is still looking at the phone.
REPLY_DELAYS: tuple[float, ...] = (0.5, 2.0)


class PriorityRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` that retries replies on transient errors and lets replies go before bulk sends."""

    def __init__(
        self,
        *,
        reply_delays: Sequence[float] = REPLY_DELAYS,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        **limits: Any,
    ):
        super().__init__(**limits)
        self.reply_delays = tuple(reply_delays)
        self._sleep = sleep
        # False makes bulk sends queue like replies (python-telegram-bot's own behaviour), for
        # bench/replies_during_fanout.py to measure what giving way is worth.
        self.replies_first = True
        self._replies_waiting = 0
        self._no_reply_waiting = asyncio.Event()
        self._no_reply_waiting.set()
        self._bulk_slot = asyncio.Semaphore(1)  # bulk sends waiting for their turn: one at most

    @property
    def replies_waiting(self) -> int:
        """Replies that have not yet got their turn under the rate limit."""
        return self._replies_waiting

    def _reply_queued(self) -> None:
        self._replies_waiting += 1
        self._no_reply_waiting.clear()

    def _reply_admitted(self) -> None:
        self._replies_waiting -= 1
        if self._replies_waiting == 0:
            self._no_reply_waiting.set()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if isinstance(rate_limit_args, Bulk):
            return await self._bulk(callback, args, kwargs, endpoint, data, int(rate_limit_args))
        for attempt in range(len(self.reply_delays) + 1):
            try:
                self._reply_queued()
                return await self._queued(self._reply_admitted, callback, args, kwargs, endpoint, data, rate_limit_args)
            except (BadRequest, Forbidden):
                raise  # BadRequest is a NetworkError to python-telegram-bot, but it is final
            except (NetworkError, RetryAfter) as err:
                if attempt == len(self.reply_delays):
                    raise
                pause = self.reply_delays[attempt]
                if isinstance(err, RetryAfter):
                    pause = max(pause, retry_after_seconds(err))
                log.warning("%s failed transiently (%r); try %d of %d in %.1f s", endpoint, err, attempt + 2, len(self.reply_delays) + 1, pause)
                await self._sleep(pause)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _bulk(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any], retries: int) -> Any:
        """A bulk send: it joins the queue only when no reply is waiting, and one at a time, so a
        reply that comes meanwhile competes with one bulk send at most for the next turn."""
        if not self.replies_first:
            return await super().process_request(callback, args, kwargs, endpoint, data, retries)
        while True:
            await self._no_reply_waiting.wait()
            await self._bulk_slot.acquire()
            if self._no_reply_waiting.is_set():
                break
            self._bulk_slot.release()  # a reply came while this send waited for the slot
        return await self._queued(self._bulk_slot.release, callback, args, kwargs, endpoint, data, retries)

    async def _queued(
        self,
        on_admitted: Callable[[], None],
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """The call through the rate limit; ``on_admitted`` runs once, when the limiter lets it
        through (or when it fails or is cancelled before that)."""
        waiting = True

        def admit() -> None:
            nonlocal waiting
            if waiting:
                waiting = False
                on_admitted()

        async def admitted(*call_args: Any, **call_kwargs: Any) -> Any:
            admit()
            return await callback(*call_args, **call_kwargs)

        try:
            return await super().process_request(admitted, args, kwargs, endpoint, data, rate_limit_args)
        finally:
            admit()
