"""End to end: a secretary starts a report from what they naturally send — a sentence, a
captioned photo — and gets the main buttons for anything else (today is Friday 2026-11-27)."""
from __future__ import annotations

from datetime import date

import pytest

from bot.fakeapi.harness import BotHarness, Person
from bot.fakeapi.server import SentMessage
from storage import activities, dialogs
from storage.models import Unit
from tests.conftest import LEADER_ID
from tests.reporting_helpers import join_secretary


@pytest.fixture
async def secretary(harness: BotHarness) -> tuple[Person, Unit]:
    return await join_secretary(harness, 2001, "李梅", "山宁村党支部", members=9)


def labels(message: SentMessage) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


async def draft_of(harness: BotHarness, p: Person) -> dict:
    assert harness.db is not None
    dialog = await dialogs.get_dialog(harness.db, p.user_id)
    assert dialog is not None and dialog.flow == "report"
    return dialog.data


async def test_a_sentence_starts_a_report_with_kind_and_date_filled(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    replies = await p.send("昨天下午开了支部党员大会")
    card = replies[-1].visible
    assert "开始汇报支部党员大会（11月26日）" in card and "主题/议题" in card
    data = await draft_of(harness, p)
    assert (data["kind"], data["held_on"]) == ("支部党员大会", "2026-11-26")
    await p.send("学习党的二十届四中全会精神")
    await p.send("7")
    await p.tap("跳过")
    await p.tap("跳过")
    replies = await p.tap("提交")
    assert any("汇报成功，编号 HD0001" in m.visible for m in replies)
    assert harness.db is not None
    [stored] = await activities.list_activities(harness.db, start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert (stored.unit_id, stored.kind, stored.held_on, stored.attended) == (unit.id, "支部党员大会", date(2026, 11, 26), 7)


async def test_a_sentence_with_kind_only_asks_the_date(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    replies = await p.send("我要汇报支委会")
    assert "支委会 是哪天开展的" in replies[-1].visible
    await p.tap("其他日期")
    replies = await p.send("上周五")
    assert "主题/议题" in replies[-1].visible
    assert (await draft_of(harness, p))["held_on"] == "2026-11-20"


async def test_a_day_that_may_not_be_reported_is_asked_again(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    replies = await p.send("本周六开了党课")
    card = replies[-1].visible
    assert "开始汇报党课" in card and "日期不能晚于今天" in card and "党课 是哪天开展的" in card
    assert "held_on" not in await draft_of(harness, p)


async def test_a_captioned_photo_starts_a_report_with_the_photo(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    replies = await p.send_photo(caption="今天开了支委会")
    card = replies[-1].visible
    assert "开始汇报支委会（11月27日），照片已收下" in card and "用照片的说明作主题" in card
    data = await draft_of(harness, p)
    assert data["kind"] == "支委会" and len(data["photos"]) == 1
    assert data["photos"][0]["id"] == list(harness.api.files)[-1]
    replies = await p.tap("用“今天开了支委会”作主题")
    assert "应到 9 人" in replies[-1].visible
    await p.send("6")
    await p.tap("跳过")
    replies = await p.tap("完成")
    review = replies[-1].visible
    assert "照片：1 张" in review and "今天开了支委会" in review


async def test_a_photo_whose_caption_names_no_kind_is_not_a_report(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    replies = await p.send_photo(caption="好看吗")
    assert "📝 汇报活动" in labels(replies[-1])
    assert harness.db is not None and await dialogs.get_dialog(harness.db, p.user_id) is None


async def test_a_greeting_gets_the_main_buttons(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    replies = await p.send("你好")
    hint = replies[-1]
    assert "菜单中的命令" not in hint.visible and "昨天开了支委会" in hint.visible
    for label in ("📝 汇报活动", "📋 我的记录", "🤝 承诺践诺", "❓ 帮助"):
        assert label in labels(hint)
    replies = await p.tap("📝 汇报活动")
    assert "请选择活动类型" in replies[-1].visible


async def test_the_main_buttons_open_what_they_say(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("谢谢")
    replies = await p.tap("❓ 帮助")
    assert "/report" in replies[-1].visible
    await p.send("谢谢")
    replies = await p.tap("🤝 承诺践诺")
    assert "承诺践诺" in replies[-1].visible


async def test_a_question_does_not_start_a_report(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    replies = await p.send("支委会怎么开？")
    assert "📝 汇报活动" in labels(replies[-1])
    assert harness.db is not None and await dialogs.get_dialog(harness.db, p.user_id) is None


async def test_a_leader_gets_a_short_hint(harness: BotHarness) -> None:
    leader = harness.person(LEADER_ID, "王书记")
    await leader.send("/start")
    replies = await leader.send("今天开了支委会")
    assert "/digest" in replies[-1].visible and "开始汇报" not in replies[-1].visible


async def test_the_rest_of_an_album_joins_the_report_its_first_photo_started(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send_photo(caption="昨天开了党小组会", album="A1")
    assert await p.send_photo(album="A1") == []  # kept without a word
    assert await p.send_photo(album="A1") == []
    assert len((await draft_of(harness, p))["photos"]) == 3
    replies = await p.send_photo(album="B2")  # another album: not this one's, asked for text
    assert "直接输入文字" in replies[-1].visible and "用照片的说明作主题" in replies[-1].visible
    assert len((await draft_of(harness, p))["photos"]) == 3
