"""The 小结 as chat text: the document's blocks as Telegram HTML, packed into messages.

Each block becomes one paragraph — its runs escaped, bold runs in ``<b>`` — and paragraphs are
separated by a blank line. :func:`chat_messages` packs whole blocks into messages of at most 4096
characters; only a block too long for a message on its own is cut, between characters of its
plain text (preferably after a full stop), and each piece is rendered like a block of its own, so
a cut never falls inside a tag or an entity.
"""
from __future__ import annotations

import html
import tomllib
from collections.abc import Iterable, Sequence
from itertools import groupby
from pathlib import Path

from bot.digest.document import Block, Run

TELEGRAM_LIMIT = 4096

_BOLD_MARKUP = len("<b></b>")
# Where a long block is best cut, by rank: after a full stop, then a semicolon, then a comma.
_BREAK_AFTER: dict[str, int] = tomllib.loads((Path(__file__).parent / "data" / "message_breaks.toml").read_text(encoding="utf-8"))


def telegram_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units; markup is counted too, to be safe."""
    return len(text.encode("utf-16-le")) // 2


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def block_html(block: Block) -> str:
    """One block as a Telegram HTML paragraph."""
    return "".join(f"<b>{_escape(r.text)}</b>" if r.bold else _escape(r.text) for r in block.runs)


def render_html(blocks: Iterable[Block]) -> str:
    """The whole 小结 as Telegram HTML, paragraphs separated by a blank line."""
    return "\n\n".join(block_html(b) for b in blocks)


def _piece(block: Block, chars: Sequence[tuple[str, bool]]) -> Block:
    runs = tuple(Run("".join(c for c, _ in group), bold) for bold, group in groupby(chars, key=lambda cb: cb[1]))
    return Block(block.kind, runs)


def _cut_block(block: Block, limit: int) -> list[Block]:
    """Cut one block into pieces whose HTML is at most ``limit`` long."""
    chars = [(c, run.bold) for run in block.runs for c in run.text]
    pieces: list[Block] = []
    i, n = 0, len(chars)
    while i < n:
        length, j = 0, i
        best, best_rank = None, 0  # the best cut in the second half of the window
        fallback = None  # any cut at all
        while j < n:
            char, bold = chars[j]
            step = telegram_length(_escape(char))
            if bold and (j == i or not chars[j - 1][1]):
                step += _BOLD_MARKUP
            if length + step > limit:
                break
            length += step
            j += 1
            rank = _BREAK_AFTER.get(char, 0)
            if rank:
                fallback = j
                if length >= limit // 2 and rank >= best_rank:
                    best, best_rank = j, rank
        if j == i:
            raise ValueError(f"limit {limit} is too small to carry the markup")
        end = n if j == n else (best or fallback or j)
        pieces.append(_piece(block, chars[i:end]))
        i = end
    return pieces


def chat_messages(blocks: Iterable[Block], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pack whole blocks into messages of at most ``limit``; a block too long alone is cut safely."""
    paragraphs: list[str] = []
    for block in blocks:
        par = block_html(block)
        if telegram_length(par) <= limit:
            paragraphs.append(par)
        else:
            paragraphs.extend(block_html(piece) for piece in _cut_block(block, limit))
    messages: list[str] = []
    current = ""
    for par in paragraphs:
        candidate = f"{current}\n\n{par}" if current else par
        if telegram_length(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = par
    if current:
        messages.append(current)
    return messages
