"""Kinds of grassroots units and the groups the 小结 reports them in, from ``data/unit_kinds.toml``.

The groups follow the township summaries leaders already write: 村（社区）, 学校、医院等事业单位,
“两新”组织, then 机关 and anything else (the last group, where unknown kinds fall).
"""
from __future__ import annotations

from bot.rules.words import load_data

_DATA = load_data("unit_kinds.toml")

UNIT_KINDS: tuple[str, ...] = tuple(k["name"] for k in _DATA["kinds"])
# The order groups are listed in, in reports.
UNIT_GROUPS: tuple[str, ...] = tuple(_DATA["groups"])
GROUP_VILLAGE, GROUP_INSTITUTION, GROUP_TWO_NEW, GROUP_ORGAN, GROUP_OTHER = UNIT_GROUPS

_GROUP_OF_KIND: dict[str, str] = {k["name"]: k["group"] for k in _DATA["kinds"]}


def is_unit_kind(kind: str) -> bool:
    return kind in _GROUP_OF_KIND


def group_of(kind: str) -> str:
    """The report group of a unit kind; unknown kinds fall under 其他."""
    return _GROUP_OF_KIND.get(kind, GROUP_OTHER)
