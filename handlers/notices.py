"""/notice: leaders write a notice to units and see who has received and read it.

Writing is a guided flow (handlers/dialog.py): text (or a photo or file with the text as its
caption) → an optional attachment → the audience (all units, a group such as 村（社区）, or units
ticked one by one, with pages) → a preview → 发送. 发送 stores the notice and its outbox in the
transaction that consumes the preview card, and the reminder tick sends it
(bot/reminders/notices.py). Buttons: ``nt:l:<page>`` (the list), ``nt:s:<id>`` (one notice's
receipts), ``nt:c:<id>`` (提醒未阅, once), ``nt:n`` (write a new one) — leaders only; ``nr:<id>``
(已阅) — only the person the notice was delivered to.
"""
from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot import texts
from bot.reminders.engine import tick_soon
from bot.reminders.notices import load_receipts, read_markup, send_moment
from bot.rules.unit_kinds import UNIT_GROUPS, group_of
from bot.rules.user_input import clean_text
from bot.rules.workcalendar import QuietHours
from handlers import ui
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.dialog import Button, Card, Flow, Problem, Step, Turn, start_flow
from handlers.paging import grid, page_of, pager_row
from storage import notices as store
from storage import people as people_store
from storage import units as unit_store
from storage.models import Unit

say, label = texts.family("notices")
PREFIX = "nt"
TEXT_LIMIT = 3000  # a message holds 4,096 characters; the header and signature need the rest
CAPTION_LIMIT = 900  # a photo's or file's caption holds 1,024
LIST_PAGE = 8


# ----- the flow: text and attachment ---------------------------------------------------------------
def _attachment(turn: Turn) -> store.Attachment | None:
    """The attachment in ``turn.data``, if one was sent."""
    found = turn.data.get("attachment")
    return store.Attachment(found["kind"], found["file_id"], found.get("name")) if found else None


def _received_attachment(turn: Turn) -> dict[str, str | None] | None:
    """A photo (its largest size) or a file the person just sent, as the dialog keeps it."""
    message = turn.message
    if message is None:
        return None
    if message.photo:
        return {"kind": "photo", "file_id": message.photo[-1].file_id, "name": None}
    if message.document is not None:
        return {"kind": "document", "file_id": message.document.file_id, "name": message.document.file_name}
    return None


def notice_text(text: str, limit: int) -> str | Problem:
    """The rule for a notice's text: something visible, within ``limit``."""
    text = clean_text(text, multiline=True)
    if not text:
        return Problem(say("text_empty"))
    if len(text) > limit:
        return Problem(say("caption_too_long", limit=limit) if limit == CAPTION_LIMIT else texts.say("common", "too_long", limit=limit))
    return text


async def prompt_text(turn: Turn) -> Card:
    attachment = _attachment(turn)
    return Card(say("ask_text", limit=TEXT_LIMIT, caption_limit=CAPTION_LIMIT, attachment=attachment), [[Button(texts.label("cancel"), "cancel")]])


async def handle_text(turn: Turn) -> None:
    received = _received_attachment(turn)
    if received is not None:
        turn.data["attachment"] = received
        caption = turn.message.caption if turn.message is not None else None
        if not caption:
            await turn.ask("text")  # the card now asks for the text to go with it
            return
        value = notice_text(caption, CAPTION_LIMIT)
        if isinstance(value, Problem):
            del turn.data["attachment"]  # not kept: the photo or file is to be sent again, shorter
            await turn.reask(value.message)
            return
        turn.data["text"] = value
        await turn.ask("audience")
        return
    limit = CAPTION_LIMIT if "attachment" in turn.data else TEXT_LIMIT
    text = await turn.typed(lambda typed: notice_text(typed, limit))
    if text is None:
        return
    turn.data["text"] = text
    await turn.ask("audience" if "attachment" in turn.data else "attach")


async def prompt_attach(turn: Turn) -> Card:
    return Card(say("ask_attachment"), [[Button(label("b_no_attachment"), "skip")], [Button(texts.label("cancel"), "cancel")]])


async def handle_attach(turn: Turn) -> None:
    if turn.action == "skip":
        await turn.ask("audience")
        return
    received = _received_attachment(turn)
    if received is None:
        await turn.reask(say("need_attachment"))
        return
    if len(turn.data["text"]) > CAPTION_LIMIT:
        await turn.reask(say("caption_too_long", limit=CAPTION_LIMIT))
        return
    turn.data["attachment"] = received
    await turn.ask("audience")


# ----- the flow: audience --------------------------------------------------------------------------
async def _active_units(turn: Turn) -> list[Unit]:
    return await unit_store.list_units(turn.services.db)


