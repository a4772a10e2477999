"""What a secretary means by a sentence sent outside any conversation.

``今天开了党小组会``, ``我要汇报支委会``, ``上周五党课`` name an activity kind (by its name or one of
the aliases in ``activity_kinds.toml``) and maybe the day it was held: :func:`read_report` returns
both, so the report can start with them filled in. A question (``支委会怎么开？``), a denial
(``今天没开支委会``) or a plan (``明天开党课``) is no report and gives None, as does a sentence that
names no kind. A pure function of the text, today and the catalogue; the words it looks for are
in ``words.toml`` under ``[intent]``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.rules.activity_kinds import ActivityKind, ActivityKinds
from bot.rules.report_rules import find_date, normalise
from bot.rules.words import WORDS

MAX_SENTENCE = 100  # longer texts are notes or minutes pasted in, not a request to report

_PLAIN_ENDINGS = "".join(WORDS["intent"]["plain_endings"])
_QUESTION_ENDINGS = tuple(WORDS["intent"]["question_endings"])
_QUESTION_WORDS = tuple(WORDS["intent"]["question_words"])
_NOT_HELD = tuple(WORDS["intent"]["not_held"])


@dataclass(frozen=True, slots=True)
class ReportIntent:
    """A report to start: its kind, and the day it was held when the sentence says."""

    kind: ActivityKind
    held_on: date | None = None


def is_question(text: str) -> bool:
    """``支委会怎么开？``, ``今天要开党课吗``: asked, not told."""
    stripped = text.rstrip(_PLAIN_ENDINGS)
    return stripped.endswith(_QUESTION_ENDINGS) or any(word in stripped for word in _QUESTION_WORDS)


def kind_named(text: str, kinds: ActivityKinds) -> ActivityKind | None:
    """The kind ``text`` names (the longest name or alias found in it), or None."""
    return next((kind for word, kind in kinds.spoken_names() if word in text), None)


def read_report(text: str | None, today: date, kinds: ActivityKinds) -> ReportIntent | None:
    """The report ``text`` asks to start, or None when it asks for none."""
    text = normalise(text or "")
    if not text or len(text) > MAX_SENTENCE or is_question(text) or any(word in text for word in _NOT_HELD):
        return None
    kind = kind_named(text, kinds)
    if kind is None:
        return None
    return ReportIntent(kind, find_date(text, today))
