"""Leaders review the units' work: 点评 and 退回 on a record's card, 通过 when the township has
switched review on, 评诺 on a fulfilled commitment, and /review (the switch, the records waiting,
the morning 昨日新报送 message).

A 点评 or a 退回 is typed in a short flow, kept with the record (storage/reviews.py) and sent to the
unit's reachable secretaries; a 退回 carries a 修改 button that opens the record in the /my edit
flow. When the unit saves a returned record again, :func:`after_revision` tells the leader who
returned it what changed. Buttons ``rv:<action>:<arg>`` are for leaders only and re-authorised on
every tap; records and commitments are looked up within the unit the button names.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError

from bot import texts
from bot.rules import report_rules as rules
from bot.rules.user_input import parse_id
from bot.services import Services
from handlers import evidence, ui
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.dialog import Button, Card, Flow, Step, Turn, start_flow, text_within
from handlers.paging import page_of, pager_row
from storage import activities as activity_store
from storage import people, reviews
from storage import units as unit_store
from storage.models import ACTIVITY_FIELDS, Activity, Unit

log = logging.getLogger(__name__)

FAMILY = "review"
PREFIX = evidence.REVIEW_PREFIX
PAGE_SIZE = 10
SHOWN_CHANGE = 40  # characters of a changed field's old and new value shown to the leader

say, label = texts.family(FAMILY)


# ----- telling the unit -------------------------------------------------------------------------
async def tell_unit(context: BotContext, unit_id: int, text: str, markup: InlineKeyboardMarkup | None) -> int:
    """Send ``text`` to the unit's reachable secretaries; how many it reached."""
    db, reached = context.services.db, 0
    for person in await people.list_people(db, unit_id=unit_id):
        if not (person.is_secretary and person.reachable):
            continue
        try:
            await context.bot.send_message(person.user_id, text, reply_markup=markup)
            reached += 1
        except Forbidden:
            await people.set_reachable(db, person.user_id, False)
        except TelegramError as err:
            log.warning("a review did not reach secretary %s: %s", person.user_id, err)
    return reached


def _secretary_buttons(activity_id: int, editable: bool) -> InlineKeyboardMarkup:
    row = [ui.button(label("b_open"), "my", "open", activity_id)]
    if editable:
        row.insert(0, ui.button(label("b_edit"), "my", "edit", activity_id))
    return InlineKeyboardMarkup([row])


# ----- 点评 and 退回: a short flow for the typed text --------------------------------------------
def _short(turn: Turn) -> str:
    return rules.activity_short_id(int(turn.data["activity_id"]))


async def prompt_comment(turn: Turn) -> Card:
    return Card(say("ask_comment", short_id=_short(turn)), [[Button(texts.label("cancel"), "cancel")]])


async def prompt_reason(turn: Turn) -> Card:
    return Card(say("ask_reason", short_id=_short(turn)), [[Button(texts.label("cancel"), "cancel")]])


note_rule = text_within("review_note", lambda: say("note_empty"))


async def _record_of(turn: Turn) -> tuple[Unit, Activity] | None:
    db = turn.services.db
    unit = await unit_store.get_unit(db, int(turn.data["unit_id"]))
    activity = await activity_store.get_activity(db, int(turn.data["activity_id"]), unit_id=unit.id) if unit else None
    return (unit, activity) if unit and activity else None


async def _keep(turn: Turn, action: str) -> None:
    """Keep the typed 点评 or 退回 with the record, tell the unit, show the record again."""
    note = await turn.typed(note_rule)
    if note is None:
        return
    record = await _record_of(turn)
    services = turn.services
    review = await reviews.add_review(services.db, int(turn.data["activity_id"]), int(turn.data["unit_id"]), action, note, turn.person.user_id, services.now()) if record else None
    if record is None or review is None:
        await turn.finish(say("already_returned") if record else texts.say("evidence", "not_found"))
        return
    await turn.finish()
    unit, activity = record
    short_id = rules.activity_short_id(activity.id)
    org = services.settings.org_name
    if action == reviews.COMMENT:
        text = say("to_secretary_comment", org=org, short_id=short_id, a=activity, note=note)
    else:
        text = say("to_secretary_return", org=org, short_id=short_id, a=activity, reason=note)
    reached = await tell_unit(turn.context, unit.id, text, _secretary_buttons(activity.id, action == reviews.RETURN))
    what = say("what_comment" if action == reviews.COMMENT else "what_return")
    await evidence.show_record(turn.update, turn.context, unit, activity, turn.data.get("period_key", ""), prefix=say("delivered", what=what, count=reached))


