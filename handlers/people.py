"""/people: leaders see, unit by unit, who has joined and which invites wait; they move a
secretary to another unit or revoke anyone's access, and the person is told either way. The list
is cut into pages that each fit a message, a unit of many people running on over several pages.

Buttons carry ``p:<action>:<arg>[:<arg>]`` and are re-authorised and re-read on every tap:
``page:<n>`` the list, ``who:<user>`` a person's card, ``mv:<user>:<page>`` the units to move
them to, ``to:<user>:<unit>`` the confirmation, ``mvok:<user>:<unit>`` the move; ``ask:<user>``
and ``rev:<user>`` confirm and revoke. A half-filled report of a moved or revoked secretary stays
with the unit (storage/people.py), for the unit's next secretary to continue.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import texts
from bot.rules.telegram_limits import MESSAGE_LIMIT, telegram_length
from bot.rules.user_input import parse_id
from handlers import ui
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.menus import set_menu_for
from handlers.paging import grid, page_of, pager_row
from storage import invites, people
from storage import units as unit_store
from storage.models import Person, Unit

GROUPS_PER_PAGE = 8
PEOPLE_PER_PAGE = 30  # names on one page, each a button: 15 rows of two
# A page's text is kept this far under Telegram's limit: its title and closing lines are measured
# with one page of a few, the page numbers of a longer list take a few characters more.
PAGE_SLACK = 100
_ACTIONS = {"page": 1, "who": 1, "ask": 1, "rev": 1, "mv": 2, "to": 2, "mvok": 2}


@dataclass
class Group:
    """One block of the list: the leaders (``unit`` None) or one unit, with its people and the
    expiry of each invite still waiting to be used."""

    unit: Unit | None
    people: list[Person] = field(default_factory=list)
    invites: list[str] = field(default_factory=list)


def _local(context: BotContext, moment: datetime) -> str:
    return moment.astimezone(context.services.settings.timezone).strftime("%Y-%m-%d %H:%M")


async def _groups(context: BotContext) -> tuple[list[Group], int]:
    """The leaders, then every unit someone has joined or is invited to; and how many active
    units have neither."""
    db = context.services.db
    all_units = await unit_store.list_units(db, include_archived=True)
    leaders = Group(None)
    by_unit = {u.id: Group(u) for u in all_units}
    for person in await people.list_people(db):
        group = leaders if person.unit_id is None else by_unit.get(person.unit_id)
        if group is not None:
            group.people.append(person)
    for invite in await invites.pending_invites(db, context.services.now()):
        group = leaders if invite.unit_id is None else by_unit.get(invite.unit_id)
        if group is not None:
            group.invites.append(_local(context, invite.expires_at))
    shown = [g for g in by_unit.values() if g.people or g.invites]
    empty = sum(1 for g in by_unit.values() if not (g.people or g.invites) and g.unit and not g.unit.archived)
    return [leaders, *shown], empty


@dataclass
class Block:
    """What one page shows of a group: a run of its people (all of them when it fits), from the
    ``first``-th, of ``total``; its waiting invites go with its last run."""

    unit: Unit | None
    people: list[Person]
    invites: list[str]
    total: int
    first: int = 0


def cut_into_pages(groups: list[Group], empty_units: int) -> list[list[Block]]:
    """The list cut into pages that each fit one message by construction: at most
    ``GROUPS_PER_PAGE`` groups and ``PEOPLE_PER_PAGE`` names a page, and every line measured as
    Telegram counts it — a unit of hundreds of people runs on over as many pages as it needs."""
    budget = MESSAGE_LIMIT - PAGE_SLACK - telegram_length(texts.say("people", "list", groups=[], page=0, pages=2, empty_units=empty_units))
    pages: list[list[Block]] = [[]]
    used = names = 0
    for group in groups:
        lines = [telegram_length(texts.say("people", "person_line", p=p)) + 1 for p in group.people]
        invites = telegram_length(texts.say("people", "invite_lines", invites=group.invites)) + 2
        start = 0
        while True:
            block = Block(group.unit, [], [], len(group.people), start)
            cost = telegram_length(texts.say("people", "group_head", g=dataclasses.replace(block, first=max(start, 1)))) + 2
            while start + len(block.people) < len(group.people) and names + len(block.people) < PEOPLE_PER_PAGE:
                line = lines[start + len(block.people)]
                if used + cost + line > budget and (pages[-1] or block.people):
                    break  # (a page takes one name at least, however long: the loop always moves on)
                cost += line
                block.people.append(group.people[start + len(block.people)])
            done = start + len(block.people) == len(group.people)
            if done:
                block.invites, cost = group.invites, cost + invites
            if pages[-1] and (len(pages[-1]) == GROUPS_PER_PAGE or used + cost > budget or not (done or block.people)):
                pages.append([])  # what is left of the group starts the next page
                used = names = 0
                continue
            pages[-1].append(block)
            used, names, start = used + cost, names + len(block.people), start + len(block.people)
            if done:
                break
    return pages


async def _show(update: Update, context: BotContext, page: int) -> None:
    groups, empty = await _groups(context)
    pages = cut_into_pages(groups, empty)
    page = min(max(page, 0), len(pages) - 1)
    shown = pages[page]
    me = context.caller().user_id
    rows = grid([ui.button(f"👤 {p.display_name}", "p", "who", p.user_id) for b in shown for p in b.people if p.user_id != me])
    pager = pager_row("p:page:", page, len(pages))
    if pager:
        rows.append(pager)
    text = texts.say("people", "list", groups=shown, page=page, pages=len(pages), empty_units=empty)
    await ui.reply(update, context, text, InlineKeyboardMarkup(rows) if rows else None)


def _back(user_id: int) -> InlineKeyboardButton:
    return ui.button(texts.label("back"), "p", "who", user_id)


async def _card(update: Update, context: BotContext, person: Person) -> None:
    unit = await unit_store.get_unit(context.services.db, person.unit_id) if person.unit_id else None
    rows = [[ui.button(texts.label("revoke"), "p", "ask", person.user_id)]]
    if person.is_secretary:
        rows[0].insert(0, ui.button(texts.plain("people", "b_move"), "p", "mv", person.user_id, 0))
    rows.append([ui.button(texts.plain("privacy", "b_erase"), "pv", "ask", person.user_id)])
    rows.append([ui.button(texts.plain("people", "b_list"), "p", "page", 0)])
    await ui.reply(update, context, texts.say("people", "card", person=person, unit=unit), InlineKeyboardMarkup(rows))


async def _choose_unit(update: Update, context: BotContext, person: Person, page: int) -> None:
    targets = [u for u in await unit_store.list_units(context.services.db) if u.id != person.unit_id]
    if not targets:
        await ui.reply(update, context, texts.say("people", "no_other_unit"), InlineKeyboardMarkup([[_back(person.user_id)]]))
        return
    shown, page, pages = page_of(targets, page)
    rows = grid([ui.button(u.name, "p", "to", person.user_id, u.id) for u in shown])
    pager = pager_row(f"p:mv:{person.user_id}:", page, pages)
    if pager:
        rows.append(pager)
    rows.append([_back(person.user_id)])
    text = texts.say("people", "choose_unit", person=person, page=page, pages=pages)
    await ui.reply(update, context, text, InlineKeyboardMarkup(rows))


async def _confirm_move(update: Update, context: BotContext, person: Person, unit: Unit) -> None:
    db = context.services.db
    current = await unit_store.get_unit(db, person.unit_id) if person.unit_id else None
    markup = InlineKeyboardMarkup(
        [[ui.button(texts.plain("people", "b_move_confirm"), "p", "mvok", person.user_id, unit.id)], [_back(person.user_id)]]
    )
    await ui.reply(update, context, texts.say("people", "confirm_move", person=person, old=current, new=unit), markup)


async def _move(update: Update, context: BotContext, person: Person, unit: Unit) -> None:
    services = context.services
    old = await unit_store.get_unit(services.db, person.unit_id) if person.unit_id else None
    moved = await people.move(services.db, person.user_id, unit.id, context.caller().user_id, services.now())
    if moved is None:  # moved already, revoked, or the unit was archived meanwhile
        await ui.reply(update, context, texts.say("people", "move_failed"), None)
        return
    told = await _tell(context, moved.user_id, texts.say("people", "moved_notice", old=old, new=unit))
    await ui.reply(update, context, texts.say("people", "moved", person=moved, new=unit, told=told), None)


async def _revoke(update: Update, context: BotContext, person: Person) -> None:
    services = context.services
    revoked = await people.revoke(services.db, person.user_id, context.caller().user_id, services.now())
    if revoked is None:
        await ui.reply(update, context, texts.say("people", "not_found"), None)
        return
    await set_menu_for(context.bot, revoked)
    told = await _tell(context, revoked.user_id, texts.say("people", "access_revoked_notice"))
    await ui.reply(update, context, texts.say("people", "revoked", person=revoked, told=told), None)


async def _tell(context: BotContext, user_id: int, text: str) -> bool:
    """Tell the person what a leader changed; False when Telegram would not take it (they may have
    blocked the bot: the change stands either way, and the leader is told it was not delivered)."""
    try:
        await context.bot.send_message(user_id, text)
    except TelegramError:
        return False
    return True


@leaders_only
async def people_command(update: Update, context: BotContext) -> None:
    """/people: everyone with access and every invite waiting, unit by unit."""
    await _show(update, context, 0)


def _parsed(update: Update) -> tuple[str, list[int]] | None:
    """The tapped action and its numbers, or None when the data is not one of ours."""
    action, *parts = ui.tapped(update, 3)
    wanted = _ACTIONS.get(action)
    if wanted is None or any(parts[wanted:]):
        return None
    numbers = [parse_id(part, signed=True) for part in parts[:wanted]]
    if any(n is None for n in numbers):
        return None
    return action, [n for n in numbers if n is not None]


@leaders_only
async def people_button(update: Update, context: BotContext) -> None:
    """Every ``p:`` tap (see the module docstring)."""
    parsed = _parsed(update)
    if parsed is None:
        await ui.answer_stale(update, context)
        return
    action, numbers = parsed
    await ui.answer(update)
    if action == "page":
        await _show(update, context, numbers[0])
        return
    db = context.services.db
    user_id = numbers[0]
    if user_id == context.caller().user_id:
        await ui.reply(update, context, texts.say("people", "cannot_change_self"), None)
        return
    target = await people.get_person(db, user_id)
    if target is None or not target.active:
        await ui.reply(update, context, texts.say("people", "not_found"), None)
        return
    if action == "who":
        await _card(update, context, target)
    elif action == "ask":
        markup = InlineKeyboardMarkup(
            [[ui.button(texts.label("revoke_confirm", name=target.display_name), "p", "rev", user_id)], [_back(user_id)]]
        )
        await ui.reply(update, context, texts.say("people", "confirm_revoke", person=target), markup)
    elif action == "rev":
        await _revoke(update, context, target)
    elif not target.is_secretary:
        await ui.reply(update, context, texts.say("people", "leaders_have_no_unit"), None)
    elif action == "mv":
        await _choose_unit(update, context, target, numbers[1])
    else:
        unit = await unit_store.get_unit(db, numbers[1])
        if unit is None or unit.archived or unit.id == target.unit_id:
            await ui.reply(update, context, texts.say("people", "move_failed"), None)
        elif action == "to":
            await _confirm_move(update, context, target, unit)
        else:
            await _move(update, context, target, unit)
