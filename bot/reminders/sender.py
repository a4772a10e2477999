"""Sending one message with bounded retries, and saying plainly what became of it.

The bot's rate limiter (bot/app/limiter.py, built on ``AIORateLimiter``) paces every request to
Telegram's flood limits, lets replies to people go before the sends marked :data:`BULK` here, and
already retries a 429 (``RetryAfter``) a few times. On top of that, ``ReliableSender`` retries what is worth
retrying — a 429 that outlasted the limiter, 5xx answers and timeouts (PTB raises
``NetworkError``/``TimedOut``) — after growing pauses, and never retries what cannot succeed:
a 403 (the person blocked the bot) or a 400 (the message itself is wrong). The pauses and the
sleep function are injectable, so tests run with no waiting at all.

A timeout is ambiguous: Telegram may have delivered the message before the answer was lost, so a
retry after a timeout can show the person the same reminder twice. That is the at-least-once side
the reminder outbox chose (see README, "Deadlines and reminders").
"""
from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from storage.notices import Attachment

log = logging.getLogger(__name__)

DEFAULT_DELAYS: tuple[float, ...] = (1.0, 4.0, 15.0)


@dataclass(frozen=True)
class SendResult:
    message_id: int | None = None
    blocked: bool = False  # 403: the person blocked the bot
    retryable: bool = False  # failed for now; worth trying again later
    error: str | None = None

    @property
    def sent(self) -> bool:
        return self.message_id is not None


class Bulk(int):
    """``rate_limit_args`` marking a bulk send (a reminder, a notice): bot/app/limiter.py lets
    replies to people go first. As an int it is the number of 429 retries, which is all a plain
    ``AIORateLimiter`` reads from it."""


BULK = Bulk(3)


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ReliableSender:
    """``send`` tries ``len(delays) + 1`` times, pausing ``delays[i]`` seconds after failure i."""

    def __init__(
        self,
        bot: Bot,
        delays: Sequence[float] = DEFAULT_DELAYS,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ):
        self.bot = bot
        self.delays = tuple(delays)
        self.sleep = sleep
        # Marked as bulk only where a rate limiter reads the mark (python-telegram-bot refuses
        # rate_limit_args without one).
        self._bulk: dict[str, Bulk] = {"rate_limit_args": BULK} if getattr(bot, "rate_limiter", None) is not None else {}

    async def _send_once(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, attachment: Attachment | None) -> Message:
        """One request: a text message, or a photo or file with ``text`` as its caption (a notice's)."""
        if attachment is None:
            return await self.bot.send_message(chat_id, text, reply_markup=markup, **self._bulk)
        if attachment.kind == "photo":
            return await self.bot.send_photo(chat_id, attachment.file_id, caption=text, reply_markup=markup, **self._bulk)
        return await self.bot.send_document(chat_id, attachment.file_id, caption=text, reply_markup=markup, **self._bulk)

    async def send(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None, attachment: Attachment | None = None
    ) -> SendResult:
        last_error = ""
        for attempt in range(len(self.delays) + 1):
            try:
                message = await self._send_once(chat_id, text, markup, attachment)
                return SendResult(message_id=message.message_id)
            except Forbidden as err:
                return SendResult(blocked=True, error=str(err))
            except BadRequest as err:
                return SendResult(error=str(err))
            except RetryAfter as err:
                last_error, pause = str(err), retry_after_seconds(err)
            except NetworkError as err:  # 5xx, timeouts, connection trouble
                last_error, pause = str(err) or type(err).__name__, None
            except TelegramError as err:
                return SendResult(error=str(err))
            if attempt == len(self.delays):
                break
            pause = self.delays[attempt] if pause is None else max(pause, self.delays[attempt])
            log.info("sending to %s failed (%s); retrying in %.1f s", chat_id, last_error, pause)
            await self.sleep(pause)
        return SendResult(retryable=True, error=last_error)
