"""/commit: 双向承诺 / 承诺践诺 — record commitments, add progress, mark them fulfilled.

The list and cards use ``cm:<action>:<id>`` buttons, re-authorised on every tap: each lookup
carries the caller's unit, so a forged id from another unit finds nothing. Recording, progress
and fulfilment are short guided flows (docs/commitment.mmd); overdue is judged with the
injected clock (``services.today()``).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import texts
from bot.rules import report_rules as rules
from bot.rules.periods import MONTH, QUARTER, YEAR, period_containing
from bot.rules.telegram_limits import fit_fields
from bot.rules.user_input import parse_id
from bot.services import Services
from handlers import drafts, long_text, ui
from handlers.access import secretaries_only
from handlers.context import BotContext
from handlers.dialog import Button, Card, Flow, Problem, Step, Turn, start_flow, text_within
from handlers.paging import page_of
from storage import commitments as store
from storage.activities import AlreadySubmitted
from storage.models import Commitment, CommitmentProgress

FAMILY = "commitments"
PREFIX = "cm"
DUE_CHOICES = (MONTH, QUARTER, YEAR)  # buttons: the end of this month, quarter and year


say, label = texts.family(FAMILY)


# ----- list and card ---------------------------------------------------------------------------
# A page of the list; 8 commitments of 200 emoji each still fit a message with room to spare.
LIST_PAGE = 8
# The newest progress notes shown on a card; all of them are a tap away (查看全文).
NOTES_ON_CARD = 10


def _fit_list(render: Callable[[dict[int, str]], str], shown: list[Commitment]) -> str:
    """A page of a list, its contents shortened if the page would not fit a message."""
    text, _ = fit_fields(lambda contents: render({int(k): v for k, v in contents.items()}), {str(c.id): c.content for c in shown}, long_text.CARD_LIMIT)
    return text


def _pager(action: str, page: int, pages: int) -> list[InlineKeyboardButton]:
    row = []
    if page > 0:
        row.append(ui.button(texts.label("prev_page"), PREFIX, action, page - 1))
    if page < pages - 1:
        row.append(ui.button(texts.label("next_page"), PREFIX, action, page + 1))
    return row


async def show_list(update: Update, context: BotContext, prefix: str | None = None, page: int = 0) -> None:
    person, services = context.caller(), context.services
    today = services.today()
    everything = await store.list_commitments(services.db, [person.unit_id] if person.unit_id else [])
    open_ones = [c for c in everything if c.fulfilled_on is None]
    fulfilled = [c for c in everything if c.fulfilled_on is not None]
    shown, page, pages = page_of(open_ones, page, LIST_PAGE)
    ids = {c.id: rules.commitment_short_id(c.id) for c in everything}
    rows = [[ui.button(label("b_open", c=c, short_id=ids[c.id], overdue=c.is_overdue(today)), PREFIX, "open", c.id)] for c in shown]
    if pages > 1:
        rows.append(_pager("list", page, pages))
    bottom = [ui.button(label("b_new"), PREFIX, "new")]
    if fulfilled:
        bottom.append(ui.button(label("b_fulfilled", count=len(fulfilled)), PREFIX, "done"))
    rows.append(bottom)
    number_from = page * LIST_PAGE
    text = _fit_list(
        lambda contents: say(
            "list", open=shown, fulfilled_count=len(fulfilled), today=today, ids=ids, contents=contents,
            open_count=len(open_ones), number_from=number_from, page=page, pages=pages,
        ),
        list(shown),
    )
    if prefix:
        text = f"{prefix}\n\n{text}"
    await ui.reply(update, context, text, InlineKeyboardMarkup(rows))


async def show_fulfilled(update: Update, context: BotContext, page: int = 0) -> None:
    person, services = context.caller(), context.services
    done = [c for c in await store.list_commitments(services.db, [person.unit_id] if person.unit_id else []) if c.fulfilled_on]
    shown, page, pages = page_of(done, page, LIST_PAGE)
    ids = {c.id: rules.commitment_short_id(c.id) for c in done}
    rows = [[ui.button(label("b_open", c=c, short_id=ids[c.id], overdue=False), PREFIX, "open", c.id)] for c in shown]
    if pages > 1:
        rows.append(_pager("done", page, pages))
    rows.append([ui.button(label("b_list"), PREFIX, "list")])
    text = _fit_list(
        lambda contents: say("fulfilled_list", done=shown, ids=ids, contents=contents, done_count=len(done), number_from=page * LIST_PAGE, page=page, pages=pages),
        list(shown),
    )
    await ui.reply(update, context, text, InlineKeyboardMarkup(rows))


def _card_fields(commitment: Commitment, progress: list[CommitmentProgress]) -> dict[str, str | None]:
    """The card's free-text fields by name: the content, the notes shown, the result and comment."""
    fields: dict[str, str | None] = {"content": commitment.content, "result": commitment.result, "evaluation_comment": commitment.evaluation_comment}
    fields.update({f"note{p.id}": p.note for p in progress[-NOTES_ON_CARD:]})
    return fields


