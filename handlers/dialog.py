"""Guided conversations kept in the database, one step per function.

A *flow* (add a unit, report a meeting …) is a set of named *steps*. Each step has a ``prompt``
(the card it shows: text and buttons) and a ``handle`` (what it does with the person's answer:
typed text, a photo, or a tap). The flow's progress is saved at every step (storage.dialogs), so a
restart loses nothing. Every card gets a fresh random *nonce* that its buttons carry
(``d:<nonce>:<action>:<arg>``); a tap whose nonce is not the current one is a stale card and is
answered "这条消息已失效" without changing anything, which also makes double taps harmless.
Each save also notes the update that made it: polling keeps each received update until it is
handled (bot/app/polling.py), so after a crash the update in flight comes again, and one that
already moved the dialog is answered with the current card instead of being taken twice.
"""
from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application

from bot import texts
from bot.rules.report_rules import check_text, clean_field
from bot.rules.user_input import clean_text, parse_id
from handlers import ui
from handlers.context import BotContext
from storage import dialogs as dialog_store
from storage.models import Dialog

DIALOG_PREFIX = "d"
T = TypeVar("T")
# Buttons that leave or go back rather than answer the question (see Turn.typed).
_WAYS_OUT = frozenset({"cancel", "back", "review"})
TAKEN_KEY = "_taken"  # [update_id, unix time] of the update that last moved the dialog
# Telegram numbers updates in sequence unless a bot had none for a week; within that, a lower or
# equal update_id than the one noted is one seen before.
REPLAY_HORIZON_SECONDS = 6 * 24 * 3600


@dataclass(frozen=True)
class Button:
    """A button of a card. Dialog buttons carry (action, arg); ``url`` makes a link button."""

    label: str
    action: str = ""
    arg: str = ""
    url: str | None = None


@dataclass(frozen=True)
class Card:
    text: str
    buttons: Sequence[Sequence[Button]] = ()


Handler = Callable[["Turn"], Awaitable[None]]


@dataclass(frozen=True)
class Step:
    """A card (``prompt``) and what to do with the answer (``handle``). ``shortcuts`` are taps
    answered the same way whatever the step, before ``handle`` sees them (e.g. 返回汇报单)."""

    prompt: Callable[["Turn"], Awaitable[Card]]
    handle: Handler
    shortcuts: Mapping[str, Handler] = field(default_factory=dict)

    async def run(self, turn: "Turn") -> None:
        """Handle the answer of this step's card."""
        shortcut = self.shortcuts.get(turn.action) if turn.action is not None else None
        await (shortcut or self.handle)(turn)


@dataclass(frozen=True)
class Problem:
    """What was wrong with a typed answer: said before the question is asked again."""

    message: str


def parsed_by(parse: Callable[[str], T | None], problem: Callable[[], str]) -> Callable[[str], T | Problem]:
    """A rule from a parser that returns None for what it cannot read."""

    def rule(text: str) -> T | Problem:
        value = parse(text)
        return Problem(problem()) if value is None else value

    return rule


def text_within(field: str, empty: Callable[[], str]) -> Callable[[str], str | Problem]:
    """A rule for free text within ``field``'s limit (bot.rules.report_rules.LIMITS)."""

    def rule(text: str) -> str | Problem:
        text = clean_field(text, field)
        problem = check_text(text, field)
        if problem is None:
            return text
        return Problem(empty() if problem.empty else texts.say("common", "too_long", limit=problem.limit))

    return rule


@dataclass(frozen=True)
class Flow:
    name: str
    title: str  # what the person would call it, e.g. 新增单位 (used in "已放弃未完成的…")
    steps: dict[str, Step] = field(default_factory=dict)


_FLOWS_KEY = "dialog.flows"


def install_flows(application: Application[Any, Any, Any, Any, Any, Any], flows: Iterable[Flow]) -> None:
    """Make ``flows`` the guided conversations of ``application`` (bot/app/wiring.py lists them)."""
    application.bot_data[_FLOWS_KEY] = {flow.name: flow for flow in flows}


def flows_of(context: BotContext) -> dict[str, Flow]:
    """The application's flows by name (the name saved dialogs carry)."""
    return context.application.bot_data[_FLOWS_KEY]


def new_nonce() -> int:
    return secrets.randbits(40)


def keyboard(nonce: str, rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url) if b.url else ui.button(b.label, DIALOG_PREFIX, nonce, b.action, b.arg)
                for b in row
            ]
            for row in rows
            if row
        ]
    )


