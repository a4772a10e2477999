"""Telegram's length limits, measured as Telegram measures them, and cards built to fit them.

Telegram counts a message's length in UTF-16 code units of the text the reader sees — after the
HTML tags are removed and entities such as ``&amp;`` turned into their one character — so an
emoji counts 2 and a Chinese character 1. It refuses a message over 4096, a caption over 1024 and
a tap's answer over 200.

A card that shows people's own fields (a topic, a summary, progress notes…) could pass those
limits even when each field is within its own. :func:`fit_fields` renders the card with each
field shortened only as much as needed: fields are cut from the longest down (the shorter ones are
kept whole), each cut one ends in "…", and the result is measured again, so the card fits by
construction. The names of the fields cut are returned, so the card can offer the full text a tap
away (:func:`pack` splits it over as many messages as it needs).
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
ELLIPSIS = "…"

_TAG = re.compile(r"<[^<>]*>")
# What must not be left dangling at the end of a cut: a joiner, a variation selector, a skin tone.
_DANGLING = re.compile("[\u200d\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]+$")


def units(text: str) -> int:
    """The length of plain ``text`` in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def telegram_length(html_text: str) -> int:
    """The length Telegram measures for a message sent in HTML parse mode."""
    return units(html.unescape(_TAG.sub("", html_text)))


def shorten(text: str, limit: int) -> str:
    """``text`` if it is at most ``limit`` UTF-16 units long, else its beginning and "…" within ``limit``."""
    if units(text) <= limit:
        return text
    room = limit - units(ELLIPSIS)
    kept: list[str] = []
    for char in text:
        room -= units(char)
        if room < 0:
            break
        kept.append(char)
    return _DANGLING.sub("", "".join(kept)).rstrip() + ELLIPSIS


def _cap(lengths: Iterable[int], budget: int) -> int:
    """The largest length each field may keep so that all of them together fit ``budget``."""
    ordered = sorted(lengths)
    left = len(ordered)
    for length in ordered:
        if length * left > budget:
            return max(budget // left, units(ELLIPSIS))
        budget -= length
        left -= 1
    return ordered[-1] if ordered else 0


def fit_fields(
    render: Callable[[dict[str, str]], str], fields: Mapping[str, str | None], limit: int = MESSAGE_LIMIT
) -> tuple[str, set[str]]:
    """``render(fields)``, with the longest fields shortened just enough that it fits ``limit``.

    ``render`` takes the (possibly shortened) fields and returns the card's HTML; fields that are
    None or empty are passed on as they are. Returns the card and the names of the fields cut.
    """
    present = {name: value for name, value in fields.items() if value}
    values = dict(fields)
    text = render(values)  # type: ignore[arg-type]
    over = telegram_length(text) - limit
    cut: set[str] = set()
    while over > 0 and present:
        lengths = {name: units(value) for name, value in present.items()}
        cap = _cap(lengths.values(), sum(lengths.values()) - over)
        cut |= {name for name, length in lengths.items() if length > cap}
        values.update({name: shorten(value, cap) for name, value in present.items()})
        text = render(values)  # type: ignore[arg-type]
        over = telegram_length(text) - limit
        if over > 0 and cap <= units(ELLIPSIS):
            raise ValueError("the card does not fit even with every field cut to nothing")
        present = {name: values[name] for name in present}  # type: ignore[misc]
    return text, cut


def pack(pieces: Iterable[str], limit: int = MESSAGE_LIMIT, separator: str = "\n\n") -> list[str]:
    """The HTML ``pieces`` joined into as few messages as fit ``limit`` each, in order. Each piece
    must fit alone (a field within its own limit always does: the longest is 1,000 characters)."""
    messages: list[str] = []
    for piece in pieces:
        if telegram_length(piece) > limit:
            raise ValueError(f"a piece of {telegram_length(piece)} units cannot fit a message of {limit}")
        joined = f"{messages[-1]}{separator}{piece}" if messages else piece
        if messages and telegram_length(joined) <= limit:
            messages[-1] = joined
        else:
            messages.append(piece)
    return messages
