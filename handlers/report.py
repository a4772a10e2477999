"""/report (and the "📝 汇报活动" keyboard button): report a meeting or activity, guided.

kind → date → 主题 → 实到 (应到 defaults by kind, bot.rules.attendance) → 内容摘要 → photos →
review → 提交. From the review card every field can be changed (修改) and the optional ones added
(更多信息: start time, place, 主持人, 记录人, absentees, 列席, 决议). The same flow edits a
submitted record (``activity_id`` in the draft), starting at the review card. The draft is the
dialog row; see handlers.drafts for restarts and detours. The conversation is drawn in
docs/report.mmd. Rules (dates, numbers, limits) live in bot.report_rules.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from telegram import KeyboardButton, Message, ReplyKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError

from bot import texts
from bot.services import Services
from bot.rules import report_rules as rules
from bot.reminders.queries import Standing, unit_standing
from bot.rules.attendance import default_expected
from bot.rules.intent import ReportIntent
from bot.rules.periods import MONTH, period_containing
from handlers import drafts, long_text, owed, reminder_cards, review, ui
from handlers.access import secretaries_only
from handlers.context import BotContext
from handlers.dialog import Button, Card, Flow, Problem, Step, Turn, parsed_by, start_flow, text_within
from handlers.paging import grid
from storage import activities as activity_store
from storage import dialogs as dialog_store
from storage import units as unit_store
from storage.activities import ActivityFields, ActivityNotFound, AlreadySubmitted, Photo
from storage.models import ACTIVITY_FIELDS, REQUIRED_ACTIVITY_FIELDS, Activity, Person

log = logging.getLogger(__name__)

FAMILY = "report"
# The fields asked on the way (and offered under 修改), and the extra ones offered under 更多信息.
MAIN_FIELDS = (*(f.name for f in ACTIVITY_FIELDS if not f.extra), "photos")
MORE_FIELDS = tuple(f.name for f in ACTIVITY_FIELDS if f.extra)
FIELD_STEPS = {"kind": "kind", "held_on": "date", "topic": "topic", "attended": "attended", "expected": "expected", "summary": "summary", "photos": "photos"}
RECENT_DAYS = 3  # buttons for today, yesterday and the day before


say, label = texts.family(FAMILY)


def keyboard_label() -> str:
    """The text of the persistent "📝 汇报活动" button (what the phone sends when it is tapped)."""
    return label("b_report")


def secretary_keyboard() -> ReplyKeyboardMarkup:
    """The reply keyboard secretaries keep under the input field."""
    return ReplyKeyboardMarkup([[KeyboardButton(keyboard_label())]], resize_keyboard=True, is_persistent=True)


def keyboard_for(person: Person | None) -> ReplyKeyboardMarkup | None:
    """The reply keyboard for ``person``'s role (None for leaders and strangers)."""
    return secretary_keyboard() if person is not None and person.is_secretary else None


# ----- helpers -----------------------------------------------------------------------------------
def _editing(turn: Turn) -> bool:
    return turn.data.get("back") == "review"


def _nav(turn: Turn, back_step: str | None = None) -> list[Button]:
    """The bottom row: back to the review card when editing (or ``back_step``), and 取消."""
    row = []
    if _editing(turn):
        row.append(Button(label("b_review"), "review"))
    elif back_step:
        row.append(Button(label("b_back"), "back", back_step))
    row.append(Button(texts.label("cancel"), "cancel"))
    return row


async def _next(turn: Turn, step: str, prefix: str | None = None) -> None:
    """Go on to ``step`` — or straight back to the review card when a field was being changed.

    A record opened from /my to change one field (``quick``) is saved as soon as that field is
    given, unless the review card has something to warn about."""
    if _editing(turn) and turn.data.pop("quick", False) and not _quorum_warning(turn):
        await submit(turn)
    elif _editing(turn):
        await go_review(turn, prefix)
    else:
        await turn.ask(step, prefix=prefix)


