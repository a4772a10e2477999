"""Cards that show people's own text, kept within Telegram's limits, with the full text a tap away.

Each field is within its own limit (bot/rules/report_rules.LIMITS), but together they can pass
the 4096 units of a message — a topic, a summary and a 决议 in emoji do. A card built here renders
with its longest fields shortened just enough (bot/rules/telegram_limits.fit_fields); it leaves
room for a line said before it (a "saved" note, a problem), and when it cut something it carries a
"查看全文" button whose messages give every cut field whole. What is stored is never shortened.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot import texts
from bot.rules.report_rules import LIMITS
from bot.rules.telegram_limits import MESSAGE_LIMIT, fit_fields, pack
from handlers.context import BotContext
from storage.models import ACTIVITY_FIELDS

# Room kept for a line said before a card (handlers/dialog.py's prefixes and problems).
CARD_LIMIT = MESSAGE_LIMIT - 400

# The record's free-text fields: the ones with a length limit of their own.
RECORD_TEXT_FIELDS = tuple(f.name for f in ACTIVITY_FIELDS if f.name in LIMITS)


def _value(record: Any, name: str) -> Any:
    return record.get(name) if isinstance(record, dict) else getattr(record, name)


def fit_card(render: Callable[[Any], str], record: Any, names: Sequence[str]) -> tuple[str, list[str]]:
    """``render(record)`` with the record's free-text fields ``names`` shortened as needed to fit a
    card; ``record`` is a dict (a draft's view) or a dataclass (a stored record). Returns the card
    and the fields cut, in the order of ``names``."""

    def with_values(values: dict[str, str]) -> Any:
        return {**record, **values} if isinstance(record, dict) else dataclasses.replace(record, **values)

    text, cut = fit_fields(lambda values: render(with_values(values)), {n: _value(record, n) for n in names}, CARD_LIMIT)
    return text, [name for name in names if name in cut]


def fit_record(render: Callable[[Any], str], record: Any) -> tuple[str, list[str]]:
    """:func:`fit_card` for an activity record (a draft's view or a stored Activity)."""
    return fit_card(render, record, RECORD_TEXT_FIELDS)


def record_pieces(record: Any, names: Iterable[str], family: str = "report") -> list[tuple[str, str]]:
    """(field name as people read it — the ``field_name`` macro of templates/<family>.j2 —, full
    text) for the record's fields ``names``."""
    return [(texts.plain(family, "field_name", field=name), _value(record, name)) for name in names]


async def send_full_text(context: BotContext, pieces: Iterable[tuple[str, str]]) -> None:
    """Send each (name, text) whole, as few messages as Telegram allows."""
    messages = pack([texts.say("common", "full_field", name=name, value=value) for name, value in pieces])
    for message in messages:
        await context.bot.send_message(context.caller().user_id, message)


def full_text_label() -> str:
    return texts.label("full_text")
