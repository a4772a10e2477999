"""Leaders see the evidence: a unit's records of a period (with its 本期未开展 excuses and 本期小结),
one record with every field and what leaders said about it, and its photos as an album; a unit's
commitments, where 评诺 starts (handlers/review.py). Also the record card both sides read: /my
shows the unit the same card (:func:`record_card`).

Buttons carry ``ev:<action>:<arg>``: ``u`` a unit's records (``<unit>.<period key>.<page>``, an
empty key being the current period), ``a`` a record, ``ph`` its photos and ``full`` what its card
left out — shortened fields, earlier reviews — (``<unit>.<record>.<period key>``), ``c`` a unit's
commitments (``<unit>.<period key>``) and ``cc`` one of them (``<unit>.<commitment>.<period key>``). Leaders only, re-authorised on every tap; a record is
looked up within the unit its button names, so a forged pair finds nothing.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update

from bot import texts
from bot.reminders import plan
from bot.reminders.queries import load_timing
from bot.rules import report_rules as rules
from bot.rules.periods import MONTH, Period, next_period, period_containing, period_from_key, periods_overlapping, previous_period
from bot.rules.user_input import parse_id
from bot.rules.words import WORDS
from bot.services import Services
from handlers import commitments, long_text, ui
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.paging import grid, page_of, pager_row
from storage import activities as activity_store
from storage import commitments as commitment_store
from storage import people, period_notes, reminders, reviews
from storage import units as unit_store
from storage.models import Activity, Commitment, Unit

FAMILY = "evidence"
PREFIX = "ev"
REVIEW_PREFIX = "rv"  # handlers/review.py: the 点评 / 退回 / 通过 / 评诺 buttons on these cards
PAGE_SIZE = 10
REVIEWS_ON_CARD = 3  # the newest reviews a record card shows; all of them are a 查看全文 away
ALBUM_SIZE = 10  # Telegram sends at most 10 photos in one album

say, label = texts.family(FAMILY)
EVALUATIONS: tuple[str, ...] = tuple(WORDS["evaluation"]["grades"])


@dataclass(frozen=True)
class RecordRef:
    """Where a record is, as its buttons carry it: its unit, its id, and the period it is shown in."""

    unit_id: int
    record_id: int
    period_key: str

    @property
    def arg(self) -> str:
        return f"{self.unit_id}.{self.record_id}.{self.period_key}"


def parse_ref(arg: str) -> RecordRef | None:
    """A :class:`RecordRef` from button data; None when the data is not one (forged or damaged)."""
    unit, _, rest = arg.partition(".")
    record, _, key = rest.partition(".")
    unit_id, record_id = parse_id(unit), parse_id(record)
    if unit_id is None or record_id is None or (key and not _valid_key(key)):
        return None
    return RecordRef(unit_id, record_id, key)


def _valid_key(key: str) -> bool:
    try:
        period_from_key(key)
    except ValueError:
        return False
    return True


async def shown_period(services: Services, key: str) -> Period:
    """The period a key names, or the current reporting period for an empty key."""
    if key:
        return period_from_key(key)
    return plan.current_period(await load_timing(services), services.now())


async def ref_for(services: Services, activity: Activity) -> RecordRef:
    """The record's address, shown in the reporting period it was held in."""
    timing = await load_timing(services)
    return RecordRef(activity.unit_id, activity.id, period_containing(timing.schedule.cycle, activity.held_on).key)


# ----- the record card, as the unit (/my) and the leaders see it --------------------------------
def quorum_warning(services: Services, activity: Activity) -> bool:
    kind = services.kinds.by_name(activity.kind)
    return kind is not None and kind.quorum and rules.below_quorum(activity.attended, activity.expected)


async def review_views(services: Services, kept: list[reviews.Review]) -> list[dict[str, Any]]:
    """What the card says of each review: who, which day, what."""
    names: dict[int, str] = {}
    for review in kept:
        if review.leader_id not in names:
            leader = await people.get_person(services.db, review.leader_id)
            names[review.leader_id] = leader.display_name if leader else services.settings.org_name
    tz = services.settings.timezone
    return [
        {
            "action": r.action, "name": names[r.leader_id], "day": r.created_at.astimezone(tz).date(), "note": r.note,
            "resubmitted": r.resubmitted_at is not None, "open": r.open_return,
        }
        for r in kept
    ]


@dataclass(frozen=True)
class RecordCard:
    """A record card as sent: its text, the record's fields it shortened, and whether it shows every
    review kept with the record, each whole."""

    text: str
    cut: list[str]
    reviews_whole: bool

    @property
    def complete(self) -> bool:
        """Nothing is left out: no 查看全文 button is needed."""
        return not self.cut and self.reviews_whole


