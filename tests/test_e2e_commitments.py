"""End to end: /commit — record commitments, add progress (with a photo), fulfil, overdue marking
with the clock moved, and other units kept out."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.fakeapi.harness import BotHarness, FakeClock, Person
from storage import commitments
from storage.models import Unit
from tests.conftest import SHANGHAI
from tests.reporting_helpers import join_secretary


@pytest.fixture
async def secretary(harness: BotHarness) -> tuple[Person, Unit]:
    return await join_secretary(harness, 2001, "李梅", "山宁村党支部", members=9)


async def all_commitments(harness: BotHarness) -> list:
    assert harness.db is not None
    return await commitments.list_commitments(harness.db, include_withdrawn=True)


async def test_create_progress_fulfil(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    replies = await p.send("/commit")
    assert "目前没有未践诺的承诺" in replies[-1].visible
    replies = await p.tap("新增承诺")
    assert "这项承诺是谁作出的" in replies[-1].visible
    await p.tap("本支部")
    replies = await p.send("为 <60岁以上> 老人代办医保 & 社保")
    assert "计划什么时候完成" in replies[-1].visible
    replies = await p.tap("本月底")
    card = replies[-1].visible
    assert "已记录承诺 CN0001" in card and "本支部" in card and "为 <60岁以上> 老人代办医保 & 社保" in card
    assert "2026年11月30日（还有 3 天）" in card
    [stored] = await all_commitments(harness)
    assert (stored.unit_id, stored.made_by, stored.due_on, stored.fulfilled_on) == (unit.id, None, date(2026, 11, 30), None)

    # Progress: a note, then a photo as evidence.
    replies = await p.tap("添加进展")
    assert "CN0001 的进展" in replies[-1].visible
    await p.send("已走访 12 户")
    replies = await p.send_photo()
    assert "已添加进展" in replies[-1].visible and "已走访 12 户 📷" in replies[-1].visible
    # Progress: a captioned photo in one go.
    await p.tap("添加进展")
    replies = await p.send_photo(caption="又办了 5 户")
    assert "又办了 5 户 📷" in replies[-1].visible
    # Progress without a photo.
    await p.tap("添加进展")
    await p.send("全部登记完毕")
    replies = await p.tap("不附照片")
    assert "进展（3 条）" in replies[-1].visible
    assert harness.db is not None
    progress = await commitments.list_progress(harness.db, stored.id, unit_id=unit.id)
    assert [(x.note, bool(x.photo_file_id)) for x in progress] == [("已走访 12 户", True), ("又办了 5 户", True), ("全部登记完毕", False)]
    replies = await p.tap("进展照片")
    assert len([m for m in replies if m.photo]) == 2

    # Fulfil.
    await p.send("/commit")
    await p.tap("CN0001")
    replies = await p.tap("践诺")
    assert "完成情况" in replies[-1].visible
    replies = await p.send("共为 17 户办结")
    assert "已记录 CN0001 践诺" in replies[-1].visible and "践诺结果：共为 17 户办结" in replies[-1].visible
    assert "添加进展" not in str(replies[-1].buttons)
    [done] = await all_commitments(harness)
    assert (done.fulfilled_on, done.result) == (date(2026, 11, 27), "共为 17 户办结")
    replies = await p.send("/commit")
    assert "目前没有未践诺的承诺。已践诺 1 项" in replies[-1].visible
    replies = await p.tap("已践诺")
    assert "CN0001 本支部" in replies[-1].visible


async def test_member_commitment_with_typed_date(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/commit")
    await p.tap("新增承诺")
    await p.tap("党员个人")
    replies = await p.send_sticker()
    assert "请直接输入文字回复" in replies[-1].visible
    replies = await p.send("张" * 31)
    assert "最多 30 个字" in replies[-1].visible
    replies = await p.send("张建国")
    assert "党员 张建国 的承诺内容" in replies[-1].visible
    replies = await p.send("承" * 201)
    assert "最多 200 个字" in replies[-1].visible
    await p.send("帮助 3 户困难群众发展庭院经济")
    replies = await p.send("11-20")
    assert "完成期限不能早于今天（11月27日）" in replies[-1].visible
    replies = await p.send("2035-01-01")
    assert "三年以内" in replies[-1].visible
    replies = await p.send("下个月")
    assert "没看懂这个日期" in replies[-1].visible
    assert await all_commitments(harness) == []
    replies = await p.send("1月15日")
    assert "党员 张建国" in replies[-1].visible and "2027年1月15日" in replies[-1].visible
    [stored] = await all_commitments(harness)
    assert (stored.made_by, stored.due_on) == ("张建国", date(2027, 1, 15))


async def test_a_deadline_typed_as_a_day_alone_lies_ahead(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary  # the clock stands at Friday 27 November 2026
    await p.send("/commit")
    await p.tap("新增承诺")
    await p.send("王芳")
    await p.send("走访慰问困难党员")
    replies = await p.send("15号")
    assert "2026年12月15日" in replies[-1].visible
    [stored] = await all_commitments(harness)
    assert (stored.made_by, stored.due_on) == ("王芳", date(2026, 12, 15))


async def test_name_typed_directly_at_who_step(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/commit")
    await p.tap("新增承诺")
    replies = await p.send("王芳")
    assert "党员 王芳 的承诺内容" in replies[-1].visible


async def test_overdue_marked_as_the_clock_moves(harness: BotHarness, clock: FakeClock, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/commit")
    await p.tap("新增承诺")
    await p.tap("本支部")
    await p.send("整治村口垃圾点")
    await p.tap("本月底")
    replies = await p.send("/commit")
    assert "⚠" not in replies[-1].visible and "还有 3 天" in replies[-1].visible
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))
    replies = await p.send("/commit")
    assert "今天到期" in replies[-1].visible and "⚠" not in replies[-1].visible
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI))
    replies = await p.send("/commit")
    assert "⚠ 已逾期 3 天" in replies[-1].visible
    assert replies[-1].buttons[0][0]["text"].startswith("⚠ CN0001")
    replies = await p.tap("CN0001")
    assert "⚠ 已逾期 3 天" in replies[-1].visible
    [stored] = await all_commitments(harness)
    assert stored.is_overdue(date(2026, 12, 3)) and not stored.is_overdue(date(2026, 11, 30))
    # Fulfilled late: no longer overdue.
    await p.tap("践诺")
    replies = await p.send("已清理完毕")
    assert "已于12月3日践诺" in replies[-1].visible and "逾期" not in replies[-1].visible


async def test_other_units_cannot_see_or_touch(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/commit")
    await p.tap("新增承诺")
    await p.tap("本支部")
    await p.send("山宁村的承诺")
    await p.tap("本月底")
    other, _ = await join_secretary(harness, 2002, "赵强", "新塘村党支部")
    replies = await other.send("/commit")
    assert "山宁村的承诺" not in replies[-1].visible
    for forged in ("cm:open:1", "cm:prog:1", "cm:ful:1", "cm:ph:1", "cm:open:abc", "cm:zzz:1"):
        replies = await other.tap_data(forged)
        assert all("山宁村的承诺" not in m.visible for m in replies)
        # Data that is not an id at all is answered as a stale card; another unit's id as not found.
        expected = "这条消息已失效，请重新点“汇报活动”或发送 /help。" if forged.endswith(":abc") else "找不到这项承诺，可能已被撤销。"
        assert other.answers()[-1] == expected
    [stored] = await all_commitments(harness)
    assert stored.fulfilled_on is None
    assert harness.db is not None
    assert await commitments.list_progress(harness.db, stored.id, unit_id=None) == []


async def test_double_tap_on_due_date_records_once(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/commit")
    await p.tap("新增承诺")
    await p.tap("本支部")
    await p.send("一项承诺")
    card, data = p.find_button("本月底")
    await p.tap_data(data, card)
    await p.tap_data(data, card)
    assert len(await all_commitments(harness)) == 1


async def test_commitment_menu_from_report_and_draft_guard(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    replies = await p.tap("承诺践诺")
    assert "承诺践诺" in replies[-1].visible
    # With a report half done, starting a commitment asks first and keeps the draft on 继续.
    await p.send("/report")
    await p.tap("支委会")
    replies = await p.send("/commit")
    await p.tap("新增承诺")
    offer = p.last().visible
    assert "活动汇报还没填完" in offer and "放弃它、去新增承诺" in offer
    replies = await p.tap("继续上次的填写")
    assert "支委会 是哪天开展的" in replies[-1].visible
    await p.send("/commit")
    await p.tap("新增承诺")
    replies = await p.tap("放弃草稿，去新增承诺")
    assert "这项承诺是谁作出的" in replies[-1].visible
