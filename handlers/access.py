"""The one gate in front of every handler, and the role guard handlers declare.

The gate (group -1) refuses anything outside a private chat, looks the caller up once, lets a
stranger's ``/start`` through to the invite check, and answers every other stranger's update with
the same short sentence without touching anything. Role guards (:func:`leaders_only`) only
declare who may use a command; nobody reaches a handler unchecked.
"""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot import texts
from handlers import ui
from handlers.context import BotContext
from storage import people
from storage.models import Person

Handler = Callable[[Update, BotContext], Awaitable[Any]]


async def _answer(update: Update, context: BotContext, text: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text)


async def gate(update: Update, context: BotContext) -> None:
    """Admit known people in private chats; refuse everything else politely and stop it here."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        raise ApplicationHandlerStop
    if chat.type != ChatType.PRIVATE:
        message = update.effective_message
        is_command = message is not None and message.text is not None and message.text.startswith("/")
        if update.callback_query is not None or is_command:
            await _answer(update, context, texts.say("common", "private_only"))
        raise ApplicationHandlerStop
    person = await people.get_person(context.services.db, user.id)
    known = person if person is not None and person.active else None
    query = update.callback_query
    if query is not None and query.message is not None and query.message.chat.id != user.id:
        await query.answer(ui.stale_card(known))  # a button meant for someone else
        raise ApplicationHandlerStop
    if person is not None and person.active:
        context.person = person
        return
    message = update.message
    if message is not None and message.text is not None and message.text.split()[0].split("@")[0] == "/start":
        return  # the start handler checks the invite code or explains how to get one
    await _answer(update, context, texts.say("common", "stranger"))
    raise ApplicationHandlerStop


def _only(allowed: Callable[[Person], bool], handler: Handler) -> Handler:
    """``handler``, run only for callers ``allowed`` admits; anyone else is told they may not."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> Any:
        if context.person is None or not allowed(context.person):
            await _answer(update, context, texts.say("common", "not_allowed"))
            return None
        return await handler(update, context)

    return guarded


def leaders_only(handler: Handler) -> Handler:
    """Let only leaders run ``handler``."""
    return _only(lambda person: person.is_leader, handler)


def secretaries_only(handler: Handler) -> Handler:
    """Let only secretaries (bound to a unit) run ``handler``."""
    return _only(lambda person: person.is_secretary, handler)