async def fitted_card(services: Services, commitment: Commitment) -> tuple[str, set[str], list[CommitmentProgress]]:
    """The card fitted to Telegram's limit (handlers/long_text.py), the fields it shortened, and
    all the progress notes (the card shows the newest :data:`NOTES_ON_CARD`)."""
    progress = await store.list_progress(services.db, commitment.id, unit_id=commitment.unit_id)
    tz = services.settings.timezone
    short_id = rules.commitment_short_id(commitment.id)

    def render(values: dict[str, str]) -> str:
        c = dataclasses.replace(commitment, content=values["content"], result=values["result"], evaluation_comment=values["evaluation_comment"])
        views = [
            {"note": values[f"note{p.id}"], "photo_file_id": p.photo_file_id, "created_at_local": p.created_at.astimezone(tz)}
            for p in progress[-NOTES_ON_CARD:]
        ]
        return say("card", c=c, short_id=short_id, progress=views, progress_total=len(progress), today=services.today())

    text, cut = fit_fields(render, _card_fields(commitment, progress), long_text.CARD_LIMIT)
    return text, cut, progress


async def card_text(services: Services, commitment: Commitment) -> str:
    """The commitment with its progress, fulfilment and 评诺, as the unit and the leaders see it."""
    text, _, _ = await fitted_card(services, commitment)
    return text


async def show_card(update: Update, context: BotContext, commitment: Commitment, prefix: str | None = None) -> None:
    text, cut, progress = await fitted_card(context.services, commitment)
    if prefix:
        text = f"{prefix}\n\n{text}"
    rows = []
    if commitment.fulfilled_on is None:
        rows.append([ui.button(label("b_progress"), PREFIX, "prog", commitment.id), ui.button(label("b_fulfil"), PREFIX, "ful", commitment.id)])
    photos = [p for p in progress if p.photo_file_id]
    if photos:
        rows.append([ui.button(label("b_photos", count=len(photos)), PREFIX, "ph", commitment.id)])
    if cut or len(progress) > NOTES_ON_CARD:
        rows.append([ui.button(long_text.full_text_label(), PREFIX, "full", commitment.id)])
    rows.append([ui.button(label("b_list"), PREFIX, "list")])
    await ui.reply(update, context, text, InlineKeyboardMarkup(rows))


async def send_full_card(context: BotContext, commitment: Commitment) -> None:
    """The commitment's content, every progress note and its result, whole."""
    services = context.services
    progress = await store.list_progress(services.db, commitment.id, unit_id=commitment.unit_id)
    tz = services.settings.timezone
    pieces = [(label("full_content"), commitment.content)]
    pieces += [(label("full_note", at=p.created_at.astimezone(tz)), p.note) for p in progress]
    if commitment.result:
        pieces.append((label("full_result"), commitment.result))
    await long_text.send_full_text(context, pieces)


