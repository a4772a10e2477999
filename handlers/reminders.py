"""The buttons on reminder messages, and noticing that a person can be reached again.

Secretaries' reminders carry 去汇报 (``r:go:<reminder>:<kind code>``: opens /report with the kind
chosen), 本期未开展 (``r:skip:<reminder>:<kind code>``: asks for the reason in a guided flow and
records an excuse, which the rules count as answered) and 稍后提醒 (``r:snz:<reminder>``). The
leaders' escalation carries 一键催办 (``r:nudge:<reminder>``). Every tap is re-authorised against
the reminder it names: only the unit's own secretaries, only leaders for a nudge.
"""
from __future__ import annotations

from contextlib import suppress

from telegram import CallbackQuery, Update
from telegram.error import BadRequest

from bot import texts
from bot.reminders import plan
from bot.reminders.engine import tick_soon
from bot.reminders.followups import plan_nudge, plan_snooze
from bot.reminders.messages import say
from bot.reminders.queries import load_timing, unit_records
from bot.rules.periods import period_from_key
from bot.rules.user_input import parse_id
from handlers import drafts, ui
from handlers.context import BotContext
from handlers.dialog import Button, Card, Flow, Problem, Step, Turn, start_flow
from handlers.report import start_report
from storage import audit, people
from storage import reminders as store
from storage.reminders import Reminder

MAX_REASON = 200


async def _tapped_reminder(update: Update, context: BotContext) -> tuple[str, Reminder, str] | None:
    """(action, reminder, arg) of a tap the caller may make; answers and returns None otherwise."""
    query = update.callback_query
    assert query is not None and query.data is not None
    action, reminder_id, arg = ui.button_parts(query.data, 3)
    person = context.caller()
    number = parse_id(reminder_id)
    if number is None or ":" in arg:
        await query.answer(say("reminder_gone"))
        return None
    reminder = await store.get_reminder(context.services.db, number)
    if reminder is None:
        await query.answer(say("reminder_gone"))
        return None
    if action == "nudge":
        allowed = reminder.kind == store.ESCALATION and person.is_leader
    else:
        allowed = reminder.kind == store.UNIT and person.is_secretary and person.unit_id == reminder.subject
    if not allowed:
        await query.answer(say("not_your_unit"), show_alert=True)
        return None
    return action, reminder, arg


def _detached(update: Update) -> Update:
    """The same tap without the message it was made on, so the report form opens as a new
    message and the reminder (listing the other missing items) stays readable above it."""
    query = update.callback_query
    assert query is not None
    bare = CallbackQuery(id=query.id, from_user=query.from_user, chat_instance=query.chat_instance, data=query.data)
    bare.set_bot(query.get_bot())
    return Update(update.update_id, callback_query=bare)


async def reminder_button(update: Update, context: BotContext) -> None:
    """Taps on reminder and escalation messages (``r:…``)."""
    tapped = await _tapped_reminder(update, context)
    if tapped is None:
        return
    action, reminder, arg = tapped
    if action == "go":
        await _go_report(update, context, arg)
    elif action == "skip":
        await _ask_reason(update, context, reminder, arg)
    elif action == "snz":
        await _snooze(update, context, reminder)
    elif action == "nudge":
        await _nudge(update, context, reminder)
    else:
        assert update.callback_query is not None
        await update.callback_query.answer(say("reminder_gone"))


async def _go_report(update: Update, context: BotContext, kind_code: str) -> None:
    """去汇报: the report flow with this kind already chosen (it answers the tap itself)."""
    await start_report(_detached(update), context, kind_code=kind_code or None)


async def _append_line(update: Update, line: str) -> None:
    """Add a line under the tapped reminder, keeping its buttons (it may be tapped again)."""
    query = update.callback_query
    message = query.message if query is not None else None
    if message is None or not getattr(message, "text_html", None) or line in message.text_html:
        return
    with suppress(BadRequest):
        await query.edit_message_text(f"{message.text_html}\n\n{line}", reply_markup=message.reply_markup)  # type: ignore[union-attr]


async def _snooze(update: Update, context: BotContext, reminder: Reminder) -> None:
    """稍后提醒: tell the person when they will hear again (and make sure they will)."""
    services = context.services
    at = await plan_snooze(services, reminder, services.now())
    local = at.astimezone(services.settings.timezone)
    assert update.callback_query is not None
    await update.callback_query.answer(say("snoozed", at=local))
    await _append_line(update, say("snoozed_line", at=local))


