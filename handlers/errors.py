"""The one error handler: log the failure with its context, and tell the person something useful."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot import texts
from handlers.context import BotContext
from storage import people

log = logging.getLogger("bot.errors")


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if isinstance(error, (NetworkError, TimedOut, RetryAfter)) and not isinstance(error, Forbidden):
        log.warning("Telegram network trouble: %s", error)
        return
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_user is not None:
        await people.set_reachable(context.services.db, update.effective_user.id, False)
        log.info("user %s cannot be reached: %s", update.effective_user.id, error)
        return
    log.error("unhandled error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None and update.effective_chat.type == "private":
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(texts.say("common", "error")[:190], show_alert=True)
            else:
                await context.bot.send_message(update.effective_chat.id, texts.say("common", "error"))
        except Exception:  # noqa: BLE001 - nothing more can be done; it is already logged
            log.exception("could not tell the user about the error")