# /commit: the unit's commitments, open ones first, overdue ones marked.
commit_command = secretaries_only(show_list)


@secretaries_only
async def commit_button(update: Update, context: BotContext) -> None:
    """Taps on the commitment list and cards (``cm:<action>:<id>``)."""
    action, arg = ui.tapped(update)
    person, services = context.caller(), context.services
    if action in ("list", "done"):
        page = parse_id(arg or "0")
        if page is None:
            await ui.answer_stale(update, context)
            return
        await ui.answer(update)
        await (show_list(update, context, page=page) if action == "list" else show_fulfilled(update, context, page))
        return
    if action == "new":
        if not await drafts.guard(update, context, "commit_new"):
            await ui.answer(update)
            await start_new(update, context)
        return
    commitment_id = await ui.tapped_id(update, context, arg)
    if commitment_id is None:
        return
    commitment = await store.get_commitment(services.db, commitment_id, unit_id=person.unit_id or 0)
    if commitment is None or action not in ("open", "prog", "ful", "ph", "full"):
        await ui.answer(update, say("not_found"), alert=True)
        return
    if action == "open":
        await ui.answer(update)
        await show_card(update, context, commitment)
    elif action == "full":
        await ui.answer(update)
        await send_full_card(context, commitment)
    elif action == "ph":
        await ui.answer(update)
        progress = await store.list_progress(services.db, commitment.id, unit_id=person.unit_id)
        caption = say("photos_caption", short_id=rules.commitment_short_id(commitment.id))
        for p in progress:
            if p.photo_file_id:
                await context.bot.send_photo(person.user_id, p.photo_file_id, caption=caption)
    else:
        await _open_flow(update, context, commitment, action)


async def _open_flow(update: Update, context: BotContext, commitment: Commitment, action: str) -> None:
    """添加进展 (``prog``) or 践诺 (``ful``) for ``commitment``, unless it is fulfilled already
    or a report draft is in the way (the person is asked first)."""
    if commitment.fulfilled_on is not None:
        await ui.answer(update, say("already_fulfilled"), alert=True)
    elif not await drafts.guard(update, context, "commit_progress" if action == "prog" else "commit_fulfil", str(commitment.id)):
        await ui.answer(update)
        await (start_progress if action == "prog" else start_fulfil)(update, context, str(commitment.id))


async def _from_reminder(update: Update, context: BotContext, arg: str, action: str) -> None:
    person = context.caller()
    commitment_id = parse_id(arg)
    commitment = await store.get_commitment(context.services.db, commitment_id, unit_id=person.unit_id or 0) if commitment_id is not None else None
    if commitment is None:
        await ui.answer(update, say("not_found"), alert=True)
        return
    await _open_flow(update, context, commitment, action)


async def progress_button(update: Update, context: BotContext, arg: str) -> None:
    """记录进展 on a commitment reminder (handlers/reminders.py re-authorised the tap)."""
    await _from_reminder(update, context, arg, "prog")


async def fulfil_button(update: Update, context: BotContext, arg: str) -> None:
    """已践诺 on a commitment reminder (handlers/reminders.py re-authorised the tap)."""
    await _from_reminder(update, context, arg, "ful")


# ----- new commitment: who → (name) → content → due ---------------------------------------------
async def prompt_who(turn: Turn) -> Card:
    return Card(
        say("ask_who"),
        [[Button(label("b_branch"), "branch"), Button(label("b_member"), "member")], [Button(texts.label("cancel"), "cancel")]],
    )


async def handle_who(turn: Turn) -> None:
    if turn.action == "branch":
        turn.data["made_by"] = None
        await turn.ask("content")
    elif turn.action == "member":
        await turn.ask("who_name")
    else:
        await _accept_name(turn)


async def prompt_who_name(turn: Turn) -> Card:
    return Card(say("ask_who_name", limit=rules.LIMITS["commitment_who"]), [[Button(texts.label("cancel"), "cancel")]])


