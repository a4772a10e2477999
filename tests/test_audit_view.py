"""The audit log in words (bot/audit_view.py): names for ids, words for codes, and a fallback for
what it does not know yet, so a new kind of entry is shown rather than breaking /audit."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.audit_view import Names, readable
from storage.audit import AuditEntry

AT = datetime(2026, 11, 27, 2, 5, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
NAMES = Names(units={1: "山宁村党总支", 2: "新城村党总支"}, people={1001: "王书记", 2001: "李梅"})


def _shown(action: str, subject: str | None = None, detail: dict[str, object] | None = None, actor: int | None = 1001) -> tuple[str, str, str, str, str]:
    entry = readable(AuditEntry(1, AT, actor, action, subject, detail or {}), NAMES, SHANGHAI)
    return entry.when, entry.actor, entry.action, entry.subject, entry.detail


def test_people_units_and_times_are_named() -> None:
    assert _shown("person.move", "user:2001", {"from": 1, "to": 2}) == (
        "2026-11-27 10:05", "王书记", "调整所在单位", "李梅", "山宁村党总支 → 新城村党总支",
    )
    assert _shown("invite.create", "unit:2")[2:4] == ("生成邀请", "新城村党总支")
    assert _shown("invite.create", "leader")[2:4] == ("生成邀请", "镇党委领导")
    assert _shown("unit.update", "unit:1", {"name": "山宁社区党总支", "archived": 1})[4] == "改名为 山宁社区党总支 归档"


def test_what_is_gone_or_unknown_is_still_shown() -> None:
    assert _shown("person.revoke", "user:9999")[3] == "用户 9999"  # a person no longer stored
    assert _shown("unit.update", "unit:77")[3] == "单位 #77（已删除）"
    assert _shown("unit.add", None, actor=None)[1] == "系统（命令行）"
    assert _shown("unit.add", None, actor=0)[1] == "系统（命令行）"
    when, actor, action, subject, detail = _shown("poll.start", "poll:3", {"units": 40})
    assert action == "其他操作（poll.start）" and subject == "poll:3" and detail == ""
    assert _shown("notice.send", "notice:3")[2:4] == ("发通知", "通知 #3")
    assert _shown("person.erase", "user:-2")[3] == "用户 -2"  # an erased person: the pseudonym only
    assert _shown("plan.save", "2026-11", {"items": 3})[3:] == ("2026-11", "3 项")
    assert _shown("activity.submit", "activity:12", {"unit_id": 1, "kind": "支委会"})[3:] == ("活动记录 HD0012", "山宁村党总支 支委会")
