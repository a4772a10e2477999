"""End to end: a report says where it was counted and what is still owed, and /my shows it
there, across the month boundary (the unit joined in November; the clock is 1 December 10:00
Beijing time, and the meeting was held 昨天, 30 November). Also how many inputs the common report
from a sentence and the change of one number take."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.fakeapi.harness import BotHarness, Person
from storage import activities
from storage.models import Unit
from tests.reporting_helpers import join_secretary

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def secretary(harness: BotHarness) -> tuple[Person, Unit]:
    harness.clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=TZ))
    joined = await join_secretary(harness, 2001, "李梅", "山宁村党支部", members=9)
    harness.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
    return joined


class Inputs:
    """Counts what a person sends and taps, as a phone session would."""

    def __init__(self, person: Person) -> None:
        self.person, self.count = person, 0

    async def send(self, text: str):  # noqa: ANN201 - the harness's reply list
        self.count += 1
        return await self.person.send(text)

    async def tap(self, label: str):  # noqa: ANN201
        self.count += 1
        return await self.person.tap(label)


async def test_yesterday_across_the_month_boundary_counts_for_november(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    you = Inputs(p)
    replies = await you.send("昨天开了支委会")
    assert "开始汇报支委会（11月30日）" in replies[-1].visible
    await you.send("学习贯彻全会精神")
    replies = await you.send("全部到齐")  # 实到 = 应到
    assert "内容摘要" in replies[-1].visible
    await you.tap("跳过")
    await you.tap("跳过")
    replies = await you.tap("提交")
    said = replies[-1].visible
    assert "汇报成功，编号 HD0001" in said
    assert "已计入11月：本单位11月已汇报 1 项。" in said
    assert "11月还差：党小组会、主题党日。" in said
    assert "12月" not in said
    assert you.count == 6  # the common report from a sentence (goal ≤ 8)
    assert harness.db is not None
    [stored] = await activities.list_activities(harness.db, start=date(2026, 11, 1), end=date(2026, 12, 31))
    assert (stored.unit_id, stored.held_on, stored.attended, stored.expected) == (unit.id, date(2026, 11, 30), 9, 9)

    replies = await p.send("/my")  # the recent records across months, newest first
    listing = replies[-1].visible
    assert "最近的活动" in listing and "1. HD0001 11月30日 支委会：学习贯彻全会精神" in listing


async def test_my_lists_newest_first_and_one_number_is_changed_in_four_inputs(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    for sentence, topic in (("11月20日开了党小组会", "十一月党小组会"), ("今天开了支委会", "十二月支委会")):
        await p.send(sentence)
        await p.send(topic)
        await p.send("7/9")  # a first 党小组会 asks for 实到/应到
        await p.tap("跳过")
        await p.tap("跳过")
        await p.tap("提交")
    you = Inputs(p)
    replies = await you.send("/my")
    listing = replies[-1].visible
    assert listing.index("HD0002 12月1日 支委会") < listing.index("HD0001 11月20日 党小组会")
    await you.tap("HD0001")
    replies = await you.tap("✏ 实到人数")
    assert "实到" in replies[-1].visible
    replies = await you.send("8")
    assert any("已保存对 HD0001 的修改" in m.visible for m in replies)
    assert you.count == 4  # editing one number from /my (goal ≤ 4)
    assert harness.db is not None
    stored = await activities.get_activity(harness.db, 1, unit_id=unit.id)
    assert stored is not None and (stored.attended, stored.version) == (8, 2)


async def test_a_quick_change_that_needs_a_warning_goes_by_the_review_card(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    await p.send("今天开了支部党员大会")
    await p.send("大会")
    await p.send("8")
    await p.tap("跳过")
    await p.tap("跳过")
    await p.tap("提交")
    await p.send("/my")
    await p.tap("HD0001")
    await p.tap("✏ 实到人数")
    replies = await p.send("2")  # below the quorum: said, and saved only with 保存修改
    assert "不足应到人数" in replies[-1].visible and "保存修改" in str(replies[-1].buttons)
    assert harness.db is not None
    stored = await activities.get_activity(harness.db, 1, unit_id=unit.id)
    assert stored is not None and stored.attended == 8
    await p.tap("保存修改")
    stored = await activities.get_activity(harness.db, 1, unit_id=unit.id)
    assert stored is not None and stored.attended == 2


async def test_welcome_back_says_what_the_month_still_owes(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    replies = await p.send("/start")
    said = replies[-1].visible
    assert "本单位12月已汇报 0 项。\n12月还差：支委会、党小组会、主题党日。" in said
    # Quarterly and yearly items are named by their own cycle, not as December's.
    assert "第四季度还差：支部党员大会、党课。\n今年还差：组织生活会、民主评议党员。" in said
    assert said.endswith("发送 /help 查看可以做什么。")