async def record_card(services: Services, activity: Activity, kept: list[reviews.Review]) -> RecordCard:
    """The record with every field, its short id and edits, and the newest reviews kept with it (an
    open 退回 always among them, the earlier ones counted) — fitted to Telegram's limit with the
    reviews' notes shortened like the fields (handlers/long_text.py)."""
    short_id, warning = rules.activity_short_id(activity.id), quorum_warning(services, activity)
    shown, earlier = long_text.newest(await review_views(services, kept), REVIEWS_ON_CARD, keep=lambda view: view["open"])

    def render(a: Activity, notes: list[str | None]) -> str:
        views = [{**view, "note": note} for view, note in zip(shown, notes)]
        return texts.say("my_reports", "card", a=a, short_id=short_id, quorum_warning=warning, reviews=views, earlier=earlier)

    text, cut, notes_cut = long_text.fit_record_with_notes(render, activity, [view["note"] for view in shown])
    return RecordCard(text, cut, reviews_whole=not earlier and not notes_cut)


async def send_record_full_text(context: BotContext, activity: Activity, kept: list[reviews.Review], card: RecordCard) -> None:
    """查看全文 on a record card: each field the card shortened whole, then every review kept with
    the record (when the card left any out or shortened one), over as many messages as needed."""
    history: list[str] = []
    if not card.reviews_whole:
        views = await review_views(context.services, kept)
        history = [texts.say("review", "review_history", count=len(views)), *(texts.say("review", "review_line", r=view) for view in views)]
    await long_text.send_full_text(context, long_text.record_pieces(activity, card.cut), history)


# ----- a unit's records of a period -------------------------------------------------------------
def unit_records_button(unit_id: int, period_key: str = "", page: int = 0) -> InlineKeyboardButton:
    """The button that opens a unit's records of a period (used by /board and /units)."""
    return ui.button(label("b_records"), PREFIX, "u", f"{unit_id}.{period_key}.{page}")


def unit_button(number: int, unit: Unit, period_key: str) -> InlineKeyboardButton:
    return ui.button(label("b_unit", number=number, unit=unit), PREFIX, "u", f"{unit.id}.{period_key}.0")


async def _excuses_in(services: Services, unit: Unit, period: Period) -> list[dict[str, str]]:
    found = []
    for excuse in await reminders.list_excuses(services.db, [unit.id]):
        try:
            slot = period_from_key(excuse.slot)
        except ValueError:
            continue
        if slot.start <= period.end and period.start <= slot.end:
            found.append({"kind": excuse.activity_kind, "slot": slot.label, "reason": excuse.reason})
    return found


def state_marks(states: dict[int, str], waiting: set[int]) -> dict[int, str]:
    """The word after each record in a list: 已退回, 已通过 or 待审核 (none when there is none)."""
    marks: dict[int, str] = {}
    for record_id, state in states.items():
        marks[record_id] = texts.plain("review", "mark", state="returned" if state == reviews.RETURN else "approved")
    for record_id in waiting:
        marks.setdefault(record_id, texts.plain("review", "mark", state="waiting"))
    return marks


async def waiting_ids(services: Services) -> set[int]:
    since = await reviews.review_on_since(services.db)
    return {w.activity_id for w in await reviews.waiting_records(services.db, since)} if since else set()


async def show_unit(update: Update, context: BotContext, unit: Unit, period: Period, page: int = 0) -> None:
    services = context.services
    records = await activity_store.list_activities(services.db, start=period.start, end=period.end, unit_ids=[unit.id])
    shown, page, pages = page_of(records, page, PAGE_SIZE)
    ids = {a.id: rules.activity_short_id(a.id) for a in shown}
    marks = state_marks(await reviews.unit_review_states(services.db, unit.id), await waiting_ids(services))
    months = [p.key for p in periods_overlapping(MONTH, period.start, period.end)]
    notes = [
        {"label": period_from_key(n.period).label, "note": n}
        for n in await period_notes.list_notes(services.db, months, unit_ids=[unit.id])
        if n.problems or n.next_plans or n.deeds
    ]
    text = say(
        "unit", unit=unit, period=period, records=shown, ids=ids, marks=marks,
        excuses=await _excuses_in(services, unit, period), notes=notes, page=page, pages=pages,
    )
    rows = grid([ui.button(label("b_record", a=a, short_id=ids[a.id], mark=marks.get(a.id)), PREFIX, "a", RecordRef(unit.id, a.id, period.key).arg) for a in shown])
    pager = pager_row(f"{PREFIX}:u:{unit.id}.{period.key}.", page, pages)
    if pager:
        rows.append(pager)
    steps = [ui.button(label("b_previous", period=previous_period(period)), PREFIX, "u", f"{unit.id}.{previous_period(period).key}.0")]
    current = await shown_period(services, "")
    later = next_period(period)
    if later.start <= current.start and later.kind == current.kind:
        steps.append(ui.button(texts.plain("board", "next_period", period=later), PREFIX, "u", f"{unit.id}.{later.key}.0"))
    rows.append(steps)
    rows.append([ui.button(label("b_commitments"), PREFIX, "c", f"{unit.id}.{period.key}")])
    rows.append([ui.button(label("b_board"), "b", period.key, 0), ui.button(label("b_unit_card"), "u", "open", unit.id)])
    await ui.reply(update, context, text, InlineKeyboardMarkup(rows))


