"""Leaders manage units: /units (list and card), /addunit (guided), rename, member count, the
committee size and number of 党小组 (支委人数、党小组数, offered again right after /addunit), archive.

Buttons outside a guided flow carry ``u:<action>:<arg>`` and are re-authorised on every tap.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot import texts
from bot.rules.meeting_rules import COMMITTEE_MIN_MEMBERS
from bot.rules.unit_import import MAX_MEMBERS, MAX_NAME_LENGTH, parse_sizes
from bot.rules.unit_kinds import UNIT_KINDS
from bot.rules.user_input import clean_text, parse_number
from bot.rules.words import without_suffixes
from handlers import evidence, ui
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.dialog import Button, Card, Flow, Problem, Step, Turn, opener, parsed_by, start_flow
from handlers.paging import grid, page_of, pager_row
from storage import people
from storage import units as unit_store
from storage.models import Unit
from storage.units import DuplicateUnitName


def parse_member_count(text: str | None) -> int | None:
    """A member count typed by a person, or None when it is not a whole number in range."""
    if text is None:
        return None
    value = parse_number(without_suffixes(clean_text(text), "count"))
    return value if value is not None and value <= MAX_MEMBERS else None


def clean_unit_name(text: str | None) -> str | None:
    """A typed unit name on one line, its inner runs of blanks as one space."""
    return " ".join(clean_text(text).split()) if text else None


def unit_name(text: str) -> str | Problem:
    """The rule for a typed unit name (whether it is taken is asked of storage afterwards)."""
    name = clean_unit_name(text)
    if not name:
        return Problem(texts.say("units", "name_empty"))
    if len(name) > MAX_NAME_LENGTH:
        return Problem(texts.say("common", "too_long", limit=MAX_NAME_LENGTH))
    return name


member_count = parsed_by(parse_member_count, partial(texts.say, "units", "members_invalid"))


def unit_sizes(unit: Unit) -> Callable[[str], dict[str, int | None] | Problem]:
    """The rule for typed sizes: 支委人数 and 党小组数 (“5 3”), or only 党小组数 for a branch too
    small to have a committee (its committee is then recorded as none)."""
    has_room = unit.member_count >= COMMITTEE_MIN_MEMBERS

    def rule(text: str) -> dict[str, int | None] | Problem:
        sizes = parse_sizes(without_suffixes(clean_text(text), "count"), unit.member_count, with_committee=has_room)
        if sizes is None:
            return Problem(texts.say("units", "sizes_invalid", unit=unit, committee=has_room))
        committee, groups = sizes
        return {"committee_size": committee, "group_count": groups}

    return rule


# ----- list and card ---------------------------------------------------------------------------
async def show_list(update: Update, context: BotContext, page: int = 0) -> None:
    services = context.services
    all_units = await unit_store.list_units(services.db, include_archived=True)
    if not all_units:
        await ui.reply(update, context, texts.say("units", "none_yet"), None)
        return
    active = [u for u in all_units if not u.archived]
    shown, page, pages = page_of(all_units, page)
    rows = grid([ui.button(texts.label("unit_button", unit=u), "u", "open", u.id) for u in shown])
    pager = pager_row("u:page:", page, pages)
    if pager:
        rows.append(pager)
    header = texts.say("units", "list_header", count=len(active), page=page, pages=pages, members=sum(u.member_count for u in active))
    await ui.reply(update, context, header, InlineKeyboardMarkup(rows))


def unit_card_markup(unit: Unit) -> InlineKeyboardMarkup:
    rows = [
        [
            ui.button(texts.label("rename"), "u", "ren", unit.id),
            ui.button(texts.label("set_members"), "u", "mem", unit.id),
        ],
        [ui.button(texts.label("set_sizes"), "u", "size", unit.id)],
        [
            ui.button(texts.label("unarchive" if unit.archived else "archive"), "u", "unarch" if unit.archived else "arch", unit.id),
        ],
        [evidence.unit_records_button(unit.id), ui.button(texts.label("unit_list"), "u", "page", 0)],
    ]
    if not unit.archived:
        rows[2].insert(0, ui.button(texts.label("invite_secretary"), "i", "unit", unit.id))
    return InlineKeyboardMarkup(rows)


async def show_card(update: Update, context: BotContext, unit: Unit, prefix: str | None = None) -> None:
    secretaries = await people.list_people(context.services.db, unit_id=unit.id)
    text = texts.say("units", "card", unit=unit, secretaries=secretaries)
    if prefix:
        text = f"{prefix}\n\n{text}"
    await ui.reply(update, context, text, unit_card_markup(unit))


# /units: the list of units, as buttons.
units_command = leaders_only(show_list)


@leaders_only
async def units_button(update: Update, context: BotContext) -> None:
    """Taps on the unit list and unit cards (``u:<action>:<arg>``)."""
    action, arg = ui.tapped(update)
    number = await ui.tapped_id(update, context, arg)
    if number is None:
        return
    services = context.services
    if action == "page":
        await ui.answer(update)
        await show_list(update, context, number)
        return
    unit = await unit_store.get_unit(services.db, number)
    if unit is None:
        await ui.answer(update, texts.say("units", "not_found"), alert=True)
        return
    await ui.answer(update)
    if action == "open":
        await show_card(update, context, unit)
    elif action in ("arch", "unarch"):
        archived = action == "arch"
        if unit.archived != archived:
            unit = await unit_store.update_unit(services.db, unit.id, context.caller().user_id, services.now(), archived=archived) or unit
        await show_card(update, context, unit, texts.say("units", "archived" if archived else "unarchived", unit=unit))
    elif action == "ren":
        await start_flow(update, context, EDIT_UNIT, "rename", {"unit_id": unit.id})
    elif action == "mem":
        await start_flow(update, context, EDIT_UNIT, "members", {"unit_id": unit.id})
    elif action == "size":
        await start_flow(update, context, EDIT_UNIT, "sizes", {"unit_id": unit.id})


# ----- /addunit: name → kind → member count ----------------------------------------------------
async def prompt_name(turn: Turn) -> Card:
    return Card(texts.say("units", "ask_name"), [[Button(texts.label("cancel"), "cancel")]])


async def handle_name(turn: Turn) -> None:
    name = await turn.typed(unit_name)
    if name is None:
        return
    if await unit_store.find_by_name(turn.services.db, name):
        await turn.reask(texts.say("units", "name_taken", name=name))
    else:
        turn.data["name"] = name
        await turn.ask("kind")


async def prompt_kind(turn: Turn) -> Card:
    kinds = [Button(texts.label("unit_kind", kind=k), "kind", str(i)) for i, k in enumerate(UNIT_KINDS)]
    rows = [kinds[i : i + 4] for i in range(0, len(kinds), 4)]
    rows.append([Button(texts.label("cancel"), "cancel")])
    return Card(texts.say("units", "ask_kind", name=turn.data["name"]), rows)


async def handle_kind(turn: Turn) -> None:
    index = turn.arg_id if turn.action == "kind" else None
    if index is not None and index < len(UNIT_KINDS):
        turn.data["kind"] = UNIT_KINDS[index]
        await turn.ask("members")
    else:
        await turn.reask(texts.say("units", "ask_kind", name=turn.data["name"]))


async def prompt_members(turn: Turn) -> Card:
    return Card(texts.say("units", "ask_members", name=turn.data["name"]), [[Button(texts.label("cancel"), "cancel")]])


async def handle_members(turn: Turn) -> None:
    members = await turn.typed(member_count)
    if members is None:
        return
    services = turn.services
    try:
        unit = await unit_store.add_unit(services.db, turn.data["name"], turn.data["kind"], members, turn.person.user_id, services.now())
    except DuplicateUnitName:  # someone added the same name while this flow was open
        taken = turn.data.pop("name")
        await turn.ask("name", prefix=texts.say("units", "name_taken", name=taken))
        return
    await turn.finish(
        texts.say("units", "added", unit=unit),
        [
            [ui.button(texts.label("set_sizes"), "u", "size", unit.id)],
            [ui.button(texts.label("invite_secretary"), "i", "unit", unit.id)],
            [ui.button(texts.label("add_another"), "u", "add", 0), ui.button(texts.label("unit_list"), "u", "page", 0)],
        ],
    )


ADD_UNIT = Flow(
    name="addunit",
    title=texts.say("units", "add_flow_title"),
    steps={"name": Step(prompt_name, handle_name), "kind": Step(prompt_kind, handle_kind), "members": Step(prompt_members, handle_members)},
)


# /addunit, and the 继续新增单位 button: add one unit, guided.
addunit_command = addunit_button = leaders_only(opener(ADD_UNIT, "name"))


# ----- rename / member count of an existing unit -----------------------------------------------
async def _unit_of(turn: Turn) -> Unit | None:
    return await unit_store.get_unit(turn.services.db, int(turn.data["unit_id"]))


async def prompt_rename(turn: Turn) -> Card:
    unit = await _unit_of(turn)
    return Card(texts.say("units", "ask_rename", unit=unit), [[Button(texts.label("cancel"), "cancel")]])


async def _change_unit(
    turn: Turn, rule: Callable[[str], Any] | Callable[[Unit], Callable[[str], Any]], column: str, said: Callable[[Unit, Unit], str]
) -> None:
    """Set ``column`` of the flow's unit to the typed value and show its card, saying ``said(old, new)``.

    ``rule`` reads the text, or (for ``sizes``) is made from the unit and then reads it."""
    if turn.is_tap:
        return
    unit = await _unit_of(turn)
    if unit is None:
        await turn.finish(texts.say("units", "not_found"))
        return
    value = await turn.typed(rule(unit) if column == "sizes" else rule)  # type: ignore[call-arg,arg-type]
    if value is None:
        return
    services = turn.services
    try:
        updated = await unit_store.update_unit(services.db, unit.id, turn.person.user_id, services.now(), **{column: value})
    except DuplicateUnitName:
        await turn.reask(texts.say("units", "name_taken", name=value))
        return
    await turn.finish()
    assert updated is not None
    await show_card(turn.update, turn.context, updated, said(unit, updated))


async def handle_rename(turn: Turn) -> None:
    await _change_unit(turn, unit_name, "name", lambda old, new: texts.say("units", "renamed", old=old.name, unit=new))


async def prompt_set_members(turn: Turn) -> Card:
    unit = await _unit_of(turn)
    return Card(texts.say("units", "ask_set_members", unit=unit), [[Button(texts.label("cancel"), "cancel")]])


async def handle_set_members(turn: Turn) -> None:
    await _change_unit(turn, member_count, "member_count", lambda old, new: texts.say("units", "members_set", unit=new))


async def prompt_sizes(turn: Turn) -> Card:
    unit = await _unit_of(turn)
    committee = unit is not None and unit.member_count >= COMMITTEE_MIN_MEMBERS
    return Card(texts.say("units", "ask_sizes", unit=unit, committee=committee), [[Button(texts.label("cancel"), "cancel")]])


async def handle_sizes(turn: Turn) -> None:
    await _change_unit(turn, unit_sizes, "sizes", lambda old, new: texts.say("units", "sizes_set", unit=new))


EDIT_UNIT = Flow(
    name="editunit",
    title=texts.say("units", "edit_flow_title"),
    steps={
        "rename": Step(prompt_rename, handle_rename),
        "members": Step(prompt_set_members, handle_set_members),
        "sizes": Step(prompt_sizes, handle_sizes),
    },
)
