"""Small helpers shared by the secretaries' conversations: button labels and card replies.

Labels live in the conversation's own template family (``templates/report.j2`` …) as macros;
:func:`label` renders one as plain text, since Telegram does not parse HTML in buttons.
"""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Any, TypeVar

from markupsafe import Markup
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError

from bot import texts
from handlers.context import BotContext

T = TypeVar("T")


def label(family: str, name: str, /, **values: Any) -> str:
    """Button label ``name`` of ``templates/<family>.j2``, unescaped."""
    return Markup(texts.say(family, name, **values)).unescape()


def rows_of(items: Sequence[T], per_row: int) -> list[list[T]]:
    return [list(items[i : i + per_row]) for i in range(0, len(items), per_row)]


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
    await context.bot.send_message(context.caller().user_id, text, reply_markup=markup)


async def answer(update: Update, text: str | None = None, alert: bool = False) -> None:
    """Answer the tap (if this update is one) so the phone stops its spinner."""
    if update.callback_query is not None:
        # Another handler may already have answered this tap; a second answer is harmless to skip.
        with suppress(TelegramError):
            await update.callback_query.answer(text, show_alert=alert)
