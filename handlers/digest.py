"""/digest: the 工作小结 of a period, in chat and as a Word file, with the 台账 in Excel on request.

Leaders choose the period and the scope (whole township, a group of units, one unit);
secretaries get their own unit's digest only. The chat text and the Word file are the 上报版,
which names no unit under 存在主要问题; one tap on the 内部版 button sends the Word file that names
them (``x:<start>:<end>:<scope>:i``). The ledger button (``x:<start>:<end>:<scope>``) carries the
same period and scope; both are re-authorised on every tap.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction

from bot import texts
from bot.digest.build import Digest
from bot.digest.chat import chat_messages
from bot.digest.document import Block, digest_document
from bot.digest.query import WHOLE_TOWNSHIP, Scope, load_digest, load_ledger, scope_for_unit, scope_label, units_in_scope
from bot.digest.word import render_docx
from bot.rules.periods import MONTH, QUARTER, YEAR, Period, period_containing, period_for_range, previous_period
from bot.rules.report_rules import parse_date_range
from bot.rules.unit_kinds import UNIT_GROUPS, group_of
from bot.services import Services
from handlers import ui
from handlers.context import BotContext
from handlers.dialog import Button, Card, Flow, Problem, Step, Turn, opener
from handlers.paging import dialog_unit_rows
from storage import audit
from storage import units as unit_store

MAX_DAYS = 366


def named_periods(today: date) -> dict[str, Period]:
    """The periods offered as buttons, by button arg."""
    this_month = period_containing(MONTH, today)
    return {
        "m": this_month,
        "lm": previous_period(this_month),
        "q": period_containing(QUARTER, today),
        "y": period_containing(YEAR, today),
    }


def parse_range(text: str, today: date) -> tuple[date, date] | str:
    """Two typed dates → (start, end), or the name of the problem's message macro."""
    parsed = parse_date_range(text, today)
    if parsed is None:
        return "dates_unreadable"
    start, end = parsed
    if end < start:
        return "dates_reversed"
    if end > today:
        return "dates_future"
    if (end - start).days >= MAX_DAYS:
        return "dates_too_long"
    return start, end


def _pack(day: date) -> str:
    return day.strftime("%Y%m%d")


