"""Who is expected (应到) at a meeting, by its kind: the default a report starts from, and
whether a kind's 应到 means anything when the 小结 judges attendance.

A 支部党员大会, 党课 or 主题党日 expects the whole branch; a 支委会 its committee (the 支委人数
the unit stated, else asked); a 党小组会 one group, whose size the bot cannot know: the unit's
last 党小组会 gives it, and the first time it is asked. A kind without an ``attendance`` in
``activity_kinds.toml`` (志愿服务, 走访慰问 …) starts from the membership as before, but its
attendance is not judged. Plain values, no I/O.
"""
from __future__ import annotations

from bot.rules.activity_kinds import ATTEND_COMMITTEE, ATTEND_GROUP, ActivityKind
from storage.models import Unit


def default_expected(kind: ActivityKind | None, unit: Unit, last_given: int | None) -> int | None:
    """The 应到 a report of ``kind`` starts from, or None when it must be asked.

    ``last_given`` is the 应到 of the unit's latest report of the same kind (None: none yet)."""
    basis = kind.attendance if kind is not None else None
    if basis == ATTEND_COMMITTEE:
        return unit.committee_size or None
    if basis == ATTEND_GROUP:
        return last_given
    return unit.member_count


def attendance_judged(kind: ActivityKind | None) -> bool:
    """Whether an attendance rate of this kind says anything (its 应到 is a known body)."""
    return kind is not None and kind.attendance is not None
