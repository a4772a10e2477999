"""Kinds of grassroots units and the groups the 小结 reports them in.

The groups follow the township summaries leaders already write: 村（社区）, 学校、医院等事业单位,
“两新”组织, then 机关 and anything else.
"""
from __future__ import annotations

UNIT_KINDS: tuple[str, ...] = ("村", "社区", "机关", "学校", "医院", "非公企业", "社会组织", "其他")

GROUP_VILLAGE = "村（社区）"
GROUP_INSTITUTION = "学校、医院等事业单位"
GROUP_TWO_NEW = "“两新”组织"
GROUP_ORGAN = "机关"
GROUP_OTHER = "其他"

_GROUP_OF_KIND = {
    "村": GROUP_VILLAGE,
    "社区": GROUP_VILLAGE,
    "学校": GROUP_INSTITUTION,
    "医院": GROUP_INSTITUTION,
    "非公企业": GROUP_TWO_NEW,
    "社会组织": GROUP_TWO_NEW,
    "机关": GROUP_ORGAN,
    "其他": GROUP_OTHER,
}

# The order groups are listed in, in reports.
UNIT_GROUPS: tuple[str, ...] = (GROUP_VILLAGE, GROUP_INSTITUTION, GROUP_TWO_NEW, GROUP_ORGAN, GROUP_OTHER)


def is_unit_kind(kind: str) -> bool:
    return kind in _GROUP_OF_KIND


def group_of(kind: str) -> str:
    """The report group of a unit kind; unknown kinds fall under 其他."""
    return _GROUP_OF_KIND.get(kind, GROUP_OTHER)
