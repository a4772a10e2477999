"""End to end: cards that stay true. A reminder is edited after each of its buttons to show what
the unit still owes; 去汇报 for a kind already reported says so and offers the record; the same
kind reported twice for the same day is asked about first."""
from __future__ import annotations

from datetime import date

from bot.fakeapi.harness import BotHarness
from storage import activities, audit
from storage import schedule as schedule_store
from tests.test_e2e_reminders import LEADER_ID, MONTHLY, YEARLY, at, clock, h, reminders_to, seed_activity, seed_commitment, skip_data, tick, units_with_secretaries

__all__ = ["clock", "h"]  # the reminder tests' fixtures: a bot on 20 November 2026, ticks run by hand


async def report_from_form(p, topic: str = "学习贯彻") -> list:  # noqa: ANN001 - a harness Person
    """Fill in an opened report form whose kind is chosen, for today, and submit it."""
    await p.tap("今天")
    await p.send(topic)
    await p.send("7/9")  # 实到/应到: a 党小组会 asks for both the first time
    await p.tap("跳过")
    await p.tap("跳过")
    return await p.tap("提交")


async def test_the_reminder_card_is_edited_after_each_button(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    await tick(h, at(2026, 11, 23, 9))
    [card] = reminders_to(h, secretary.user_id)
    assert "本月尚未报送：支委会、党小组会、主题党日" in card.visible

    # 去汇报, then the report: the card drops what was reported.
    await secretary.tap("去汇报：支委会", card)
    replies = await report_from_form(secretary)
    assert any("汇报成功" in m.visible for m in replies)
    assert "本月尚未报送：党小组会、主题党日" in card.visible and "支委会" not in str(card.buttons)

    # 本月未开展 with a reason: the card drops that too.
    await secretary.tap_data(skip_data(card, "主题党日"), card)
    await secretary.send("村里集中开展秋收，顺延到下月")
    assert "本月尚未报送：党小组会" in card.visible and "主题党日" not in card.visible

    # 稍后提醒, and a moment chosen: the card shows what is owed and when it comes again.
    await secretary.tap("稍后提醒", card)
    assert "今天下午" in str(card.buttons)
    await secretary.tap("明天上午", card)
    assert "本月尚未报送：党小组会" in card.visible and "⏰ 已设为稍后提醒" in card.visible

    # The year's items (named as the year's, reminded in November) held, and the last item
    # reported: the card says all is in and keeps no buttons.
    assert "本年度尚未报送：组织生活会、民主评议党员" in card.visible
    for kind in YEARLY:
        await seed_activity(h, unit, kind, date(2026, 3, 10))
    await secretary.tap("去汇报：党小组会", card)
    await report_from_form(secretary)
    assert "都已报齐" in card.visible and card.buttons == []


async def test_go_report_on_a_kind_already_reported_offers_the_record(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    await tick(h, at(2026, 11, 23, 9))
    [card] = reminders_to(h, secretary.user_id)
    await seed_activity(h, unit, "支委会", date(2026, 11, 5))  # reported after the reminder went out
    _, go_data = secretary.find_button("去汇报：支委会", card)
    replies = await secretary.tap_data(go_data, card)
    said = replies[-1]
    assert "2026年11月已汇报过支委会（HD0001，11月5日（周四））" in said.visible
    assert [b["text"] for row in said.buttons for b in row] == ["📄 查看 HD0001", "📝 再报一次支委会"]
    assert "本月尚未报送：党小组会、主题党日" in card.visible  # and the card is brought up to date
    replies = await secretary.tap("再报一次支委会", said)
    assert "支委会 是哪天开展的" in replies[-1].visible
    await secretary.send("/cancel")
    replies = await secretary.tap_data(go_data, card)  # an older copy of the card, tapped again
    replies = await secretary.tap("查看 HD0001", replies[-1])
    assert "HD0001" in replies[-1].visible and "活动类型：支委会" in replies[-1].visible


async def test_the_same_kind_for_the_same_day_is_asked_about_first(h: BotHarness) -> None:
    h.clock.set(at(2026, 12, 1, 10))
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    for _ in range(2):
        await secretary.send("昨天开了支委会")
        await secretary.send("学习贯彻")
        await secretary.send("7")
        await secretary.tap("跳过")
        await secretary.tap("跳过")
        replies = await secretary.tap("提交")
    assert replies[-1].visible == "11月30日已汇报过支委会（HD0001），仍要提交吗？"
    assert h.db is not None
    assert len(await activities.list_activities(h.db, start=date(2026, 11, 30), end=date(2026, 11, 30))) == 1
    # 返回汇报单 stores nothing; 仍要提交 stores the second one.
    replies = await secretary.tap("返回汇报单")
    assert "请核对汇报内容" in replies[-1].visible
    await secretary.tap("提交")
    replies = await secretary.tap("仍要提交")
    assert any("汇报成功，编号 HD0002" in m.visible for m in replies)
    assert len(await activities.list_activities(h.db, start=date(2026, 11, 30), end=date(2026, 11, 30))) == 2


async def test_a_commitment_reminder_carries_progress_and_fulfil_buttons(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    for kind in (*MONTHLY, *YEARLY):
        await seed_activity(h, unit, kind, date(2026, 11, 2))
        await seed_activity(h, unit, kind, date(2026, 12, 1))
    await seed_commitment(h, unit, "整治村内沟渠", date(2026, 12, 4))
    await tick(h, at(2026, 12, 1, 9))
    [reminder] = h.api.bot_messages(secretary.user_id)
    assert "承诺事项提醒" in reminder.visible
    assert [b["text"] for row in reminder.buttons for b in row] == ["📝 1. 记录进展", "✅ 1. 已践诺"]
    replies = await secretary.tap("记录进展", reminder)
    assert "CN0001" in replies[-1].visible
    await secretary.send("/cancel")
    replies = await secretary.tap("已践诺", reminder)
    assert "CN0001" in replies[-1].visible


async def test_a_yearly_item_is_explained_for_its_year(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    await tick(h, at(2026, 11, 23, 9))
    [card] = reminders_to(h, secretary.user_id)
    assert [b["text"] for b in card.buttons[3]] == ["📝 去汇报：组织生活会", "本年度未开展"]
    replies = await secretary.tap_data(skip_data(card, "组织生活会"), card)
    assert "请简要说明 2026年 未开展“组织生活会”的原因" in replies[-1].visible
    replies = await secretary.send("上级统一安排在明年一月召开")
    assert "已记录：2026年“组织生活会”未开展" in replies[-1].visible
    assert "组织生活会" not in card.visible and "民主评议党员" in card.visible


async def test_a_leader_sets_the_months_yearly_items_are_reminded_in(h: BotHarness) -> None:
    leader = h.person(LEADER_ID, "王书记")
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    replies = await leader.send("/schedule")
    assert "年度事项（组织生活会、民主评议党员等）在11、12月提醒" in replies[-1].visible
    assert "季度事项（党课、支部党员大会等）在每季度最后一个月提醒" in replies[-1].visible
    replies = await leader.tap("年度事项提醒月份")
    assert "✔ 已保存：年度事项在12月提醒。" in replies[-1].visible
    assert "年度事项（组织生活会、民主评议党员等）在12月提醒" in replies[-1].visible
    assert h.db is not None
    assert await schedule_store.get_reminder_months(h.db) == {"year": frozenset({12})}
    await tick(h, at(2026, 11, 23, 9))
    [card] = reminders_to(h, secretary.user_id)
    assert "本月尚未报送：支委会、党小组会、主题党日" in card.visible and "本年度" not in card.visible
    [entry] = [e for e in await audit.latest(h.db, 0, 50) if e.action == "schedule.reminder_months"]
    assert (entry.actor_id, entry.detail) == (LEADER_ID, {"cycle": "year", "months": "12"})