async def prompt_audience(turn: Turn) -> Card:
    units = await _active_units(turn)
    cancel = [Button(texts.label("cancel"), "cancel")]
    if not units:
        return Card(say("no_units"), [cancel])
    counts = {group: sum(1 for u in units if group_of(u.kind) == group) for group in UNIT_GROUPS}
    rows = [[Button(label("b_all", count=len(units)), "all")]]
    rows += [[Button(label("b_group", group=group, count=counts[group]), "group", str(i))] for i, group in enumerate(UNIT_GROUPS) if counts[group]]
    rows += [[Button(label("b_pick"), "pick")], cancel]
    return Card(say("ask_audience"), rows)


async def _choose(turn: Turn, units: list[Unit], audience: str) -> None:
    turn.data["units"], turn.data["audience"] = [u.id for u in units], audience
    await turn.ask("preview")


async def handle_audience(turn: Turn) -> None:
    units = await _active_units(turn)
    index = turn.arg_id
    if turn.action == "all" and units:
        await _choose(turn, units, store.ALL_UNITS)
    elif turn.action == "group" and index is not None and index < len(UNIT_GROUPS):
        group = UNIT_GROUPS[index]
        members = [u for u in units if group_of(u.kind) == group]
        if members:
            await _choose(turn, members, store.GROUP_PREFIX + group)
        else:
            await turn.reask(say("ask_audience"))
    elif turn.action == "pick" and units:
        turn.data.setdefault("chosen", [])
        turn.data["page"] = 0
        await turn.ask("pick")
    else:
        await turn.reask(say("ask_audience"))


async def prompt_pick(turn: Turn) -> Card:
    chosen = set(turn.data.get("chosen", []))
    shown, page, pages = page_of(await _active_units(turn), int(turn.data.get("page", 0)))
    rows = grid([Button(label("b_unit", name=u.name, chosen=u.id in chosen), "tog", str(u.id)) for u in shown])
    pager = []
    if page > 0:
        pager.append(Button(texts.label("prev_page"), "page", str(page - 1)))
    if page < pages - 1:
        pager.append(Button(texts.label("next_page"), "page", str(page + 1)))
    rows.append(pager)
    if chosen:
        rows.append([Button(label("b_picked", count=len(chosen)), "done")])
    rows.append([Button(texts.label("back"), "back"), Button(texts.label("cancel"), "cancel")])
    return Card(say("ask_pick", count=len(chosen)), rows)


async def handle_pick(turn: Turn) -> None:
    number = turn.arg_id
    units = {u.id: u for u in await _active_units(turn)}
    chosen: list[int] = turn.data.setdefault("chosen", [])
    if turn.action == "tog" and number in units:
        if number in chosen:
            chosen.remove(number)
        else:
            chosen.append(number)
        await turn.ask("pick")
    elif turn.action == "page" and number is not None:
        turn.data["page"] = number
        await turn.ask("pick")
    elif turn.action == "done" and any(u in units for u in chosen):
        await _choose(turn, [units[u] for u in chosen if u in units], store.CHOSEN_UNITS)
    elif turn.action == "back":
        await turn.ask("audience")
    else:
        await turn.reask(say("ask_pick", count=len(chosen)))


# ----- the flow: preview and send ------------------------------------------------------------------
async def _recipients(turn: Turn) -> tuple[list[tuple[int, int]], list[str]]:
    """(user id, unit id) of everyone who will get the notice, and the chosen units nobody can
    receive it for (no secretary has joined)."""
    wanted: list[int] = list(turn.data["units"])
    recipients = [
        (p.user_id, p.unit_id) for p in await people_store.list_people(turn.services.db) if p.is_secretary and p.unit_id is not None and p.unit_id in wanted
    ]
    covered = {unit_id for _, unit_id in recipients}
    units = {u.id: u for u in await unit_store.list_units(turn.services.db, include_archived=True)}
    return recipients, [units[u].name for u in wanted if u not in covered and u in units]


def _later(turn: Turn) -> datetime | None:
    """When a notice confirmed now would go out (local), if not at once (quiet hours)."""
    settings = turn.services.settings
    return send_moment(turn.services.local_now(), QuietHours(settings.quiet_start, settings.quiet_end))


async def prompt_preview(turn: Turn) -> Card:
    recipients, silent = await _recipients(turn)
    settings = turn.services.settings
    text = say(
        "preview", text=turn.data["text"], attachment=_attachment(turn), audience_code=turn.data["audience"], units=len(turn.data["units"]),
        recipients=len(recipients), silent_units=silent, due_later=_later(turn), org=settings.org_name, author=turn.person.display_name,
    )
    rows = [[Button(label("b_send", count=len(recipients)), "send")]] if recipients else []
    rows += [[Button(label("b_change_audience"), "audience")], [Button(texts.label("cancel"), "cancel")]]
    return Card(text if recipients else f"{text}\n\n{say('nobody', silent_units=silent)}", rows)


