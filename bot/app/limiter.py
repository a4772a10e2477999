"""The gate every Bot API call passes through: Telegram's flood limits, replies retried, and replies
ahead of bulk sends.

``PriorityRateLimiter`` builds on python-telegram-bot's ``AIORateLimiter`` (which waits out 429s
and paces group chats) and changes how the overall budget is shared:

- **Turns in order, replies first.** Calls that name a chat share one budget (``rate`` per second,
  a short ``burst``), handed out by :class:`Pacer` in the order asked — first come, first served,
  which aiolimiter's own waiting does not promise — with every waiting reply served before any
  bulk send. Bulk sends are what bot/reminders/sender.py marks with ``BULK``: reminders,
  escalations, notices. So with 200 people at once each waits about as long as the budget itself
  forces, and a person tapping during a 2,000-unit fan-out waits for one turn, not for the fan-out.
  The budget is a little under Telegram's 30/s, so its bucket never runs dry (no 429s).
- **Replies retried.** A reply (any call not marked as bulk) that fails for a transient reason —
  a 5xx, a timeout, a flood wait the limiter gave up on — is tried again after short pauses
  (``reply_delays``; the sleep is injectable so tests do not wait). A 400 (the bot sent something
  wrong) or a 403 (the person blocked the bot) is never retried. When the last try fails too, the
  error reaches handlers/errors.py, which asks the person to tap again, or handlers/owed.py keeps
  what was not said. A timeout is ambiguous (the message may have arrived), so a retried send can
  show twice; an edit retried after it arrived is answered "not modified", which handlers/ui.py
  takes as done. Bulk sends keep their own retries (bot/reminders/sender.py), so they are not
  retried here.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextvars import ContextVar
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

from bot.reminders.sender import Bulk, retry_after_seconds

log = logging.getLogger(__name__)

# Two more tries after the first, soon enough that the person is still looking at the phone.
REPLY_DELAYS: tuple[float, ...] = (0.5, 2.0)
# Telegram allows about 30 messages a second; a little less keeps its bucket from running dry
# when requests arrive a few milliseconds apart from how they left. The Bot API stand-in
# (bot/fakeapi/server.py) models that bucket with a burst of 30, three times ours: sent at RATE
# after a BURST, the messages stay below what it lets through as long as none arrives more than
# half a second later than it left. 29.8 rather than 29: at 29 a fan-out could not pass 0.967 of the
# 30/s; at 29.8 a 2,000-unit fan-out reaches 0.99 with no 429.
RATE = 29.8
BURST = 10


# When the update being handled began (set by bot/app/update_processor.py): a reply's place in the
# queue. A step that needs two calls (提交: the card, then the confirmation) gets its second turn
# ahead of the steps that began after it, so it waits for the queue once, not twice.
STEP_STARTED: ContextVar[float] = ContextVar("step_started")


class Pacer:
    """Turns at ``rate`` per second (after a ``burst`` at once): every waiting reply before any bulk
    send; replies by when their update began (:data:`STEP_STARTED`, else when they asked), bulk
    sends in the order asked. ``clock`` and ``sleep`` are injectable for tests."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ):
        self.interval = 1.0 / rate
        self.burst_span = burst * self.interval
        self.clock = clock
        self._sleep = sleep
        self._next = 0.0  # the "theoretical arrival time": the budget is full again from then on
        self._replies: list[tuple[float, int, asyncio.Future[None]]] = []  # a heap
        self._bulk: deque[asyncio.Future[None]] = deque()
        self._asked = itertools.count()
        self._handing_out: asyncio.Task[None] | None = None  # waiting for the budget to refill
        self._soon = False  # a hand-out is scheduled for the loop's next round

    @property
    def replies_waiting(self) -> int:
        return sum(1 for _, _, turn in self._replies if not turn.done())

    @property
    def bulk_waiting(self) -> int:
        return sum(1 for turn in self._bulk if not turn.done())

    async def turn(self, bulk: bool, since: float | None = None) -> None:
        """Wait for a turn: a bulk send's when ``bulk``, else a reply's, placed by ``since``."""
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()
        if bulk:
            self._bulk.append(turn)
        else:
            heapq.heappush(self._replies, (self.clock() if since is None else since, next(self._asked), turn))
        if not self._soon and (self._handing_out is None or self._handing_out.done()):
            # Handed out on the loop's next round, once every turn asked in this one is queued
            # (so a reply asked just after a bulk send still goes first); a plain callback, since
            # most turns need no waiting, and a task only when one does.
            self._soon = True
            loop.call_soon(self._hand_out_ready)
        await turn  # cancelled while waiting: the future is cancelled too, and skipped

    def _next_turn(self) -> asyncio.Future[None] | None:
        """The first turn still wanted, without taking it."""
        while self._replies and self._replies[0][2].done():  # cancelled while waiting
            heapq.heappop(self._replies)
        while self._bulk and self._bulk[0].done():
            self._bulk.popleft()
        if self._replies:
            return self._replies[0][2]
        return self._bulk[0] if self._bulk else None

    def _grant_ready(self) -> float:
        """Hand out every turn the budget allows now; the seconds until the next one can go (0
        when none is waiting)."""
        while (turn := self._next_turn()) is not None:
            now = self.clock()
            ready_at = self._next - self.burst_span
            if ready_at > now:
                return ready_at - now
            self._next = max(self._next, now) + self.interval
            if self._replies and self._replies[0][2] is turn:
                heapq.heappop(self._replies)
            else:
                self._bulk.popleft()
            turn.set_result(None)
        return 0.0

    def _hand_out_ready(self) -> None:
        self._soon = False
        if (self._handing_out is None or self._handing_out.done()) and self._grant_ready():
            self._handing_out = asyncio.create_task(self._hand_out())

    async def _hand_out(self) -> None:
        while wait := self._grant_ready():
            await self._sleep(wait)  # a reply may come meanwhile: it goes first after the pause


class PriorityRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` whose overall budget is a :class:`Pacer` (replies first, in order), and
    that retries replies on transient errors."""

    def __init__(
        self,
        *,
        rate: float = RATE,
        burst: int = BURST,
        reply_delays: Sequence[float] = REPLY_DELAYS,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        pacer: Pacer | None = None,
        **limits: Any,
    ):
        # The overall budget is the pacer's (none when rate is 0); AIORateLimiter keeps the rest.
        super().__init__(overall_max_rate=0, **limits)
        self.pacer = pacer or (Pacer(rate, burst) if rate else None)
        self.reply_delays = tuple(reply_delays)
        self._sleep = sleep
        # False gives bulk sends the same queue as replies (first come, first served), for
        # bench/replies_during_fanout.py to measure what giving way is worth.
        self.replies_first = True

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        bulk = isinstance(rate_limit_args, Bulk)
        paced = self._paced(callback, bulk and self.replies_first) if self.pacer and data.get("chat_id") is not None else callback
        if bulk:
            return await super().process_request(paced, args, kwargs, endpoint, data, int(rate_limit_args))  # type: ignore[arg-type]
        for attempt in range(len(self.reply_delays) + 1):
            try:
                return await super().process_request(paced, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest as err:
                # Final, although python-telegram-bot makes it a NetworkError. Which call and how
                # big, for the log (handlers/errors.py) to say what was refused.
                err.add_note(f"{endpoint}, {len(json.dumps(data, default=str, ensure_ascii=False).encode())} bytes")
                raise
            except Forbidden:
                raise
            except (NetworkError, RetryAfter) as err:
                if attempt == len(self.reply_delays):
                    raise
                pause = self.reply_delays[attempt]
                if isinstance(err, RetryAfter):
                    pause = max(pause, retry_after_seconds(err))
                log.warning("%s failed transiently (%r); try %d of %d in %.1f s", endpoint, err, attempt + 2, len(self.reply_delays) + 1, pause)
                await self._sleep(pause)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _paced(self, callback: Callable[..., Coroutine[Any, Any, Any]], bulk: bool) -> Callable[..., Coroutine[Any, Any, Any]]:
        """``callback`` run once the pacer gives it a turn (each try waits for a turn of its own)."""
        pacer = self.pacer
        assert pacer is not None

        async def paced(*call_args: Any, **call_kwargs: Any) -> Any:
            await pacer.turn(bulk, None if bulk else STEP_STARTED.get(None))
            return await callback(*call_args, **call_kwargs)

        return paced
