"""End to end: /notice — writing a notice, its fan-out through the reminder outbox, 已阅, the
delivery report, the receipts, the one 提醒未阅, a crash mid fan-out, and forged buttons.

The periodic tick is off; after 发送 the test runs one tick itself (the button's own background
tick may run first: ticks never overlap, so either way everything is sent once). Retry pauses
are zero. Units and secretaries are seeded directly, as the reminder tests do.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import texts
from bot.fakeapi.harness import BotHarness, FakeClock, Person
from bot.fakeapi.server import SentMessage
from bot.reminders.engine import TickReport
from bot.reminders.notices import send_moment
from bot.rules.workcalendar import QuietHours
from storage import invites
from storage import notices as store
from storage import people as people_store
from storage import units as unit_store
from storage.models import Unit
from tests.test_e2e_reminders import BASE_ENV, LEADER_ID, engine, h

__all__ = ["h"]  # the reminder tests' bot fixture, on this module's clock

TZ = ZoneInfo("Asia/Shanghai")
NOTICE_TEXT = "请各支部于12月3日前报送年度述职报告。"


class SimulatedCrash(Exception):
    """Stands for the process dying at this exact point (kill -9): nothing after it runs."""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 27, 10, 0, tzinfo=TZ))  # a Friday morning




async def tick(h: BotHarness) -> TickReport:
    return await engine(h).run_once()


async def township(h: BotHarness, count: int, first_user: int = 2001) -> list[tuple[Unit, Person]]:
    """``count`` units (every fourth a school, the rest villages), one secretary each."""
    assert h.db is not None
    found = []
    for i in range(count):
        kind = "学校" if i % 4 == 3 else "村"
        unit = await unit_store.add_unit(h.db, f"第{i + 1:02d}{'中学' if kind == '学校' else '村'}党支部", kind, 30, LEADER_ID, h.clock())
        user_id = first_user + i
        await invites.create_invite(h.db, f"seed-{user_id}", "secretary", unit.id, LEADER_ID, h.clock(), timedelta(days=1))
        result = await invites.redeem_invite(h.db, f"seed-{user_id}", user_id, f"书记{i + 1:02d}", h.clock())
        assert result.person is not None
        found.append((unit, h.person(user_id, f"书记{i + 1:02d}")))
    return found


async def leader_of(h: BotHarness) -> Person:
    leader = h.person(LEADER_ID, "王", "书记")
    await leader.send("/start")
    return leader


def notices_to(h: BotHarness, user_id: int) -> list[SentMessage]:
    return [m for m in h.api.bot_messages(user_id) if "📢 通知" in m.visible]


def reports_to(h: BotHarness, user_id: int) -> list[SentMessage]:
    return [m for m in h.api.bot_messages(user_id) if "通知送达情况" in m.visible]


async def write_notice(leader: Person, text: str = NOTICE_TEXT, audience: str = "全部单位") -> SentMessage:
    """/notice → 写新通知 → the text → 不加附件 → the audience; returns the preview card."""
    await leader.send("/notice")
    await leader.tap("写新通知")
    await leader.send(text)
    await leader.tap("不加附件")
    replies = await leader.tap(audience)
    return replies[-1]


async def reads_in_db(h: BotHarness, notice_id: int) -> dict[int, bool]:
    assert h.db is not None
    return {r.recipient: r.read_at is not None for r in await store.receipts(h.db, notice_id)}


# ----- the whole path ---------------------------------------------------------------------------
async def test_a_notice_to_40_units_with_a_blocked_user_and_a_5xx(h: BotHarness) -> None:
    leader = await leader_of(h)
    pairs = await township(h, 40)
    secretaries = [s for _, s in pairs]
    blocked = secretaries[6]
    h.api.block_bot(blocked.user_id)

    preview = await write_notice(leader)
    assert "请核对通知" in preview.visible and NOTICE_TEXT in preview.visible
    assert "全部单位（40 个），共 40 人接收" in preview.visible
    engine(h)
    h.api.inject_faults("sendMessage", [502])  # the first notice sent meets a 5xx and is retried
    replies = await leader.tap("发送（40 人）")
    assert "通知正在发送，共 40 人" in replies[-1].visible
    await tick(h)

    assert h.db is not None
    [notice] = await store.recent_notices(h.db, 10)
    assert (notice.recipients, notice.delivered, notice.read) == (40, 39, 0)
    assert await store.delivery_counts(h.db) == {"sent": 39, "blocked": 1}
    assert [len(notices_to(h, s.user_id)) for s in secretaries] == [0 if s is blocked else 1 for s in secretaries]
    [report] = reports_to(h, LEADER_ID)
    assert "共 40 人：已送达 39 人，无法送达 1 人，发送失败 0 人。" in report.visible
    assert "⛔ 无法送达（已屏蔽本机器人）：书记07（第07村党支部）" in report.visible
    assert "书记01（第01村党支部）" in report.visible.split("✅ 已送达：")[1]
    audit = await h.db.fetchone("SELECT actor_id, detail FROM audit_log WHERE action = 'notice.send'")
    assert audit is not None and audit["actor_id"] == LEADER_ID and '"recipients": 40' in audit["detail"]

    # Five read it; a second tap changes nothing.
    readers = secretaries[:5]
    for reader in readers:
        await reader.tap("已阅", notices_to(h, reader.user_id)[0])
        assert reader.answers()[-1] == "已确认阅读，谢谢！"
    assert "已阅（已确认）" in notices_to(h, readers[0].user_id)[0].buttons[0][0]["text"]
    await readers[0].tap("已阅", notices_to(h, readers[0].user_id)[0])
    assert readers[0].answers()[-1] == "您已确认阅读过这条通知。"
    reads = await reads_in_db(h, notice.notice.id)
    assert sorted(u for u, read in reads.items() if read) == [s.user_id for s in readers]

    # The leader's receipts agree with the database.
    await leader.send("/notice")
    assert "已阅 5/39" in leader.last().buttons[1][0]["text"]
    card = (await leader.tap("已阅 5/39"))[-1]
    assert "已阅 5 / 共 39" in card.visible
    assert "已阅：书记01（第01村党支部）、书记02（第02村党支部）、书记03（第03村党支部）、书记04（第04中学党支部）" in card.visible
    assert "无法送达（已屏蔽本机器人）：书记07（第07村党支部）" in card.visible

    # One 提醒未阅: to the 34 who received it and have not read it, once.
    await leader.tap("提醒未阅（34 人）", card)
    assert leader.answers()[-1] == "已向 34 位未阅的同志再发一次通知。"
    await tick(h)
    chased = [s for s in secretaries if s not in readers and s is not blocked]
    assert [len(notices_to(h, s.user_id)) for s in chased] == [2] * 34
    assert all("🔔 提醒" in notices_to(h, s.user_id)[1].visible for s in chased)
    assert [len(notices_to(h, s.user_id)) for s in readers] == [1] * 5
    assert await store.delivery_counts(h.db, store.CHASE_ROUND) == {"sent": 34}
    assert "提醒未阅" not in str(h.api.find_message(LEADER_ID, card.message_id).buttons)  # type: ignore[union-attr]
    await leader.tap_data(f"nt:c:{notice.notice.id}", card)
    assert leader.answers()[-1] == "这条通知已经提醒过一次未阅，不再重复提醒。"
    await tick(h)
    assert await store.delivery_counts(h.db, store.CHASE_ROUND) == {"sent": 34}
    assert len(reports_to(h, LEADER_ID)) == 1  # the chase brings no second report

    # Reading the reminder counts as reading the notice.
    await chased[0].tap("已阅", notices_to(h, chased[0].user_id)[1])
    assert (await reads_in_db(h, notice.notice.id))[chased[0].user_id] is True


async def test_a_group_or_chosen_units_with_a_photo_reach_only_those(h: BotHarness) -> None:
    leader = await leader_of(h)
    pairs = await township(h, 24)  # 18 villages, 6 schools
    schools = [s for u, s in pairs if u.kind == "学校"]
    villages = [s for u, s in pairs if u.kind == "村"]
    engine(h)

    preview = await write_notice(leader, "村（社区）换届工作部署", audience="村（社区）（18 个）")
    assert "村（社区）（18 个单位），共 18 人接收" in preview.visible
    await leader.tap("发送")
    await tick(h)
    assert [len(notices_to(h, s.user_id)) for s in villages] == [1] * 18
    assert [len(notices_to(h, s.user_id)) for s in schools] == [0] * 6

    # A photo with its caption as the text; units ticked on two pages.
    await leader.send("/notice")
    await leader.tap("写新通知")
    await leader.send_photo(caption="学校党建示范点观摩安排")
    await leader.tap("选择单位")
    await leader.tap("第04中学党支部")
    await leader.tap("第08中学党支部")
    await leader.tap("第01村党支部")
    await leader.tap("第01村党支部")  # a second tap unticks it
    await leader.tap("下一页")
    await leader.tap("第24中学党支部")
    replies = await leader.tap("选好了（3 个）")
    assert "选定的 3 个单位，共 3 人接收" in replies[-1].visible and "附件：照片" in replies[-1].visible
    await leader.tap("发送")
    await tick(h)
    chosen = [s for u, s in pairs if u.name in ("第04中学党支部", "第08中学党支部", "第24中学党支部")]
    for secretary in chosen:
        [message] = [m for m in h.api.bot_messages(secretary.user_id) if m.photo]
        assert "学校党建示范点观摩安排" in message.visible and "已阅" in message.buttons[0][0]["text"]
    assert sum(1 for s in schools for m in h.api.bot_messages(s.user_id) if m.photo) == 3
    assert len(reports_to(h, LEADER_ID)) == 2


async def test_a_notice_confirmed_in_quiet_hours_waits_for_the_morning(h: BotHarness) -> None:
    leader = await leader_of(h)
    [(_, secretary)] = await township(h, 1)
    h.clock.set(datetime(2026, 11, 27, 22, 0, tzinfo=TZ))
    preview = await write_notice(leader)
    assert "现在是免打扰时段，将于 11月28日 08:00 发出" in preview.visible
    await leader.tap("发送")
    await tick(h)
    assert notices_to(h, secretary.user_id) == []
    h.clock.set(datetime(2026, 11, 28, 8, 1, tzinfo=TZ))  # a Saturday: a leader's notice still goes
    await tick(h)
    assert len(notices_to(h, secretary.user_id)) == 1


async def test_a_double_tap_on_send_stores_one_notice_and_a_bad_text_is_asked_again(h: BotHarness) -> None:
    leader = await leader_of(h)
    await township(h, 2)
    await leader.send("/notice")
    await leader.tap("写新通知")
    replies = await leader.send("　\u200b")
    assert "通知正文不能为空" in replies[-1].visible
    replies = await leader.send("长" * 3001)
    assert "最多 3000 个字" in replies[-1].visible
    await leader.send(NOTICE_TEXT)
    await leader.tap("不加附件")
    preview = (await leader.tap("全部单位"))[-1]
    _, data = leader.find_button("发送", preview)
    await leader.tap_data(data, preview)
    await leader.tap_data(data, preview)
    assert leader.answers()[-1] == texts.say("common", "stale_card")
    assert h.db is not None and await store.count_notices(h.db) == 1


# ----- crash safety ------------------------------------------------------------------------------
async def test_a_crash_in_the_middle_of_a_notice_fan_out_misses_nobody(tmp_path: Path, clock: FakeClock) -> None:
    env = {**BASE_ENV, "REMINDER_SEND_CONCURRENCY": "1"}
    async with BotHarness(tmp_path / "bot.sqlite3", clock, env=env) as h:
        leader = await leader_of(h)
        secretaries = [s for _, s in await township(h, 12)]
        e = engine(h)
        real_send, sends, dead = e.sender.send, 0, False

        async def dies_after_the_fifth_send(chat_id, text, markup=None, attachment=None):  # noqa: ANN001, ANN202
            nonlocal sends, dead
            if dead:
                raise SimulatedCrash  # the process is gone: nothing more is sent
            result = await real_send(chat_id, text, markup)
            sends += 1
            if sends == 5:
                dead = True
                raise SimulatedCrash  # Telegram has the message; the database never heard of it
            return result

        e.sender.send = dies_after_the_fifth_send  # type: ignore[method-assign]
        await write_notice(leader)
        await leader.tap("发送")
        with pytest.raises(SimulatedCrash):
            await tick(h)
        assert sum(len(notices_to(h, s.user_id)) for s in secretaries) == 5
        assert reports_to(h, LEADER_ID) == []

        await h.restart()
        await tick(h)
        counts = [len(notices_to(h, s.user_id)) for s in secretaries]
        assert min(counts) == 1 and sorted(counts)[-2:] == [1, 2]  # nobody missed, one duplicate
        assert counts[4] == 2  # the one in flight at the crash
        assert h.db is not None and await store.delivery_counts(h.db) == {"sent": 12}
        [report] = reports_to(h, LEADER_ID)
        assert "已送达 12 人" in report.visible


# ----- access -------------------------------------------------------------------------------------
async def test_forged_notice_buttons_change_nothing(h: BotHarness) -> None:
    leader = await leader_of(h)
    pairs = await township(h, 4)  # the fourth is a school
    village, school = pairs[0][1], pairs[3][1]
    engine(h)
    await write_notice(leader, audience="村（社区）（3 个）")
    await leader.tap("发送")
    await tick(h)
    assert h.db is not None
    [summary] = await store.recent_notices(h.db, 1)
    notice_id = summary.notice.id

    # Secretaries may not use the leaders' buttons, nor /notice.
    for data in (f"nt:s:{notice_id}", f"nt:c:{notice_id}", "nt:l:0", "nt:n"):
        await village.tap_data(data, notices_to(h, village.user_id)[0])
        assert village.answers()[-1] == "您没有权限进行此操作。"
    replies = await village.send("/notice")
    assert replies[-1].visible == "您没有权限进行此操作。"
    assert await store.chased_count(h.db, notice_id) == 0

    # 已阅 counts only for the person it was delivered to.
    await school.send("/notice")  # a message of the school's own chat to tap on
    await school.tap_data(f"nr:{notice_id}", school.last())
    assert school.answers()[-1] == "这条通知不是发给您的。"
    await school.tap_data("nr:1e9", school.last())
    assert school.answers()[-1] == texts.say("common", "stale_card", secretary=True)
    stranger = h.person(3001, "张三")
    await stranger.send("/start")
    await stranger.tap_data(f"nr:{notice_id}", stranger.last())
    assert "您还没有加入" in stranger.answers()[-1]
    assert await reads_in_db(h, notice_id) == {s.user_id: False for _, s in pairs[:3]}

    # A leader's forged ids: not a number, or no such notice.
    await leader.send("/notice")
    await leader.tap_data("nt:s:abc", leader.last())
    assert leader.answers()[-1] == texts.say("common", "stale_card")
    await leader.tap_data("nt:s:99999", leader.last())
    assert leader.answers()[-1] == "找不到这条通知。"
    await leader.tap_data("nt:c:99999", leader.last())
    assert leader.answers()[-1] == "找不到这条通知。"
    await leader.tap_data("nt:zz:1", leader.last())
    assert leader.answers()[-1] == texts.say("common", "stale_card")
    assert await store.delivery_counts(h.db, store.CHASE_ROUND) == {}


async def test_a_refused_send_and_a_revoked_secretary_are_named_in_the_report(h: BotHarness) -> None:
    leader = await leader_of(h)
    secretaries = [s for _, s in await township(h, 3)]
    h.clock.set(datetime(2026, 11, 27, 22, 0, tzinfo=TZ))  # held until 08:00, so the test acts in between
    await write_notice(leader)
    await leader.tap("发送")
    assert h.db is not None
    await people_store.revoke(h.db, secretaries[1].user_id, LEADER_ID, h.clock())
    h.clock.set(datetime(2026, 11, 28, 8, 0, tzinfo=TZ))
    engine(h)
    h.api.inject_faults("sendMessage", [400])  # Telegram refuses the first one for good
    report = await tick(h)
    assert (report.notices_sent, report.failed) == (1, 1)
    assert await store.delivery_counts(h.db) == {"failed": 1, "dropped": 1, "sent": 1}
    [message] = reports_to(h, LEADER_ID)
    assert "共 3 人：已送达 1 人，无法送达 0 人，发送失败 1 人。" in message.visible
    assert "⚠ 发送失败：书记01（第01村党支部）" in message.visible
    assert "未发送（已不再担任书记或已取消权限）：书记02（第02村党支部）" in message.visible


async def test_the_notice_list_pages_latest_first(h: BotHarness) -> None:
    leader = await leader_of(h)
    pairs = await township(h, 1)
    assert h.db is not None
    for number in range(1, 10):
        await store.create_notice(
            h.db, author=LEADER_ID, text=f"第{number}号通知", attachment=None, audience=store.ALL_UNITS, unit_ids=[pairs[0][0].id],
            recipients=[(pairs[0][1].user_id, pairs[0][0].id)], due_at=h.clock(), now=h.clock(), draft=None,
        )
    [card] = await leader.send("/notice")
    assert "共 9 条通知（第 1/2 页）" in card.visible
    labels = [row[0]["text"] for row in card.buttons]
    assert labels[1].endswith("第9号通知 · 已阅 0/0") and labels[-1] == "下一页 »" and len(labels) == 10
    [card] = await leader.tap("下一页")
    assert [row[0]["text"] for row in card.buttons][1].endswith("第1号通知 · 已阅 0/0")


def test_a_notice_waits_out_quiet_hours_only() -> None:
    quiet = QuietHours(time(21, 0), time(8, 0))
    assert send_moment(datetime(2026, 11, 27, 10, 0, tzinfo=TZ), quiet) is None
    assert send_moment(datetime(2026, 11, 27, 22, 30, tzinfo=TZ), quiet) == datetime(2026, 11, 28, 8, 0, tzinfo=TZ)
    assert send_moment(datetime(2026, 11, 28, 6, 0, tzinfo=TZ), quiet) == datetime(2026, 11, 28, 8, 0, tzinfo=TZ)
    assert send_moment(datetime(2026, 11, 28, 21, 0, tzinfo=TZ), QuietHours(time(0, 0), time(0, 0))) is None


async def test_a_photo_first_then_the_text_and_a_unit_nobody_can_receive_it_for(h: BotHarness) -> None:
    leader = await leader_of(h)
    await township(h, 1)
    assert h.db is not None
    await unit_store.add_unit(h.db, "新成立党支部", "社会组织", 5, LEADER_ID, h.clock())
    await leader.send("/notice")
    await leader.tap("写新通知")
    replies = await leader.send_photo()
    assert "已收到附件（照片）。请输入通知正文（不超过 900 字）" in replies[-1].visible
    replies = await leader.send("长" * 901)
    assert "带附件的通知，正文最多 900 个字" in replies[-1].visible
    replies = await leader.send("安全生产检查照片")
    assert "发给谁？" in replies[-1].visible  # no second question about an attachment
    replies = await leader.tap("“两新”组织（1 个）")
    assert "所选单位都还没有已加入的书记" in replies[-1].visible
    assert "发送" not in str(replies[-1].buttons)
    replies = await leader.tap("重新选择对象")
    replies = await leader.tap("全部单位（2 个）")
    assert "共 1 人接收" in replies[-1].visible and "其中 1 个单位暂无已加入的书记，收不到：新成立党支部" in replies[-1].visible
    assert "附件：照片" in replies[-1].visible
    assert await store.count_notices(h.db) == 0


async def test_people_are_answered_while_a_notice_fans_out(h: BotHarness) -> None:
    leader = await leader_of(h)
    secretaries = [s for _, s in await township(h, 8)]
    e = engine(h)
    real_send, sends = e.sender.send, 0
    halfway, go_on = asyncio.Event(), asyncio.Event()

    async def pauses_halfway(chat_id, text, markup=None, attachment=None):  # noqa: ANN001, ANN202
        nonlocal sends
        sends += 1
        if sends == 4:
            halfway.set()
            await go_on.wait()  # Telegram is slow with this one: the fan-out is in the middle
        return await real_send(chat_id, text, markup)

    e.sender.send = pauses_halfway  # type: ignore[method-assign]
    await write_notice(leader)
    await leader.tap("发送")
    running = asyncio.create_task(tick(h))
    await halfway.wait()
    replies = await leader.send("/help")  # answered while the fan-out waits
    assert "/notice" in replies[-1].visible
    replies = await secretaries[0].tap("已阅", notices_to(h, secretaries[0].user_id)[0])
    assert secretaries[0].answers()[-1] == "已确认阅读，谢谢！"
    go_on.set()
    await running
    assert [len(notices_to(h, s.user_id)) for s in secretaries] == [1] * 8
