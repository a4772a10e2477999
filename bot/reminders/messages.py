"""What reminders look like in chat: the text and buttons of each kind of reminder message.

Pure rendering from plain values (templates/reminders.j2); the engine decides who gets what.
Buttons carry ``r:<action>:<reminder id>[:<activity kind code>]`` and are re-checked on every tap
(handlers/reminders.py).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.reminders.plan import PeriodTimes, by_cycle
from bot.rules.activity_kinds import ActivityKinds
from bot.rules.meeting_rules import KindStatus
from bot.rules.periods import contains
from storage.models import Commitment, Person, Unit
from storage.reminders import Reminder

PREFIX = "r"
ESCALATION_ROWS = 30
ESCALATION_COMMITMENTS = 10


def label(name: str, /, **values: object) -> str:
    """A button label from templates/reminders.j2 (plain text: Telegram does not parse buttons)."""
    return Markup(texts.say("reminders", name, **values)).unescape()


def say(name: str, /, **values: object) -> str:
    return texts.say("reminders", name, **values)


def overdue_days(times: PeriodTimes, now_local: datetime) -> int:
    """Whole days since the deadline's day (0 on the day after it has passed), −1 before it."""
    if now_local < times.deadline:
        return -1
    return (now_local.date() - times.deadline.date()).days


def unit_reminder(
    unit: Unit,
    times: PeriodTimes,
    missing: Sequence[KindStatus],
    reminder: Reminder,
    now_local: datetime,
    kinds: ActivityKinds,
    cycles: Mapping[str, str] | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The one combined message a unit gets at a slot: what is missing, each item named by its
    own cycle (``cycles``: activity kind → month | quarter | year), and a button per item."""
    names = [s.activity_kind for s in missing]
    text = say(
        "unit_reminder",
        unit=unit,
        period=times.period,
        current=contains(times.period, now_local.date()),
        missing=by_cycle(names, cycles or {}),
        today=now_local.date(),
        deadline=times.deadline,
        shifted=times.shifted,
        overdue_days=overdue_days(times, now_local),
        nudged=reminder.slot.startswith("nudge"),
    )
    rows = []
    for name in names:
        kind = kinds.by_name(name)
        if kind is None:
            continue
        rows.append(
            [
                InlineKeyboardButton(label("go_label", kind=name), callback_data=f"{PREFIX}:go:{reminder.id}:{kind.code}"),
                InlineKeyboardButton(label("skip_label", cycle=(cycles or {}).get(name)), callback_data=f"{PREFIX}:skip:{reminder.id}:{kind.code}"),
            ]
        )
    rows.append([InlineKeyboardButton(label("snooze_label"), callback_data=f"{PREFIX}:snz:{reminder.id}")])
    return text, InlineKeyboardMarkup(rows)


COMMITMENT_BUTTONS = 10  # rows of 记录进展 / 已践诺 under one reminder


def commitment_reminder(
    unit: Unit, commitments: Sequence[Commitment], due_on: date, today: date, reminder: Reminder
) -> tuple[str, InlineKeyboardMarkup]:
    """The commitments due on one day, each with 记录进展 and 已践诺 (``r:cprog|cful:<reminder>:<id>``:
    the /commit flows, opened as a new message so the reminder stays)."""
    text = say("commitment_reminder", unit=unit, commitments=commitments, due_on=due_on, due_today=due_on <= today)
    rows = [
        [
            InlineKeyboardButton(label("progress_label", n=n), callback_data=f"{PREFIX}:cprog:{reminder.id}:{c.id}"),
            InlineKeyboardButton(label("fulfil_label", n=n), callback_data=f"{PREFIX}:cful:{reminder.id}:{c.id}"),
        ]
        for n, c in enumerate(commitments[:COMMITMENT_BUTTONS], start=1)
    ]
    return text, InlineKeyboardMarkup(rows)


@dataclass(frozen=True)
class OverdueLine:
    unit: Unit
    missing: tuple[str, ...]
    contact: bool  # at least one secretary can receive reminders


@dataclass(frozen=True)
class OverdueCommitment:
    unit: Unit
    content: str
    due_on: date


def escalation(
    times: PeriodTimes,
    lines: Sequence[OverdueLine],
    commitments: Sequence[OverdueCommitment],
    reminder: Reminder,
) -> tuple[str, InlineKeyboardMarkup]:
    """The leaders' message: overdue units and what for (the first 30), overdue commitments."""
    text = say(
        "escalation",
        period=times.period,
        deadline=times.deadline,
        rows=lines[:ESCALATION_ROWS],
        more=max(len(lines) - ESCALATION_ROWS, 0),
        commitments=commitments[:ESCALATION_COMMITMENTS],
        more_commitments=max(len(commitments) - ESCALATION_COMMITMENTS, 0),
        total=len(lines),
    )
    rows = []
    if lines:
        rows.append([InlineKeyboardButton(label("nudge_label"), callback_data=f"{PREFIX}:nudge:{reminder.id}")])
    rows.append([InlineKeyboardButton(label("board_label"), callback_data=f"b:{times.period.key}:0")])
    return text, InlineKeyboardMarkup(rows)


def unreachable(person: Person, unit: Unit | None) -> str:
    return say("unreachable", person=person, unit=unit)