# ----- one record, and its photos ---------------------------------------------------------------
async def show_record(update: Update, context: BotContext, unit: Unit, activity: Activity, period_key: str, prefix: str | None = None) -> None:
    services = context.services
    kept = await reviews.list_reviews(services.db, activity.id, unit_id=unit.id)
    card = await record_card(services, activity, kept)
    text = say("record", unit=unit, card=card.text)
    if prefix:
        text = f"{prefix}\n\n{text}"
    ref = RecordRef(unit.id, activity.id, period_key).arg
    rows = []
    if activity.photos:
        rows.append([ui.button(label("b_photos", count=len(activity.photos)), PREFIX, "ph", ref)])
    if not card.complete:
        rows.append([ui.button(long_text.full_text_label(), PREFIX, "full", ref)])
    returned = any(r.open_return for r in kept)
    actions = [ui.button(texts.plain("review", "b_comment"), REVIEW_PREFIX, "cm", ref)]
    if not returned:
        actions.append(ui.button(texts.plain("review", "b_return"), REVIEW_PREFIX, "rt", ref))
        approved = any(r.action == reviews.APPROVE and r.version == activity.version for r in kept)
        if not approved and await reviews.review_on_since(services.db):
            actions.append(ui.button(texts.plain("review", "b_approve"), REVIEW_PREFIX, "ok", ref))
    rows.append(actions)
    rows.append([ui.button(label("b_back_unit"), PREFIX, "u", f"{unit.id}.{period_key}.0")])
    await ui.reply(update, context, text, InlineKeyboardMarkup(rows))


async def send_full_record(context: BotContext, activity: Activity) -> None:
    """查看全文 on a record card (the leaders' or /my's): what the card, built again, left out."""
    kept = await reviews.list_reviews(context.services.db, activity.id, unit_id=activity.unit_id)
    await send_record_full_text(context, activity, kept, await record_card(context.services, activity, kept))


async def send_photos(context: BotContext, unit: Unit, activity: Activity, period_key: str) -> None:
    """The record's photos as albums of up to ten, then a card to go back to the record."""
    chat = context.caller().user_id
    short_id = rules.activity_short_id(activity.id)
    caption = say("photos_caption", unit=unit, short_id=short_id)
    for first in range(0, len(activity.photos), ALBUM_SIZE):
        chunk = activity.photos[first : first + ALBUM_SIZE]
        if len(chunk) == 1:  # an album has two photos at least
            await context.bot.send_photo(chat, chunk[0], caption=caption if first == 0 else None)
            continue
        media = [InputMediaPhoto(file_id, caption=caption if first + i == 0 else None) for i, file_id in enumerate(chunk)]
        await context.bot.send_media_group(chat, media)
    back = InlineKeyboardMarkup([[ui.button(label("b_back_record"), PREFIX, "a", RecordRef(unit.id, activity.id, period_key).arg)]])
    await context.bot.send_message(chat, say("photos_sent", short_id=short_id, count=len(activity.photos)), reply_markup=back)


# ----- a unit's commitments ---------------------------------------------------------------------
def _needs_attention(c: Commitment) -> int:
    """Fulfilled and waiting for 评诺 first, then open ones, then those already evaluated."""
    return 0 if c.fulfilled_on and not c.evaluation else 1 if not c.fulfilled_on else 2