async def handle_comment(turn: Turn) -> None:
    await _keep(turn, reviews.COMMENT)


async def handle_reason(turn: Turn) -> None:
    await _keep(turn, reviews.RETURN)


# ----- 评诺 -------------------------------------------------------------------------------------
async def prompt_evaluation(turn: Turn) -> Card:
    short_id = rules.commitment_short_id(int(turn.data["commitment_id"]))
    grade = evidence.EVALUATIONS[int(turn.data["grade"])]
    return Card(say("ask_evaluation_comment", short_id=short_id, grade=grade), [[Button(label("b_skip"), "skip"), Button(texts.label("cancel"), "cancel")]])


async def handle_evaluation(turn: Turn) -> None:
    if turn.is_tap and turn.action != "skip":
        return
    comment = None if turn.is_tap else await turn.typed(note_rule)
    if comment is None and not turn.is_tap:
        return
    services, data = turn.services, turn.data
    grade = evidence.EVALUATIONS[int(data["grade"])]
    unit = await unit_store.get_unit(services.db, int(data["unit_id"]))
    evaluated = await reviews.evaluate_commitment(
        services.db, int(data["commitment_id"]), int(data["unit_id"]), grade, comment, turn.person.user_id, services.now()
    ) if unit else None
    if unit is None or evaluated is None:
        await turn.finish(say("cannot_evaluate"))
        return
    await turn.finish()
    short_id = rules.commitment_short_id(evaluated.id)
    markup = InlineKeyboardMarkup([[ui.button(label("b_open_commitment"), "cm", "open", evaluated.id)]])
    await tell_unit(turn.context, unit.id, say("to_secretary_evaluation", org=services.settings.org_name, short_id=short_id, c=evaluated), markup)
    prefix = say("evaluated", short_id=short_id, grade=grade)
    await evidence.show_commitment(turn.update, turn.context, unit, evaluated, data.get("period_key", ""), prefix=prefix)


REVIEW = Flow(
    name="review",
    title=say("flow_title"),
    steps={
        "comment": Step(prompt_comment, handle_comment),
        "reason": Step(prompt_reason, handle_reason),
        "evaluation": Step(prompt_evaluation, handle_evaluation),
    },
)


# ----- a returned record saved again ------------------------------------------------------------
def _shown(value: Any) -> str:  # noqa: ANN401 - any field's value
    text = value.isoformat() if isinstance(value, date) else "" if value is None else str(value)
    return text if len(text) <= SHOWN_CHANGE else text[: SHOWN_CHANGE - 1] + "…"


def changes_between(before: dict[str, Any], after: Activity) -> list[dict[str, str]]:
    """Each field (and the photos) that differs between a stored version and the record now."""
    nothing = texts.plain(FAMILY, "nothing")
    found = []
    for spec in ACTIVITY_FIELDS:
        old, new = _shown(before.get(spec.name)), _shown(getattr(after, spec.name))
        if old != new:
            found.append({"field": spec.name, "before": old or nothing, "after": new or nothing})
    old_photos, new_photos = list(before.get("photos") or []), list(after.photos)
    if old_photos != new_photos:
        found.append({"field": "photos", "before": str(len(old_photos)), "after": str(len(new_photos))})
    return found


async def after_revision(context: BotContext, activity: Activity) -> None:
    """The unit saved ``activity`` again: if it was returned, close the 退回 and tell the leader
    who returned it what changed (the report flow calls this after every saved edit)."""
    services = context.services
    closed = await reviews.close_return(services.db, activity.id, activity.unit_id, services.now())
    if closed is None:
        return
    versions = await activity_store.list_versions(services.db, activity.id, unit_id=activity.unit_id)
    before = next((v.data for v in versions if v.version == closed.version), versions[-1].data if versions else {})
    unit = await unit_store.get_unit(services.db, activity.unit_id)
    leader = await people.get_person(services.db, closed.leader_id)
    if unit is None or leader is None or not leader.is_leader:
        return
    text = say("resubmitted", unit=unit, short_id=rules.activity_short_id(activity.id), reason=closed.note, changes=changes_between(before, activity))
    ref = await evidence.ref_for(services, activity)
    markup = InlineKeyboardMarkup([[ui.button(label("b_open"), evidence.PREFIX, "a", ref.arg)]])
    try:
        await context.bot.send_message(leader.user_id, text, reply_markup=markup)
    except TelegramError as err:
        log.warning("the leader %s was not told of a resubmission: %s", leader.user_id, err)


