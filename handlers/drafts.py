"""Report drafts that survive restarts and detours.

A half-filled report is the person's dialog row (saved at every step by handlers.dialog). This
module makes sure nothing silently replaces it:

* after a restart, the person's next *typed* message does not go into the old step blindly; the
  bot first shows what the draft holds and offers 继续上次的填写 / 重新开始 (taps on the draft's
  current card still work directly, since their nonce proves they belong to it);
* starting something else (another report, a commitment, editing a record) while a draft has
  content asks first, and only a tap on 放弃草稿 discards it.

Which people have been offered (or have used) their draft since this process started is kept in
the Application's ``bot_data``, so a new process starts with nobody. Offer buttons carry
``rp:<go|new>:<nonce>`` of the draft; the intended next action waits in the draft as
``_pending``.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application

from bot import texts
from bot.rules.report_rules import activity_short_id
from handlers import ui
from handlers.access import secretaries_only
from handlers.context import BotContext
from handlers.dialog import Step, Turn, flows_of
from storage import dialogs as dialog_store
from storage import people
from storage.models import ACTIVITY_FIELDS, ActivityField, Dialog

REPORT_FLOW = dialog_store.REPORT_DRAFT_FLOW
PREFIX = "rp"
_SEEN_KEY = "report.drafts_seen"

_STARTERS_KEY = "report.draft_starters"
HELD_ANSWER = "_held"  # the typed answer that brought up the 继续/重新开始 question

Starter = Callable[[Update, BotContext, str], Awaitable[None]]


def install_starters(application: Application[Any, Any, Any, Any, Any, Any], starters: Mapping[str, tuple[Starter, str | None]]) -> None:
    """What a draft may give way to: name → (what starts it, what the person calls it); without a
    title, the macro starter_title of templates/report.j2 names it (bot/app/wiring.py lists them)."""
    application.bot_data[_STARTERS_KEY] = dict(starters)


def starter(context: BotContext, name: str) -> Starter:
    """What starts ``name`` (see :func:`install_starters`)."""
    return context.application.bot_data[_STARTERS_KEY][name][0]


def starter_title(context: BotContext, name: str) -> str:
    starters = context.application.bot_data[_STARTERS_KEY]
    title = starters[name][1] if name in starters else None
    return title or texts.plain("report", "starter_title", name=name)


def _seen(context: BotContext) -> set[int]:
    return context.application.bot_data.setdefault(_SEEN_KEY, set())


def mark_seen(context: BotContext, user_id: int) -> None:
    """The person knows about their draft in this process: their messages go to it directly."""
    _seen(context).add(user_id)


def has_content(dialog: Dialog | None) -> bool:
    """A report draft worth keeping: a kind was chosen, or it edits an existing record."""
    return dialog is not None and dialog.flow == REPORT_FLOW and bool(dialog.data.get("kind") or dialog.data.get("activity_id"))


def from_draft(spec: ActivityField, raw: Any) -> Any:
    """A field's value as the draft keeps it (JSON: dates as ISO text) → as the record has it."""
    if raw in (None, ""):
        return None
    return date.fromisoformat(raw) if spec.type is date else spec.type(raw)


def to_draft(spec: ActivityField, value: Any) -> Any:
    """A field's value as the record has it → as the draft keeps it."""
    return value.isoformat() if spec.type is date and value is not None else value


def record_view(data: dict[str, Any]) -> dict[str, Any]:
    """The draft's fields as the templates read them (dates as dates, photos as a list)."""
    view = {spec.name: from_draft(spec, data.get(spec.name)) for spec in ACTIVITY_FIELDS}
    view["photos"] = list(data.get("photos") or [])
    return view


