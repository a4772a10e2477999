"""Long polling that never loses an update the bot received: each is kept in the database before
Telegram is told it arrived, and taken back by the next start if the bot died handling it.

python-telegram-bot's Updater confirms each batch (the offset of the next getUpdates) as soon as
it is queued, so an update being handled when the process dies is lost: the person's step goes
unanswered. Here a fetched batch is first written to ``update_inbox`` (storage/update_inbox.py, one
small transaction), then each update is handed to the Application's update processor (concurrent
across chats, in order within one) and deleted from the inbox once handled. Because the inbox holds
what is in flight, the next getUpdates may confirm the batch at once and long-poll as usual, so a
new update is picked up the moment it arrives. At a start the updates a crash left in the inbox are
handled first — at least once, never lost; replays are harmless because a guided step remembers the
update that moved it (handlers/dialog.py) and a report is stored in the transaction that consumes
its draft (storage/activities.py). An update taken back at more than a few starts is given up, so
one that kills the bot every time cannot keep it down. Network errors back off from 1 s to 30 s;
``RetryAfter`` waits as told.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from storage import update_inbox
from storage.db import Database

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 10.0
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
FINAL_CONFIRM_SECONDS = 5.0


class AcknowledgingPoller:
    """Fetch updates, keep each in ``db``'s inbox, hand it to ``application``, forget it once handled."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        db: Database,
        allowed_updates: Sequence[str],
        *,
        long_poll: float = LONG_POLL_SECONDS,
        first_backoff: float = FIRST_BACKOFF,
    ):
        self.application = application
        self.db = db
        self.allowed_updates = list(allowed_updates)
        self.long_poll = long_poll
        self.first_backoff = first_backoff
        self.offset = 0  # 0: Telegram starts from the oldest unconfirmed update
        self._taken_back: set[int] = set()  # handled from the inbox: Telegram may still send them once
        self._in_flight: dict[int, asyncio.Task[None]] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; then let the updates in flight finish and confirm them."""
        await self._take_back()
        backoff = 0.0
        try:
            while not stop.is_set():
                try:
                    raw = await self._fetch(stop)
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
                if raw:
                    await self._receive(raw)
        finally:
            await self._drain()

    async def _take_back(self) -> None:
        """Hand over what a crash left in the inbox before anything new."""
        left, dropped = await update_inbox.take_back(self.db)
        for update_id in dropped:
            log.error("update %s was given up: the bot stopped while handling it at every start", update_id)
        for data, update in self._read(left):
            self._taken_back.add(data["update_id"])
            log.warning("update %s was being handled when the bot stopped: handling it again", data["update_id"])
            self._dispatch(update)

    async def _receive(self, raw: list[dict[str, Any]]) -> None:
        """Keep a fetched batch, then hand it over; the next getUpdates confirms it."""
        self.offset = max(data["update_id"] for data in raw) + 1
        fresh = self._read(data for data in raw if data["update_id"] not in self._taken_back)
        self._taken_back = {update_id for update_id in self._taken_back if update_id >= self.offset}
        try:
            await update_inbox.keep(self.db, [data for data, _ in fresh])
        except Exception:  # noqa: BLE001 - a failing disk: answer the people anyway, only a crash now would lose these
            log.exception("could not keep updates %s before handling them", [update.update_id for _, update in fresh])
        for _, update in fresh:
            self._dispatch(update)

    def _read(self, raw: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], Update]]:
        """The updates python-telegram-bot can read; one it cannot is logged and skipped, not retried forever."""
        readable = []
        for data in raw:
            try:
                readable.append((data, Update.de_json(data, self.application.bot)))
            except Exception:  # noqa: BLE001 - one unreadable update must not stop the others
                log.exception("update %s could not be read; it is skipped", data.get("update_id"))
        return readable

    async def _fetch(self, stop: asyncio.Event) -> list[dict[str, Any]] | None:
        """One getUpdates, abandoned (nothing confirmed, nothing lost) if ``stop`` is set meanwhile."""
        fetch = asyncio.ensure_future(self._get_updates(self.long_poll))
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

    async def _get_updates(self, timeout: float) -> list[dict[str, Any]]:
        """getUpdates as Telegram sent it: the inbox keeps the raw update."""
        bot = self.application.bot
        params = {"offset": self.offset, "timeout": timeout, "allowed_updates": self.allowed_updates}
        read_timeout = (bot._request[0].read_timeout or 0) + timeout  # noqa: SLF001 - as Bot.get_updates reckons it
        raw = await bot._post("getUpdates", params, read_timeout=read_timeout)  # noqa: SLF001 - the raw updates, see above
        return list(raw)

    def _dispatch(self, update: Update) -> None:
        update_id = update.update_id
        task = asyncio.create_task(self._handle(update), name=f"update {update_id}")
        self._in_flight[update_id] = task
        task.add_done_callback(lambda done: self._done(update_id, done))

    async def _handle(self, update: Update) -> None:
        app = self.application
        try:
            await app.update_processor.process_update(update, app.process_update(update))
        finally:
            # Handled, or failed in a way the error handler already saw: either way it is not
            # taken back (an update that always fails must not come back forever).
            try:
                await update_inbox.handled(self.db, update.update_id)
            except Exception:  # noqa: BLE001 - a failing disk: at worst the next start handles it again
                log.exception("could not mark update %s as handled", update.update_id)

    def _done(self, update_id: int, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(update_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("update %s failed outside its handlers", update_id, exc_info=task.exception())

    async def _drain(self) -> None:
        """Let what is in flight finish, then tell Telegram what was received."""
        if self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        if self.offset:
            try:
                await asyncio.wait_for(
                    self.application.bot.get_updates(offset=self.offset, timeout=0, limit=1, allowed_updates=self.allowed_updates),
                    FINAL_CONFIRM_SECONDS,
                )
            except (TelegramError, asyncio.TimeoutError) as err:
                log.warning("could not confirm the last updates (%s); they will come again and be handled again", err)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less if ``stop`` is set."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
