"""The buttons on reminder messages, and noticing that a person can be reached again.

Secretaries' reminders carry 去汇报 (``r:go:<reminder>:<kind code>``: opens /report with the kind
chosen), 本期未开展 (``r:skip:<reminder>:<kind code>``: asks for the reason in a guided flow and
records an excuse, which the rules count as answered) and 稍后提醒 (``r:snz:<reminder>``). The
leaders' escalation carries 一键催办 (``r:nudge:<reminder>``). Every tap is re-authorised against
the reminder it names: only the unit's own secretaries, only leaders for a nudge.
"""
from __future__ import annotations

from contextlib import suppress

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot import texts
from bot.reminders import plan
from bot.reminders.engine import tick_soon
from bot.reminders.followups import plan_nudge, plan_snooze, plan_snooze_at
from bot.reminders import messages
from bot.reminders.messages import label, say
from bot.reminders.queries import load_timing, unit_records
from bot.rules.periods import period_from_key
from bot.rules.report_rules import activity_short_id
from bot.rules.user_input import parse_id
from handlers import commitments, drafts, my_reports, reminder_cards, ui
from handlers.context import BotContext
from handlers.dialog import Button, Card, Flow, Problem, Step, Turn, start_flow
from handlers.report import start_report
from storage import activities as activity_store
from storage import audit, people
from storage import reminders as store
from storage.reminders import Reminder

MAX_REASON = 200
# The buttons of a commitment reminder: what each opens (handlers/commitments.py).
COMMITMENT_ACTIONS = {"cprog": commitments.progress_button, "cful": commitments.fulfil_button}


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
    elif action in COMMITMENT_ACTIONS:
        allowed = reminder.kind == store.COMMITMENT and person.is_secretary and person.unit_id == reminder.subject
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
        await _go_report(update, context, reminder, arg)
    elif action == "again":
        await _go_report(update, context, reminder, arg, again=True)
    elif action == "skip":
        await _ask_reason(update, context, reminder, arg)
    elif action == "snz":
        await _offer_snooze(update, context, reminder)
    elif action == "snzat":
        await _snooze(update, context, reminder, arg)
    elif action == "snzback":
        await ui.answer(update)
        await reminder_cards.refresh(context, reminder_cards.card_of(update.callback_query, reminder.id))
    elif action == "nudge":
        await _nudge(update, context, reminder)
    elif action in COMMITMENT_ACTIONS:
        # 记录进展 / 已践诺: the /commit flows (which look the commitment up in the caller's unit).
        await COMMITMENT_ACTIONS[action](_detached(update), context, arg)
    else:
        assert update.callback_query is not None
        await update.callback_query.answer(say("reminder_gone"))


async def _go_report(update: Update, context: BotContext, reminder: Reminder, kind_code: str, *, again: bool = False) -> None:
    """去汇报: the report flow with this kind already chosen (it answers the tap itself). A kind
    already reported for the period says so first and offers the record (or a second report);
    the card is brought up to date, and again once the report is in."""
    services = context.services
    kind = services.kinds.by_code(kind_code)
    query = update.callback_query
    card = reminder_cards.card_of(query, reminder.id)
    await reminder_cards.refresh(context, card)
    period = period_from_key(reminder.period)
    if kind is not None and not again:
        held = await activity_store.list_activities(services.db, start=period.start, end=period.end, unit_ids=[reminder.subject])
        done = [a for a in held if a.kind == kind.name]
        if done:
            await ui.answer(update)
            latest = done[-1]
            short_id = activity_short_id(latest.id)
            markup = InlineKeyboardMarkup(
                [
                    [ui.button(label("open_label", short_id=short_id), my_reports.PREFIX, "open", latest.id)],
                    [ui.button(label("again_label", kind=kind.name), messages.PREFIX, "again", reminder.id, kind.code)],
                ]
            )
            text = say("already_reported", kind=kind.name, period=period, held_on=latest.held_on, short_id=short_id, count=len(done))
            await context.bot.send_message(context.caller().user_id, text, reply_markup=markup)
            return
    await start_report(_detached(update), context, kind_code=kind_code or None, filled={"card": card} if card else None)


