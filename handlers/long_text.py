"""Cards that show people's own text, kept within Telegram's limits, with the full text a tap away.

Each field is within its own limit (bot/rules/report_rules.LIMITS), but together they can pass
the 4096 units of a message — a topic, a summary and a 决议 in emoji do. A card built here renders
with its longest fields shortened just enough (bot/rules/telegram_limits.fit_fields); it leaves
room for a line said before it (a "saved" note, a problem), and when it cut something it carries a
"查看全文" button whose messages give every cut field whole. A card that lists other people's notes
beside the record (the reviews kept with it) shows only the newest few (:func:`newest`) and cuts
their notes with the fields (:func:`fit_record_with_notes`). What is stored is never shortened.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from bot import texts
from bot.rules.report_rules import LIMITS
from bot.rules.telegram_limits import MESSAGE_LIMIT, fit_fields, pack
from handlers.context import BotContext
from storage.models import ACTIVITY_FIELDS

T = TypeVar("T")

# Room kept for a line said before a card (handlers/dialog.py's prefixes and problems).
CARD_LIMIT = MESSAGE_LIMIT - 400

# The record's free-text fields: the ones with a length limit of their own.
RECORD_TEXT_FIELDS = tuple(f.name for f in ACTIVITY_FIELDS if f.name in LIMITS)


def _value(record: Any, name: str) -> Any:
    return record.get(name) if isinstance(record, dict) else getattr(record, name)


def _with_values(record: Any, values: dict[str, str]) -> Any:
    return {**record, **values} if isinstance(record, dict) else dataclasses.replace(record, **values)


def fit_card(render: Callable[[Any], str], record: Any, names: Sequence[str]) -> tuple[str, list[str]]:
    """``render(record)`` with the record's free-text fields ``names`` shortened as needed to fit a
    card; ``record`` is a dict (a draft's view) or a dataclass (a stored record). Returns the card
    and the fields cut, in the order of ``names``."""
    text, cut = fit_fields(lambda values: render(_with_values(record, values)), {n: _value(record, n) for n in names}, CARD_LIMIT)
    return text, [name for name in names if name in cut]


def fit_record_with_notes(
    render: Callable[[Any, list[str | None]], str], record: Any, notes: Sequence[str | None]
) -> tuple[str, list[str], bool]:
    """:func:`fit_record` for a card that also shows ``notes`` (other people's text beside the
    record, such as the reviews kept with it): ``render(record, notes)``, the record's fields and
    the notes shortened together, longest first. Returns the card, the record's fields cut (in
    order) and whether any note was cut."""
    keys = [f"note {i}" for i in range(len(notes))]  # a space: never a field's name

    def render_values(values: dict[str, str]) -> str:
        fields = {name: values[name] for name in RECORD_TEXT_FIELDS}
        return render(_with_values(record, fields), [values[key] for key in keys])

    fields = {**{name: _value(record, name) for name in RECORD_TEXT_FIELDS}, **dict(zip(keys, notes))}
    text, cut = fit_fields(render_values, fields, CARD_LIMIT)
    return text, [name for name in RECORD_TEXT_FIELDS if name in cut], any(key in cut for key in keys)


def newest(items: Sequence[T], count: int, keep: Callable[[T], bool] = lambda _: False) -> tuple[list[T], int]:
    """The last ``count`` of ``items`` (oldest first), and any earlier one ``keep`` says must stay in
    view (an open 退回 among many 点评); and how many earlier ones are left out."""
    first = max(len(items) - count, 0)
    shown = [item for position, item in enumerate(items) if position >= first or keep(item)]
    return shown, len(items) - len(shown)


def fit_record(render: Callable[[Any], str], record: Any) -> tuple[str, list[str]]:
    """:func:`fit_card` for an activity record (a draft's view or a stored Activity)."""
    return fit_card(render, record, RECORD_TEXT_FIELDS)


def record_pieces(record: Any, names: Iterable[str], family: str = "report") -> list[tuple[str, str]]:
    """(field name as people read it — the ``field_name`` macro of templates/<family>.j2 —, full
    text) for the record's fields ``names``."""
    return [(texts.plain(family, "field_name", field=name), _value(record, name)) for name in names]


async def send_full_text(context: BotContext, pieces: Iterable[tuple[str, str]], more: Iterable[str] = ()) -> None:
    """Send each (name, text) whole, then the HTML pieces ``more`` (each within a message's limit),
    as few messages as Telegram allows."""
    messages = pack([*(texts.say("common", "full_field", name=name, value=value) for name, value in pieces), *more])
    for message in messages:
        await context.bot.send_message(context.caller().user_id, message)


def full_text_label() -> str:
    return texts.label("full_text")
