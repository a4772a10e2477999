"""Replying to a tap or a command in the same way everywhere: edit the tapped card in place, or
send a new message; and answering taps so the phone stops its spinner.
"""
from __future__ import annotations

import logging
from contextlib import suppress

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError

from bot import texts
from bot.rules.telegram_limits import CALLBACK_ANSWER_LIMIT, shorten
from bot.rules.user_input import parse_id
from handlers.context import BotContext
from storage.models import Person

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
            await update.callback_query.answer(None if text is None else shorten(text, CALLBACK_ANSWER_LIMIT), show_alert=alert)


def tapped(update: Update, count: int = 2) -> tuple[str, ...]:
    """The parts of the tapped button's data, as :func:`button_parts` reads them."""
    query = update.callback_query
    assert query is not None and query.data is not None
    return button_parts(query.data, count)


def stale_card(person: Person | None) -> str:
    """What a tap on a card that is gone (or button data that is not ours) is answered, worded for
    the caller: a secretary is sent back to 汇报活动, a leader or a stranger (no such button) to /help."""
    return texts.say("common", "stale_card", secretary=person is not None and person.is_secretary)


async def answer_stale(update: Update, context: BotContext) -> None:
    """Answer the tap with :func:`stale_card` for the caller."""
    await answer(update, stale_card(context.person))


async def tapped_id(update: Update, context: BotContext, part: str) -> int | None:
    """``part`` of the tapped button's data as a record id (bot.rules.user_input.parse_id); when it
    is not one (forged or damaged data), the tap is answered as a stale card and None returned, so
    nothing is looked up or changed."""
    record_id = parse_id(part)
    if record_id is None:
        await answer_stale(update, context)
    return record_id


def button_data(prefix: str, *parts: object) -> str:
    """Button data ``prefix:part:part…`` (``prefix:action:arg`` for most), read by :func:`button_parts`."""
    return ":".join((prefix, *map(str, parts)))


def button(label: str, prefix: str, *parts: object) -> InlineKeyboardButton:
    """An inline button carrying ``prefix:part:part…``."""
    return InlineKeyboardButton(label, callback_data=button_data(prefix, *parts))


def button_parts(data: str, count: int = 2) -> tuple[str, ...]:
    """The ``count`` parts after the prefix of button data (``prefix:action:arg`` → (action, arg)).

    Missing parts are empty strings; the last part keeps any further colons. The parts are text as
    anyone could have sent it: a part meant as a number goes through :func:`tapped_id` or
    bot.rules.user_input.parse_id before it is used.
    """
    return tuple((data.split(":", count)[1:] + [""] * count)[:count])
