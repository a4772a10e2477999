"""/audit: leaders read the audit log, newest first, a page at a time (``au:page:<n>``).

What each entry says comes from bot/audit_view.py (action names from templates/audit.j2, people
and units by their names); the page buttons are re-authorised on every tap.
"""
from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot import texts
from bot.audit_view import load_names, readable
from handlers import ui
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.paging import pager_row
from storage import audit

PREFIX = "au"
PAGE_SIZE = 10


async def show_page(update: Update, context: BotContext, page: int) -> None:
    services = context.services
    total = await audit.count_entries(services.db)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    names = await load_names(services.db)
    entries = [readable(e, names, services.settings.timezone) for e in await audit.latest(services.db, page * PAGE_SIZE, PAGE_SIZE)]
    rows = [pager_row(f"{PREFIX}:page:", page, pages), [ui.button(texts.plain("audit", "b_refresh"), PREFIX, "page", page)]]
    text = texts.say("audit", "page", entries=entries, page=page, pages=pages, total=total)
    await ui.reply(update, context, text, InlineKeyboardMarkup([row for row in rows if row]))


@leaders_only
async def audit_command(update: Update, context: BotContext) -> None:
    """/audit: the newest page of the audit log."""
    await show_page(update, context, 0)


@leaders_only
async def audit_button(update: Update, context: BotContext) -> None:
    """Taps ``au:page:<n>``."""
    action, arg = ui.tapped(update)
    page = await ui.tapped_id(update, context, arg)
    if page is None:
        return
    if action != "page":
        await ui.answer_stale(update, context)
        return
    await ui.answer(update)
    await show_page(update, context, page)
