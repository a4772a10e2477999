"""Personal data in chat: ``/mydata`` shows anyone what is stored about them; ``/erase`` lets a
leader erase a person (current or former), after a confirmation.

Buttons carry ``pv:page:<n>`` (a page of the list), ``pv:ask:<user>`` (the confirmation card) and
``pv:do:<user>`` (erase). The target is looked up again at every tap, so a forged or stale
button finds nobody to erase; a leader cannot erase themselves.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import texts
from bot.rules.user_input import parse_id
from handlers import ui
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.dialog import flows_of
from handlers.menus import set_menu_for
from handlers.paging import grid, page_of, pager_row
from storage import privacy
from storage import units as unit_store

PREFIX = "pv"
say, label = texts.family("privacy")


def _local(context: BotContext, moment: datetime | None) -> str:
    if moment is None:
        return ""
    return f"{moment.astimezone(context.services.settings.timezone):%Y-%m-%d %H:%M}"


async def mydata_command(update: Update, context: BotContext) -> None:
    """/mydata: everything the database holds about the caller, in plain words."""
    services = context.services
    data = await privacy.personal_data(services.db, context.caller().user_id)
    if data is None:
        await ui.reply(update, context, say("nothing_stored"))
        return
    flow = flows_of(context).get(data.open_dialog or "")
    text = say(
        "mydata",
        data=data,
        unit_name=data.unit_name,
        joined=_local(context, data.joined_at),
        dialog_title=(flow.title if flow else data.open_dialog) or "",
        dialog_at=_local(context, data.open_dialog_at),
        audit_lines=[(_local(context, line.at), line.action) for line in data.audit_latest],
        retention_days=services.settings.retention_days_after_leaving,
    )
    await ui.reply(update, context, text)


async def _unit_name(context: BotContext, unit_id: int | None) -> str | None:
    unit = await unit_store.get_unit(context.services.db, unit_id) if unit_id is not None else None
    return unit.name if unit else None


async def _candidates(context: BotContext) -> list[privacy.FormerPerson]:
    """Whom the caller may erase: not themselves, and not the leaders named in BOT_ADMIN_IDS
    (the next start would make them leaders again, under their id)."""
    kept = context.services.settings.admin_ids | {context.caller().user_id}
    return [e for e in await privacy.erasable_people(context.services.db) if e.person.user_id not in kept]


async def _show_list(update: Update, context: BotContext, page: int) -> None:
    candidates = await _candidates(context)
    if not candidates:
        await ui.reply(update, context, say("erase_none"))
        return
    shown, page, pages = page_of(candidates, page)
    rows = grid([ui.button(label("person_button", entry=e), PREFIX, "ask", e.person.user_id) for e in shown])
    pager = pager_row(f"{PREFIX}:page:", page, pages)
    if pager:
        rows.append(pager)
    await ui.reply(update, context, say("erase_list", count=len(candidates), page=page, pages=pages), InlineKeyboardMarkup(rows))


@leaders_only
async def erase_command(update: Update, context: BotContext) -> None:
    """/erase: current and former people, a page at a time, each with an erase button."""
    await _show_list(update, context, 0)


async def _find(context: BotContext, user_id: int) -> privacy.FormerPerson | None:
    return next((e for e in await _candidates(context) if e.person.user_id == user_id), None)


async def _ask(update: Update, context: BotContext, target: privacy.FormerPerson) -> None:
    """The confirmation card: who, which unit, since when, and what erasing does."""
    user_id = target.person.user_id
    markup = InlineKeyboardMarkup(
        [
            [ui.button(label("erase_confirm_button", name=target.person.display_name), PREFIX, "do", user_id)],
            [ui.button(texts.label("back"), PREFIX, "page", 0)],
        ]
    )
    card = say(
        "confirm_erase",
        entry=target,
        unit_name=await _unit_name(context, target.person.unit_id),
        joined=_local(context, target.joined_at),
        left=_local(context, target.left_at),
    )
    await ui.reply(update, context, card, markup)


async def _erase(update: Update, context: BotContext, target: privacy.FormerPerson) -> None:
    """Erase, say so, and tell the person (if they still had access) with the id's last use."""
    services, person = context.services, target.person
    if await privacy.erase_person(services.db, person.user_id, context.caller().user_id, services.now()) is None:
        await ui.reply(update, context, say("not_found"))
        return
    await ui.reply(update, context, say("erased", name=person.display_name))
    if person.active:
        try:
            await context.bot.send_message(person.user_id, say("erased_notice"))
        except TelegramError:
            pass  # blocked or gone: the erasure stands either way
    await set_menu_for(context.bot, replace(person, active=False))


_ON_PERSON = {"ask": _ask, "do": _erase}


@leaders_only
async def erase_button(update: Update, context: BotContext) -> None:
    """Taps ``pv:page:<n>``, ``pv:ask:<user>`` (confirm) and ``pv:do:<user>`` (erase)."""
    action, arg = ui.tapped(update)
    number = parse_id(arg, signed=True)
    if number is None or (action != "page" and action not in _ON_PERSON):
        await ui.answer_stale(update, context)
        return
    await ui.answer(update)
    if action == "page":
        await _show_list(update, context, number)
    elif number == context.caller().user_id:
        await ui.reply(update, context, say("cannot_erase_self"))
    elif (target := await _find(context, number)) is None:
        await ui.reply(update, context, say("not_found"))
    else:
        await _ON_PERSON[action](update, context, target)