async def show_commitments(update: Update, context: BotContext, unit: Unit, period_key: str) -> None:
    found = sorted(await commitment_store.list_commitments(context.services.db, [unit.id]), key=_needs_attention)
    ids = {c.id: rules.commitment_short_id(c.id) for c in found}
    rows = [[ui.button(label("b_commitment", c=c, short_id=ids[c.id]), PREFIX, "cc", f"{unit.id}.{c.id}.{period_key}")] for c in found]
    rows.append([ui.button(label("b_back_unit"), PREFIX, "u", f"{unit.id}.{period_key}.0")])
    await ui.reply(update, context, say("commitments", unit=unit, items=found, ids=ids), InlineKeyboardMarkup(rows))


async def show_commitment(update: Update, context: BotContext, unit: Unit, commitment: Commitment, period_key: str, prefix: str | None = None) -> None:
    text = await commitments.card_text(context.services, commitment)
    text = f"<b>{unit.name}</b>\n\n{text}" if not prefix else f"{prefix}\n\n<b>{unit.name}</b>\n\n{text}"
    ref = f"{unit.id}.{commitment.id}.{period_key}"
    rows = []
    if commitment.fulfilled_on is not None:
        grades = [ui.button(texts.plain("review", "b_grade", grade=g), REVIEW_PREFIX, f"e{i}", ref) for i, g in enumerate(EVALUATIONS)]
        rows.extend(grid(grades))
    rows.append([ui.button(label("b_commitments"), PREFIX, "c", f"{unit.id}.{period_key}")])
    await ui.reply(update, context, text, InlineKeyboardMarkup(rows))


# ----- taps -------------------------------------------------------------------------------------
T = TypeVar("T")


async def _find(update: Update, context: BotContext, arg: str, fetch: Callable[[Any, int, int], Awaitable[T | None]], missing: str) -> tuple[Unit, T, str] | None:
    """The unit a button names and the thing ``fetch(db, id, unit id)`` finds within it, with the
    period key; None (the tap answered) when the data is forged or there is no such thing."""
    ref = parse_ref(arg)
    if ref is None:
        await ui.answer_stale(update, context)
        return None
    db = context.services.db
    unit = await unit_store.get_unit(db, ref.unit_id)
    found = await fetch(db, ref.record_id, ref.unit_id) if unit else None
    if unit is None or found is None:
        await ui.answer(update, say(missing), alert=True)
        return None
    return unit, found, ref.period_key


async def find_record(update: Update, context: BotContext, arg: str) -> tuple[Unit, Activity, str] | None:
    """The unit and live record a button names, or None (the tap answered) when there is none."""
    return await _find(update, context, arg, lambda db, record_id, unit_id: activity_store.get_activity(db, record_id, unit_id=unit_id), "not_found")


async def find_commitment(update: Update, context: BotContext, arg: str) -> tuple[Unit, Commitment, str] | None:
    """The unit and live commitment a button names (addressed as a record is), or None."""
    return await _find(
        update, context, arg, lambda db, record_id, unit_id: commitment_store.get_commitment(db, record_id, unit_id=unit_id), "commitment_not_found"
    )


async def _unit_and_period(update: Update, context: BotContext, arg: str) -> tuple[Unit, Period, int] | None:
    unit_part, _, rest = arg.partition(".")
    key, _, page_part = rest.partition(".")
    unit_id, page = parse_id(unit_part), parse_id(page_part or "0")
    if unit_id is None or page is None or (key and not _valid_key(key)):
        await ui.answer_stale(update, context)
        return None
    unit = await unit_store.get_unit(context.services.db, unit_id)
    if unit is None:
        await ui.answer(update, texts.say("units", "not_found"), alert=True)
        return None
    return unit, await shown_period(context.services, key), page


@leaders_only
async def evidence_button(update: Update, context: BotContext) -> None:
    """Taps ``ev:<action>:<arg>`` on the leaders' drill-down."""
    action, arg = ui.tapped(update)
    if action in ("u", "c"):
        found = await _unit_and_period(update, context, arg)
        if found is None:
            return
        await ui.answer(update)
        unit, period, page = found
        if action == "u":
            await show_unit(update, context, unit, period, page)
        else:
            await show_commitments(update, context, unit, period.key)
    elif action in ("a", "ph", "full"):
        record = await find_record(update, context, arg)
        if record is None:
            return
        if action == "ph" and not record[1].photos:
            await ui.answer(update, say("no_photos"), alert=True)
            return
        await ui.answer(update)
        if action == "a":
            await show_record(update, context, *record)
        elif action == "ph":
            await send_photos(context, *record)
        else:
            await send_full_record(context, record[1])
    elif action == "cc":
        commitment = await find_commitment(update, context, arg)
        if commitment is not None:
            await ui.answer(update)
            await show_commitment(update, context, *commitment)
    else:
        await ui.answer_stale(update, context)
