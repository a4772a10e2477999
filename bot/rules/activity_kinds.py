"""The catalogue of activity kinds (三会一课, 主题党日 …), read from ``bot/rules/data/activity_kinds.toml``.

Kinds are data, not code: leaders extend the TOML file and the report buttons, the frequency
rules and the 小结 pick the new kind up. Records store the kind's ``name``; buttons carry its
short ``code``.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.rules.words import WORDS
from bot.texts import plain

DEFAULT_PATH = Path(__file__).parent / "data" / "activity_kinds.toml"
THREE_MEETINGS_ONE_LESSON: str = WORDS["activities"]["statutory_group"]

# What township leaders record of their own work at the units (reported in the 小结 as
# 讲党课 N 堂、到点调研指导 N 人次 …).
LEADER_ACTIVITY_KINDS: tuple[str, ...] = tuple(WORDS["activities"]["leader_kinds"])

# Who is expected (应到) at a kind of meeting: the whole branch, its committee, or one 党小组.
ATTEND_MEMBERS, ATTEND_COMMITTEE, ATTEND_GROUP = "members", "committee", "group"
ATTENDANCE_BASES = (ATTEND_MEMBERS, ATTEND_COMMITTEE, ATTEND_GROUP)


@dataclass(frozen=True, slots=True)
class ActivityKind:
    code: str
    name: str
    group: str | None = None
    quorum: bool = False
    aliases: tuple[str, ...] = ()  # what people also call it in a sentence (党员大会, 党日活动)
    spoken: bool = True  # False: never read from a sentence (其他 is no kind anyone names)
    attendance: str | None = None  # who is expected: ATTEND_MEMBERS, ATTEND_COMMITTEE, ATTEND_GROUP or None

    @property
    def is_statutory(self) -> bool:
        """True for the four 三会一课 kinds."""
        return self.group == THREE_MEETINGS_ONE_LESSON


class ActivityKinds:
    """An ordered, validated set of kinds, looked up by code or by name."""

    def __init__(self, kinds: list[ActivityKind]):
        if not kinds:
            raise ValueError(plain("rules", "kinds_empty"))
        self._by_code: dict[str, ActivityKind] = {}
        self._by_name: dict[str, ActivityKind] = {}
        for kind in kinds:
            if not kind.code.isascii() or not kind.code.isalnum() or len(kind.code) > 8:
                raise ValueError(plain("rules", "kind_code_bad", code=repr(kind.code)))
            if kind.attendance is not None and kind.attendance not in ATTENDANCE_BASES:
                raise ValueError(plain("rules", "kind_attendance_bad", name=kind.name, value=repr(kind.attendance), bases=ATTENDANCE_BASES))
            if kind.code in self._by_code or kind.name in self._by_name:
                raise ValueError(plain("rules", "kind_repeated", code=kind.code, name=kind.name))
            self._by_code[kind.code] = kind
            self._by_name[kind.name] = kind
        self.all: tuple[ActivityKind, ...] = tuple(kinds)

    def by_code(self, code: str) -> ActivityKind | None:
        return self._by_code.get(code)

    def by_name(self, name: str) -> ActivityKind | None:
        return self._by_name.get(name)

    def names(self) -> list[str]:
        return [k.name for k in self.all]

    def spoken_names(self) -> list[tuple[str, ActivityKind]]:
        """Every name and alias a sentence may use for a kind, longest first (so 支部党员大会
        is found before 党员大会, and 党小组会 before 小组会)."""
        pairs = [(word, k) for k in self.all if k.spoken for word in (k.name, *k.aliases)]
        return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


def parse_kinds(text: str) -> ActivityKinds:
    data = tomllib.loads(text)
    return ActivityKinds(
        [
            ActivityKind(
                code=str(item["code"]),
                name=str(item["name"]),
                group=item.get("group"),
                quorum=bool(item.get("quorum", False)),
                aliases=tuple(str(a) for a in item.get("aliases", [])),
                spoken=bool(item.get("spoken", True)),
                attendance=item.get("attendance"),
            )
            for item in data.get("kind", [])
        ]
    )


@lru_cache(maxsize=4)
def load_kinds(path: Path = DEFAULT_PATH) -> ActivityKinds:
    return parse_kinds(path.read_text(encoding="utf-8"))