async def _keep(turn: Turn, field: str, value: Any, step: str) -> None:
    """Keep ``value`` as ``field`` and go on to ``step`` (or back to the review card, saying so)."""
    changed = _editing(turn)
    turn.data[field] = value
    await _next(turn, step, say("changed_field", field=field) if changed else None)


async def go_review(turn: Turn, prefix: str | None = None) -> None:
    turn.data["back"] = "review"
    turn.data.pop("quick", None)  # back at the review card: it is saved with 保存修改, as ever
    missing = next((f for f in REQUIRED_ACTIVITY_FIELDS if turn.data.get(f) in (None, "")), None)
    if missing is not None:  # a draft from an older card, or a forged path: ask what is missing
        turn.data.pop("back", None)
        await turn.ask(FIELD_STEPS[missing], prefix=say("need_field", field=missing))
        return
    await turn.ask("review", prefix=prefix)


def _kind_needs_quorum(turn: Turn) -> bool:
    kind = turn.services.kinds.by_name(turn.data.get("kind") or "")
    return kind is not None and kind.quorum


def _quorum_warning(turn: Turn) -> bool:
    attended, expected = turn.data.get("attended"), turn.data.get("expected")
    return attended is not None and expected is not None and _kind_needs_quorum(turn) and rules.below_quorum(attended, expected)


def _text(field: str) -> Callable[[str], str | Problem]:
    """The rule for a free-text field."""
    return text_within(field, empty=partial(say, "text_empty"))


def _typed_date(turn: Turn, *, examples: bool = True) -> Callable[[str], date | Problem]:
    """The rule for a typed date (how far back it may be is checked on accepting it); the
    refusal gives the examples unless the card asked again below it does."""
    return parsed_by(lambda text: rules.parse_date(text, turn.services.today()), partial(say, "date_unreadable", examples=examples))


def _attendance(turn: Turn) -> Callable[[str], tuple[int, int] | Problem]:
    """The rule for 实到 (or 实到/应到): (attended, expected)."""

    def rule(text: str) -> tuple[int, int] | Problem:
        parsed = rules.parse_attendance(text, turn.data.get("expected"))
        if parsed is None:
            return Problem(say("attended_invalid"))
        attended, expected = parsed[0], parsed[1] if parsed[1] is not None else turn.data["expected"]
        if expected is None:  # no default for this kind yet (a first 党小组会): both are needed
            return Problem(say("attended_need_expected", kind=turn.data["kind"]))
        if not rules.attendance_ok(attended, expected):
            return Problem(say("attended_over", attended=attended, expected=expected))
        return attended, expected

    return rule


# ----- kind --------------------------------------------------------------------------------------
async def prompt_kind(turn: Turn) -> Card:
    kinds = [Button(label("b_kind", name=k.name), "kind", k.code) for k in turn.services.kinds.all]
    rows = grid(kinds, 3)
    if not _editing(turn) and not turn.data.get("activity_id"):
        rows.append([Button(label("b_note"), "note"), Button(label("b_commit"), "commit")])
    rows.append(_nav(turn))
    return Card(say("ask_kind", editing=_editing(turn)), rows)


async def handle_kind(turn: Turn) -> None:
    if turn.action in ("note", "commit"):
        # Only offered on a fresh menu, where there is nothing to lose.
        await dialog_store.delete_dialog(turn.services.db, turn.person.user_id)
        await drafts.starter(turn.context, "note" if turn.action == "note" else "commitments")(turn.update, turn.context, "")
        return
    kinds = turn.services.kinds
    kind = kinds.by_code(turn.arg) if turn.action == "kind" else kinds.by_name(turn.text or "")
    if kind is None:
        await turn.reask(say("pick_kind"))
        return
    data = turn.data
    # A new kind brings its own 应到, unless the person typed one or edits a submitted record.
    # A draft's kind changed on the review card keeps its 应到 when the new kind has no default.
    if not data.get("activity_id") and (not _editing(turn) or data.get("expected") == data.get("expected_default")):
        expected = await _expected_for(turn.services, data["unit_id"], kind.name)
        if not _editing(turn) or expected is not None:
            data["expected"] = data["expected_default"] = expected
        if _editing(turn) and expected is not None and (data.get("attended") or 0) > expected:
            data["kind"], data["attended"] = kind.name, None  # 实到 asked again, then back to the review card
            await turn.ask("attended", prefix=say("changed_field", field="kind"))
            return
    await _keep(turn, "kind", kind.name, "date")


