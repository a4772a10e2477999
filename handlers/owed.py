"""Saying what the bot owes a person before anything else: when a report was stored but its
confirmation did not reach them (Telegram failed), their next update — a tap on the old card, any
message — is first answered "HD0001 已保存", so nobody reports the same meeting twice.

Who is owed something is kept in memory (loaded at start), so the common update costs no
database trip; the messages themselves are in storage/owed_messages.py and survive a restart.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from handlers.context import BotContext
from storage import owed_messages as store
from storage.db import Database

log = logging.getLogger(__name__)

_OWED_KEY = "owed.people"


async def load(application: Application[Any, Any, Any, Any, Any, Any], db: Database) -> None:
    """Remember who is owed something (at start)."""
    application.bot_data[_OWED_KEY] = await store.people_owed(db)


def _owed(context: BotContext) -> set[int]:
    return context.application.bot_data.setdefault(_OWED_KEY, set())


async def owe(context: BotContext, user_id: int, text: str, now: datetime) -> None:
    """Keep ``text`` to say to ``user_id`` at their next update."""
    await store.owe(context.services.db, user_id, text, now)
    _owed(context).add(user_id)


async def settle(context: BotContext, user_id: int, text: str) -> None:
    """``text`` was owed from the start (stored with a report) and has now been said."""
    await store.forget(context.services.db, user_id, text)


async def say_owed(update: Update, context: BotContext) -> None:
    """Before anything else: say what is owed to the caller, if anything."""
    user = update.effective_user
    owed = _owed(context)
    if user is None or user.id not in owed:
        return
    owed.discard(user.id)
    texts = await store.take(context.services.db, user.id)
    for number, text in enumerate(texts):
        try:
            await context.bot.send_message(user.id, text)
        except TelegramError as err:
            log.warning("could not say what is owed to %s yet: %s", user.id, err)
            for unsaid in texts[number:]:
                await owe(context, user.id, unsaid, context.services.now())
            return