class Turn:
    """One update inside a flow: what was said or tapped, and the means to answer."""

    def __init__(self, update: Update, context: BotContext, dialog: Dialog, action: str | None = None, arg: str = "", typed: str | None = None):
        self.update = update
        self.context = context
        self.dialog = dialog
        self.action = action
        self.arg = arg
        self._typed = typed  # an answer typed earlier and kept (handlers.drafts: kept across 继续)
        self.answering = False  # an answer to count when it moves the flow on (see cancel)

    @property
    def services(self):  # noqa: ANN201 - the Services type lives in bot.services
        return self.context.services

    @property
    def person(self):  # noqa: ANN201
        return self.context.caller()

    @property
    def data(self) -> dict[str, Any]:
        return self.dialog.data

    @property
    def flow(self) -> Flow:
        return flows_of(self.context)[self.dialog.flow]

    @property
    def message(self) -> Message | None:
        return self.update.message if self.action is None else None

    @property
    def text(self) -> str | None:
        """Typed text as bot.rules.user_input.clean_text leaves it (lines kept; a field of one line
        folds them, see :func:`text_within`); None for a tap or a non-text message."""
        if self._typed is not None:
            return self._typed
        message = self.message
        if message is None or message.text is None:
            return None
        return clean_text(message.text, multiline=True)

    @property
    def arg_id(self) -> int | None:
        """The tapped button's argument as an id, page or index (bot.rules.user_input.parse_id);
        None when it is not one."""
        return parse_id(self.arg)

    @property
    def nonce(self) -> str:
        """The current card's nonce as its buttons carry it."""
        return format(self.dialog.nonce, "x")

    @property
    def is_tap(self) -> bool:
        return self.action is not None

    async def _send_card(self, card: Card) -> None:
        await ui.reply(self.update, self.context, card.text, keyboard(self.nonce, card.buttons))

    async def ask(self, step: str, prefix: str | None = None) -> None:
        """Move to ``step`` and show its card (with an optional line before it)."""
        self.dialog.step = step
        self.dialog.nonce = new_nonce()
        if self.answering:
            self.answering = False
            self.data[ANSWERS_KEY] = int(self.data.get(ANSWERS_KEY) or 0) + 1
        await self.save()
        card = await self.flow.steps[step].prompt(self)
        if prefix:
            card = Card(f"{prefix}\n\n{card.text}", card.buttons)
        await self._send_card(card)

    async def save(self) -> None:
        """Persist what was entered so far without changing the card."""
        now = self.services.now()
        taken = self.data.get(TAKEN_KEY) or [0, 0]
        self.data[TAKEN_KEY] = [max(self.update.update_id, int(taken[0])), int(now.timestamp())]
        await dialog_store.save_dialog(self.services.db, self.dialog, now)

    def seen_before(self) -> bool:
        """Whether this update already moved the dialog (it comes again after a crash)."""
        taken = self.data.get(TAKEN_KEY)
        if not taken:
            return False
        recent = self.services.now().timestamp() - float(taken[1]) < REPLAY_HORIZON_SECONDS
        return recent and self.update.update_id <= int(taken[0])

    async def show_again(self) -> None:
        """Answer an update seen before with the current card (the one it led to), unchanged: its
        buttons are the ones already shown, so every copy of the card still works."""
        await ui.answer(self.update)
        await self._send_card(await self.flow.steps[self.dialog.step].prompt(self))

    async def reask(self, problem: str) -> None:
        """Say what was wrong and ask the same step again; nothing is stored."""
        card = await self.flow.steps[self.dialog.step].prompt(self)
        markup = keyboard(self.nonce, card.buttons)
        await self.context.bot.send_message(self.person.user_id, f"{problem}\n\n{card.text}", reply_markup=markup)

    async def typed(self, rule: Callable[[str], T | Problem]) -> T | None:
        """The typed answer as ``rule`` reads it. None when there is none to take: a tap (ignored
        here), or something that is not text or that the rule refuses (the step is asked again,
        saying why)."""
        if self.is_tap:
            return None
        if self.text is None:
            # A sticker or a voice note where buttons answer: point to them, not to typing.
            card = await self.flow.steps[self.dialog.step].prompt(self)
            choices = any(b.action not in _WAYS_OUT for row in card.buttons for b in row)
            await self.reask(texts.say("common", "use_the_buttons" if choices else "need_text"))
            return None
        value = rule(self.text)
        if isinstance(value, Problem):
            await self.reask(value.message)
            return None
        return value

    async def finish(self, text: str | None = None, buttons: Sequence[Sequence[InlineKeyboardButton]] = ()) -> None:
        """End the flow (the dialog is deleted) and optionally say something."""
        await dialog_store.delete_dialog(self.services.db, self.person.user_id)
        if text:
            await ui.reply(self.update, self.context, text, InlineKeyboardMarkup(buttons) if buttons else None)