async def _accept_name(turn: Turn) -> None:
    name = await turn.typed(_text("commitment_who"))
    if name is not None:
        turn.data["made_by"] = name
        await turn.ask("content")


async def handle_who_name(turn: Turn) -> None:
    await _accept_name(turn)


def _text(field: str) -> Callable[[str], str | Problem]:
    """The rule for a free-text field."""
    return text_within(field, empty=partial(say, "text_empty"))


async def prompt_content(turn: Turn) -> Card:
    limit = rules.LIMITS["commitment_content"]
    return Card(say("ask_content", made_by=turn.data.get("made_by"), limit=limit), [[Button(texts.label("cancel"), "cancel")]])


async def handle_content(turn: Turn) -> None:
    content = await turn.typed(_text("commitment_content"))
    if content is not None:
        turn.data["content"] = content
        await turn.ask("due")


def _due_choices(today: date) -> list[tuple[str, date]]:
    """(period kind, its last day) for this month, quarter and year, without repeating a day."""
    seen: set[date] = set()
    choices = []
    for kind in DUE_CHOICES:
        end = period_containing(kind, today).end
        if end not in seen:
            seen.add(end)
            choices.append((kind, end))
    return choices


async def prompt_due(turn: Turn) -> Card:
    choices = _due_choices(turn.services.today())
    buttons = [Button(label("b_due", period=kind, d=day), "due", day.isoformat()) for kind, day in choices]
    return Card(say("ask_due"), [buttons, [Button(texts.label("cancel"), "cancel")]])


def _due_on(day: date | None, today: date) -> date | Problem:
    """A due date as chosen or typed, if it can be one."""
    if day is None:
        return Problem(say("due_unreadable"))
    problem = rules.check_due_on(day, today)
    if problem is rules.DateProblem.PAST:
        return Problem(say("due_past", today=today))
    if problem is rules.DateProblem.TOO_FAR:
        return Problem(say("due_too_far"))
    return day


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


async def handle_due(turn: Turn) -> None:
    today = turn.services.today()
    if turn.action == "due":
        day = _due_on(_iso_date(turn.arg), today)
        if isinstance(day, Problem):
            await turn.reask(day.message)
            return
    else:
        typed = await turn.typed(lambda text: _due_on(rules.parse_due_date(text, today), today))
        if typed is None:
            return
        day = typed
    person, services = turn.person, turn.services
    if person.unit_id != turn.data["unit_id"]:
        await turn.finish(texts.say("common", "not_allowed"))
        return
    try:
        commitment = await store.add_commitment(
            services.db, person.unit_id, turn.data.get("made_by"), turn.data["content"], day, person.user_id, services.now(),
            draft=(person.user_id, turn.dialog.nonce),
        )
    except AlreadySubmitted:
        return
    await show_card(turn.update, turn.context, commitment, say("added", short_id=rules.commitment_short_id(commitment.id)))


NEW_COMMITMENT = Flow(
    name="commit_new",
    title=texts.plain("report", "starter_title", name="commit_new"),
    steps={
        "who": Step(prompt_who, handle_who),
        "who_name": Step(prompt_who_name, handle_who_name),
        "content": Step(prompt_content, handle_content),
        "due": Step(prompt_due, handle_due),
    },
)


# ----- progress: note (or a captioned photo) → optional photo ----------------------------------
async def _commitment_of(turn: Turn) -> Commitment | None:
    return await store.get_commitment(turn.services.db, int(turn.data["commitment_id"]), unit_id=turn.person.unit_id or 0)


def _short(turn: Turn) -> str:
    return rules.commitment_short_id(int(turn.data["commitment_id"]))


async def prompt_note(turn: Turn) -> Card:
    if turn.data.get("photo"):
        text = say("ask_progress_note_for_photo", limit=rules.LIMITS["progress_note"])
    else:
        text = say("ask_progress", short_id=_short(turn), limit=rules.LIMITS["progress_note"])
    return Card(text, [[Button(texts.label("cancel"), "cancel")]])