async def _nudge(update: Update, context: BotContext, reminder: Reminder) -> None:
    """一键催办: remind every unit still overdue for the escalation's period, once."""
    services = context.services
    count, later = await plan_nudge(services, reminder, services.now())
    query = update.callback_query
    assert query is not None
    if count == 0:
        timing = await load_timing(services)
        times = plan.period_times(timing, period_from_key(reminder.period))
        _, records = await unit_records(services, [times.period])
        still_overdue = plan.overdue_units(services.rules, records, times, services.now())
        nudged_before = any(r.slot == f"nudge-{reminder.slot}" for r in await store.find_reminders(services.db, store.UNIT, period=reminder.period))
        reason = "nudge_nothing" if not still_overdue else "nudge_repeat" if nudged_before else "nudge_nobody"
        await query.answer(say(reason), show_alert=True)
        return
    await audit.note(services.db, services.now(), context.caller().user_id, "reminder.nudge", reminder.period, {"count": count})
    await query.answer()
    await context.bot.send_message(context.caller().user_id, say("nudged", count=count, later=later))
    await _append_line(update, say("nudge_line", count=count))
    if later is None:
        tick_soon(context.application)


# ----- 本期未开展: ask the reason, record it --------------------------------------------------------
EXCUSE_START = "excuse"


async def _ask_reason(update: Update, context: BotContext, reminder: Reminder, kind_code: str) -> None:
    services = context.services
    kind = services.kinds.by_code(kind_code)
    if kind is None:
        await ui.answer(update, say("reminder_gone"))
        return
    period = period_from_key(reminder.period)
    _, records = await unit_records(services, [period])
    record = next((r for r in records if r.unit_id == reminder.subject), None)
    missing = next((s for s in plan.gaps(services.rules, record, period) if s.activity_kind == kind.name), None) if record else None
    if missing is None:
        await ui.answer(update, say("already_done", kind=kind.name), alert=True)
        return
    # A half-filled report is never silently replaced: the person chooses (handlers/drafts.py).
    if await drafts.guard(update, context, EXCUSE_START, f"{reminder.id}:{kind.code}"):
        return
    await ui.answer(update)
    data = {"unit_id": reminder.subject, "kind": kind.name, "slots": list(missing.missing_slots), "period": period.key}
    await start_flow(_detached(update), context, EXCUSE, "reason", data)


async def ask_reason_after_draft(update: Update, context: BotContext, arg: str) -> None:
    """The person dropped their report draft to explain an item: ask as the button would have."""
    reminder_id, _, kind_code = arg.partition(":")
    number = parse_id(reminder_id)
    reminder = await store.get_reminder(context.services.db, number) if number is not None else None
    person = context.caller()
    if reminder is None or reminder.kind != store.UNIT or not person.is_secretary or person.unit_id != reminder.subject:
        await context.bot.send_message(person.user_id, say("reminder_gone"))
        return
    await _ask_reason(update, context, reminder, kind_code)


async def prompt_reason(turn: Turn) -> Card:
    period = period_from_key(turn.data["period"])
    return Card(say("ask_excuse", kind=turn.data["kind"], period=period), [[Button(texts.label("cancel"), "cancel")]])


def excuse_reason(text: str) -> str | Problem:
    """The rule for a typed reason: one line, not empty, within MAX_REASON."""
    reason = " ".join(text.split())
    if not reason:
        return Problem(say("excuse_empty"))
    if len(reason) > MAX_REASON:
        return Problem(texts.say("common", "too_long", limit=MAX_REASON))
    return reason


async def handle_reason(turn: Turn) -> None:
    reason = await turn.typed(excuse_reason)
    if reason is None:
        return
    person = turn.person
    services = turn.services
    if not person.is_secretary or person.unit_id != turn.data["unit_id"]:
        await turn.finish(texts.say("common", "not_allowed"))
        return
    await store.add_excuses(services.db, person.unit_id, turn.data["kind"], turn.data["slots"], reason, person.user_id, services.now())
    await turn.finish(say("excuse_recorded", kind=turn.data["kind"], period=period_from_key(turn.data["period"]), reason=reason))


EXCUSE = Flow(name="excuse", title=texts.say("reminders", "excuse_flow_title"), steps={"reason": Step(prompt_reason, handle_reason)})


# ----- reachable again -------------------------------------------------------------------------
async def note_reachable(update: Update, context: BotContext) -> None:
    """Anyone marked unreachable (they had blocked the bot) who writes or taps again can be
    reached again: reminders resume for them."""
    person = context.person
    if person is not None and not person.reachable:
        await people.set_reachable(context.services.db, person.user_id, True)