async def _expected_for(services: Any, unit_id: int, kind_name: str) -> int | None:  # noqa: ANN401 - bot.services.Services
    """The 应到 a new report of ``kind_name`` starts from (None: asked with 实到)."""
    unit = await unit_store.get_unit(services.db, unit_id)
    if unit is None:
        return None
    last = await activity_store.last_expected(services.db, unit_id, kind_name)
    return default_expected(services.kinds.by_name(kind_name), unit, last)


# ----- date --------------------------------------------------------------------------------------
async def prompt_date(turn: Turn) -> Card:
    today = turn.services.today()
    days = [Button(label("b_day", days_ago=n, d=today - timedelta(days=n)), "day", str(n)) for n in range(RECENT_DAYS)]
    return Card(say("ask_date", kind=turn.data["kind"]), [days, [Button(label("b_other_date"), "other")], _nav(turn)])


def _date_problem(services: Any, day: date) -> str | None:  # noqa: ANN401 - bot.services.Services
    """What is wrong with ``day`` as the day a meeting was held, or None."""
    today, window = services.today(), services.settings.report_window_days
    problem = rules.check_held_on(day, today, window)
    if problem is rules.DateProblem.FUTURE:
        return say("date_future", today=today)
    if problem is rules.DateProblem.TOO_OLD:
        return say("date_too_old", oldest=rules.oldest_allowed(today, window), window=window)
    return None


async def _accept_date(turn: Turn, day: date) -> None:
    problem = _date_problem(turn.services, day)
    if problem is not None:
        await turn.reask(problem)
    else:
        await _keep(turn, "held_on", day.isoformat(), "topic")


async def handle_date(turn: Turn) -> None:
    if turn.action == "other":
        await turn.ask("date_typed")
    elif turn.action == "day" and (days_ago := turn.arg_id) is not None and days_ago < RECENT_DAYS:
        await _accept_date(turn, turn.services.today() - timedelta(days=days_ago))
    elif turn.is_tap:
        await turn.reask(say("date_unreadable"))
    elif (day := await turn.typed(_typed_date(turn))) is not None:
        await _accept_date(turn, day)


async def prompt_date_typed(turn: Turn) -> Card:
    oldest = rules.oldest_allowed(turn.services.today(), turn.services.settings.report_window_days)
    return Card(say("ask_date_typed", oldest=oldest), [_nav(turn, back_step="date")])


async def handle_date_typed(turn: Turn) -> None:
    if turn.action == "back":
        await turn.ask("date")
    elif (day := await turn.typed(_typed_date(turn, examples=False))) is not None:
        await _accept_date(turn, day)


# ----- topic -------------------------------------------------------------------------------------
async def prompt_topic(turn: Turn) -> Card:
    offer = turn.data.get("topic_offer")
    rows = [[Button(label("b_use_topic", topic=offer), "offer")]] if offer else []
    text = say("ask_topic", kind=turn.data["kind"], limit=rules.LIMITS["topic"], current=turn.data.get("topic"), offer=offer)
    return Card(text, [*rows, _nav(turn)])


async def handle_topic(turn: Turn) -> None:
    if turn.action == "offer" and turn.data.get("topic_offer"):
        await _keep(turn, "topic", turn.data.pop("topic_offer"), "attended")
        return
    topic = await turn.typed(_text("topic"))
    if topic is not None:
        await _keep(turn, "topic", topic, "attended")


# ----- attended / expected ------------------------------------------------------------------------
async def prompt_attended(turn: Turn) -> Card:
    expected = turn.data["expected"]
    rows = [[Button(label("b_edit_expected", expected=expected), "expected")], _nav(turn)]
    kind = turn.services.kinds.by_name(turn.data["kind"])
    rows = rows if expected is not None else rows[1:]
    return Card(say("ask_attended", expected=expected, kind=turn.data["kind"], basis=kind.attendance if kind else None), rows)


