"""/start (joining with an invite code, or a greeting) and /help."""
from __future__ import annotations

from telegram import Update

from bot import texts
from bot.rules.invites import hash_code, looks_like_code
from handlers import invites as invites_face
from handlers.context import BotContext
from handlers.menus import set_menu_for
from handlers.report import keyboard_for
from storage import invites, people, units
from storage.invites import RedeemOutcome
from storage.models import Person

_REFUSALS = {
    RedeemOutcome.UNKNOWN: "invite_unknown",
    RedeemOutcome.USED: "invite_used",
    RedeemOutcome.EXPIRED: "invite_expired",
    RedeemOutcome.UNIT_ARCHIVED: "invite_unit_archived",
    RedeemOutcome.LEADER_KEEPS_ROLE: "invite_for_secretary",
}

# Outcomes of a code that was real and good (the person is in, or was already, or is a leader
# who was not changed): they do not count as failed attempts.
_ACCEPTED = frozenset({RedeemOutcome.JOINED, RedeemOutcome.ALREADY_JOINED, RedeemOutcome.LEADER_KEEPS_ROLE, RedeemOutcome.UNIT_ARCHIVED})


def _is_cjk(text: str) -> bool:
    return any(0x4E00 <= ord(ch) <= 0x9FFF for ch in text)  # CJK Unified Ideographs


def display_name_of(update: Update) -> str:
    """The name we address people by: Chinese names are joined without a space (李梅, not 李 梅)."""
    user = update.effective_user
    assert user is not None
    first, last = user.first_name.strip(), (user.last_name or "").strip()
    joiner = "" if _is_cjk(first + last) else " "
    return (first + joiner + last).strip() or user.username or str(user.id)


async def welcome(context: BotContext, person: Person) -> str:
    services = context.services
    if person.role == "leader":
        return texts.say("start", "welcome_leader", person=person, org_name=services.settings.org_name)
    unit = await units.get_unit(services.db, person.unit_id) if person.unit_id else None
    return texts.say("start", "welcome_secretary", person=person, unit=unit)


async def start(update: Update, context: BotContext) -> None:
    """/start [code]: join with an invite code, or greet the caller."""
    services = context.services
    user = update.effective_user
    assert user is not None
    code = context.args[0] if context.args else None
    if code is None:
        if context.person is None:
            await context.bot.send_message(user.id, texts.say("start", "stranger_start", org_name=services.settings.org_name))
            return
        await people.set_display_name(services.db, user.id, display_name_of(update))
        context.person = await people.get_person(services.db, user.id) or context.person
        unit = await units.get_unit(services.db, context.person.unit_id) if context.person.unit_id else None
        await context.bot.send_message(
            user.id, texts.say("start", "welcome_back", person=context.person, unit=unit), reply_markup=keyboard_for(context.person)
        )
        await set_menu_for(context.bot, context.person)
        return
    if await invites_face.redeeming_refused(context, user.id):
        return
    if not looks_like_code(code):
        invites_face.note_redemption(context, user.id, succeeded=False)
        await context.bot.send_message(user.id, texts.say("start", "invite_unknown"))
        return
    result = await invites.redeem_invite(services.db, hash_code(code), user.id, display_name_of(update), services.now())
    invites_face.note_redemption(context, user.id, succeeded=result.outcome in _ACCEPTED)
    if result.outcome is RedeemOutcome.ALREADY_JOINED:
        await already_joined(context, user.id)
        return
    if result.person is None:
        await context.bot.send_message(user.id, texts.say("start", _REFUSALS.get(result.outcome, "invite_used")))
        return
    context.person = result.person
    await context.bot.send_message(user.id, await welcome(context, result.person), reply_markup=keyboard_for(result.person))
    await set_menu_for(context.bot, result.person)
    unit = await units.get_unit(services.db, result.person.unit_id) if result.person.unit_id else None
    await invites_face.tell_leaders_joined(context, result.person, unit)


async def already_joined(context: BotContext, user_id: int) -> None:
    """Someone taps the invite they used before: they have joined already (or, if their access has
    since been revoked, they are told that), never that the link is used."""
    person = context.person
    if person is None:
        await context.bot.send_message(user_id, texts.say("people", "access_revoked_notice"))
        return
    text = texts.say("invites", "already_joined") + "\n\n" + await welcome(context, person)
    await context.bot.send_message(user_id, text, reply_markup=keyboard_for(person))


async def help_command(update: Update, context: BotContext) -> None:
    """/help: the commands of the caller's role."""
    person = context.caller()
    await context.bot.send_message(person.user_id, texts.say("start", "help", role=person.role), reply_markup=keyboard_for(person))
