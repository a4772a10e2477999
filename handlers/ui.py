"""Replying to a tap or a command in the same way everywhere: edit the tapped card in place, or
send a new message; and answering taps so the phone stops its spinner.
"""
from __future__ import annotations

import logging
from contextlib import suppress

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError

from handlers.context import BotContext

log = logging.getLogger(__name__)


async def reply(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None
) -> None:
    """Edit the tapped card in place (inline markup only), or send a new message."""
    query = update.callback_query
    if query is not None and query.message is not None and not isinstance(markup, ReplyKeyboardMarkup):
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return
        except BadRequest as err:
            if "not modified" in str(err).lower():
                return
            log.info("could not edit the card, sending a new one: %s", err)
    await context.bot.send_message(context.caller().user_id, text, reply_markup=markup)


async def answer(update: Update, text: str | None = None, alert: bool = False) -> None:
    """Answer the tap (if this update is one) so the phone stops its spinner."""
    if update.callback_query is not None:
        # Another handler may already have answered this tap; a second answer is harmless to skip.
        with suppress(TelegramError):
            await update.callback_query.answer(text, show_alert=alert)


def button_parts(data: str) -> tuple[str, str]:
    """``prefix:action:arg`` button data as (action, arg); missing parts are empty strings."""
    _, action, arg = (data.split(":", 2) + ["", ""])[:3]
    return action, arg