def _unpack(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


# ----- the conversation ------------------------------------------------------------------------
def period_rows(today: date, *, custom: bool) -> list[list[Button]]:
    """本月 / 上月 / 本季度 / 本年 buttons (arg: a key of :func:`named_periods`), and 自定义."""
    periods = named_periods(today)
    rows = [
        [Button(texts.label(name, label=periods[key].label), "period", key)]
        for key, name in (("m", "period_this_month"), ("lm", "period_last_month"), ("q", "period_this_quarter"), ("y", "period_this_year"))
    ]
    if custom:
        rows.append([Button(texts.label("period_custom"), "period", "custom")])
    rows.append([Button(texts.label("cancel"), "cancel")])
    return rows


async def prompt_period(turn: Turn) -> Card:
    return Card(texts.say("digest_chat", "ask_period"), period_rows(turn.services.today(), custom=True))


async def handle_period(turn: Turn) -> None:
    if turn.action != "period":
        await turn.reask(texts.say("common", "need_text") if turn.text is None else texts.say("digest_chat", "ask_period"))
        return
    if turn.arg == "custom":
        await turn.ask("dates")
        return
    period = named_periods(turn.services.today()).get(turn.arg)
    if period is None:
        await turn.reask(texts.say("digest_chat", "ask_period"))
        return
    await _chose_period(turn, period.start, period.end)


async def prompt_dates(turn: Turn) -> Card:
    return Card(texts.say("digest_chat", "ask_dates", today=turn.services.today()), [[Button(texts.label("cancel"), "cancel")]])


def _date_range(today: date) -> Callable[[str], tuple[date, date] | Problem]:
    """The rule for two typed dates."""

    def rule(text: str) -> tuple[date, date] | Problem:
        parsed = parse_range(text, today)
        if isinstance(parsed, str):
            return Problem(texts.say("digest_chat", parsed, today=today) if parsed == "dates_future" else texts.say("digest_chat", parsed))
        return parsed

    return rule


async def handle_dates(turn: Turn) -> None:
    dates = await turn.typed(_date_range(turn.services.today()))
    if dates is not None:
        await _chose_period(turn, *dates)


async def _chose_period(turn: Turn, start: date, end: date) -> None:
    turn.data["start"], turn.data["end"] = start.isoformat(), end.isoformat()
    person = turn.person
    if not person.is_leader:
        await _produce(turn, scope_for_unit(person.unit_id))
        return
    await turn.ask("scope")


def _label(turn: Turn) -> str:
    return period_for_range(date.fromisoformat(turn.data["start"]), date.fromisoformat(turn.data["end"])).label


async def prompt_scope(turn: Turn) -> Card:
    township = scope_label(Scope(WHOLE_TOWNSHIP), [], turn.services.settings.org_name)
    rows = [
        [Button(texts.label("scope_all", label=township), "scope", WHOLE_TOWNSHIP)],
        [Button(texts.label("scope_by_group"), "groups"), Button(texts.label("scope_one_unit"), "units", "0")],
        [Button(texts.label("cancel"), "cancel")],
    ]
    return Card(texts.say("digest_chat", "ask_scope", label=_label(turn)), rows)


async def handle_scope(turn: Turn) -> None:
    if turn.action == "scope" and Scope(turn.arg).valid:
        await _produce(turn, Scope(turn.arg))
    elif turn.action == "scope_unit" and (unit_id := turn.arg_id) is not None:
        await _produce(turn, scope_for_unit(unit_id))
    elif turn.action == "groups":
        await turn.ask("group")
    elif turn.action == "units" and (page := turn.arg_id) is not None:
        turn.data["page"] = page
        await turn.ask("unit")
    else:
        await turn.reask(texts.say("digest_chat", "ask_scope", label=_label(turn)))


async def prompt_group(turn: Turn) -> Card:
    present = {group_of(u.kind) for u in await unit_store.list_units(turn.services.db)}
    rows = [[Button(group, "scope", f"g{i}")] for i, group in enumerate(UNIT_GROUPS) if group in present]
    rows.append([Button(texts.label("back"), "back"), Button(texts.label("cancel"), "cancel")])
    return Card(texts.say("digest_chat", "ask_group", label=_label(turn)), rows)


async def prompt_unit(turn: Turn) -> Card:
    rows = dialog_unit_rows(await unit_store.list_units(turn.services.db), int(turn.data.get("page", 0)), "scope_unit", "units")
    rows.append([Button(texts.label("back"), "back"), Button(texts.label("cancel"), "cancel")])
    return Card(texts.say("digest_chat", "ask_unit", label=_label(turn)), rows)


async def handle_choice(turn: Turn) -> None:
    """The group and unit cards: a scope, another page, or back to the scope card."""
    if turn.action == "back":
        await turn.ask("scope")
    else:
        await handle_scope(turn)


async def _produce(turn: Turn, scope: Scope) -> None:
    start, end = date.fromisoformat(turn.data["start"]), date.fromisoformat(turn.data["end"])
    await turn.finish()
    await send_digest(turn.update, turn.context, scope, start, end)


DIGEST = Flow(
    name="digest",
    title=texts.say("digest_chat", "digest_flow_title"),
    steps={
        "period": Step(prompt_period, handle_period),
        "dates": Step(prompt_dates, handle_dates),
        "scope": Step(prompt_scope, handle_scope),
        "group": Step(prompt_group, handle_choice),
        "unit": Step(prompt_unit, handle_choice),
    },
)


# /digest: choose a period (and, for leaders, a scope).
digest_command = opener(DIGEST, "period")


# ----- producing the documents -----------------------------------------------------------------
def allowed(context: BotContext, scope: Scope) -> bool:
    """Leaders may see any scope; a secretary only their own unit."""
    person = context.caller()
    return person.is_leader or (person.is_secretary and scope.unit_id == person.unit_id)


async def _digest_blocks(services: Services, scope: Scope, period: Period, *, internal: bool) -> tuple[Digest, list[Block]]:
    """The digest of ``scope`` over ``period``, and its document in the 上报版 or the 内部版."""
    digest = await load_digest(
        services.db, services.settings, services.kinds, scope=scope, start=period.start, end=period.end,
        period_label=period.label, period_key=None if period.kind == "custom" else period.key, today=services.today(),
    )
    return digest, digest_document(digest, services.settings.digest_date_style, services.settings.digest_script, internal=internal)


def _docx(services: Services, blocks: list[Block]) -> bytes:
    """The Word file of ``blocks``, written by the organisation now, in the digest's script."""
    return render_docx(blocks, author=services.settings.org_name, now=services.now(), script=services.settings.digest_script)


async def send_digest(update: Update, context: BotContext, scope: Scope, start: date, end: date) -> None:
    """The 小结 in chat (split at paragraphs), then as a Word file, then the ledger offer."""
    services = context.services
    user_id = context.caller().user_id
    if not allowed(context, scope):
        await context.bot.send_message(user_id, texts.say("common", "not_allowed"))
        return
    units = await units_in_scope(services.db, scope)
    if not units:
        await context.bot.send_message(user_id, texts.say("digest_chat", "no_units"))
        return
    period = period_for_range(start, end)
    label = scope_label(scope, units, services.settings.org_name)
    await context.bot.send_chat_action(user_id, ChatAction.TYPING)
    digest, blocks = await _digest_blocks(services, scope, period, internal=False)
    for chunk in chat_messages(blocks):
        await context.bot.send_message(user_id, chunk)
    await context.bot.send_document(
        user_id,
        document=await asyncio.to_thread(_docx, services, blocks),
        filename=texts.plain("digest_chat", "docx_name", scope=label, label=period.label),
        caption=texts.say("digest_chat", "document_caption", label=period.label, scope=label),
    )
    await _note_export(context, "export.digest", scope, period, label)
    # A unit's own 小结 names nobody, so it has no 内部版 to offer.
    versions = scope.unit_id is None
    row = [ui.button(texts.label("export_ledger"), "x", _pack(start), _pack(end), scope.code)]
    if versions:
        row.insert(0, ui.button(texts.label("internal_version"), "x", _pack(start), _pack(end), scope.code, INTERNAL))
    offer = texts.say("digest_chat", "ledger_offer", count=len(digest.activity_ids), versions=versions)
    await context.bot.send_message(user_id, offer, reply_markup=InlineKeyboardMarkup([row]))


async def _note_export(context: BotContext, action: str, scope: Scope, period: Period, label: str) -> None:
    """Note in the audit log who took which document of which scope and period."""
    services = context.services
    subject = f"unit:{scope.unit_id}" if scope.unit_id else None
    await audit.note(services.db, services.now(), context.caller().user_id, action, subject, {"scope": label, "period": period.label})


# The fourth part of ``x:`` button data that asks for the 内部版 Word file instead of the 台账.
INTERNAL = "i"


async def _file_coming(context: BotContext, scope: Scope, start: date, end: date) -> tuple[Period, str, int]:
    """Say a file is on its way; the period, the scope's name for the file, and who gets it."""
    units = await units_in_scope(context.services.db, scope)
    user_id = context.caller().user_id
    await context.bot.send_chat_action(user_id, ChatAction.UPLOAD_DOCUMENT)
    return period_for_range(start, end), scope_label(scope, units, context.services.settings.org_name), user_id


async def send_internal_version(context: BotContext, scope: Scope, start: date, end: date) -> None:
    """The 内部版 Word file: the same 小结, with units named under 存在主要问题."""
    period, label, user_id = await _file_coming(context, scope, start, end)
    _, blocks = await _digest_blocks(context.services, scope, period, internal=True)
    await context.bot.send_document(
        user_id,
        document=await asyncio.to_thread(_docx, context.services, blocks),
        filename=texts.plain("digest_chat", "internal_docx_name", scope=label, label=period.label),
        caption=texts.say("digest_chat", "internal_caption", label=period.label, scope=label),
    )
    await _note_export(context, "export.digest_internal", scope, period, label)


async def ledger_button(update: Update, context: BotContext) -> None:
    """The 导出台账 button ``x:<start>:<end>:<scope>``, and the 内部版 button ``x:…:<scope>:i``."""
    query = update.callback_query
    assert query is not None and query.data is not None
    packed_start, packed_end, code, version = ui.button_parts(query.data, 4)
    start, end, scope = _unpack(packed_start), _unpack(packed_end), Scope(code)
    if start is None or end is None or not scope.valid or end < start or version not in ("", INTERNAL):
        await query.answer(ui.stale_card(context.person))
        return
    if not allowed(context, scope):
        await query.answer(texts.say("common", "not_allowed"), show_alert=True)
        return
    await query.answer()
    if version == INTERNAL:
        await send_internal_version(context, scope, start, end)
        return
    services = context.services
    period, label, user_id = await _file_coming(context, scope, start, end)
    content = await load_ledger(
        services.db, scope=scope, start=start, end=end, period_label=period.label, today=services.today(),
        zone=services.settings.timezone,
    )
    await context.bot.send_document(
        user_id,
        document=content,
        filename=texts.plain("digest_chat", "xlsx_name", scope=label, label=period.label),
        caption=texts.say("digest_chat", "ledger_caption", label=period.label, scope=label),
    )
    await _note_export(context, "export.ledger", scope, period, label)
