"""The one error handler: tell failures apart, log each for what it is, and never leave the person
in silence.

- ``BadRequest`` (a 400: Telegram refused what the bot sent) is a bug in the bot, although
  python-telegram-bot makes it a subclass of ``NetworkError``: logged as an error, and the person
  gets the short apology.
- ``Forbidden`` (the person blocked the bot): they are marked unreachable; nobody to tell.
- Transient trouble (timeouts, 5xx, flood waits the rate limiter gave up on): logged as a warning,
  and the person is asked to try again — if that message gets through.
- Anything else is a bug: logged with its traceback, and the person gets the short apology.
"""
from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot import texts
from bot.rules.telegram_limits import CALLBACK_ANSWER_LIMIT, shorten
from handlers.context import BotContext
from storage import people

log = logging.getLogger("bot.errors")


def _is_transient(error: BaseException | None) -> bool:
    return isinstance(error, (NetworkError, TimedOut, RetryAfter)) and not isinstance(error, (BadRequest, Forbidden))


async def _tell(update: object, context: BotContext, text: str) -> None:
    """Say ``text`` to the person whose update failed (as an alert on a tap), if it gets through."""
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_chat.type != "private":
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(shorten(text, CALLBACK_ANSWER_LIMIT), show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, text)
    except Exception:  # noqa: BLE001 - nothing more can be done; the failure is already logged
        log.warning("could not tell the person about the failure", exc_info=True)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if _is_transient(error):
        log.warning("Telegram transient error (the person is asked to try again): %r", error)
        await _tell(update, context, texts.say("common", "try_again"))
        return
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_user is not None:
        await people.set_reachable(context.services.db, update.effective_user.id, False)
        log.info("user %s cannot be reached: %s", update.effective_user.id, error)
        return
    if isinstance(error, BadRequest):
        where = "; ".join(getattr(error, "__notes__", ()))  # the method and payload size (bot/app/limiter.py)
        log.error("Telegram refused a request the bot made (a bug): %s [%s]", error.message, where, exc_info=error)
    else:
        log.error("unhandled error while handling an update", exc_info=error)
    await _tell(update, context, texts.say("common", "error"))
