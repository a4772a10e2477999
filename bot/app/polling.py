"""Long polling that confirms an update to Telegram only once the bot has handled it.

python-telegram-bot's Updater confirms each batch (the next getUpdates' offset) as soon as it is
queued, so an update being handled when the process dies is lost: the person's step goes
unanswered. Here an update is handed to the Application's update processor (concurrent across
chats, in order within one) and the offset sent with getUpdates is the lowest update not yet
finished, so a crash replays what was in flight — at least once, never lost. Replays are harmless
because a guided step remembers the update that moved it (handlers/dialog.py) and a report is
stored in the transaction that consumes its draft (storage/activities.py). While updates are in
flight Telegram would return them again at once, so the loop asks without waiting (timeout 0)
once one finishes (20 ms later, so a few are confirmed together) or every ``busy_interval``,
reads only the updates it has not handed over yet, and long-polls only when nothing is pending.
Network errors back off from 1 s to 30 s; ``RetryAfter`` waits as told.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 10.0
BUSY_INTERVAL = 0.1  # how often to look for new updates while others are still being handled
BUSY_GAP = 0.02  # the least time between two such looks
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
FINAL_CONFIRM_SECONDS = 5.0


class AcknowledgingPoller:
    """Fetch updates, hand each to ``application`` and confirm it only when it has been handled."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        allowed_updates: Sequence[str],
        *,
        long_poll: float = LONG_POLL_SECONDS,
        busy_interval: float = BUSY_INTERVAL,
        first_backoff: float = FIRST_BACKOFF,
    ):
        self.application = application
        self.allowed_updates = list(allowed_updates)
        self.long_poll = long_poll
        self.busy_interval = busy_interval
        self.first_backoff = first_backoff
        self._next_id = 0  # 0: Telegram starts from the oldest unconfirmed update
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._finished = asyncio.Event()

    @property
    def offset(self) -> int:
        """What getUpdates confirms: everything below the lowest update still being handled."""
        return min(self._in_flight) if self._in_flight else self._next_id

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; then let the updates in flight finish and confirm them."""
        backoff = 0.0
        try:
            while not stop.is_set():
                try:
                    updates = await self._fetch(stop)
                except (TimedOut, asyncio.TimeoutError):
                    continue  # a long poll the network cut short: ask again at once
                except RetryAfter as err:
                    log.warning("Telegram asks to wait %s before polling again", err.retry_after)
                    await _wait(stop, _seconds(err.retry_after))
                    continue
                except InvalidToken:
                    raise
                except Exception as err:  # noqa: BLE001 - network trouble or an answer that would not parse: keep serving
                    backoff = min(MAX_BACKOFF, max(self.first_backoff, backoff * 1.5))
                    log.warning("polling failed (%r); trying again in %.0f s", err, backoff, exc_info=not isinstance(err, TelegramError))
                    await _wait(stop, backoff)
                    continue
                backoff = 0.0
                for update in updates or ():
                    if update.update_id >= self._next_id:  # older ones are in flight or done
                        self._dispatch(update)
                if self._in_flight:
                    await _wait(stop, self.busy_interval, self._finished)
                    await _wait(stop, BUSY_GAP)  # a few more may finish: one poll confirms them together
        finally:
            await self._drain()

    async def _fetch(self, stop: asyncio.Event) -> tuple[Update, ...] | None:
        """One getUpdates, abandoned (nothing confirmed, nothing lost) if ``stop`` is set meanwhile."""
        self._finished.clear()  # set again by any update finishing from here on
        fetch = asyncio.ensure_future(self._get_updates(0 if self._in_flight else self.long_poll))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait((fetch, stopping), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await fetch
            return None
        return fetch.result()

    async def _get_updates(self, timeout: float) -> tuple[Update, ...]:
        """getUpdates, reading only the updates not handed over yet: the ones in flight come back
        with every poll, and building their objects again would cost more than the poll itself."""
        bot = self.application.bot
        params = {"offset": self.offset, "timeout": timeout, "allowed_updates": self.allowed_updates}
        read_timeout = (bot._request[0].read_timeout or 0) + timeout  # noqa: SLF001 - as Bot.get_updates reckons it
        raw = await bot._post("getUpdates", params, read_timeout=read_timeout)  # noqa: SLF001 - see above
        return tuple(Update.de_json(data, bot) for data in raw if data["update_id"] >= self._next_id)

    def _dispatch(self, update: Update) -> None:
        app = self.application
        update_id = update.update_id
        self._next_id = update_id + 1
        task = asyncio.create_task(app.update_processor.process_update(update, app.process_update(update)), name=f"update {update_id}")
        self._in_flight[update_id] = task
        task.add_done_callback(lambda done: self._done(update_id, done))

    def _done(self, update_id: int, task: asyncio.Task[None]) -> None:
        # Handled, or failed in a way the error handler already saw: either way it is not
        # fetched again (an update that always fails must not come back forever).
        self._in_flight.pop(update_id, None)
        self._finished.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("update %s failed outside its handlers", update_id, exc_info=task.exception())

    async def _drain(self) -> None:
        """Let what is in flight finish, then tell Telegram what was handled."""
        if self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        if self._next_id:
            try:
                await asyncio.wait_for(
                    self.application.bot.get_updates(offset=self.offset, timeout=0, limit=1, allowed_updates=self.allowed_updates),
                    FINAL_CONFIRM_SECONDS,
                )
            except (TelegramError, asyncio.TimeoutError) as err:
                log.warning("could not confirm the last updates (%s); they will be handled again", err)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


async def _wait(stop: asyncio.Event, seconds: float, also: asyncio.Event | None = None) -> None:
    """Sleep ``seconds``, or less if ``stop`` (or ``also``) is set."""
    waiters = [asyncio.ensure_future(stop.wait())]
    if also is not None:
        waiters.append(asyncio.ensure_future(also.wait()))
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
