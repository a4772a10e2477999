"""本期小结: once per reporting period a unit may note 存在问题, 下一步计划 and 典型事迹.

Reached from /report's first menu. The period is the calendar month containing today
(``2026-11``); each field is saved as soon as it is typed, so the flow only chooses fields.
The conversation is drawn in docs/period_note.mmd.
"""
from __future__ import annotations

from functools import partial

from telegram import Update

from bot import texts
from bot.rules import report_rules as rules
from bot.rules.periods import MONTH, period_containing, period_from_key
from handlers import drafts, long_text
from handlers.context import BotContext
from handlers.dialog import Button, Card, Flow, Step, Turn, start_flow, text_within
from storage import period_notes as note_store
from storage.models import PeriodNote
from storage.period_notes import NOTE_FIELDS

FAMILY = "period_notes"


say, label = texts.family(FAMILY)


def _period_label(turn: Turn) -> str:
    return period_from_key(turn.data["period"]).label


async def prompt_menu(turn: Turn) -> Card:
    note = await note_store.get_note(turn.services.db, turn.data["unit_id"], turn.data["period"])
    fields = [Button(label("b_field", field=f, filled=bool(note and getattr(note, f))), "field", f) for f in NOTE_FIELDS]
    text, cut = _menu_text(turn, note)
    full = [[Button(long_text.full_text_label(), "full")]] if cut else []
    return Card(text, [fields, *full, [Button(label("b_done"), "done")]])


def _menu_text(turn: Turn, note: PeriodNote | None) -> tuple[str, list[str]]:
    """The menu showing the note, fitted to Telegram's limit (handlers/long_text.py), and the fields it shortened."""
    period_label = _period_label(turn)
    if note is None:
        return say("menu", note=None, period_label=period_label), []
    return long_text.fit_card(lambda n: say("menu", note=n, period_label=period_label), note, NOTE_FIELDS)


async def handle_menu(turn: Turn) -> None:
    if turn.action == "field" and turn.arg in NOTE_FIELDS:
        turn.data["field"] = turn.arg
        await turn.ask("field")
    elif turn.action == "done":
        await turn.finish(say("closed", period_label=_period_label(turn)))
    elif turn.action == "full":
        note = await note_store.get_note(turn.services.db, turn.data["unit_id"], turn.data["period"])
        _, cut = _menu_text(turn, note)
        await long_text.send_full_text(turn.context, long_text.record_pieces(note, cut, FAMILY))
    else:
        await turn.reask(say("use_buttons"))


async def prompt_field(turn: Turn) -> Card:
    field = turn.data["field"]
    note = await note_store.get_note(turn.services.db, turn.data["unit_id"], turn.data["period"])
    current = getattr(note, field) if note else None
    # No 取消 here: what was already saved stays saved; 返回 leaves this field unchanged.
    rows = [[Button(label("b_clear"), "clear")]] if current else []
    rows.append([Button(label("b_back"), "back")])
    return Card(say("ask_field", field=field, limit=rules.LIMITS[field], current=current), rows)


async def handle_field(turn: Turn) -> None:
    field = turn.data.get("field")
    services, person = turn.services, turn.person
    if field not in NOTE_FIELDS or turn.action == "back":
        await turn.ask("menu")
        return
    if person.unit_id != turn.data["unit_id"]:
        await turn.finish(texts.say("common", "not_allowed"))
        return
    if turn.action == "clear":
        await note_store.save_note_field(services.db, person.unit_id, turn.data["period"], field, None, person.user_id, services.now())
        await turn.ask("menu", prefix=say("cleared", field=field))
        return
    text = await turn.typed(text_within(field, empty=partial(say, "empty")))
    if text is None:
        return
    await note_store.save_note_field(services.db, person.unit_id, turn.data["period"], field, text, person.user_id, services.now())
    await turn.ask("menu", prefix=say("saved", field=field))


PERIOD_NOTE = Flow(name="period_note", title=say("flow_title"), steps={"menu": Step(prompt_menu, handle_menu), "field": Step(prompt_field, handle_field)})


async def start_note(update: Update, context: BotContext, arg: str = "") -> None:
    """Open the caller's unit's note for the current period."""
    person = context.caller()
    if not person.is_secretary or person.unit_id is None:
        await context.bot.send_message(person.user_id, texts.say("common", "not_allowed"))
        return
    if await drafts.guard(update, context, "note"):
        return
    period = period_containing(MONTH, context.services.today())
    await start_flow(update, context, PERIOD_NOTE, "menu", {"unit_id": person.unit_id, "period": period.key})

