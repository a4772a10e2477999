"""Reminder cards that stay true: a unit's reminder message re-drawn with what it still owes.

A reminder lists what the unit had not reported when it was sent. After any of its buttons — a
report opened from 去汇报 and submitted, a reason given for 本期未开展, 稍后提醒 — the message is
edited in place to what the meeting rules say now, so nobody acts on a list that is out of date.
The card is named by ``[reminder id, chat id, message id]`` (kept in a draft as ``card``).
"""
from __future__ import annotations

from contextlib import suppress
from typing import Any

from telegram import CallbackQuery
from telegram.error import BadRequest

from bot.reminders import messages, plan
from bot.reminders.queries import load_timing, unit_standing
from bot.rules.periods import period_from_key
from handlers.context import BotContext
from storage import reminders as store
from storage import units as unit_store


def card_of(query: CallbackQuery | None, reminder_id: int) -> list[int] | None:
    """The card a tap was made on, as a draft keeps it (None when the tap carried no message)."""
    message = query.message if query is not None else None
    return None if message is None else [reminder_id, message.chat.id, message.message_id]


async def refresh(context: BotContext, card: Any, line: str | None = None) -> None:  # noqa: ANN401 - JSON from a draft
    """Re-draw the reminder ``card`` with what its unit still owes for its period (and ``line``
    under it); a card that cannot be edited any more (deleted, too old) is left as it is."""
    if not isinstance(card, list) or len(card) != 3 or not all(isinstance(n, int) for n in card):
        return
    reminder_id, chat_id, message_id = card
    services = context.services
    reminder = await store.get_reminder(services.db, reminder_id)
    unit = await unit_store.get_unit(services.db, reminder.subject) if reminder is not None and reminder.kind == store.UNIT else None
    if reminder is None or unit is None:
        return
    period = period_from_key(reminder.period)
    standing = await unit_standing(services, unit, period)
    timing = await load_timing(services)
    now_local = services.now().astimezone(timing.tz)
    if standing.owed:
        times = plan.period_times(timing, period)
        text, markup = messages.unit_reminder(unit, times, standing.owed, reminder, now_local, services.kinds, standing.cycles)
    else:
        text, markup = messages.say("reminder_all_done", unit=unit, period=period), None
    if line:
        text = f"{text}\n\n{line}"
    with suppress(BadRequest):
        await context.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, reply_markup=markup)
