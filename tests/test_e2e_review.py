"""End to end: 点评 and 退回 reach the unit's secretaries and stay with the record; a resubmission
tells the leader what changed; 通过 and /review when review is on, and the 小结's rule for returned
records; 评诺 reaches the unit's commitment card and the 台账; the morning message; forged ``rv:``
buttons and non-leaders find nothing."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from bot import texts
from bot.digest.query import Scope, load_ledger, load_records
from bot.fakeapi.harness import BotHarness, Person
from bot.reminders.queries import unit_records
from bot.rules.periods import period_from_key
from handlers import review as review_handlers
from storage import activities, commitments, reviews
from storage.models import Unit
from tests.conftest import SHANGHAI
from tests.reporting_helpers import join_secretary, join_unit
from tests.test_e2e_evidence import report_with_photos

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
async def secretary(harness: BotHarness) -> tuple[Person, Unit]:
    return await join_secretary(harness, 2001, "李梅", "山宁村党支部", members=9)


async def open_record(leader: Person) -> None:
    await leader.send("/board")
    await leader.tap("1. 山宁村党支部")
    await leader.tap("HD0001")


async def kept(harness: BotHarness, unit: Unit) -> list[reviews.Review]:
    assert harness.db is not None
    return await reviews.list_reviews(harness.db, 1, unit_id=unit.id)


async def test_comment_reaches_every_secretary_and_stays_with_the_record(harness: BotHarness, leader: Person, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    second = await join_unit(harness, unit.id, 2003, "王芳")
    await report_with_photos(p, 0)
    await open_record(leader)
    replies = await leader.tap("点评")
    assert "请输入对 HD0001 的点评" in replies[-1].visible
    assert await kept(harness, unit) == []  # nothing kept until it is typed
    replies = await leader.send("会议记录很完整，值得推广")
    assert "已点评，已发给该单位 2 位书记" in replies[-1].visible
    assert "💬 点评（王书记 11月27日）：会议记录很完整，值得推广" in replies[-1].visible
    [comment] = await kept(harness, unit)
    assert (comment.action, comment.note, comment.leader_id, comment.version) == ("comment", "会议记录很完整，值得推广", leader.user_id, 1)
    for person in (p, second):
        told = person.last()
        assert "对 HD0001 的点评" in told.visible and "会议记录很完整，值得推广" in told.visible
    # The unit sees it on the record's card in /my.
    replies = await p.tap("查看记录")
    assert "💬 点评（王书记 11月27日）：会议记录很完整，值得推广" in replies[-1].visible


async def test_return_then_resubmission_tells_the_leader_what_changed(harness: BotHarness, leader: Person, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    await report_with_photos(p, 0, topic="学习文件")
    await open_record(leader)
    await leader.tap("退回")
    replies = await leader.send("主题太笼统，请写明学习的是哪份文件")
    assert "已退回，已发给该单位 1 位书记" in replies[-1].visible
    assert "退回" not in str(replies[-1].buttons) and "点评" in str(replies[-1].buttons)
    [returned] = await kept(harness, unit)
    assert (returned.action, returned.resubmitted_at) == ("return", None)
    assert harness.db is not None
    assert await reviews.returned_activity_ids(harness.db) == {1}

    told = p.last()
    assert "退回了 HD0001" in told.visible and "原因：主题太笼统，请写明学习的是哪份文件" in told.visible
    replies = await p.tap("修改", told)
    assert "修改活动记录 HD0001" in replies[-1].visible
    await p.tap("✏ 修改")
    await p.tap("主题/议题")
    await p.send("学习《中国共产党纪律处分条例》")
    leader_before = len(harness.api.bot_messages(leader.user_id))
    replies = await p.tap("保存修改")
    assert any("已保存对 HD0001 的修改" in m.visible for m in replies)

    [closed] = await kept(harness, unit)
    assert closed.resubmitted_at is not None
    assert await reviews.returned_activity_ids(harness.db) == set()
    [news] = harness.api.bot_messages(leader.user_id)[leader_before:]
    assert "山宁村党支部 已修改并重新提交 HD0001" in news.visible
    assert "退回原因：主题太笼统" in news.visible
    assert "主题/议题：学习文件 → 学习《中国共产党纪律处分条例》" in news.visible
    replies = await leader.tap("查看记录", news)
    assert "主题/议题：学习《中国共产党纪律处分条例》" in replies[-1].visible and "（已修改重报）" in replies[-1].visible
    # An edit with no 退回 open tells nobody.
    await p.send("/my")
    await p.tap("HD0001")
    await p.tap("✏ 修改")
    await p.tap("保存修改")
    assert len(harness.api.bot_messages(leader.user_id)) == leader_before + 1  # the news only (its button opened the card in its place)


async def test_review_switch_waiting_list_approve_and_the_digest_rule(harness: BotHarness, leader: Person, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    assert harness.db is not None
    replies = await leader.send("/review")
    assert "审核未开启（默认）" in replies[-1].visible
    assert await reviews.review_on_since(harness.db) is None
    replies = await leader.tap("开启审核")
    assert "审核已开启" in replies[-1].visible and "没有待审核的记录" in replies[-1].visible
    assert await reviews.review_on_since(harness.db) is not None

    await report_with_photos(p, 0, topic="第一项")
    await report_with_photos(p, 0, topic="第二项")
    replies = await leader.send("/review")
    assert "待审核 2 项" in replies[-1].visible
    replies = await leader.tap("HD0001")
    await leader.tap("通过")
    assert [r.action for r in await kept(harness, unit)] == ["approve"]
    replies = await leader.send("/review")
    assert "待审核 1 项" in replies[-1].visible and "HD0001" not in str(replies[-1].buttons)

    # The stated rule: while review is on, a returned record that was not saved again is not
    # counted in the 小结 or the 台账; once saved again it counts (and waits for 通过 again).
    await leader.tap("HD0002")
    await leader.tap("退回")
    await leader.send("请补充照片")
    records = await load_records(harness.db, scope=Scope("all"), start=NOVEMBER[0], end=NOVEMBER[1], today=date(2026, 11, 27), zone=SHANGHAI)
    assert [a.topic for a in records.activities] == ["第一项"]
    # The same rule holds for /board and the reminders, which read the same records.
    assert harness.app is not None
    _, board = await unit_records(harness.app.bot_data["services"], [period_from_key("2026-11")])
    assert sorted(a.topic for r in board for a in r.activities) == ["第一项"]
    replies = await leader.send("/review")
    assert "没有待审核的记录" in replies[-1].visible and "已退回、等待单位修改：1 项" in replies[-1].visible
    # A returned record can be neither returned again nor passed until it is saved again.
    await leader.tap_data(f"rv:ok:{unit.id}.2.2026-11", replies[-1])
    assert leader.answers()[-1] == texts.say("review", "already_returned")
    await p.tap("修改", p.last())
    await p.tap("保存修改")
    records = await load_records(harness.db, scope=Scope("all"), start=NOVEMBER[0], end=NOVEMBER[1], today=date(2026, 11, 27), zone=SHANGHAI)
    assert [a.topic for a in records.activities] == ["第一项", "第二项"]
    replies = await leader.send("/review")
    assert "待审核 1 项" in replies[-1].visible and "HD0002" in str(replies[-1].buttons)

    # With review off, a returned record counts again: returning is then only a message.
    await leader.tap("HD0002")
    await leader.tap("退回")
    await leader.send("再补充一下")
    await leader.send("/review")
    await leader.tap("关闭审核")
    assert await reviews.review_on_since(harness.db) is None
    records = await load_records(harness.db, scope=Scope("all"), start=NOVEMBER[0], end=NOVEMBER[1], today=date(2026, 11, 27), zone=SHANGHAI)
    assert len(records.activities) == 2
    await leader.send("/board")
    await leader.tap("1. 山宁村党支部")
    replies = await leader.tap("HD0001")
    assert "通过" not in str(replies[-1].buttons)


async def test_evaluation_reaches_the_unit_and_the_ledger(harness: BotHarness, leader: Person, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    await p.send("/commit")
    await p.tap("新增承诺")
    await p.tap("本支部")
    await p.send("为老人代办医保")
    await p.tap("本月底")
    # Not fulfilled yet: no 评诺 (not even with forged data).
    await leader.send("/review")
    await leader.tap_data(f"rv:e0:{unit.id}.1.")
    assert leader.answers()[-1] == texts.say("review", "cannot_evaluate")
    assert harness.db is not None
    [open_one] = await commitments.list_commitments(harness.db, [unit.id])
    assert open_one.evaluation is None
    await p.send("/commit")
    await p.tap("CN0001")
    await p.tap("践诺")
    await p.send("共为 17 户办结")

    await leader.send("/units")
    await leader.tap("山宁村党支部")
    await leader.tap("本期记录")
    replies = await leader.tap("承诺践诺")
    assert "CN0001 已践诺，待评诺：为老人代办医保" in replies[-1].visible
    replies = await leader.tap("CN0001")
    assert "践诺结果：共为 17 户办结" in replies[-1].visible
    replies = await leader.tap("评诺：较好")
    assert "评诺 CN0001：较好" in replies[-1].visible
    replies = await leader.send("群众满意，建议总结经验")
    assert "已评诺 CN0001：较好" in replies[-1].visible and "评诺：较好（群众满意，建议总结经验）" in replies[-1].visible
    assert harness.db is not None
    [stored] = await commitments.list_commitments(harness.db, [unit.id])
    assert (stored.evaluation, stored.evaluation_comment) == ("较好", "群众满意，建议总结经验")
    told = p.last()
    assert "评诺：较好" in told.visible

    # The unit sees it on its commitment card, from the message and from /commit.
    replies = await p.tap("查看承诺", told)
    assert "评诺：较好（群众满意，建议总结经验）" in replies[-1].visible
    await p.send("/commit")
    await p.tap("已践诺")
    replies = await p.tap("CN0001")
    assert "评诺：较好（群众满意，建议总结经验）" in replies[-1].visible

    # The 台账's 评价 columns are filled from it.
    ledger = await load_ledger(harness.db, scope=Scope("all"), start=NOVEMBER[0], end=NOVEMBER[1], period_label="2026年11月", today=date(2026, 11, 27), zone=SHANGHAI)
    book = load_workbook(io.BytesIO(ledger))
    sheet = next(s for s in book.worksheets if any(c.value == "评价" for c in s[1] + s[2]))
    header_row = 1 if any(c.value == "评价" for c in sheet[1]) else 2
    header = [c.value for c in sheet[header_row]]
    row = [c.value for c in sheet[header_row + 1]]
    assert row[header.index("评价")] == "较好" and row[header.index("评价意见")] == "群众满意，建议总结经验"

    # A second 评诺 with 跳过 replaces the first and leaves no comment.
    await leader.tap("评诺：好")
    await leader.tap("跳过")
    [again] = await commitments.list_commitments(harness.db, [unit.id])
    assert (again.evaluation, again.evaluation_comment) == ("好", None)


async def test_morning_message_once_a_day_with_a_button(harness: BotHarness, leader: Person, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    assert harness.db is not None and harness.app is not None
    await report_with_photos(p, 0, topic="昨天报送的")
    await leader.send("/review")
    replies = await leader.tap("订阅早晨汇总")
    assert "已订阅" in replies[-1].visible
    services = harness.app.bot_data["services"]
    harness.clock.set(datetime(2026, 11, 28, 7, 0, tzinfo=SHANGHAI))  # quiet hours: nothing yet
    assert await review_handlers.send_morning_news(harness.app, services) == 0
    harness.clock.set(datetime(2026, 11, 28, 8, 30, tzinfo=SHANGHAI))
    assert await review_handlers.send_morning_news(harness.app, services) == 1
    assert await review_handlers.send_morning_news(harness.app, services) == 0  # once a day, never one per report
    news = leader.last()
    assert "昨日新报送 1 项" in news.visible
    replies = await leader.tap("查看 1 项", news)
    assert "11月27日 新报送的记录" in replies[-1].visible
    replies = await leader.tap("HD0001")
    assert "主题/议题：昨天报送的" in replies[-1].visible
    await leader.send("/review")
    await leader.tap("取消早晨汇总")
    assert await reviews.news_readers(harness.db) == {}


async def test_only_leaders_and_forged_review_buttons(harness: BotHarness, leader: Person, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    await report_with_photos(p, 0)
    other, other_unit = await join_secretary(harness, 2002, "赵强", "新城村党支部")
    families = (f"rv:cm:{unit.id}.1.", f"rv:rt:{unit.id}.1.", f"rv:ok:{unit.id}.1.", f"rv:e0:{unit.id}.1.", "rv:l:0", "rv:sw:on", "rv:nw:on", "rv:new:2026-11-26.0")
    for person in (p, other, harness.person(3001, "张三")):
        await person.send("/my")
        for data in families:
            await person.tap_data(data)
            assert person.answers()[-1] in (texts.say("common", "not_allowed"), texts.say("common", "stranger"))
    replies = await p.send("/review")
    assert texts.say("common", "not_allowed") in replies[-1].visible
    await leader.send("/review")
    forged = (
        f"rv:cm:{other_unit.id}.1.", f"rv:rt:{other_unit.id}.1.2026-11", "rv:ok:1.x.", "rv:cm:1.1.2026-13",
        "rv:e9:1.1.", "rv:e0:1.1.", "rv:sw:maybe", "rv:nw:", "rv:new:2026-02-30.0", "rv:new:../x", "rv:l:-1", "rv:zz:1",
    )
    for data in forged:
        await leader.tap_data(data)
        assert any(word in leader.answers()[-1] for word in ("找不到", "过期")), (data, leader.answers()[-1])
    assert harness.db is not None
    assert await kept(harness, unit) == []
    assert await reviews.review_on_since(harness.db) is None and await reviews.news_readers(harness.db) == {}
    assert await activities.count_activities(harness.db) == 1