async def handle_attended(turn: Turn) -> None:
    if turn.action == "expected":
        await turn.ask("expected")
        return
    attendance = await turn.typed(_attendance(turn))
    if attendance is None:
        return
    attended, expected = attendance
    changed = _editing(turn)
    turn.data["attended"], turn.data["expected"] = attended, expected
    prefix = say("changed_field", field="attended") if changed else None
    if _quorum_warning(turn):
        prefix = say("quorum", attended=attended, expected=expected)
    await _next(turn, "summary", prefix)


async def prompt_expected(turn: Turn) -> Card:
    unit = await unit_store.get_unit(turn.services.db, turn.data["unit_id"])
    members = unit.member_count if unit else turn.data["expected"]
    return Card(say("ask_expected", members=members), [_nav(turn, back_step="attended")])


async def handle_expected(turn: Turn) -> None:
    if turn.action == "back":
        await turn.ask("attended")
        return
    expected = await turn.typed(parsed_by(rules.parse_count, partial(say, "expected_invalid")))
    if expected is None:
        return
    turn.data["expected"] = expected
    attended = turn.data.get("attended")
    if attended is not None and attended > expected:
        turn.data["attended"] = None
        await turn.ask("attended", prefix=say("expected_below_attended", attended=attended, expected=expected))
    elif attended is None:
        await turn.ask("attended")
    else:
        prefix = say("quorum", attended=attended, expected=expected) if _quorum_warning(turn) else say("changed_field", field="expected")
        await _next(turn, "summary", prefix)


# ----- summary -----------------------------------------------------------------------------------
async def prompt_summary(turn: Turn) -> Card:
    rows = [[Button(label("b_clear" if _editing(turn) and turn.data.get("summary") else "b_skip"), "skip")], _nav(turn)]
    return Card(say("ask_summary", limit=rules.LIMITS["summary"], current=turn.data.get("summary")), rows)


async def handle_summary(turn: Turn) -> None:
    if turn.action == "skip" or (turn.text is not None and rules.is_skip(turn.text)):
        had = bool(turn.data.get("summary"))
        turn.data["summary"] = None
        await _next(turn, "photos", say("cleared_field", field="summary") if _editing(turn) and had else None)
        return
    summary = await turn.typed(_text("summary"))
    if summary is not None:
        await _keep(turn, "summary", summary, "photos")


# ----- photos ------------------------------------------------------------------------------------
async def prompt_photos(turn: Turn) -> Card:
    count = len(turn.data.get("photos") or [])
    album = turn.message is not None and turn.message.media_group_id is not None
    if count == 0:
        rows = [[Button(label("b_skip"), "done")]]
    else:
        rows = [[Button(label("b_done"), "done"), Button(label("b_clear_photos"), "clear")]]
    rows.append(_nav(turn))
    return Card(say("ask_photos", count=count, most=rules.MAX_PHOTOS, album=album), rows)


def _photo_of(turn: Turn) -> dict[str, str | None] | None:
    return photo_of(turn.message)


def photo_of(message: Message | None) -> dict[str, str | None] | None:
    """The largest size of a sent photo, or an image sent as a file, as the draft keeps it."""
    if message is None:
        return None
    if message.photo:
        best = message.photo[-1]
        return {"id": best.file_id, "uid": best.file_unique_id}
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return {"id": document.file_id, "uid": document.file_unique_id}
    return None