async def handle_preview(turn: Turn) -> None:
    if turn.action == "audience":
        await turn.ask("audience")
        return
    recipients, _ = await _recipients(turn)
    if turn.action != "send" or not recipients:
        await turn.ask("preview")
        return
    services = turn.services
    later = _later(turn)
    try:
        await store.create_notice(
            services.db, author=turn.person.user_id, text=turn.data["text"], attachment=_attachment(turn), audience=turn.data["audience"],
            unit_ids=turn.data["units"], recipients=recipients, due_at=later or services.now(), now=services.now(),
            draft=(turn.person.user_id, turn.dialog.nonce),
        )
    except store.AlreadySent:
        await ui.answer(turn.update, say("already_sent"))
        return
    await turn.finish(say("queued", recipients=len(recipients), due_later=later))
    if later is None:
        tick_soon(turn.context.application)


NOTICE = Flow(
    name="notice",
    title=say("flow_title"),
    steps={
        "text": Step(prompt_text, handle_text),
        "attach": Step(prompt_attach, handle_attach),
        "audience": Step(prompt_audience, handle_audience),
        "pick": Step(prompt_pick, handle_pick),
        "preview": Step(prompt_preview, handle_preview),
    },
)


# ----- /notice: the list and the receipts ------------------------------------------------------------
async def _list_card(context: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup]:
    db = context.services.db
    total = await store.count_notices(db)
    pages = max(1, -(-total // LIST_PAGE))
    page = min(max(page, 0), pages - 1)
    tz = context.services.settings.timezone
    rows = [[ui.button(label("b_new"), PREFIX, "n")]]
    for summary in await store.recent_notices(db, LIST_PAGE, page * LIST_PAGE):
        rows.append([ui.button(label("list_button", summary=summary, local=summary.notice.created_at.astimezone(tz)), PREFIX, "s", summary.notice.id)])
    rows.append(pager_row(ui.button_data(PREFIX, "l", ""), page, pages))
    return say("list", total=total, page=page, pages=pages), InlineKeyboardMarkup([row for row in rows if row])


async def _detail_card(context: BotContext, notice: store.Notice) -> tuple[str, InlineKeyboardMarkup]:
    db = context.services.db
    tz = context.services.settings.timezone
    receipts = await load_receipts(db, notice)
    author = await people_store.get_person(db, notice.author)
    text = say(
        "detail", notice=notice, local=notice.created_at.astimezone(tz), author=author.display_name if author else "",
        audience_code=notice.audience, units=len(notice.unit_ids), delivered=len(receipts.delivered), read=receipts.read,
        unread=receipts.unread, blocked=receipts.blocked, failed=receipts.failed, pending=receipts.pending,
        chased_local=notice.chased_at.astimezone(tz) if notice.chased_at else None, chased=await store.chased_count(db, notice.id),
    )
    rows = []
    if receipts.unread and notice.chased_at is None:
        rows.append([ui.button(label("b_chase", count=len(receipts.unread)), PREFIX, "c", notice.id)])
    rows.append([ui.button(label("b_list"), PREFIX, "l", 0)])
    return text, InlineKeyboardMarkup(rows)


@leaders_only
async def notice_command(update: Update, context: BotContext) -> None:
    """/notice: the recent notices (tap one for its receipts) and 写新通知."""
    text, markup = await _list_card(context, 0)
    await context.bot.send_message(context.caller().user_id, text, reply_markup=markup)


@leaders_only
async def notice_button(update: Update, context: BotContext) -> None:
    """Taps on the /notice cards (``nt:…``), re-checked against the notice they name."""
    action, arg = ui.tapped(update)
    if action == "n":
        await ui.answer(update)
        await start_flow(update, context, NOTICE, "text")
        return
    number = await ui.tapped_id(update, context, arg)
    if number is None:
        return
    if action == "l":
        await ui.answer(update)
        await ui.reply(update, context, *await _list_card(context, number))
        return
    notice = await store.get_notice(context.services.db, number) if action in ("s", "c") else None
    if notice is None:
        await ui.answer(update, say("gone") if action in ("s", "c") else ui.stale_card(context.person))
        return
    if action == "c":
        count = await store.chase_unread(context.services.db, notice.id, context.caller().user_id, context.services.now())
        await ui.answer(update, say("chase_once") if count is None else say("chased", count=count) if count else say("chase_nobody"), alert=count is None)
        if count:
            tick_soon(context.application)
        notice = await store.get_notice(context.services.db, notice.id) or notice
    else:
        await ui.answer(update)
    await ui.reply(update, context, *await _detail_card(context, notice))


async def read_button(update: Update, context: BotContext) -> None:
    """已阅 (``nr:<notice id>``): recorded only for the person the notice was delivered to."""
    query = update.callback_query
    assert query is not None
    (arg,) = ui.tapped(update, 1)
    number = await ui.tapped_id(update, context, arg)
    if number is None:
        return
    recorded = await store.mark_read(context.services.db, number, context.caller().user_id, context.services.now())
    if recorded is None:
        await ui.answer(update, say("not_yours"), alert=True)
        return
    await ui.answer(update, say("read_thanks") if recorded else say("read_before"))
    if recorded:
        try:
            await query.edit_message_reply_markup(read_markup(number, read=True))
        except BadRequest:
            pass  # the message is gone or already shows it; the read is stored either way