async def start_flow(
    update: Update, context: BotContext, flow: Flow, step: str, data: dict[str, Any] | None = None, prefix: str | None = None
) -> Turn:
    """Begin ``flow`` at ``step`` for the caller, replacing (and naming) any unfinished one; ``prefix``
    is a line said before the first card."""
    person = context.caller()
    services = context.services
    previous = await dialog_store.get_dialog(services.db, person.user_id)
    flows = flows_of(context)
    lines = [prefix] if prefix else []
    if previous is not None and previous.flow in flows and previous.flow != flow.name:
        lines.insert(0, texts.say("common", "discarded", title=flows[previous.flow].title))
    dialog = Dialog(user_id=person.user_id, flow=flow.name, step=step, data=dict(data or {}), nonce=0)
    turn = Turn(update, context, dialog)
    await turn.ask(step, prefix="\n".join(lines) or None)
    return turn


def opener(flow: Flow, step: str) -> Callable[[Update, BotContext], Awaitable[None]]:
    """A command (or button) callback that opens ``flow`` at ``step``, answering the tap if any."""

    async def open_flow(update: Update, context: BotContext) -> None:
        await ui.answer(update)
        await start_flow(update, context, flow, step)

    return open_flow


async def current_turn(update: Update, context: BotContext) -> Turn | None:
    """The caller's dialog for this update, if any (for typed input)."""
    dialog = await dialog_store.get_dialog(context.services.db, context.caller().user_id)
    flows = flows_of(context)
    if dialog is None or dialog.flow not in flows or dialog.step not in flows[dialog.flow].steps:
        return None
    return Turn(update, context, dialog)


async def on_message(update: Update, context: BotContext) -> bool:
    """Route a typed message to the caller's current step; False when no flow is in progress."""
    turn = await current_turn(update, context)
    if turn is None:
        return False
    if turn.seen_before():
        await turn.show_again()
        return True
    _count_answer(turn)
    await turn.flow.steps[turn.dialog.step].run(turn)
    return True


ANSWERS_KEY = "_answers"  # how many answers the flow has taken (kept when a step moves on)
CONFIRM_CANCEL_AFTER = 3  # /cancel after this many answers asks first


def _count_answer(turn: Turn) -> None:
    """Count this turn's answer once it moves the flow on (Turn.ask); a refused one is not."""
    turn.answering = True


async def on_button(update: Update, context: BotContext) -> None:
    """Route a tap on a dialog card; a tap on any card but the current one is stale."""
    query = update.callback_query
    assert query is not None and query.data is not None
    nonce, action, arg = ui.button_parts(query.data, 3)
    turn = await current_turn(update, context)
    if turn is not None and turn.seen_before():
        await turn.show_again()
        return
    if turn is None or nonce != turn.nonce:
        await query.answer(ui.stale_card(context.person))
        return
    await query.answer()
    turn.action, turn.arg = action, arg
    if action == "cancel":
        await cancel(update, context, confirmed=True)
        return
    if action == "keep_on":  # 继续填写, under the question whether to cancel
        await turn.ask(turn.dialog.step)
        return
    _count_answer(turn)
    await turn.flow.steps[turn.dialog.step].run(turn)


async def cancel(update: Update, context: BotContext, *, confirmed: bool = False) -> None:
    """/cancel: leave any conversation and say what was discarded. After three answers or more,
    /cancel asks first (the card's 取消 button is the confirmation)."""
    person = context.caller()
    dialog = await dialog_store.get_dialog(context.services.db, person.user_id)
    flows = flows_of(context)
    if dialog is None:
        text = texts.say("common", "nothing_to_cancel")
    elif not confirmed and int(dialog.data.get(ANSWERS_KEY) or 0) >= CONFIRM_CANCEL_AFTER and dialog.flow in flows:
        nonce = format(dialog.nonce, "x")
        buttons = [[Button(texts.plain("common", "b_cancel_confirm"), "cancel"), Button(texts.plain("common", "b_keep_on"), "keep_on")]]
        text = texts.say("common", "confirm_cancel", title=flows[dialog.flow].title)
        await ui.reply(update, context, text, keyboard(nonce, buttons))
        return
    else:
        await dialog_store.delete_dialog(context.services.db, person.user_id)
        title = flows[dialog.flow].title if dialog.flow in flows else dialog.flow
        text = texts.say("common", "cancelled", title=title)
    await ui.reply(update, context, text)
