"""A report stored while Telegram fails the reply that confirms it: the person is told at their
next update, before anything else, so nobody reports the same meeting twice."""
from __future__ import annotations

from datetime import date

from bot import texts
from bot.fakeapi.harness import BotHarness, Person
from storage import activities
from tests.reporting_helpers import join_secretary


async def _ready_to_submit(p: Person) -> None:
    await p.send("/report")
    await p.tap("支委会")
    await p.tap("昨天")
    await p.send("研究冬季走访慰问")
    await p.send("7")
    await p.tap("跳过")  # 内容摘要
    replies = await p.tap("跳过")  # 照片
    assert "请核对汇报内容" in replies[-1].visible


async def _stored(harness: BotHarness) -> list:
    assert harness.db is not None
    return await activities.list_activities(harness.db, start=date(2026, 1, 1), end=date(2026, 12, 31))


async def test_a_confirmation_telegram_failed_is_said_first_at_the_next_update(harness: BotHarness) -> None:
    p, _ = await join_secretary(harness, 2001, "李梅", "山宁村党支部")
    await _ready_to_submit(p)
    harness.api.inject_faults("editMessageText", [502] * harness.tries)
    replies = await p.tap("提交")
    assert replies == []  # nothing reached the person (the tap itself was answered)
    assert len(await _stored(harness)) == 1
    assert texts.say("common", "try_again") not in p.answers()  # it was not "maybe not done"

    replies = await p.send("/report")
    assert "刚才网络不稳定" in replies[0].visible and "汇报成功，编号 HD0001" in replies[0].visible
    assert "请选择活动类型" in replies[-1].visible  # then what they asked for
    replies = await p.send("/help")
    assert all("HD0001" not in m.visible for m in replies)  # said once
    assert len(await _stored(harness)) == 1


async def test_what_is_owed_survives_a_restart_and_waits_while_telegram_still_fails(harness: BotHarness) -> None:
    p, _ = await join_secretary(harness, 2001, "李梅", "山宁村党支部")
    await _ready_to_submit(p)
    harness.api.inject_faults("editMessageText", [502] * harness.tries)
    await p.tap("提交")
    await harness.restart()
    harness.api.inject_faults("sendMessage", [502] * harness.tries)
    await p.send("/help")  # the owed message fails again: still owed
    replies = await p.send("/help")
    assert "汇报成功，编号 HD0001" in replies[0].visible
    replies = await p.send("/help")
    assert all("HD0001" not in m.visible for m in replies)
