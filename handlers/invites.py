"""/invite: leaders create single-use deep links for a unit's secretary or for a new leader.

An invite card carries ``i:qr:<code>``: the same link as a QR code picture, for handing an invite
over in person. The code is already in the card's text, so the button reveals nothing new; a tap
is honoured only while the invite can still be used. Leaders are told when someone joins.

Redeeming is throttled (/start <code>, handlers/start.py): a person whose codes failed five times
in ten minutes is told to wait, so codes cannot be guessed at speed.
"""
from __future__ import annotations

import asyncio
import io
import math
from datetime import datetime, timedelta

import segno
from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import texts
from bot.rules.invites import deep_link, hash_code, looks_like_code, new_code
from bot.rules.throttle import FailureThrottle
from bot.rules.user_input import parse_id
from handlers import ui
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.paging import grid, page_of, pager_row
from storage import audit, invites, people
from storage import units as unit_store
from storage.models import LEADER, SECRETARY, Person, Unit

# Failed redemptions (unknown, used, expired codes) a person may make per window.
REDEEM_FAILURES_ALLOWED = 5
REDEEM_WINDOW = timedelta(minutes=10)
_THROTTLE_KEY = "invites.redeem_throttle"


async def create_link(context: BotContext, unit: Unit | None) -> tuple[str, InlineKeyboardMarkup]:
    """Store a new invite (for ``unit``'s secretary, or a leader when None): its card and buttons."""
    services = context.services
    code = new_code()
    expires = await invites.create_invite(
        services.db,
        hash_code(code),
        SECRETARY if unit else LEADER,
        unit.id if unit else None,
        context.caller().user_id,
        services.now(),
        timedelta(days=services.settings.invite_ttl_days),
    )
    text = texts.say("invites", "created", link=deep_link(context.bot.username, code), unit=unit, expires=_local(context, expires))
    return text, InlineKeyboardMarkup([[ui.button(texts.plain("invites", "b_qr"), "i", "qr", code)]])


def _local(context: BotContext, moment: datetime) -> str:
    return moment.astimezone(context.services.settings.timezone).strftime("%Y-%m-%d %H:%M")


async def send_qr(update: Update, context: BotContext, code: str) -> None:
    """The invite's link as a QR code picture, if the invite can still be used."""
    services = context.services
    invite = await invites.usable_invite(services.db, hash_code(code), services.now()) if looks_like_code(code) else None
    if invite is None:
        await ui.answer(update, texts.say("invites", "qr_gone"), alert=True)
        return
    await ui.answer(update)
    unit = await unit_store.get_unit(services.db, invite.unit_id) if invite.unit_id else None
    picture = await asyncio.to_thread(qr_png, deep_link(context.bot.username, code))
    caption = texts.say("invites", "qr_caption", unit=unit, expires=_local(context, invite.expires_at))
    await context.bot.send_photo(context.caller().user_id, photo=picture, caption=caption)
    await audit.note(services.db, services.now(), context.caller().user_id, "invite.qr", f"unit:{unit.id}" if unit else LEADER)


def qr_png(link: str) -> bytes:
    """``link`` as a PNG QR code (segno writes PNG itself, no imaging library needed); medium error
    correction and a large scale, so a phone reads it off another phone's screen or a printout."""
    out = io.BytesIO()
    segno.make(link, error="m", micro=False).save(out, kind="png", scale=10, border=4)
    return out.getvalue()


async def tell_leaders_joined(context: BotContext, person: Person, unit: Unit | None) -> None:
    """Tell every leader (but the newcomer) that ``person`` joined through an invite."""
    text = texts.say("invites", "joined_notice", person=person, unit=unit)
    markup = InlineKeyboardMarkup([[ui.button(texts.plain("people", "b_list"), "p", "page", 0)]])
    for leader in await people.list_leaders(context.services.db):
        if leader.user_id == person.user_id or not leader.reachable:
            continue
        try:
            await context.bot.send_message(leader.user_id, text, reply_markup=markup)
        except TelegramError:
            pass  # a leader who blocked the bot still sees the newcomer in /people


async def _choose_unit(update: Update, context: BotContext, page: int) -> None:
    active = await unit_store.list_units(context.services.db)
    if not active:
        await ui.reply(update, context, texts.say("units", "none_yet"), None)
        return
    shown, page, pages = page_of(active, page)
    rows = grid([ui.button(u.name, "i", "unit", u.id) for u in shown])
    pager = pager_row("i:page:", page, pages)
    if pager:
        rows.append(pager)
    await ui.reply(update, context, texts.say("invites", "choose_unit"), InlineKeyboardMarkup(rows))


@leaders_only
async def invite_command(update: Update, context: BotContext) -> None:
    """/invite: for whom?"""
    markup = InlineKeyboardMarkup(
        [
            [ui.button(texts.label("invite_for_unit"), "i", "page", 0)],
            [ui.button(texts.label("invite_leader"), "i", "leader", 0)],
        ]
    )
    await ui.reply(update, context, texts.say("invites", "choose"), markup)


@leaders_only
async def invite_button(update: Update, context: BotContext) -> None:
    """Taps ``i:page:<n>``, ``i:unit:<id>``, ``i:leader:0``, ``i:qr:<code>``."""
    action, arg = ui.tapped(update)
    if action == "qr":
        await send_qr(update, context, arg)
        return
    number = parse_id(arg)
    if number is None or action not in ("page", "unit", "leader"):
        await ui.answer_stale(update, context)
        return
    await ui.answer(update)
    if action == "page":
        await _choose_unit(update, context, number)
        return
    if action == "leader":
        await ui.reply(update, context, *await create_link(context, None))
        return
    unit = await unit_store.get_unit(context.services.db, number)
    if unit is None:
        await ui.reply(update, context, texts.say("units", "not_found"), None)
    elif unit.archived:
        await ui.reply(update, context, texts.say("invites", "unit_archived", unit=unit), None)
    else:
        text, markup = await create_link(context, unit)
        await context.bot.send_message(context.caller().user_id, text, reply_markup=markup)


# ----- redeeming: the throttle -------------------------------------------------------------------
def _throttle(context: BotContext) -> FailureThrottle:
    return context.application.bot_data.setdefault(_THROTTLE_KEY, FailureThrottle(REDEEM_FAILURES_ALLOWED, REDEEM_WINDOW))


async def redeeming_refused(context: BotContext, user_id: int) -> bool:
    """True, after telling the person how long to wait, when their codes failed too often of late."""
    wait = _throttle(context).wait(user_id, context.services.now())
    if wait is None:
        return False
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    await context.bot.send_message(user_id, texts.say("invites", "too_many_attempts", minutes=minutes))
    return True


def note_redemption(context: BotContext, user_id: int, succeeded: bool) -> None:
    """Count a failed redemption of ``user_id``, or forget their failures once one succeeds."""
    if succeeded:
        _throttle(context).succeeded(user_id)
    else:
        _throttle(context).failed(user_id, context.services.now())
