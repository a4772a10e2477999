"""Whatever no command caught: typed answers go to the person's current step; else a hint."""
from __future__ import annotations

from telegram import Update

from bot import texts
from handlers import dialog
from handlers.context import BotContext


async def on_message(update: Update, context: BotContext) -> None:
    """A message that is not a command: continue the caller's conversation, or show a hint."""
    if await dialog.on_message(update, context):
        return
    await context.bot.send_message(context.caller().user_id, texts.say("common", "idle_hint"))


async def on_unknown_button(update: Update, context: BotContext) -> None:
    """A tap on a button whose data nothing recognises (old bot versions, forged data)."""
    assert update.callback_query is not None
    await update.callback_query.answer(texts.say("common", "stale_card"))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    """A command this bot does not have."""
    await context.bot.send_message(context.caller().user_id, texts.say("common", "unknown_command"))
