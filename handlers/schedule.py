"""/schedule: leaders see and change the reporting cycle and the deadline, in chat.

A guided flow (handlers/dialog.py): the ``menu`` card shows the schedule, this period's deadline
(moved off weekends and holidays) and the reminder plan, with buttons to switch the cycle or go
to the ``day`` / ``time`` steps. Every change is saved at once (storage/schedule.py) and the tick
reads it at its next run. See docs/schedule.mmd.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import time
from functools import partial

from bot import texts
from bot.reminders import plan
from bot.reminders.queries import load_timing
from bot.rules.periods import QUARTER, YEAR, next_period
from bot.rules.user_input import clean_text, parse_number
from bot.rules.words import without_suffixes
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.dialog import Button, Card, Flow, Step, Turn, opener, parsed_by
from storage import schedule as schedule_store
from storage.schedule import StoredSchedule

_CLOCK = re.compile(r"^(\d{1,2})(?:[:：.点时](\d{1,2})?分?)?$")
_COMPACT_CLOCK = re.compile(r"^(\d{1,2})(\d{2})$")


def parse_clock(text: str | None) -> time | None:
    """A time of day as people type it: 18:00, 18：00, 18点, 18点30, 1800, 18."""
    if text is None:
        return None
    raw = text.strip().replace(" ", "")
    match = _CLOCK.match(raw) or _COMPACT_CLOCK.match(raw)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_day(text: str | None) -> int | None:
    """A day of the month, 1–31 (``25``, ``25日``, ``25号``)."""
    if text is None:
        return None
    day = parse_number(without_suffixes(clean_text(text), "day"), max_digits=2)
    return day if day is not None and 1 <= day <= 31 else None


_say, _label = texts.family("schedule")
# What a tap on a cycle's reminder-months button moves through, in turn (the first is the default).
REMIND_PRESETS: dict[str, tuple[frozenset[int], ...]] = {
    QUARTER: (frozenset({3, 6, 9, 12}), frozenset({2, 3, 5, 6, 8, 9, 11, 12})),
    YEAR: (frozenset({11, 12}), frozenset({12}), frozenset({10, 11, 12})),
}


def _remind_in(context: BotContext, timing: plan.Timing) -> dict[str, list[int]]:
    """The months the quarterly and yearly items are reminded in: set in chat, else the rules file's."""
    rules = context.services.rules
    return {cycle: sorted(timing.remind_in.get(cycle) or rules.remind_in(cycle)) for cycle in REMIND_PRESETS}


async def _next_months(turn: Turn, cycle: str) -> None:
    """The next preset of ``cycle``'s reminder months, saved."""
    current = frozenset(_remind_in(turn.context, await load_timing(turn.services))[cycle])
    presets = REMIND_PRESETS[cycle]
    following = presets[(presets.index(current) + 1) % len(presets)] if current in presets else presets[0]
    await schedule_store.save_reminder_months(turn.services.db, cycle, following, turn.person.user_id, turn.services.now())
    await turn.ask("menu", prefix=_say("months_saved", cycle=cycle, months=sorted(following)))


async def _current(turn: Turn) -> StoredSchedule:
    schedule = (await load_timing(turn.services)).schedule
    return StoredSchedule(schedule.cycle, schedule.deadline_day, schedule.deadline_weekday, schedule.deadline_time)


async def _save(turn: Turn, changed: StoredSchedule) -> None:
    await schedule_store.save_schedule(turn.services.db, changed, turn.person.user_id, turn.services.now())
    await turn.ask("menu", prefix=_say("saved", schedule=changed))


async def summary(context: BotContext) -> str:
    """The schedule, this period's (and, once it has passed, the next period's) deadline, the plan."""
    services = context.services
    timing = await load_timing(services)
    now = services.now()
    current = plan.period_times(timing, plan.current_period(timing, now))
    upcoming = plan.period_times(timing, next_period(current.period)) if plan.is_past_deadline(current, now) else None
    return _say(
        "summary",
        schedule=timing.schedule,
        current=current,
        upcoming=upcoming,
        policy=timing.policy,
        quiet=timing.quiet,
        escalation_days=timing.policy.escalation_max_days,
        remind_in=_remind_in(context, timing),
    )


# ----- steps -----------------------------------------------------------------------------------
async def prompt_menu(turn: Turn) -> Card:
    chosen = (await _current(turn)).cycle
    cycles = [Button(_label("cycle_button", cycle=c, chosen=c == chosen), "cycle", c) for c in plan.REPORT_CYCLES]
    return Card(
        f"{await summary(turn.context)}\n\n{_say('menu_hint')}",
        [
            cycles,
            [Button(_label("day_button"), "day"), Button(_label("time_button"), "time")],
            [Button(_label("months_button", cycle=c), "months", c) for c in REMIND_PRESETS],
            [Button(_label("done_button"), "done")],
        ],
    )


async def handle_menu(turn: Turn) -> None:
    current = await _current(turn)
    if turn.action == "cycle" and turn.arg in plan.REPORT_CYCLES:
        if turn.arg == current.cycle:
            await turn.ask("menu")
        else:
            await _save(turn, replace(current, cycle=turn.arg))
    elif turn.action == "day":
        await turn.ask("day")
    elif turn.action == "time":
        await turn.ask("time")
    elif turn.action == "months" and turn.arg in REMIND_PRESETS:
        await _next_months(turn, turn.arg)
    elif turn.action == "done":
        await turn.finish(await summary(turn.context))
    else:
        await turn.reask(_say("menu_hint"))


async def prompt_day(turn: Turn) -> Card:
    back = [Button(texts.label("back"), "back")]
    if (await _current(turn)).cycle == "week":
        weekdays = [Button(_label("weekday_button", n=n), "wd", str(n)) for n in range(7)]
        return Card(_say("ask_weekday"), [weekdays[:4], weekdays[4:], back])
    return Card(_say("ask_day", cycle=(await _current(turn)).cycle), [back])


async def handle_day(turn: Turn) -> None:
    current = await _current(turn)
    if turn.action == "back":
        await turn.ask("menu")
    elif turn.action == "wd" and (weekday := turn.arg_id) is not None and weekday <= 6:
        await _save(turn, replace(current, deadline_weekday=weekday))
    elif turn.is_tap:
        await turn.reask(_say("ask_weekday"))
    elif (day := await turn.typed(parsed_by(parse_day, partial(_say, "bad_day")))) is not None:
        await _save(turn, replace(current, deadline_day=day))


async def prompt_time(turn: Turn) -> Card:
    return Card(_say("ask_time"), [[Button(texts.label("back"), "back")]])


async def handle_time(turn: Turn) -> None:
    if turn.action == "back":
        await turn.ask("menu")
        return
    clock = await turn.typed(parsed_by(parse_clock, partial(_say, "bad_time")))
    if clock is None:
        return
    await _save(turn, replace(await _current(turn), deadline_time=clock))


SCHEDULE = Flow(
    name="schedule",
    title=texts.say("schedule", "flow_title"),
    steps={"menu": Step(prompt_menu, handle_menu), "day": Step(prompt_day, handle_day), "time": Step(prompt_time, handle_time)},
)


# /schedule: show the reporting schedule, with buttons to change it.
schedule_command = leaders_only(opener(SCHEDULE, "menu"))
