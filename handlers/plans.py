"""/plan and /opening: a leader writes the 下一步计划 of a period's 小结 (else the units' own plans
are used), or its opening paragraph (else the default opening, naming the campaign and the period)."""
from __future__ import annotations

import re

from bot import texts
from bot.rules.report_rules import normalise
from bot.rules.user_input import trim
from bot.rules.words import WORDS
from handlers.access import leaders_only
from handlers.dialog import Button, Card, Flow, Problem, Step, Turn, opener
from handlers.digest import named_periods, period_rows
from storage import plans

MAX_ITEMS = 20
MAX_ITEM_LENGTH = 200
MAX_OPENING_LENGTH = 500
CLEAR_WORDS = frozenset(WORDS["answers"]["clear"])
# A list marker at the start of a line: 1. 1、 1) （1） (一) 一、 ① - • and the like, followed by a
# separator. Only a marker with its separator is dropped, never the first character of a word:
# 三会一课规范化建设 and 七一表彰 keep every character.
LIST_MARKER_PATTERN = r"""^(?:
        [(（]\s*(?:[0-9０-９]{1,3}|[一二三四五六七八九十]{1,3})\s*[)）]\s*   # （1） (一)
      | (?:[0-9０-９]{1,3}|[一二三四五六七八九十]{1,3})\s*[、.．)）](?![0-9０-９])\s*   # 1. 1、 一、 2）
      | [①-⑳]\s*                                                        # ①
      | [-·•*]\s+                                                       # - item
    )"""
_LIST_MARKER = re.compile(LIST_MARKER_PATTERN, re.VERBOSE)


def parse_plan_items(text: str) -> list[str]:
    """One item per line; a leading list marker (1、 2. （三） ①) is dropped since items are renumbered."""
    items = []
    for line in text.splitlines():
        item = trim(_LIST_MARKER.sub("", trim(line), count=1))
        if item:
            items.append(item)
    return items


def _period_question(turn: Turn) -> str:
    return texts.say("digest_chat", "ask_opening_period" if turn.flow.name == OPENING_FLOW else "ask_plan_period")


async def prompt_period(turn: Turn) -> Card:
    return Card(_period_question(turn), period_rows(turn.services.today(), custom=False))


async def handle_period(turn: Turn) -> None:
    """The period chosen; both flows go on to their one writing step."""
    period = named_periods(turn.services.today()).get(turn.arg) if turn.action == "period" else None
    if period is None:
        await turn.reask(_period_question(turn))
        return
    turn.data["key"], turn.data["label"] = period.key, period.label
    await turn.ask("text" if turn.flow.name == OPENING_FLOW else "items")


async def prompt_items(turn: Turn) -> Card:
    current = await plans.get_plan(turn.services.db, turn.data["key"])
    return Card(texts.say("digest_chat", "ask_plan_items", label=turn.data["label"], items=current or []), [[Button(texts.label("cancel"), "cancel")]])


def plan_items(text: str) -> list[str] | Problem:
    """The rule for a typed plan: its items, or none for a word that clears it (清空)."""
    if normalise(text) in CLEAR_WORDS:
        return []
    items = parse_plan_items(text)
    if not items or len(items) > MAX_ITEMS or any(len(item) > MAX_ITEM_LENGTH for item in items):
        return Problem(texts.say("digest_chat", "plan_too_long", limit=MAX_ITEM_LENGTH, count=MAX_ITEMS))
    return items


async def handle_items(turn: Turn) -> None:
    items = await turn.typed(plan_items)
    if items is None:
        return
    services = turn.services
    label = turn.data["label"]
    if not items:
        await plans.save_plan(services.db, turn.data["key"], [], turn.person.user_id, services.now())
        await turn.finish(texts.say("digest_chat", "plan_cleared", label=label))
        return
    await plans.save_plan(services.db, turn.data["key"], items, turn.person.user_id, services.now())
    await turn.finish(texts.say("digest_chat", "plan_saved", label=label, items=items))


PLAN = Flow(name="plan", title=texts.say("digest_chat", "plan_flow_title"), steps={"period": Step(prompt_period, handle_period), "items": Step(prompt_items, handle_items)})


# /plan: choose the period, then send the plan, one item per line.
plan_command = leaders_only(opener(PLAN, "period"))


# ----- /opening: the 小结's first paragraph, per period -------------------------------------------
OPENING_FLOW = "opening"


async def prompt_opening(turn: Turn) -> Card:
    current = await plans.get_opening(turn.services.db, turn.data["key"])
    text = texts.say("digest_chat", "ask_opening_text", label=turn.data["label"], current=current, limit=MAX_OPENING_LENGTH)
    return Card(text, [[Button(texts.label("cancel"), "cancel")]])


def opening_text(text: str) -> str | Problem:
    """The rule for a typed opening: one paragraph (its lines joined). 清空 is asked first."""
    paragraph = "".join(trim(line) for line in text.splitlines())
    if not paragraph or len(paragraph) > MAX_OPENING_LENGTH:
        return Problem(texts.say("digest_chat", "opening_too_long", limit=MAX_OPENING_LENGTH))
    return paragraph


async def handle_opening(turn: Turn) -> None:
    if turn.is_tap:
        return
    paragraph: str | None
    if turn.text is not None and normalise(turn.text) in CLEAR_WORDS:
        paragraph = None
    elif (paragraph := await turn.typed(opening_text)) is None:
        return
    services = turn.services
    await plans.save_opening(services.db, turn.data["key"], paragraph, turn.person.user_id, services.now())
    label = turn.data["label"]
    await turn.finish(texts.say("digest_chat", "opening_saved" if paragraph else "opening_cleared", label=label, text=paragraph))


OPENING = Flow(
    name=OPENING_FLOW,
    title=texts.say("digest_chat", "opening_flow_title"),
    steps={"period": Step(prompt_period, handle_period), "text": Step(prompt_opening, handle_opening)},
)


# /opening: choose the period, then send the opening paragraph of its 小结.
opening_command = leaders_only(opener(OPENING, "period"))