async def handle_photos(turn: Turn) -> None:
    photos: list[dict[str, Any]] = turn.data.setdefault("photos", [])
    if turn.action == "done" or (turn.text is not None and rules.is_done(turn.text)):
        await go_review(turn)
        return
    if turn.action == "clear":
        photos.clear()
        await turn.ask("photos")
        return
    if turn.is_tap:
        return
    photo = _photo_of(turn)
    if photo is None:
        await turn.reask(say("photo_expected"))
        return
    if len(photos) >= rules.MAX_PHOTOS:
        if await _refused_once(turn):
            await turn.reask(say("photos_full_refused", most=rules.MAX_PHOTOS))
        return
    photos.append(photo)
    album = turn.message.media_group_id if turn.message is not None else None
    acknowledged = album is not None and turn.data.get("album") == album
    turn.data["album"] = album
    if len(photos) >= rules.MAX_PHOTOS:
        await go_review(turn, say("photos_full", most=rules.MAX_PHOTOS))
    elif acknowledged:
        await turn.save()  # an album is acknowledged once, at its first photo
    else:
        await turn.ask("photos")


async def _refused_once(turn: Turn) -> bool:
    """True when a photo past the limit is to be refused aloud: always for a single photo, once
    for the rest of an album (its other photos are left without a word)."""
    album = turn.message.media_group_id if turn.message is not None else None
    if album is None:
        return True
    if turn.data.get("refused_album") == album:
        return False
    turn.data["refused_album"] = album
    await turn.save()
    return True


# ----- review, edit menu, optional fields ----------------------------------------------------------
def _review_text(turn: Turn) -> tuple[str, list[str]]:
    """The review card's text, fitted to Telegram's limit, and the fields it shortened."""
    activity_id = turn.data.get("activity_id")
    editing_id = rules.activity_short_id(activity_id) if activity_id else None
    quorum_warning = _quorum_warning(turn)
    return long_text.fit_record(lambda r: say("review", r=r, quorum_warning=quorum_warning, editing_id=editing_id), drafts.record_view(turn.data))


async def prompt_review(turn: Turn) -> Card:
    activity_id = turn.data.get("activity_id")
    rows = [
        [Button(label("b_save_changes" if activity_id else "b_submit"), "submit")],
        [Button(label("b_edit"), "edit"), Button(label("b_more"), "more")],
        [Button(texts.label("cancel"), "cancel")],
    ]
    text, cut = _review_text(turn)
    if cut:
        rows.insert(1, [Button(long_text.full_text_label(), "full")])
    return Card(text, rows)


async def handle_review(turn: Turn) -> None:
    if turn.action == "submit":
        await submit(turn)
    elif turn.action == "full":
        # The card stays as it is, above; the fields it shortened follow it whole.
        _, cut = _review_text(turn)
        await long_text.send_full_text(turn.context, long_text.record_pieces(drafts.record_view(turn.data), cut))
    elif turn.action == "edit":
        await turn.ask("edit_menu")
    elif turn.action == "more":
        await turn.ask("more")
    else:
        await turn.reask(say("use_buttons"))


async def prompt_edit_menu(turn: Turn) -> Card:
    buttons = [Button(label("b_field", field=f, filled=False), "field", f) for f in MAIN_FIELDS]
    rows = [*grid(buttons, 3), [Button(label("b_review"), "review")]]
    if turn.data.get("quick"):  # opened from /my: show what is being changed, and a way out
        rows[-1].append(Button(texts.label("cancel"), "cancel"))
        activity_id = turn.data["activity_id"]
        return Card(say("edit_menu", r=drafts.record_view(turn.data), editing_id=rules.activity_short_id(activity_id)), rows)
    return Card(say("edit_menu"), rows)


async def handle_edit_menu(turn: Turn) -> None:
    if turn.action == "field" and turn.arg in FIELD_STEPS:
        turn.data["back"] = "review"
        await turn.ask(FIELD_STEPS[turn.arg])
    elif turn.is_tap:
        await go_review(turn)
    else:
        await turn.reask(say("use_buttons"))


async def prompt_more(turn: Turn) -> Card:
    buttons = [Button(label("b_field", field=f, filled=bool(turn.data.get(f))), "field", f) for f in MORE_FIELDS]
    return Card(say("more_menu"), [*grid(buttons, 2), [Button(label("b_review"), "review")]])


async def handle_more(turn: Turn) -> None:
    if turn.action == "field" and turn.arg in MORE_FIELDS:
        turn.data["field"] = turn.arg
        await turn.ask("optional")
    elif turn.is_tap:
        await go_review(turn)
    else:
        await turn.reask(say("use_buttons"))


