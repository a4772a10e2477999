"""End to end: small mercies in the report flow (today is Friday 2026-11-27) — a sticker where
buttons answer points to them, /cancel after three answers asks first."""
from __future__ import annotations

import pytest

from datetime import date

from bot.fakeapi.harness import BotHarness, Person
from storage import activities, dialogs
from storage.models import Unit
from tests.reporting_helpers import join_secretary


@pytest.fixture
async def secretary(harness: BotHarness) -> tuple[Person, Unit]:
    return await join_secretary(harness, 2001, "李梅", "山宁村党支部", members=9)


async def test_a_sticker_or_voice_at_a_button_step_points_to_the_buttons(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("支委会")
    for act in (p.send_sticker, p.send_voice):
        replies = await act()
        said = replies[-1].visible
        assert "请点下方按钮" in said and "哪天开展的" in said and "请直接输入文字回复" not in said
        assert any("昨天" in b["text"] for row in replies[-1].buttons for b in row)
    await p.tap("昨天")
    replies = await p.send_sticker()  # the topic is typed: asked to type
    assert "请直接输入文字回复" in replies[-1].visible


async def test_cancel_after_three_answers_asks_first(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    assert harness.db is not None
    await p.send("/report")
    await p.tap("支委会")
    await p.tap("昨天")
    await p.send("学习贯彻全会精神")
    replies = await p.send("/cancel")
    assert "“活动汇报”已经填了不少" in replies[-1].visible and "确定取消吗" in replies[-1].visible
    assert await dialogs.get_dialog(harness.db, p.user_id) is not None
    replies = await p.tap("继续填写")
    assert "实到" in replies[-1].visible
    await p.send("/cancel")
    replies = await p.tap("确定取消")
    assert "已取消“活动汇报”" in replies[-1].visible
    assert await dialogs.get_dialog(harness.db, p.user_id) is None


async def test_cancel_after_fewer_answers_cancels_at_once(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("支委会")
    replies = await p.send("/cancel")
    assert "已取消“活动汇报”" in replies[-1].visible


async def test_an_album_is_acknowledged_once_and_photos_past_nine_are_refused(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    await p.send("/report")
    await p.tap("支委会")
    await p.tap("昨天")
    await p.send("学习")
    await p.send("7")
    await p.tap("跳过")
    said = []
    for _ in range(11):
        said.extend(m.visible for m in await p.send_photo(album="album-1"))
    assert [text for text in said if "照片收到了" in text] == [said[0]]  # one acknowledgement
    assert sum("达到上限" in text for text in said) == 1  # the ninth: on to the review card
    assert said[-1] == "照片最多 9 张，多出的没有收下。"  # the tenth and eleventh: one sentence
    assert len(said) == 3
    await p.tap("提交")
    assert harness.db is not None
    [stored] = await activities.list_activities(harness.db, start=date(2026, 11, 26), end=date(2026, 11, 26))
    assert len(stored.photos) == 9


async def test_an_unreadable_date_is_refused_with_the_examples_and_the_buttons(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("支委会")
    replies = await p.send("那天")  # at the day buttons
    said = replies[-1]
    assert "没看懂这个日期" in said.visible and said.visible.count("上周五") == 1
    assert any("昨天" in b["text"] for row in said.buttons for b in row)
    await p.tap("其他日期")
    replies = await p.send("那天")  # typed: the card below gives the examples once
    said = replies[-1]
    assert "没看懂这个日期" in said.visible and said.visible.count("上周五") == 1
    assert any("返回" in b["text"] for row in said.buttons for b in row)
    replies = await p.send("十一月二十日")
    assert "主题/议题" in replies[-1].visible
