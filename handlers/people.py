"""/people: leaders see who has access and can revoke it."""
from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import texts
from bot.rules.user_input import parse_id
from handlers import ui
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.menus import set_menu_for
from handlers.paging import grid, page_of, pager_row
from storage import people
from storage import units as unit_store


async def _show(update: Update, context: BotContext, page: int) -> None:
    db = context.services.db
    everyone = await people.list_people(db)
    units_by_id = {u.id: u for u in await unit_store.list_units(db, include_archived=True)}
    leaders = [p for p in everyone if p.role == "leader"]
    secretaries = [p for p in everyone if p.role == "secretary"]
    others = [p for p in everyone if p.user_id != context.caller().user_id]
    shown, page, pages = page_of(others, page)
    rows = grid([ui.button(f"⛔ {p.display_name}", "p", "ask", p.user_id) for p in shown])
    pager = pager_row("p:page:", page, pages)
    if pager:
        rows.append(pager)
    text = texts.say("people", "list", leaders=leaders, secretaries=secretaries, units_by_id=units_by_id)
    await ui.reply(update, context, text, InlineKeyboardMarkup(rows) if rows else None)


@leaders_only
async def people_command(update: Update, context: BotContext) -> None:
    """/people: everyone with access, with a revoke button each."""
    await _show(update, context, 0)


@leaders_only
async def people_button(update: Update, context: BotContext) -> None:
    """Taps ``p:page:<n>``, ``p:ask:<user>`` (confirm) and ``p:rev:<user>`` (revoke)."""
    action, arg = ui.tapped(update)
    number = parse_id(arg, signed=True)
    if number is None or action not in ("page", "ask", "rev"):
        await ui.answer(update, texts.say("common", "stale_card"))
        return
    await ui.answer(update)
    services = context.services
    if action == "page":
        await _show(update, context, number)
        return
    user_id = number
    if user_id == context.caller().user_id:
        await ui.reply(update, context, texts.say("people", "cannot_revoke_self"), None)
        return
    target = await people.get_person(services.db, user_id)
    if target is None or not target.active:
        await ui.reply(update, context, texts.say("people", "not_found"), None)
        return
    if action == "ask":
        markup = InlineKeyboardMarkup([[ui.button(texts.label("revoke_confirm", name=target.display_name), "p", "rev", user_id)]])
        await ui.reply(update, context, texts.say("people", "confirm_revoke", person=target), markup)
        return
    revoked = await people.revoke(services.db, user_id, context.caller().user_id, services.now())
    if revoked is None:
        await ui.reply(update, context, texts.say("people", "not_found"), None)
        return
    await ui.reply(update, context, texts.say("people", "revoked", person=revoked), None)
    await set_menu_for(context.bot, revoked)
    try:
        await context.bot.send_message(user_id, texts.say("people", "access_revoked_notice"))
    except TelegramError:
        pass  # they may have blocked the bot; the revocation stands either way
