"""The 小结 as a document: typed blocks of plain text, the one source of every rendering.

``digest_document`` turns a :class:`~bot.digest.build.Digest` into blocks in reading order —
title, opening, headings, paragraphs, numbered items, signature, date — each a few runs of plain
text with a bold flag. This module decides which blocks the 小结 has; ``templates/digest.j2``
words each of them, one macro per block, rendered without HTML escaping because the text is plain.
Renderers only lay the blocks out (chat HTML in bot/digest/chat.py, Word in bot/digest/word.py,
plain text here), so every format says the same sentences and no role is guessed from position.

A digest has two versions that differ only in 存在主要问题: the 上报版 (the default, for sending
upward) speaks of 个别/少数/部分党组织 and leaves names to the 台账; the 内部版 (``internal=True``)
names a few units under each point. A unit's own 小结 is written as the branch's and names nobody.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from bot.digest.build import LOW_ATTENDANCE_THRESHOLD, PLAN_FROM_LEADER, PLAN_FROM_UNITS, Digest
from bot.digest.traditional import to_traditional
from bot.rules.chinese_date import HANZI, format_date_cn, format_span_cn
from bot.texts import environment

HANS = "hans"
HANT = "hant"

# The plan lists at most this many of the units' items (the 台账 has them all); a leader's own
# plan is printed whole.
MAX_PLAN_ITEMS = 10

# Control characters mean nothing in a document, and Word's XML refuses them: a run drops them.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


class BlockKind(StrEnum):
    TITLE = "title"
    OPENING = "opening"
    HEADING_1 = "heading_1"  # 一、基本情况
    HEADING_2 = "heading_2"  # run-in: a bold “1、…。” run, then the section's text, one paragraph
    PARAGRAPH = "paragraph"
    ITEM = "item"  # 1、… of the plan
    SIGNATURE = "signature"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Run:
    """Plain text (never markup), bold or not; control characters are dropped on the way in."""

    text: str
    bold: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", self.text.translate(_CONTROL))


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@lru_cache(maxsize=1)
def _macros() -> Any:
    # The house environment escapes HTML; the document's text is plain, so it is rendered without.
    # Its own cache: a copied one could hold digest.j2 compiled with escaping.
    return environment().overlay(autoescape=False, cache_size=8).get_template("digest.j2").module


def _line(text: str) -> str:
    # A block is one line: the template spreads a sentence over lines, and the breaks are not text.
    return text.replace("\n", "").strip()


def _say(name: str, /, *args: Any) -> str:
    """Macro ``name`` of templates/digest.j2 as one line of plain text."""
    return _line(str(getattr(_macros(), name)(*args)))


def digest_title(org_name: str, campaign: str | None = None) -> str:
    """博望镇党委 + 党建 → 博望镇党委党建工作小结 (plain text, for ``build_digest(title=…)``)."""
    return _say("title", org_name, campaign)


def whole_scope_label(org_name: str) -> str:
    """How the whole jurisdiction is named in the text: 全镇 for a township, else 全辖区."""
    return _say("whole_scope", org_name)


def _block(kind: BlockKind, text: str, bold: bool = False) -> Block:
    return Block(kind, (Run(text, bold),))


def _heading_1(name: str) -> Block:
    return _block(BlockKind.HEADING_1, _say(name), bold=True)


# The sections of 二、工作开展情况 in order, each shown when the digest has something to say in it
# (存在主要问题 always is). A section's heading is macro ``<name>_heading(n)``, its text ``<name>(d)``.
WORK_SECTIONS: tuple[tuple[str, Callable[[Digest], bool]], ...] = (
    ("meetings", lambda d: bool(d.statutory_kinds or d.compliance)),
    ("other_kinds", lambda d: bool(d.other_kinds)),
    ("commitments", lambda d: d.commitments.tracked > 0),
    ("leader_work", lambda d: d.leader_work.any),
    ("deeds", lambda d: bool(d.deeds)),
    ("problems", lambda d: True),
)


def _work_sections(d: Digest, internal: bool) -> Iterable[Block]:
    shown = [name for name, applies in WORK_SECTIONS if applies(d)]
    for n, name in enumerate(shown, 1):
        yield Block(BlockKind.HEADING_2, (Run(_say(f"{name}_heading", n), bold=True), Run(_say(name, d))))
    # Each 一是/二是 of 存在主要问题 is a paragraph of its own, as in the township's 小结.
    for n, point in enumerate(d.problems.points, 1):
        yield _block(BlockKind.PARAGRAPH, _say("problem_point", d, point, n, internal, LOW_ATTENDANCE_THRESHOLD))


def _plan(d: Digest) -> Iterable[Block]:
    items = d.next_plan
    if d.next_plan_source == PLAN_FROM_UNITS:
        yield _block(BlockKind.PARAGRAPH, _say("plan_from_units", d.unit_scope))
        items = items[:MAX_PLAN_ITEMS]
    elif d.next_plan_source != PLAN_FROM_LEADER:
        yield _block(BlockKind.PARAGRAPH, _say("no_plan", d.unit_scope))
    for n, item in enumerate(items, 1):
        yield _block(BlockKind.ITEM, _say("plan_item", n, item, d.unit_scope))


def _blocks(d: Digest, date_style: str, internal: bool) -> list[Block]:
    span = format_span_cn(d.start, d.end, "arabic")
    blocks = [_block(BlockKind.TITLE, _line(d.title or digest_title(d.org_name)), bold=True)]
    if d.empty:
        blocks.append(_block(BlockKind.OPENING, _say("empty_opening", d, span)))
    elif d.opening and not d.unit_scope:  # the leader's own words for the period
        blocks.append(_block(BlockKind.OPENING, d.opening))
    else:
        blocks.append(_block(BlockKind.OPENING, _say("opening", d, span)))
    if not d.empty:
        blocks.append(_heading_1("basics_heading"))
        blocks.append(_block(BlockKind.PARAGRAPH, _say("basics", d)))
        blocks.append(_heading_1("work_heading"))
        blocks.extend(_work_sections(d, internal))
        blocks.append(_heading_1("plan_heading"))
        blocks.extend(_plan(d))
    blocks.append(_block(BlockKind.SIGNATURE, _line(d.author)))
    blocks.append(_block(BlockKind.DATE, format_date_cn(d.today, date_style)))
    return blocks


def digest_document(digest: Digest, date_style: str = HANZI, script: str = HANS, *, internal: bool = False) -> list[Block]:
    """The 小结 as blocks, in Simplified (``hans``) or Traditional (``hant``) characters.

    ``internal`` gives the 内部版, which names units under 存在主要问题; the default is the 上报版.
    """
    if script not in (HANS, HANT):
        raise ValueError(f"unknown script: {script!r}")
    blocks = _blocks(digest, date_style, internal)
    if script == HANT:
        blocks = [Block(b.kind, tuple(Run(to_traditional(r.text), r.bold) for r in b.runs)) for b in blocks]
    return blocks


def plain_text(blocks: Sequence[Block]) -> str:
    """The 小结 as plain text, one paragraph per block, for the command line and the golden file."""
    return "\n\n".join(b.text for b in blocks)