async def prompt_optional(turn: Turn) -> Card:
    field = turn.data.get("field", "place")
    current = turn.data.get(field)
    rows = []
    if current:
        rows.append([Button(label("b_clear"), "clear")])
    rows.append([Button(label("b_back"), "back"), Button(texts.label("cancel"), "cancel")])
    return Card(say("ask_optional", field=field, limit=rules.LIMITS.get(field), current=current), rows)


async def handle_optional(turn: Turn) -> None:
    field = turn.data.get("field")
    if field not in MORE_FIELDS or turn.action == "back":
        await turn.ask("more")
        return
    if turn.action == "clear":
        turn.data[field] = None
        await turn.ask("more", prefix=say("cleared_field", field=field))
        return
    rule = parsed_by(rules.parse_clock_time, partial(say, "time_invalid")) if field == "start_time" else _text(field)
    value = await turn.typed(rule)
    if value is None:
        return
    turn.data[field] = value
    await turn.ask("more", prefix=say("saved_field", field=field))


# ----- the same meeting twice ---------------------------------------------------------------------
async def _same_meeting(turn: Turn, fields: ActivityFields) -> int | None:
    """The id of a live record of the unit of the same kind held the same day, if there is one."""
    if fields.kind is None or fields.held_on is None:
        return None
    return await activity_store.same_meeting(turn.services.db, turn.data["unit_id"], fields.kind, fields.held_on)


async def prompt_duplicate(turn: Turn) -> Card:
    fields = fields_of(turn.data)
    same = await _same_meeting(turn, fields)
    rows = [[Button(label("b_submit_anyway"), "submit")], [Button(label("b_review"), "review"), Button(texts.label("cancel"), "cancel")]]
    short_id = rules.activity_short_id(same) if same else None
    return Card(say("duplicate", held_on=fields.held_on, kind=fields.kind, short_id=short_id), rows)


async def handle_duplicate(turn: Turn) -> None:
    if turn.action == "submit":
        turn.data["duplicate_ok"] = True
        await submit(turn)
    elif turn.is_tap:
        await go_review(turn)
    else:
        await turn.reask(say("use_buttons_duplicate"))


# ----- submit ------------------------------------------------------------------------------------
def fields_of(data: dict[str, Any]) -> ActivityFields:
    return ActivityFields(
        **{spec.name: drafts.from_draft(spec, data.get(spec.name)) for spec in ACTIVITY_FIELDS},
        photos=tuple(Photo(p["id"], p.get("uid")) for p in data.get("photos") or []),
    )


