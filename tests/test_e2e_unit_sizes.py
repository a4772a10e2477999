"""End to end: a unit's 支委人数 and 党小组数 — set after /addunit, on the /units card and in the
import file — and the 应到 a report starts from, by kind."""
from __future__ import annotations

from datetime import date

from bot.fakeapi.harness import BotHarness, Person
from storage import activities, units
from tests.reporting_helpers import join_secretary


async def test_addunit_then_sizes(harness: BotHarness, leader: Person) -> None:
    await leader.send("/addunit")
    await leader.send("山宁村党支部")
    await leader.tap("村")
    replies = await leader.send("56")
    assert "已新增单位 山宁村党支部（村，党员 56 名）" in replies[-1].visible
    replies = await leader.tap("登记支委人数、党小组数")
    assert "支部委员会有几名委员、设几个党小组" in replies[-1].visible
    before = await units.list_units(harness.db)
    for bad in ("5", "五 三", "5 3 1", "60 3"):
        replies = await leader.send(bad)
        assert "请输入两个不大于党员数（56）的整数" in replies[-1].visible
    assert await units.list_units(harness.db) == before
    replies = await leader.send("5 3")
    assert "支委人数：5 人" in replies[-1].visible and "党小组数：3 个" in replies[-1].visible
    [unit] = await units.list_units(harness.db)
    assert (unit.committee_size, unit.group_count) == (5, 3)


async def test_a_small_branch_is_asked_only_for_its_groups(harness: BotHarness, leader: Person) -> None:
    unit = await units.add_unit(harness.db, "博望商会党支部", "社会组织", 5, None, harness.clock())
    await leader.send("/units")
    await leader.tap("博望商会党支部")
    replies = await leader.tap("登记支委人数、党小组数")
    assert "党员不足 7 名，不设支部委员会" in replies[-1].visible
    replies = await leader.send("0")
    assert "不设支委会（党员不足 7 名）" in replies[-1].visible and "党小组数：不设党小组" in replies[-1].visible
    stored = await units.get_unit(harness.db, unit.id)
    assert stored is not None and (stored.committee_size, stored.group_count) == (None, 0)


async def test_import_reads_the_optional_size_columns(harness: BotHarness, leader: Person) -> None:
    csv = (
        "单位名称,类型,党员数,支委人数,党小组数\n"
        "山宁村党总支,村,120,7,6\n"
        "横山村党支部,村,9,,\n"
        "博望商会党支部,社会组织,5,,0\n"
    ).encode()
    await leader.send_document(csv, "units.csv")
    await leader.tap("导入全部 3 个单位")
    stored = {u.name: (u.committee_size, u.group_count) for u in await units.list_units(harness.db)}
    assert stored == {"山宁村党总支": (7, 6), "横山村党支部": (None, None), "博望商会党支部": (None, 0)}


async def test_import_refuses_a_size_larger_than_the_branch(harness: BotHarness, leader: Person) -> None:
    csv = "单位名称,类型,党员数,支委人数,党小组数\n山宁村党总支,村,20,五,2\n横山村党支部,村,9,3,12\n".encode()
    replies = await leader.send_document(csv, "units.csv")
    text = replies[-1].visible
    assert "支委人数“五”应为 0 到 20（党员数）的整数" in text and "党小组数“12”应为 0 到 9（党员数）的整数" in text
    assert await units.list_units(harness.db) == []


async def _report_until_attended(p: Person, kind: str) -> str:
    await p.send("/report")
    await p.tap(kind)
    await p.tap("昨天")
    replies = await p.send("学习党章")
    return replies[-1].visible


async def _finish(p: Person, attended: str) -> None:
    await p.send(attended)
    await p.tap("跳过")
    await p.tap("跳过")
    await p.tap("提交")


async def test_expected_defaults_by_kind(harness: BotHarness) -> None:
    p, unit = await join_secretary(harness, 2001, "张书记", "山宁村党支部", members=40, committee_size=5)
    assert "应到 40 人（默认为本支部党员数）" in await _report_until_attended(p, "支部党员大会")
    await p.send("/cancel")
    await p.tap("确定取消")  # three answers given: cancelling asks first
    assert "应到 5 人（默认为支委人数）" in await _report_until_attended(p, "支委会")
    await p.send("/cancel")
    await p.tap("确定取消")
    # A first 党小组会: 应到 is asked with 实到; the next one starts from what was given.
    asked = await _report_until_attended(p, "党小组会")
    assert "实到、应到各多少人" in asked
    replies = await p.send("8")
    assert "请同时写明应到人数" in replies[-1].visible
    await _finish(p, "8/9")
    [first] = await activities.list_activities(harness.db, start=date(2000, 1, 1), end=date(2100, 1, 1), unit_ids=[unit.id])
    assert (first.attended, first.expected) == (8, 9)
    assert "应到 9 人（默认为上次党小组会所填应到人数）" in await _report_until_attended(p, "党小组会")


async def test_expected_is_asked_for_a_committee_of_unknown_size(harness: BotHarness) -> None:
    p, _ = await join_secretary(harness, 2001, "张书记", "山宁村党支部", members=40, committee_size=None)
    assert "本次支委会实到、应到各多少人" in await _report_until_attended(p, "支委会")


async def test_changing_the_kind_of_a_draft_brings_that_kinds_expected(harness: BotHarness) -> None:
    p, unit = await join_secretary(harness, 2001, "张书记", "山宁村党支部", members=40, committee_size=5)
    await _report_until_attended(p, "支部党员大会")
    await p.send("30")
    await p.tap("跳过")
    replies = await p.tap("跳过")
    assert "实到 30 人 / 应到 40 人" in replies[-1].visible
    await p.tap("修改")
    await p.tap("活动类型")
    replies = await p.tap("支委会")
    # 30 cannot have come to a committee of 5: 实到 is asked again, against the committee.
    assert "应到 5 人（默认为支委人数）" in replies[-1].visible
    replies = await p.send("5")
    assert "实到 5 人 / 应到 5 人" in replies[-1].visible