async def offer(update: Update, context: BotContext, dialog: Dialog, pending: dict[str, str] | None) -> None:
    """Show what the draft holds and ask: continue it, or drop it (and do ``pending``)."""
    if pending is None:
        dialog.data.pop("_pending", None)
    else:
        dialog.data["_pending"] = pending
    await dialog_store.save_dialog(context.services.db, dialog, context.services.now())
    nonce = format(dialog.nonce, "x")
    target = pending["start"] if pending else REPORT_FLOW
    if target == REPORT_FLOW:
        drop_label, drop_word = texts.plain("report", "b_restart"), texts.plain("report", "restart_word")
    else:
        title = starter_title(context, target)
        drop_label, drop_word = texts.plain("report", "b_drop_and", title=title), texts.plain("report", "drop_word", title=title)
    activity_id = dialog.data.get("activity_id")
    text = texts.say(
        "report",
        "draft_offer",
        d=record_view(dialog.data),
        editing_id=activity_short_id(activity_id) if activity_id else None,
        step_name=drop_word,
    )
    markup = InlineKeyboardMarkup(
        [
            [ui.button(texts.plain("report", "b_resume"), PREFIX, "go", nonce)],
            [ui.button(drop_label, PREFIX, "new", nonce)],
        ]
    )
    await ui.reply(update, context, text, markup)


async def _adopt_unit_draft(context: BotContext, user_id: int, unit_id: int) -> Dialog | None:
    """A report left half-filled by the unit's previous secretary (moved or revoked) becomes this
    person's draft, and they are told whose it was."""
    services = context.services
    adopted = await dialog_store.adopt_unit_draft(services.db, user_id, unit_id, services.now())
    if adopted is None:
        return None
    dialog, left_by = adopted
    leaver = await people.get_person(services.db, left_by)
    await context.bot.send_message(user_id, texts.say("people", "draft_left_with_unit", name=leaver.display_name if leaver else None))
    return dialog


async def guard(update: Update, context: BotContext, start: str, arg: str = "") -> bool:
    """True when a report draft with content is in the way (and the person was asked what to do)."""
    person = context.caller()
    dialog = await dialog_store.get_dialog(context.services.db, person.user_id)
    if dialog is None and start == REPORT_FLOW and person.unit_id is not None:
        dialog = await _adopt_unit_draft(context, person.user_id, person.unit_id)
    if not has_content(dialog):
        return False
    assert dialog is not None
    await ui.answer(update)
    await offer(update, context, dialog, {"start": start, "arg": arg})
    return True


def resumable(step: Step) -> Step:
    """A report step that, after a restart, offers the draft before taking typed input."""

    async def handle(turn: Turn) -> None:
        user_id = turn.person.user_id
        if not turn.is_tap and user_id not in _seen(turn.context) and has_content(turn.dialog):
            mark_seen(turn.context, user_id)
            if turn.text is not None:  # kept, and taken as the answer if they choose 继续
                turn.data[HELD_ANSWER] = turn.text
            await offer(turn.update, turn.context, turn.dialog, None)
            return
        mark_seen(turn.context, user_id)
        await step.run(turn)

    return Step(step.prompt, handle)


@secretaries_only
async def draft_button(update: Update, context: BotContext) -> None:
    """继续上次的填写 (``rp:go``) or 重新开始 / 放弃草稿 (``rp:new``) on a draft offer."""
    query = update.callback_query
    assert query is not None and query.data is not None
    choice, nonce = ui.button_parts(query.data)
    person = context.caller()
    dialog = await dialog_store.get_dialog(context.services.db, person.user_id)
    if dialog is not None and dialog.flow == REPORT_FLOW and (turn := Turn(update, context, dialog)).seen_before():
        await turn.show_again()  # 继续 taken before a crash: its card again
        return
    if choice not in ("go", "new") or dialog is None or dialog.flow != REPORT_FLOW or format(dialog.nonce, "x") != nonce:
        await query.answer(ui.stale_card(context.person))
        return
    await query.answer()
    mark_seen(context, person.user_id)
    pending = dialog.data.pop("_pending", None)
    held = dialog.data.pop(HELD_ANSWER, None)
    if choice == "go" and isinstance(held, str):
        # The answer typed after the restart (that brought up this question) is taken now.
        flow = flows_of(context).get(dialog.flow)
        if flow is not None and dialog.step in flow.steps:
            await flow.steps[dialog.step].run(Turn(update, context, dialog, typed=held))
            return
    if choice == "go":
        await Turn(update, context, dialog).ask(dialog.step)
        return
    await dialog_store.delete_dialog(context.services.db, person.user_id)
    start, arg = (pending["start"], pending["arg"]) if pending else (REPORT_FLOW, "")
    await starter(context, start)(update, context, arg)
