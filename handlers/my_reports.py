"""/my: a secretary's view of their unit's reports — open, edit, withdraw.

/my opens on the recent records across months, newest first (a meeting of 30 November reported on
1 December is at the top, not hidden in last month); 上个月 / 下个月 page through whole months.

Buttons carry ``my:<action>:<arg>``; every lookup passes the caller's unit to storage, so a
forged id of another unit's record is answered like a missing one. Editing reopens the record in
the report flow (handlers.report); the previous version is kept by storage.activities.
"""
from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot import texts
from bot.rules import report_rules as rules
from bot.rules.periods import MONTH, Period, next_period, period_containing, period_from_key, previous_period
from bot.rules.user_input import parse_id
from handlers import drafts, evidence, long_text, report, ui
from handlers.access import secretaries_only
from handlers.context import BotContext
from handlers.paging import grid, page_of
from storage import activities as activity_store
from storage import reviews
from storage import units as unit_store
from storage.models import Activity

FAMILY = "my_reports"
PREFIX = "my"
PAGE_SIZE = 15
RECENT = "recent"  # the key of the recent view in button data
RECENT_MONTHS = 3  # the recent view: this month and the two before it


say, label = texts.family(FAMILY)


def _recent_start(current: Period) -> Period:
    first = current
    for _ in range(RECENT_MONTHS - 1):
        first = previous_period(first)
    return first


async def show_list(update: Update, context: BotContext, period: Period | None = None, page: int = 0, prefix: str | None = None) -> None:
    """One month's records, oldest first; without ``period``, the recent ones, newest first."""
    person, services = context.caller(), context.services
    current = period_containing(MONTH, services.today())
    start, end = (period.start, period.end) if period else (_recent_start(current).start, current.end)
    unit = await unit_store.get_unit(services.db, person.unit_id or 0)
    everything = await activity_store.list_activities(services.db, start=start, end=end, unit_ids=[person.unit_id or 0])
    if period is None:
        everything.reverse()
    shown, page, pages = page_of(everything, page, PAGE_SIZE)
    ids = {a.id: rules.activity_short_id(a.id) for a in everything}
    rows = [[ui.button(label("b_item", a=a, short_id=ids[a.id]), PREFIX, "open", a.id)] for a in shown]
    key = period.key if period else RECENT
    pager = []
    if page > 0:
        pager.append(ui.button(texts.label("prev_page"), PREFIX, "list", f"{key}.{page - 1}"))
    if page < pages - 1:
        pager.append(ui.button(texts.label("next_page"), PREFIX, "list", f"{key}.{page + 1}"))
    if pager:
        rows.append(pager)
    months = [ui.button(label("b_prev_month"), PREFIX, "list", previous_period(period or current).key)]
    if period is not None and period.end < current.start:
        months.append(ui.button(label("b_next_month"), PREFIX, "list", next_period(period).key))
    rows.append(months)
    text = say(
        "list", activities=shown, ids=ids, period_label=period.label if period else None, unit_name=unit.name if unit else "",
        page=page, pages=pages, months=RECENT_MONTHS,
    )
    if prefix:
        text = f"{prefix}\n\n{text}"
    await ui.reply(update, context, text, InlineKeyboardMarkup(rows))


async def show_card(update: Update, context: BotContext, activity: Activity) -> None:
    # The card is the list of fields: one tap on a field asks for it, and the answer is saved.
    fields = [ui.button(label("b_edit_field", field=f), PREFIX, "ef", f"{activity.id}.{f}") for f in report.MAIN_FIELDS]
    rows = [*grid(fields, 3), [ui.button(label("b_withdraw"), PREFIX, "wd", activity.id)]]
    if activity.photos:
        rows[-1].append(ui.button(label("b_photos", count=len(activity.photos)), PREFIX, "ph", activity.id))
    kept = await reviews.list_reviews(context.services.db, activity.id, unit_id=activity.unit_id)
    card = await evidence.record_card(context.services, activity, kept)
    if not card.complete:
        rows.append([ui.button(long_text.full_text_label(), PREFIX, "full", activity.id)])
    rows.append([ui.button(label("b_list"), PREFIX, "list", period_containing(MONTH, activity.held_on).key)])
    await ui.reply(update, context, f"{card.text}\n\n{say('edit_hint')}", InlineKeyboardMarkup(rows))


@secretaries_only
async def my_command(update: Update, context: BotContext) -> None:
    """/my: the recent reports of the caller's unit, newest first."""
    await show_list(update, context)


def _list_target(arg: str) -> tuple[Period | None, int] | None:
    key, _, page = arg.partition(".")
    if key == RECENT:
        number = parse_id(page or "0")
        return None if number is None else (None, number)
    try:
        period = period_from_key(key)
    except ValueError:
        return None
    page_number = parse_id(page or "0")
    if period.kind != MONTH or page_number is None:
        return None
    return period, page_number


@secretaries_only
async def my_button(update: Update, context: BotContext) -> None:
    """Taps on /my cards (``my:<action>:<arg>``), re-authorised against the caller's unit."""
    action, arg = ui.tapped(update)
    person, services = context.caller(), context.services
    if action == "list":
        target = _list_target(arg)
        if target is None:
            await ui.answer_stale(update, context)
            return
        await ui.answer(update)
        await show_list(update, context, *target)
        return
    arg, _, field = arg.partition(".")
    activity_id = await ui.tapped_id(update, context, arg)
    if activity_id is None:
        return
    activity = await activity_store.get_activity(services.db, activity_id, unit_id=person.unit_id or 0)
    if activity is None or action not in ("open", "edit", "ef", "wd", "wdok", "ph", "full") or (action == "ef" and field not in report.MAIN_FIELDS):
        await ui.answer(update, say("not_found"), alert=True)
        return
    short_id = rules.activity_short_id(activity.id)
    if action == "open":
        await ui.answer(update)
        await show_card(update, context, activity)
    elif action in ("edit", "ef"):
        if not await drafts.guard(update, context, "edit", str(activity.id)):
            await ui.answer(update)
            await report.start_revision(update, context, activity, quick=True, field=field or None)
    elif action == "wd":
        await ui.answer(update)
        markup = InlineKeyboardMarkup([[ui.button(label("b_confirm_withdraw"), PREFIX, "wdok", activity.id), ui.button(label("b_back"), PREFIX, "open", activity.id)]])
        await ui.reply(update, context, say("confirm_withdraw", short_id=short_id), markup)
    elif action == "wdok":
        if not await activity_store.withdraw_activity(services.db, activity.id, person.unit_id or 0, person.user_id, services.now()):
            await ui.answer(update, say("not_found"), alert=True)
            return
        await ui.answer(update)
        await show_list(update, context, prefix=say("withdrawn", short_id=short_id))
    elif action == "full":
        await ui.answer(update)
        await evidence.send_full_record(context, activity)
    elif action == "ph":
        await ui.answer(update)
        caption = say("photos_caption", short_id=short_id, count=len(activity.photos))
        for position, file_id in enumerate(activity.photos):
            await context.bot.send_photo(person.user_id, file_id, caption=caption if position == 0 else None)


async def edit_from_offer(update: Update, context: BotContext, arg: str) -> None:
    person = context.caller()
    activity_id = parse_id(arg)
    activity = await activity_store.get_activity(context.services.db, activity_id, unit_id=person.unit_id or 0) if activity_id is not None else None
    if activity is None:
        await ui.reply(update, context, say("not_found"))
        return
    await report.start_revision(update, context, activity, quick=True)

