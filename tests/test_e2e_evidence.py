"""End to end: a leader drills down from /board and from a unit's card to one record and its
photos sent as an album; back buttons at every level; secretaries, strangers and forged ``ev:``
buttons find nothing."""
from __future__ import annotations

from datetime import date

import pytest

from bot import texts
from bot.fakeapi.harness import BotHarness, Person
from storage import activities, period_notes, reminders
from storage.models import Unit
from tests.reporting_helpers import join_secretary


@pytest.fixture
async def secretary(harness: BotHarness) -> tuple[Person, Unit]:
    return await join_secretary(harness, 2001, "李梅", "山宁村党支部", members=9)


async def report_with_photos(p: Person, photos: int, topic: str = "学习党的二十届四中全会精神") -> None:
    """The secretary reports a 支委会 held yesterday with ``photos`` photos."""
    await p.send("/report")
    await p.tap("支委会")
    await p.tap("昨天")
    await p.send(topic)
    await p.send("7")
    await p.tap("跳过")
    for _ in range(photos):
        await p.send_photo()
    await p.tap("完成" if photos else "跳过")
    await p.tap("提交")


async def test_board_to_record_to_album_and_back(harness: BotHarness, leader: Person, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    assert harness.db is not None
    await report_with_photos(p, 3)
    [stored] = await activities.list_activities(harness.db, start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert len(stored.photos) == 3
    await reminders.add_excuses(harness.db, unit.id, "党课", ["2026-Q4"], "书记外出培训", p.user_id, harness.clock())
    await period_notes.save_note_field(harness.db, unit.id, "2026-11", "problems", "学习形式单一", p.user_id, harness.clock())

    await leader.send("/board")
    replies = await leader.tap("1. 山宁村党支部")
    unit_card = replies[-1].visible
    assert "山宁村党支部 · 2026年11月的记录" in unit_card
    assert "HD0001 11月26日 支委会：学习党的二十届四中全会精神" in unit_card
    assert "实到 7/9 人 · 照片 3 张" in unit_card
    assert "党课（2026年第四季度）：书记外出培训" in unit_card
    assert "存在问题：学习形式单一" in unit_card

    replies = await leader.tap("HD0001")
    record = replies[-1].visible
    assert "活动类型：支委会" in record and "人数：实到 7 人 / 应到 9 人" in record and "照片：3 张" in record
    assert {"💬 点评", "↩ 退回"} <= {b["text"] for row in replies[-1].buttons for b in row}
    assert "✅ 通过" not in str(replies[-1].buttons)  # review is off by default

    calls_before = len(harness.api.calls)
    replies = await leader.tap("照片（3）")
    album = [m for m in replies if m.photo]
    assert [m.photo[0]["file_id"] for m in album] == list(stored.photos)
    assert album[0].caption and "HD0001" in album[0].caption
    assert [method for method, _ in harness.api.calls[calls_before:] if method.startswith("send")] == ["sendMediaGroup", "sendMessage"]
    assert "以上是 HD0001 的 3 张照片" in replies[-1].visible

    # Back at every level: photos → record → the unit's records → the board.
    replies = await leader.tap("返回记录")
    assert "活动类型：支委会" in replies[-1].visible
    replies = await leader.tap("本期记录")
    assert "山宁村党支部 · 2026年11月的记录" in replies[-1].visible
    replies = await leader.tap("报送情况")
    assert "2026年11月 报送情况" in replies[-1].visible


async def test_unit_card_opens_records_and_a_single_photo(harness: BotHarness, leader: Person, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await report_with_photos(p, 1, topic="一张照片的会")
    await leader.send("/units")
    await leader.tap("山宁村党支部")
    replies = await leader.tap("本期记录")
    assert "HD0001 11月26日 支委会：一张照片的会" in replies[-1].visible
    await leader.tap("HD0001")
    replies = await leader.tap("照片（1）")
    assert [m.photo is not None for m in replies] == [True, False]  # one photo is no album
    replies = await leader.tap("返回记录")
    replies = await leader.tap("本期记录")
    replies = await leader.tap("单位")
    assert "类型：村" in replies[-1].visible


async def test_long_lists_page_and_previous_period(harness: BotHarness, leader: Person, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    for n in range(12):
        await report_with_photos(p, 0, topic=f"第{n + 1}次会议")
    await leader.send("/units")
    await leader.tap("山宁村党支部")
    replies = await leader.tap("本期记录")
    assert "（第 1/2 页）" in replies[-1].visible and "第10次会议" in replies[-1].visible and "第11次会议" not in replies[-1].visible
    replies = await leader.tap("下一页")
    assert "（第 2/2 页）" in replies[-1].visible and "第12次会议" in replies[-1].visible
    replies = await leader.tap("« 2026年10月")
    assert "2026年10月的记录" in replies[-1].visible and "本期还没有报送活动记录" in replies[-1].visible
    replies = await leader.tap("2026年11月 »")
    assert "2026年11月的记录" in replies[-1].visible


async def test_only_leaders_and_forged_evidence_buttons(harness: BotHarness, leader: Person, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    await report_with_photos(p, 2)
    other, other_unit = await join_secretary(harness, 2002, "赵强", "新城村党支部")
    # A secretary (even of the unit) and a stranger are refused every ev: button.
    for person in (p, other, harness.person(3001, "张三")):
        await person.send("/my")  # a card to tap on
        for data in (f"ev:u:{unit.id}..0", f"ev:a:{unit.id}.1.2026-11", f"ev:ph:{unit.id}.1.", f"ev:c:{unit.id}.", f"ev:cc:{unit.id}.1."):
            sent_before = len(harness.api.bot_messages(person.user_id))
            await person.tap_data(data)
            assert person.answers()[-1] in (texts.say("common", "not_allowed"), texts.say("common", "stranger"))
            assert not any(m.photo for m in harness.api.bot_messages(person.user_id)[sent_before:])
    # A leader's forged data: another unit's pair, bad ids, bad periods, unknown actions.
    await leader.send("/board")
    for data in (f"ev:a:{other_unit.id}.1.2026-11", f"ev:ph:{other_unit.id}.1.", "ev:a:1.x.2026-11", "ev:u:1.2026-99.0", "ev:u:999..0", "ev:a:1.1.../etc", "ev:zz:1", "ev:ph:1.99999.", "ev:cc:1.77."):
        sent_before = len(harness.api.bot_messages(leader.user_id))
        await leader.tap_data(data)
        assert any(word in leader.answers()[-1] for word in ("找不到", "过期")), (data, leader.answers()[-1])
        assert not any(m.photo for m in harness.api.bot_messages(leader.user_id)[sent_before:])
    assert harness.db is not None
    assert await activities.count_activities(harness.db) == 1