# ----- /review ----------------------------------------------------------------------------------
async def show_review(update: Update, context: BotContext, page: int = 0, prefix: str | None = None) -> None:
    services = context.services
    db = services.db
    since = await reviews.review_on_since(db)
    waiting = await reviews.waiting_records(db, since) if since else []
    shown, page, pages = page_of(waiting, page, PAGE_SIZE)
    news = context.caller().user_id in await reviews.news_readers(db)
    text = say("review_page", on_since=since, waiting=waiting, returned=len(await reviews.returned_activity_ids(db)), page=page, pages=pages, news=news)
    if prefix:
        text = f"{prefix}\n\n{text}"
    rows = await _record_buttons(services, [(w.unit_id, w.activity_id) for w in shown])
    pager = pager_row(f"{PREFIX}:l:", page, pages)
    if pager:
        rows.append(pager)
    rows.append([
        ui.button(label("b_switch_off" if since else "b_switch_on"), PREFIX, "sw", "off" if since else "on"),
        ui.button(label("b_news_off" if news else "b_news_on"), PREFIX, "nw", "off" if news else "on"),
    ])
    await ui.reply(update, context, text, InlineKeyboardMarkup(rows))


async def _record_buttons(services: Services, records: list[tuple[int, int]]) -> list[list[Any]]:
    """One button per record (unit id, record id) that opens its card."""
    rows = []
    for unit_id, record_id in records:
        unit = await unit_store.get_unit(services.db, unit_id)
        activity = await activity_store.get_activity(services.db, record_id, unit_id=unit_id)
        if unit is None or activity is None:
            continue
        ref = await evidence.ref_for(services, activity)
        short_id = rules.activity_short_id(activity.id)
        rows.append([ui.button(label("b_waiting", unit=unit, a=activity, short_id=short_id), evidence.PREFIX, "a", ref.arg)])
    return rows


@leaders_only
async def review_command(update: Update, context: BotContext) -> None:
    """/review: whether review is on, the records waiting for 通过, the morning message."""
    await show_review(update, context)


# ----- the morning 昨日新报送 message -----------------------------------------------------------
def _day_bounds(services: Services, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), services.settings.timezone)
    return start, start + timedelta(days=1)


async def send_morning_news(context: Any, services: Services) -> int:  # noqa: ANN401 - any bot context
    """Once a day, after the quiet hours: to each leader who asked, one message counting the
    records first submitted yesterday (none when there were none). Returns how many were sent."""
    now_local = services.now().astimezone(services.settings.timezone)
    if now_local.time() < services.settings.quiet_end:
        return 0
    today = now_local.date()
    yesterday = today - timedelta(days=1)
    count = len(await reviews.submitted_between(services.db, *_day_bounds(services, yesterday)))
    sent = 0
    for user_id in await reviews.news_readers(services.db):
        leader = await people.get_person(services.db, user_id)
        if leader is None or not leader.is_leader or not await reviews.claim_news(services.db, user_id, today):
            continue
        if not count:
            continue
        markup = InlineKeyboardMarkup([[ui.button(label("b_news_open", count=count), PREFIX, "new", f"{yesterday.isoformat()}.0")]])
        try:
            await context.bot.send_message(user_id, say("news", count=count, day=yesterday), reply_markup=markup)
            sent += 1
        except TelegramError as err:
            log.warning("the morning message did not reach %s: %s", user_id, err)
    return sent


async def _morning_job(context: Any) -> None:  # noqa: ANN401 - the JobQueue's context
    try:
        await send_morning_news(context, context.application.bot_data["services"])
    except Exception:  # noqa: BLE001 - the next run tries again (at most one message a day: a day is claimed before it is sent)
        log.exception("the morning message failed")


