"""Whatever no command caught: typed answers go to the person's current step; a sentence or a
captioned photo that names an activity (``今天开了支委会``) starts a report with what it says
filled in (bot.rules.intent); anything else gets the main buttons (secretaries) or a short hint.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup, Update

from bot import texts
from bot.rules.intent import read_report
from handlers import commitments, dialog, my_reports, report, start, ui
from handlers.access import secretaries_only
from handlers.context import BotContext

PREFIX = "mn"
# The main buttons of a secretary's hint: (action, what it opens), in reading order.
MAIN_ACTIONS: dict[str, Callable[[Update, BotContext], Awaitable[None]]] = {
    "report": report.report_command,
    "my": my_reports.my_command,
    "commit": commitments.commit_command,
    "help": start.help_command,
}


def main_buttons() -> InlineKeyboardMarkup:
    """汇报活动 / 我的记录 / 承诺践诺 / 帮助, two to a row."""
    buttons = [ui.button(texts.plain("common", "b_main", action=action), PREFIX, action) for action in MAIN_ACTIONS]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:]])


async def on_message(update: Update, context: BotContext) -> None:
    """A message that is not a command: continue the caller's conversation, start a report the
    message names, or show the main buttons."""
    if await dialog.on_message(update, context):
        return
    person = context.caller()
    message = update.message
    if person.is_secretary and message is not None:
        intent = read_report(message.text or message.caption, context.services.today(), context.services.kinds)
        if intent is not None:
            await report.start_from_message(update, context, intent)
            return
        await context.bot.send_message(person.user_id, texts.say("common", "secretary_hint"), reply_markup=main_buttons())
        return
    await context.bot.send_message(person.user_id, texts.say("common", "leader_hint" if person.is_leader else "idle_hint"))


@secretaries_only
async def main_button(update: Update, context: BotContext) -> None:
    """A tap on one of the main buttons (``mn:<action>``)."""
    (action,) = ui.tapped(update, 1)
    opener = MAIN_ACTIONS.get(action)
    if opener is None:
        await ui.answer_stale(update, context)
        return
    await ui.answer(update)
    await opener(update, context)


async def on_unknown_button(update: Update, context: BotContext) -> None:
    """A tap on a button whose data nothing recognises (old bot versions, forged data)."""
    assert update.callback_query is not None
    await update.callback_query.answer(ui.stale_card(context.person))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    """A command this bot does not have."""
    await context.bot.send_message(context.caller().user_id, texts.say("common", "unknown_command"))