async def submit(turn: Turn) -> None:
    """提交 / 保存修改: store the record and consume the draft in one transaction."""
    person, services = turn.person, turn.services
    if person.unit_id != turn.data.get("unit_id"):
        await turn.finish(say("unit_changed"))
        return
    if any(turn.data.get(f) in (None, "") for f in REQUIRED_ACTIVITY_FIELDS):
        await go_review(turn)
        return
    fields = fields_of(turn.data)
    draft = (person.user_id, turn.dialog.nonce)
    activity_id = turn.data.get("activity_id")
    if not activity_id and not turn.data.get("duplicate_ok") and await _same_meeting(turn, fields) is not None:
        await turn.ask("duplicate")
        return
    # Owed from the moment it is stored until the confirmation below went: a crash in between
    # leaves it to be said at the person's next update (the tap on 提交 comes again after a restart).
    def receipt(stored_id: int) -> str:
        short = rules.activity_short_id(stored_id)
        said = say("revised", short_id=short) if activity_id else say("submitted", short_id=short, standing=None, today=services.today())
        return say("owed_confirmation", text=said)

    try:
        if activity_id:
            activity = await activity_store.revise_activity(
                services.db, int(activity_id), person.unit_id, fields, person.user_id, services.now(), draft=draft, receipt=receipt
            )
        else:
            activity = await activity_store.submit_activity(services.db, person.unit_id, fields, person.user_id, services.now(), draft=draft, receipt=receipt)
    except AlreadySubmitted:
        return  # a second tap that raced the first: the first one stored it
    except ActivityNotFound:
        await turn.finish(say("activity_gone"))
        return
    short_id = rules.activity_short_id(activity.id)
    await reminder_cards.refresh(turn.context, turn.data.get("card"))  # opened from a reminder: bring it up to date
    if activity_id:
        await review.after_revision(turn.context, activity)
    standing = None if activity_id else await standing_for(services, activity.unit_id, activity.held_on)

    def card_for(record: Any) -> str:
        if activity_id:
            return say("revised_card", r=record, short_id=short_id)
        return say("submitted_card", r=record, short_id=short_id, standing=standing, today=services.today())

    try:
        # One call: the review card becomes the confirmation (the reply keyboard is persistent,
        # so nothing needs sending beside it).
        card, _ = long_text.fit_record(card_for, activity)
        await ui.reply(turn.update, turn.context, card)
    except Forbidden:
        raise  # they blocked the bot: the error handler marks them unreachable; the receipt waits
    except TelegramError as err:
        # Stored, but not said: the next thing they do is answered with it first, so nobody
        # reports the same meeting again thinking it was lost.
        log.warning("the confirmation of %s did not reach the person: %s", short_id, err)
        text = say("revised", short_id=short_id) if activity_id else say("submitted", short_id=short_id, standing=standing, today=services.today())
        await owed.settle(turn.context, person.user_id, receipt(activity.id))
        await owed.owe(turn.context, person.user_id, say("owed_confirmation", text=text), services.now())
    else:
        await owed.settle(turn.context, person.user_id, receipt(activity.id))


async def standing_for(services: Services, unit_id: int, day: date) -> Standing | None:
    """Where the unit stands in the month ``day`` counts for (None when the unit is gone)."""
    unit = await unit_store.get_unit(services.db, unit_id)
    return None if unit is None else await unit_standing(services, unit, period_containing(MONTH, day))


def _album_aware(step: Step) -> Step:
    """A report step that keeps the rest of an album whose first photo started the report or was
    acknowledged at the photos step (the draft's ``album``) with it, without a word, instead of
    answering each photo as a wrong answer; photos past the limit are refused in one sentence."""

    async def handle(turn: Turn) -> None:
        message, album = turn.message, turn.data.get("album")
        photo = photo_of(message)
        if album and photo and message is not None and message.media_group_id == album and turn.dialog.step != "photos":
            photos: list[dict[str, Any]] = turn.data.setdefault("photos", [])
            if len(photos) < rules.MAX_PHOTOS:
                photos.append(photo)
                await turn.save()
            elif await _refused_once(turn):
                await turn.context.bot.send_message(turn.person.user_id, say("photos_past_limit", most=rules.MAX_PHOTOS))
            return
        await step.run(turn)

    return Step(step.prompt, handle)


REPORT = Flow(
    name=drafts.REPORT_FLOW,
    title=label("starter_title", name=drafts.REPORT_FLOW),
    steps={
        name: drafts.resumable(_album_aware(Step(prompt, handle, shortcuts={"review": go_review})))
        for name, prompt, handle in (
            ("kind", prompt_kind, handle_kind),
            ("date", prompt_date, handle_date),
            ("date_typed", prompt_date_typed, handle_date_typed),
            ("topic", prompt_topic, handle_topic),
            ("attended", prompt_attended, handle_attended),
            ("expected", prompt_expected, handle_expected),
            ("summary", prompt_summary, handle_summary),
            ("photos", prompt_photos, handle_photos),
            ("review", prompt_review, handle_review),
            ("edit_menu", prompt_edit_menu, handle_edit_menu),
            ("more", prompt_more, handle_more),
            ("optional", prompt_optional, handle_optional),
            ("duplicate", prompt_duplicate, handle_duplicate),
        )
    },
)


