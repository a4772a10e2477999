"""/invite: leaders create single-use deep links for a unit's secretary or for a new leader; and
the throttle on redeeming them (/start <code>, handlers/start.py): a person whose codes failed
five times in ten minutes is told to wait, so codes cannot be guessed at speed.
"""
from __future__ import annotations

import math
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update

from bot import texts
from bot.rules.invites import deep_link, hash_code, new_code
from bot.rules.throttle import FailureThrottle
from bot.rules.user_input import parse_id
from handlers import ui
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.paging import grid, page_of, pager_row
from storage import invites
from storage import units as unit_store
from storage.models import LEADER, SECRETARY, Unit

# Failed redemptions (unknown, used, expired codes) a person may make per window.
REDEEM_FAILURES_ALLOWED = 5
REDEEM_WINDOW = timedelta(minutes=10)
_THROTTLE_KEY = "invites.redeem_throttle"


async def create_link(context: BotContext, unit: Unit | None) -> str:
    """Store a new invite (for ``unit``'s secretary, or a leader when None) and describe it."""
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
    local_expiry = expires.astimezone(services.settings.timezone).strftime("%Y-%m-%d %H:%M")
    return texts.say("invites", "created", link=deep_link(context.bot.username, code), unit=unit, expires=local_expiry)


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
    """Taps ``i:page:<n>``, ``i:unit:<id>``, ``i:leader:0``."""
    action, arg = ui.tapped(update)
    number = parse_id(arg)
    if number is None or action not in ("page", "unit", "leader"):
        await ui.answer(update, texts.say("common", "stale_card"))
        return
    await ui.answer(update)
    if action == "page":
        await _choose_unit(update, context, number)
        return
    if action == "leader":
        await ui.reply(update, context, await create_link(context, None), None)
        return
    unit = await unit_store.get_unit(context.services.db, number)
    if unit is None:
        await ui.reply(update, context, texts.say("units", "not_found"), None)
    elif unit.archived:
        await ui.reply(update, context, texts.say("invites", "unit_archived", unit=unit), None)
    else:
        await context.bot.send_message(context.caller().user_id, await create_link(context, unit))


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