def start_morning_news(app: Any) -> None:  # noqa: ANN401 - the Application
    """Look every ``REMINDER_TICK_SECONDS`` whether the morning message is due (0: never)."""
    interval = app.bot_data["services"].settings.reminder_tick_seconds
    if interval > 0 and app.job_queue is not None:
        app.job_queue.run_repeating(_morning_job, interval=interval, first=interval, name="morning-news")


async def show_news(update: Update, context: BotContext, day: date, page: int) -> None:
    services = context.services
    found = await reviews.submitted_between(services.db, *_day_bounds(services, day))
    if not found:
        await ui.reply(update, context, say("news_none", day=day))
        return
    shown, page, pages = page_of(found, page, PAGE_SIZE)
    rows = await _record_buttons(services, [(r.unit_id, r.activity_id) for r in shown])
    pager = pager_row(f"{PREFIX}:new:{day.isoformat()}.", page, pages)
    if pager:
        rows.append(pager)
    await ui.reply(update, context, say("news_list", day=day, page=page, pages=pages), InlineKeyboardMarkup(rows))


def _news_target(arg: str) -> tuple[date, int] | None:
    day_part, _, page_part = arg.partition(".")
    page = parse_id(page_part or "0")
    try:
        day = date.fromisoformat(day_part) if len(day_part) == 10 else None
    except ValueError:
        day = None
    return (day, page) if day is not None and page is not None else None


# ----- taps -------------------------------------------------------------------------------------
async def _on_record(update: Update, context: BotContext, action: str, arg: str) -> None:
    record = await evidence.find_record(update, context, arg)
    if record is None:
        return
    unit, activity, period_key = record
    services = context.services
    kept = await reviews.list_reviews(services.db, activity.id, unit_id=unit.id)
    if action in ("rt", "ok") and any(r.open_return for r in kept):
        await ui.answer(update, say("already_returned"), alert=True)
        return
    await ui.answer(update)
    if action == "ok":
        review = await reviews.add_review(services.db, activity.id, unit.id, reviews.APPROVE, None, context.caller().user_id, services.now())
        prefix = say("approved", short_id=rules.activity_short_id(activity.id)) if review else say("already_returned")
        await evidence.show_record(update, context, unit, activity, period_key, prefix=prefix)
        return
    data = {"unit_id": unit.id, "activity_id": activity.id, "period_key": period_key}
    await start_flow(update, context, REVIEW, "comment" if action == "cm" else "reason", data)


async def _on_grade(update: Update, context: BotContext, grade: int, arg: str) -> None:
    found = await evidence.find_commitment(update, context, arg)
    if found is None:
        return
    unit, commitment, period_key = found
    if commitment.fulfilled_on is None:
        await ui.answer(update, say("cannot_evaluate"), alert=True)
        return
    await ui.answer(update)
    data = {"unit_id": unit.id, "commitment_id": commitment.id, "period_key": period_key, "grade": grade}
    await start_flow(update, context, REVIEW, "evaluation", data)


GRADE_ACTIONS = {f"e{i}": i for i in range(len(evidence.EVALUATIONS))}


@leaders_only
async def review_button(update: Update, context: BotContext) -> None:
    """Taps ``rv:<action>:<arg>``: 点评, 退回, 通过, 评诺, and the /review card's buttons."""
    action, arg = ui.tapped(update)
    services, person = context.services, context.caller()
    if action in ("cm", "rt", "ok"):
        await _on_record(update, context, action, arg)
    elif action in GRADE_ACTIONS:
        await _on_grade(update, context, GRADE_ACTIONS[action], arg)
    elif action == "l" and parse_id(arg) is not None:
        await ui.answer(update)
        await show_review(update, context, parse_id(arg) or 0)
    elif action == "sw" and arg in ("on", "off"):
        await ui.answer(update)
        if (arg == "on") != (await reviews.review_on_since(services.db) is not None):
            await reviews.set_review(services.db, arg == "on", person.user_id, services.now())
        await show_review(update, context)
    elif action == "nw" and arg in ("on", "off"):
        await ui.answer(update)
        await reviews.set_news(services.db, person.user_id, arg == "on")
        await show_review(update, context)
    elif action == "new" and (target := _news_target(arg)) is not None:
        await ui.answer(update)
        await show_news(update, context, *target)
    else:
        await ui.answer_stale(update, context)