# ----- entry points -----------------------------------------------------------------------------
async def start_report(
    update: Update, context: BotContext, kind_code: str | None = None, filled: dict[str, Any] | None = None, prefix: str | None = None
) -> None:
    """Open the report flow for the caller (a secretary), with ``kind_code`` preselected if given.

    Other features (e.g. a reminder's 去汇报 button) call this. A half-filled report is never
    silently replaced: the person is asked whether to continue it or start again. A tap that led
    here is answered.
    """
    person = context.person
    if person is None or not person.is_secretary or person.unit_id is None:
        await ui.answer(update, texts.say("common", "not_allowed"), alert=True)
        if update.callback_query is None and person is not None:
            await context.bot.send_message(person.user_id, texts.say("common", "not_allowed"))
        return
    if await drafts.guard(update, context, drafts.REPORT_FLOW, kind_code or ""):
        return
    await ui.answer(update)
    unit = await unit_store.get_unit(context.services.db, person.unit_id)
    if unit is None or unit.archived:
        await ui.reply(update, context, say("no_unit"))
        return
    data: dict[str, Any] = {"unit_id": unit.id, "expected": unit.member_count, "photos": []}
    kind = context.services.kinds.by_code(kind_code) if kind_code else None
    if kind is not None:
        data["kind"] = kind.name
        data["expected"] = data["expected_default"] = await _expected_for(context.services, unit.id, kind.name)
        data.update(filled or {})
    drafts.mark_seen(context, person.user_id)
    step = "kind" if kind is None else "topic" if data.get("held_on") else "date"
    await start_flow(update, context, REPORT, step, data, prefix=prefix)


async def start_from_message(update: Update, context: BotContext, intent: ReportIntent) -> None:
    """A sentence (``昨天开了支委会``) or a captioned photo that names a kind (handlers.fallback):
    a report with the kind, the day and the photo filled in, asking only for the rest. A photo's
    caption is offered as the topic; a day that may not be reported is asked again, saying why."""
    message = update.message
    filled: dict[str, Any] = {}
    photo = photo_of(message)
    if photo is not None:
        filled["photos"] = [photo]
        if message is not None and message.media_group_id:
            filled["album"] = message.media_group_id
        caption = rules.clean_field((message.caption if message else None) or "", "topic")
        if rules.check_text(caption, "topic") is None:
            filled["topic_offer"] = caption
    problem = _date_problem(context.services, intent.held_on) if intent.held_on else None
    if intent.held_on and problem is None:
        filled["held_on"] = intent.held_on.isoformat()
    prefix = say("started_from_message", kind=intent.kind.name, held_on=filled.get("held_on") and intent.held_on, photo=photo is not None, problem=problem)
    await start_report(update, context, intent.kind.code, filled, prefix)


async def start_from_offer(update: Update, context: BotContext, arg: str) -> None:
    """Start reporting after a draft was dropped (``arg``: the kind code chosen, if any)."""
    await start_report(update, context, arg or None)


@secretaries_only
async def report_command(update: Update, context: BotContext) -> None:
    """/report, or the "📝 汇报活动" keyboard button: start reporting."""
    await start_report(update, context)


async def start_revision(update: Update, context: BotContext, activity: Activity, *, quick: bool = False, field: str | None = None) -> None:
    """Open a submitted record of the caller's unit in the report flow, at its review card — or,
    ``quick``, at the list of its fields (or straight at ``field``), saving as soon as the one
    chosen is changed."""
    person = context.caller()
    data: dict[str, Any] = {
        "unit_id": activity.unit_id,
        "activity_id": activity.id,
        **{spec.name: drafts.to_draft(spec, getattr(activity, spec.name)) for spec in ACTIVITY_FIELDS},
        "photos": [
            {"id": p.file_id, "uid": p.file_unique_id}
            for p in await activity_store.list_photos(context.services.db, activity.id, unit_id=activity.unit_id)
        ],
        "back": "review",
    }
    step = "review"
    if quick or field in FIELD_STEPS:
        data["quick"] = True
        step = FIELD_STEPS.get(field or "", "edit_menu")
    drafts.mark_seen(context, person.user_id)
    await start_flow(update, context, REPORT, step, data)