def _photo_id(turn: Turn) -> str | None:
    message = turn.message
    if message is not None and message.photo:
        return message.photo[-1].file_id
    return None


async def _save_progress(turn: Turn) -> None:
    person, services = turn.person, turn.services
    try:
        await store.add_progress(
            services.db, int(turn.data["commitment_id"]), person.unit_id or 0, turn.data["note"], turn.data.get("photo"),
            person.user_id, services.now(), draft=(person.user_id, turn.dialog.nonce),
        )
    except AlreadySubmitted:
        return
    except LookupError:
        await turn.finish(say("not_found"))
        return
    commitment = await _commitment_of(turn)
    if commitment is not None:
        await show_card(turn.update, turn.context, commitment, say("progress_added"))


async def handle_note(turn: Turn) -> None:
    if turn.is_tap:
        return
    photo = _photo_id(turn)
    message = turn.message
    if photo is not None:
        turn.data["photo"] = photo
        caption = rules.clean_field(message.caption or "", "progress_note") if message else ""
        if caption and rules.check_text(caption, "progress_note") is None:
            turn.data["note"] = caption
            await _save_progress(turn)
        else:
            await turn.ask("note")
        return
    note = await turn.typed(_text("progress_note"))
    if note is None:
        return
    turn.data["note"] = note
    if turn.data.get("photo"):
        await _save_progress(turn)
    else:
        await turn.ask("photo")


async def prompt_photo(turn: Turn) -> Card:
    return Card(say("ask_progress_photo"), [[Button(label("b_no_photo"), "skip")], [Button(texts.label("cancel"), "cancel")]])


async def handle_photo(turn: Turn) -> None:
    if turn.action == "skip":
        await _save_progress(turn)
        return
    if turn.is_tap:
        return
    photo = _photo_id(turn)
    if photo is None:
        await turn.reask(say("photo_expected"))
        return
    turn.data["photo"] = photo
    await _save_progress(turn)


PROGRESS = Flow(name="commit_progress", title=texts.plain("report", "starter_title", name="commit_progress"), steps={"note": Step(prompt_note, handle_note), "photo": Step(prompt_photo, handle_photo)})


# ----- fulfil: result --------------------------------------------------------------------------
async def prompt_result(turn: Turn) -> Card:
    return Card(say("ask_result", short_id=_short(turn), limit=rules.LIMITS["commitment_result"]), [[Button(texts.label("cancel"), "cancel")]])


async def handle_result(turn: Turn) -> None:
    result = await turn.typed(_text("commitment_result"))
    if result is None:
        return
    person, services = turn.person, turn.services
    try:
        commitment = await store.fulfil_commitment(
            services.db, int(turn.data["commitment_id"]), person.unit_id or 0, result, services.today(), person.user_id, services.now(),
            draft=(person.user_id, turn.dialog.nonce),
        )
    except AlreadySubmitted:
        return
    except LookupError:
        await turn.finish(say("not_found"))
        return
    await show_card(turn.update, turn.context, commitment, say("fulfilled", short_id=rules.commitment_short_id(commitment.id)))


FULFIL = Flow(name="commit_fulfil", title=texts.plain("report", "starter_title", name="commit_fulfil"), steps={"result": Step(prompt_result, handle_result)})


# ----- entry points ----------------------------------------------------------------------------
async def start_new(update: Update, context: BotContext, arg: str = "") -> None:
    person = context.caller()
    await start_flow(update, context, NEW_COMMITMENT, "who", {"unit_id": person.unit_id})


async def start_progress(update: Update, context: BotContext, arg: str) -> None:
    await start_flow(update, context, PROGRESS, "note", {"commitment_id": int(arg)})


async def start_fulfil(update: Update, context: BotContext, arg: str) -> None:
    await start_flow(update, context, FULFIL, "result", {"commitment_id": int(arg)})


async def open_list(update: Update, context: BotContext, arg: str = "") -> None:
    await show_list(update, context)