async def _append_line(update: Update, line: str) -> None:
    """Add a line under the tapped reminder, keeping its buttons (it may be tapped again)."""
    query = update.callback_query
    message = query.message if query is not None else None
    if message is None or not getattr(message, "text_html", None) or line in message.text_html:
        return
    with suppress(BadRequest):
        await query.edit_message_text(f"{message.text_html}\n\n{line}", reply_markup=message.reply_markup)  # type: ignore[union-attr]


async def _offer_snooze(update: Update, context: BotContext, reminder: Reminder) -> None:
    """稍后提醒: the card's buttons become the moments offered (今天下午 / 明天上午 / 截止前一天)."""
    services = context.services
    query = update.callback_query
    assert query is not None
    timing = await load_timing(services)
    times = plan.period_times(timing, period_from_key(reminder.period))
    choices = plan.snooze_choices(timing, times, services.now())
    if not choices:  # nothing ahead in this period: the next planned reminder, or one more
        await _snooze(update, context, reminder, "")
        return
    await query.answer()
    rows = [[ui.button(label("snooze_choice", choice=key, at=at), messages.PREFIX, "snzat", reminder.id, key)] for key, at in choices.items()]
    rows.append([ui.button(label("snooze_back"), messages.PREFIX, "snzback", reminder.id)])
    with suppress(BadRequest):
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))


async def _snooze(update: Update, context: BotContext, reminder: Reminder, choice: str) -> None:
    """A moment chosen under 稍后提醒 (or, with none offered, the period's next reminder): tell
    the person when they will hear again, and make sure they will."""
    services = context.services
    at = await plan_snooze_at(services, reminder, choice, services.now()) if choice else None
    if at is None:
        at = await plan_snooze(services, reminder, services.now())
    local = at.astimezone(services.settings.timezone)
    assert update.callback_query is not None
    await update.callback_query.answer(say("snoozed", at=local))
    await reminder_cards.refresh(context, reminder_cards.card_of(update.callback_query, reminder.id), say("snoozed_line", at=local))


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
    remind_in = (await load_timing(services)).remind_in
    missing = next((s for s in plan.reminder_gaps(services.rules, record, period, remind_in) if s.activity_kind == kind.name), None) if record else None
    if missing is None:
        await ui.answer(update, say("already_done", kind=kind.name), alert=True)
        return
    # A half-filled report is never silently replaced: the person chooses (handlers/drafts.py).
    if await drafts.guard(update, context, EXCUSE_START, f"{reminder.id}:{kind.code}"):
        return
    await ui.answer(update)
    # A quarterly or yearly item is explained for its own quarter or year (its one missing slot).
    own = missing.missing_slots[0] if len(missing.missing_slots) == 1 else period.key
    data = {"unit_id": reminder.subject, "kind": kind.name, "slots": list(missing.missing_slots), "period": own}
    if (card := reminder_cards.card_of(update.callback_query, reminder.id)) is not None:
        data["card"] = card
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
    await reminder_cards.refresh(turn.context, turn.data.get("card"))
    await turn.finish(say("excuse_recorded", kind=turn.data["kind"], period=period_from_key(turn.data["period"]), reason=reason))


EXCUSE = Flow(name="excuse", title=texts.say("reminders", "excuse_flow_title"), steps={"reason": Step(prompt_reason, handle_reason)})


# ----- reachable again -------------------------------------------------------------------------
async def note_reachable(update: Update, context: BotContext) -> None:
    """Anyone marked unreachable (they had blocked the bot) who writes or taps again can be
    reached again: reminders resume for them."""
    person = context.person
    if person is not None and not person.reachable:
        await people.set_reachable(context.services.db, person.user_id, True)

