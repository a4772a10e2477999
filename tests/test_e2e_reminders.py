"""End to end: reminders, escalations, /board and /schedule, with time moved by a fake clock.

Every test drives the real Application against the Bot API stand-in with a real SQLite file. The
periodic tick is off (``REMINDER_TICK_SECONDS=0``) except where the start-up catch-up is the point;
tests move the clock and run one tick with ``tick(h)`` instead of waiting. Retry pauses are zero.
Records the reporting flow would have written (activities, commitments) are seeded directly.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.fakeapi.harness import BotHarness, FakeClock, Person
from bot.fakeapi.server import FloodLimits, SentMessage
from bot.reminders.engine import ReminderEngine, TickReport, engine_of
from bot.reminders.queries import load_timing
from storage import audit, invites, people
from storage import reminders as store
from storage import schedule as schedule_store
from storage import units as unit_store
from storage.models import Unit
from storage.timeutil import ts

TZ = ZoneInfo("Asia/Shanghai")
LEADER_ID = 1001
MONTHLY = ("支委会", "党小组会", "主题党日")
YEARLY = ("组织生活会", "民主评议党员")  # reminded in November and December (meeting_rules.toml [remind_in])
BASE_ENV = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0"}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


class SimulatedCrash(Exception):
    """Stands for the process dying at this exact point (kill -9): nothing after it runs."""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at(2026, 11, 20, 10))


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[BotHarness]:
    async with BotHarness(tmp_path / "bot.sqlite3", clock, env=dict(BASE_ENV)) as running:
        yield running


def engine(h: BotHarness) -> ReminderEngine:
    """The running bot's engine, with retry pauses set to zero."""
    found = engine_of(h.app)  # type: ignore[arg-type]
    found.sender.delays = (0.0, 0.0, 0.0)

    async def no_sleep(_: float) -> None:
        return None

    found.sender.sleep = no_sleep
    return found


async def tick(h: BotHarness, moment: datetime | None = None) -> TickReport:
    if moment is not None:
        h.clock.set(moment)
    return await engine(h).run_once()


# ----- seeding --------------------------------------------------------------------------------
async def add_unit(h: BotHarness, name: str, kind: str = "村") -> Unit:
    assert h.db is not None
    return await unit_store.add_unit(h.db, name, kind, 30, LEADER_ID, h.clock(), committee_size=7)


async def add_secretary(h: BotHarness, unit: Unit, user_id: int, name: str) -> Person:
    assert h.db is not None
    code_hash = f"seed-{user_id}"
    await invites.create_invite(h.db, code_hash, "secretary", unit.id, LEADER_ID, h.clock(), timedelta(days=1))
    result = await invites.redeem_invite(h.db, code_hash, user_id, name, h.clock())
    assert result.person is not None
    return h.person(user_id, name)


async def seed_activity(h: BotHarness, unit: Unit, kind: str, day: date) -> None:
    """An activity as the /report flow stores it."""
    assert h.db is not None
    await h.db.execute(
        "INSERT INTO activities (unit_id, kind, held_on, topic, attended, expected, created_by, created_at, updated_at) "
        "VALUES (?, ?, ?, '学习贯彻', 20, 30, 0, ?, ?)",
        (unit.id, kind, day.isoformat(), ts(h.clock()), ts(h.clock())),
    )


async def seed_commitment(h: BotHarness, unit: Unit, content: str, due_on: date) -> int:
    assert h.db is not None
    return await h.db.execute(
        "INSERT INTO commitments (unit_id, made_by, content, due_on, created_by, created_at) VALUES (?, NULL, ?, ?, 0, ?)",
        (unit.id, content, due_on.isoformat(), ts(h.clock())),
    )


async def units_with_secretaries(h: BotHarness, count: int, first_user: int = 2001) -> list[tuple[Unit, Person]]:
    found = []
    for i in range(count):
        unit = await add_unit(h, f"第{i + 1:02d}村党支部")
        found.append((unit, await add_secretary(h, unit, first_user + i, f"书记{i + 1:02d}")))
    return found


def texts_to(h: BotHarness, user_id: int) -> list[str]:
    return [m.visible for m in h.api.bot_messages(user_id)]


def reminders_to(h: BotHarness, user_id: int) -> list[SentMessage]:
    return [m for m in h.api.bot_messages(user_id) if "报送提醒" in m.visible or "镇党委催办" in m.visible]


def button_data(message: SentMessage, text: str) -> str:
    for row in message.buttons:
        for button in row:
            if text in button["text"]:
                return button["callback_data"]
    raise AssertionError(f"no button {text!r} in {[[b['text'] for b in r] for r in message.buttons]}")


def skip_data(message: SentMessage, kind: str) -> str:
    """The 未开展 button on the row of ``kind``."""
    for row in message.buttons:
        if any(kind in b["text"] for b in row):
            return next(b["callback_data"] for b in row if "未开展" in b["text"])
    raise AssertionError(f"no row for {kind}")


# ----- slots, combining, who gets what ----------------------------------------------------------
async def test_reminders_arrive_at_their_slots_combined_and_only_where_something_is_missing(h: BotHarness) -> None:
    leader = h.person(LEADER_ID, "王书记")
    village = await add_unit(h, "山宁村党支部")
    li = await add_secretary(h, village, 2001, "李梅")
    zhou = await add_secretary(h, village, 2002, "周强")
    done = await add_unit(h, "城北社区党委", "社区")
    zhang = await add_secretary(h, done, 2003, "张芳")
    empty = await add_unit(h, "博望中学党支部", "学校")
    wu = await add_secretary(h, empty, 2004, "吴刚")
    await seed_activity(h, village, "支委会", date(2026, 11, 5))
    for kind in (*MONTHLY, *YEARLY):
        await seed_activity(h, done, kind, date(2026, 11, 6))

    # before-3 for the 25 November deadline is Sunday the 22nd, moved to Monday 09:00.
    await tick(h, at(2026, 11, 22, 10))
    await tick(h, at(2026, 11, 23, 8, 59))
    assert reminders_to(h, li.user_id) == [] and reminders_to(h, wu.user_id) == []

    report = await tick(h, at(2026, 11, 23, 9, 0))
    assert report.sent == 3
    [to_li] = reminders_to(h, li.user_id)
    assert "本月尚未报送：党小组会、主题党日" in to_li.visible
    assert "截止时间：11月25日（周三）18:00" in to_li.visible
    assert [b["text"] for b in to_li.buttons[0]] == ["📝 去汇报：党小组会", "本月未开展"]
    assert to_li.buttons[-1][0]["text"] == "⏰ 稍后提醒"
    assert len(reminders_to(h, zhou.user_id)) == 1  # every active secretary of the unit
    assert "本月尚未报送：支委会、党小组会、主题党日" in reminders_to(h, wu.user_id)[0].visible
    assert h.api.bot_messages(zhang.user_id) == []  # nothing missing: nothing sent
    assert h.api.bot_messages(leader.user_id) == []  # secretaries are reminded, not leaders

    # Ticks keep running: the same slot is never sent again.
    await tick(h, at(2026, 11, 23, 9, 1))
    await tick(h, at(2026, 11, 23, 15, 0))
    assert len(reminders_to(h, li.user_id)) == 1

    # The morning of the deadline: the next slot, with what is still missing then.
    await seed_activity(h, village, "党小组会", date(2026, 11, 24))
    await tick(h, at(2026, 11, 25, 9, 0))
    latest = reminders_to(h, li.user_id)[-1]
    assert len(reminders_to(h, li.user_id)) == 2
    assert "本月尚未报送：主题党日" in latest.visible
    assert h.api.bot_messages(zhang.user_id) == []


async def test_quiet_hours_hold_a_late_reminder_until_the_morning(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    # The bot was down at 09:00 and comes back at 21:30: quiet hours, nothing goes out.
    report = await tick(h, at(2026, 11, 23, 21, 30))
    assert report.quiet and report.sent == 0
    assert reminders_to(h, secretary.user_id) == []
    # 08:00 next day is within the 24-hour grace window: it is sent then.
    report = await tick(h, at(2026, 11, 24, 8, 0))
    assert report.sent == 1
    assert len(reminders_to(h, secretary.user_id)) == 1


# ----- the buttons --------------------------------------------------------------------------------
async def test_go_report_opens_the_report_form_with_the_kind_chosen(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    await tick(h, at(2026, 11, 23, 9))
    [reminder] = reminders_to(h, secretary.user_id)
    replies = await secretary.tap("去汇报：主题党日", reminder)
    form = replies[-1]
    assert "主题党日" in form.visible and "哪天" in form.visible
    # The form is a new message: the reminder, with the other missing items, stays as it was.
    assert form.message_id != reminder.message_id
    assert "本月尚未报送：支委会、党小组会、主题党日" in h.api.find_message(secretary.user_id, reminder.message_id).visible  # type: ignore[union-attr]


async def test_not_held_with_a_reason_stops_reminders_for_that_item(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    await tick(h, at(2026, 11, 23, 9))
    [reminder] = reminders_to(h, secretary.user_id)

    skip_theme = skip_data(reminder, "主题党日")
    replies = await secretary.tap_data(skip_theme, reminder)
    assert "未开展“主题党日”的原因" in replies[-1].visible
    # Failure paths: a sticker, an empty answer, an over-long answer — each asked again, nothing stored.
    assert "请直接输入文字" in (await secretary.send_sticker())[-1].visible
    assert "原因不能为空" in (await secretary.send("   "))[-1].visible
    assert "最多 200 个字" in (await secretary.send("长" * 201))[-1].visible
    assert h.db is not None and await store.list_excuses(h.db) == []

    replies = await secretary.send("书记外出参加县委党校培训，顺延至下月")
    assert "已记录：2026年11月“主题党日”未开展" in replies[-1].visible
    [excuse] = await store.list_excuses(h.db)
    assert (excuse.unit_id, excuse.activity_kind, excuse.slot) == (unit.id, "主题党日", "2026-11")
    assert excuse.reason == "书记外出参加县委党校培训，顺延至下月"

    # The card now lists what is still owed; the button tapped again (as an older copy of the
    # card would carry it) says there is nothing left to explain.
    assert "本月尚未报送：支委会、党小组会" in reminder.visible and "主题党日" not in str(reminder.buttons)
    await secretary.tap_data(skip_theme, reminder)
    assert "无需再说明" in secretary.answers()[-1]

    await tick(h, at(2026, 11, 25, 9))
    latest = reminders_to(h, secretary.user_id)[-1]
    assert "本月尚未报送：支委会、党小组会" in latest.visible and "主题党日" not in latest.visible

    # Once everything is held or explained, the reminders stop.
    for kind in ("支委会", "党小组会", *YEARLY):
        await seed_activity(h, unit, kind, date(2026, 11, 25))
    await tick(h, at(2026, 11, 27, 9))
    assert len(reminders_to(h, secretary.user_id)) == 2


async def test_buttons_of_another_units_reminder_are_refused(h: BotHarness) -> None:
    [(first, one), (second, two)] = await units_with_secretaries(h, 2)
    await tick(h, at(2026, 11, 23, 9))
    [theirs] = reminders_to(h, one.user_id)
    [own] = reminders_to(h, two.user_id)
    # Forged data naming the other unit's reminder, on the secretary's own message.
    await two.tap_data(skip_data(theirs, "支委会"), own)
    assert "不是发给您所在单位" in two.answers()[-1]
    assert h.db is not None and await store.list_excuses(h.db) == []


async def test_snooze_names_the_next_slot_or_adds_one(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    await tick(h, at(2026, 11, 23, 9))
    card = reminders_to(h, secretary.user_id)[0]
    await secretary.tap("稍后提醒", card)  # the moments offered (截止前一天 is 明天上午 here)
    assert [b["text"] for row in card.buttons for b in row] == ["今天下午 11月23日 15:00", "明天上午 11月24日 09:00", "↩ 返回"]
    await secretary.tap("今天下午", card)
    assert "11月23日（周一）15:00 再提醒您" in secretary.answers()[-1]
    assert "⏰ 已设为稍后提醒：11月23日（周一）15:00" in card.visible and "去汇报" in str(card.buttons)
    await tick(h, at(2026, 11, 23, 15))
    assert len(reminders_to(h, secretary.user_id)) == 2

    # After the last planned reminder (after-3, 1 December), a snooze adds one more.
    for moment in (at(2026, 11, 25, 9), at(2026, 11, 27, 9), at(2026, 11, 30, 9), at(2026, 12, 1, 9)):
        await tick(h, moment)
    assert len(reminders_to(h, secretary.user_id)) == 6
    h.clock.set(at(2026, 12, 1, 10))
    await secretary.tap("稍后提醒", reminders_to(h, secretary.user_id)[-1])
    await secretary.tap("明天上午", reminders_to(h, secretary.user_id)[-1])
    assert "12月2日（周三）09:00 再提醒您" in secretary.answers()[-1]
    await tick(h, at(2026, 12, 2, 9))
    assert len(reminders_to(h, secretary.user_id)) == 7
    assert "2026年11月尚未报送" in reminders_to(h, secretary.user_id)[-1].visible


# ----- escalation --------------------------------------------------------------------------------
async def test_escalation_lists_exactly_the_overdue_units_and_nudges_them_once(h: BotHarness) -> None:
    leader = h.person(LEADER_ID, "王书记")
    (complete, a), (partial, b), (silent, c) = await units_with_secretaries(h, 3)
    for kind in MONTHLY:
        await seed_activity(h, complete, kind, date(2026, 11, 3))
    await seed_activity(h, partial, "支委会", date(2026, 11, 3))
    await seed_activity(h, partial, "党小组会", date(2026, 11, 3))
    await seed_commitment(h, silent, "硬化村道 800 米", date(2026, 11, 20))

    await tick(h, at(2026, 11, 25, 21, 30))  # evening of the deadline: quiet hours, no escalation yet
    assert h.api.bot_messages(leader.user_id) == []
    await tick(h, at(2026, 11, 26, 9))
    [escalation] = h.api.bot_messages(leader.user_id)
    text = escalation.visible
    assert "逾期未报送｜2026年11月（截止 11月25日（周三）18:00）" in text
    assert "共 2 个单位尚未报齐" in text
    assert f"1. {partial.name}：主题党日" in text
    assert f"2. {silent.name}：支委会、党小组会、主题党日" in text
    assert complete.name not in text
    assert "硬化村道 800 米（11月20日到期）" in text

    replies = await leader.tap("一键催办", escalation)
    assert any("已向 2 个逾期单位的书记发送催办提醒" in m.visible for m in replies)
    assert "📣 已催办 2 个单位" in h.api.find_message(leader.user_id, escalation.message_id).visible  # type: ignore[union-attr]
    await tick(h)
    assert [len(reminders_to(h, s.user_id)) for s in (a, b, c)] == [0, 1, 1]
    assert "镇党委催办" in reminders_to(h, c.user_id)[0].visible
    await leader.tap("一键催办", escalation)
    assert "已经催办过了" in leader.answers()[-1]
    nudges = [e for e in await audit.latest(h.db, 0, 100) if e.action == "reminder.nudge"]  # type: ignore[arg-type]
    assert [(e.actor_id, e.subject, e.detail) for e in nudges] == [(LEADER_ID, "2026-11", {"count": 2})]
    await tick(h)
    assert [len(reminders_to(h, s.user_id)) for s in (a, b, c)] == [0, 1, 1]


async def test_escalation_runs_daily_at_most_five_working_days_and_stops_when_all_reported(h: BotHarness) -> None:
    leader = h.person(LEADER_ID, "王书记")
    [(unit, _)] = await units_with_secretaries(h, 1)
    day = at(2026, 11, 26, 9, 30)
    while day < at(2026, 12, 10):
        await tick(h, day)
        day += timedelta(days=1)
    escalations = [m for m in h.api.bot_messages(leader.user_id) if "逾期未报送" in m.visible]
    assert len(escalations) == 5  # 26, 27, 30 November, 1 and 2 December (weekend skipped)

    for kind in MONTHLY:
        await seed_activity(h, unit, kind, date(2026, 12, 3))
    await tick(h, at(2026, 12, 28, 9, 30))  # December's escalation: December is owed, November is not
    late = [m for m in h.api.bot_messages(leader.user_id) if "逾期未报送" in m.visible]
    assert len(late) == 6 and "2026年12月" in late[-1].visible and "2026年11月" not in late[-1].visible


async def test_commitments_are_reminded_three_days_before_and_on_the_day(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    for kind in (*MONTHLY, *YEARLY):
        await seed_activity(h, unit, kind, date(2026, 11, 2))
        await seed_activity(h, unit, kind, date(2026, 12, 1))
    await seed_commitment(h, unit, "为 5 户困难党员送温暖", date(2026, 12, 4))
    await seed_commitment(h, unit, "整治村内沟渠", date(2026, 12, 4))
    await tick(h, at(2026, 12, 1, 9))
    [before] = h.api.bot_messages(secretary.user_id)
    assert "承诺事项提醒" in before.visible and "将于 12月4日（周五） 到期" in before.visible
    assert "1. 为 5 户困难党员送温暖" in before.visible and "2. 整治村内沟渠" in before.visible
    await tick(h, at(2026, 12, 4, 9))
    assert "今天（12月4日（周五））到期" in h.api.bot_messages(secretary.user_id)[-1].visible
    assert len(h.api.bot_messages(secretary.user_id)) == 2


# ----- crash safety -------------------------------------------------------------------------------
async def test_a_crash_between_planning_and_sending_loses_nothing(h: BotHarness) -> None:
    pairs = await units_with_secretaries(h, 4)
    h.clock.set(at(2026, 11, 23, 9))
    e = engine(h)
    timing = await load_timing(e.services)
    assert await e.plan(timing, h.clock()) == 4  # recorded as pending …
    await h.restart()  # … and the process dies before sending anything
    await tick(h, at(2026, 11, 23, 9, 1))
    await tick(h, at(2026, 11, 23, 9, 2))
    assert [len(reminders_to(h, s.user_id)) for _, s in pairs] == [1, 1, 1, 1]


async def test_a_crash_in_the_middle_of_a_fan_out_sends_the_rest_once(tmp_path: Path, clock: FakeClock) -> None:
    env = {**BASE_ENV, "REMINDER_SEND_CONCURRENCY": "1"}
    async with BotHarness(tmp_path / "bot.sqlite3", clock, env=env) as h:
        pairs = await units_with_secretaries(h, 6)
        e = engine(h)
        real_send, sends = e.sender.send, 0

        async def dies_before_the_fourth(chat_id, text, markup=None):  # noqa: ANN001, ANN202
            nonlocal sends
            if sends == 3:
                raise SimulatedCrash
            sends += 1
            return await real_send(chat_id, text, markup)

        e.sender.send = dies_before_the_fourth  # type: ignore[method-assign]
        with pytest.raises(SimulatedCrash):
            await tick(h, at(2026, 11, 23, 9))
        assert sum(len(reminders_to(h, s.user_id)) for _, s in pairs) == 3
        await h.restart()
        await tick(h, at(2026, 11, 23, 9, 5))
        assert [len(reminders_to(h, s.user_id)) for _, s in pairs] == [1] * 6
        assert h.db is not None and await store.delivery_counts(h.db) == {"sent": 6}


async def test_a_crash_between_a_send_and_its_record_duplicates_that_one_message_only(tmp_path: Path, clock: FakeClock) -> None:
    env = {**BASE_ENV, "REMINDER_SEND_CONCURRENCY": "1"}
    async with BotHarness(tmp_path / "bot.sqlite3", clock, env=env) as h:
        pairs = await units_with_secretaries(h, 5)
        e = engine(h)
        real_send, sends = e.sender.send, 0

        async def dies_after_the_third_send(chat_id, text, markup=None):  # noqa: ANN001, ANN202
            nonlocal sends
            result = await real_send(chat_id, text, markup)
            sends += 1
            if sends == 3:
                raise SimulatedCrash  # Telegram has the message; the database never heard of it
            return result

        e.sender.send = dies_after_the_third_send  # type: ignore[method-assign]
        with pytest.raises(SimulatedCrash):
            await tick(h, at(2026, 11, 23, 9))
        await h.restart()
        await tick(h, at(2026, 11, 23, 9, 5))
        counts = [len(reminders_to(h, s.user_id)) for _, s in pairs]
        assert sorted(counts) == [1, 1, 1, 1, 2]  # the documented at-least-once side: one duplicate
        assert counts[2] == 2


async def test_after_a_restart_the_first_tick_sends_what_came_due_while_down(h: BotHarness) -> None:
    pairs = await units_with_secretaries(h, 2)
    h.clock.set(at(2026, 11, 23, 11, 30))  # the bot was down at 09:00
    await h.restart(REMINDER_TICK_SECONDS="1")
    await engine(h).wait_for_ticks(1)  # the JobQueue's first tick, shortly after start
    assert [len(reminders_to(h, s.user_id)) for _, s in pairs] == [1, 1]


async def test_a_reminder_older_than_the_grace_window_is_not_sent_late(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    h.clock.set(at(2026, 11, 23, 9))
    e = engine(h)
    await e.plan(await load_timing(e.services), h.clock())
    report = await tick(h, at(2026, 11, 24, 9, 30))  # 24½ hours later
    assert report.expired == 1 and report.sent == 0
    assert reminders_to(h, secretary.user_id) == []
    assert h.db is not None and await store.delivery_counts(h.db) == {"expired": 1}


# ----- Telegram trouble ---------------------------------------------------------------------------
async def test_a_blocked_secretary_is_marked_unreachable_and_leaders_are_told_once(h: BotHarness) -> None:
    leader = h.person(LEADER_ID, "王书记")
    [(unit, li)] = await units_with_secretaries(h, 1)
    zhou = await add_secretary(h, unit, 2101, "周强")
    h.api.block_bot(li.user_id)

    report = await tick(h, at(2026, 11, 23, 9))
    assert (report.sent, report.blocked) == (2, 1)  # zhou's reminder and the leader's notice
    assert len(reminders_to(h, zhou.user_id)) == 1
    assert h.db is not None
    person = await people.get_person(h.db, li.user_id)
    assert person is not None and not person.reachable
    [notice] = h.api.bot_messages(leader.user_id)
    assert "书记01（第01村党支部）已屏蔽本机器人" in notice.visible

    sends_to_li = sum(1 for method, params in h.api.calls if method == "sendMessage" and int(params.get("chat_id", 0)) == li.user_id)
    await tick(h, at(2026, 11, 25, 9))
    assert len(reminders_to(h, zhou.user_id)) == 2
    assert sum(1 for method, params in h.api.calls if method == "sendMessage" and int(params.get("chat_id", 0)) == li.user_id) == sends_to_li
    assert len(h.api.bot_messages(leader.user_id)) == 1  # told once, not at every slot

    # Unblocking and writing to the bot makes the person reachable again.
    h.api.block_bot(li.user_id, False)
    await li.send("/start")
    person = await people.get_person(h.db, li.user_id)
    assert person is not None and person.reachable
    await tick(h, at(2026, 11, 27, 9))
    assert len(reminders_to(h, li.user_id)) == 1


async def test_a_502_burst_is_retried_and_a_long_outage_waits_for_the_next_tick(h: BotHarness) -> None:
    leader = h.person(LEADER_ID, "王书记")
    pairs = await units_with_secretaries(h, 4)
    h.api.inject_faults("sendMessage", [502, 502, 502])
    report = await tick(h, at(2026, 11, 23, 9))
    assert report.sent == 4 and report.retry_later == 0
    assert [len(reminders_to(h, s.user_id)) for _, s in pairs] == [1, 1, 1, 1]

    # A longer outage than one send's retries: the tick stops and leaves the rest pending.
    h.api.inject_faults("sendMessage", [502] * 18)
    report = await tick(h, at(2026, 11, 25, 9))
    assert report.retry_later >= 1 and report.sent < 4
    for minute in range(1, 10):  # each tick tries until the first send gives up, then waits
        await tick(h, at(2026, 11, 25, 9, minute))
    assert [len(reminders_to(h, s.user_id)) for _, s in pairs] == [2, 2, 2, 2]
    # The bot kept answering people throughout.
    replies = await leader.send("/board")
    assert "2026年11月 报送情况" in replies[-1].visible


async def test_429_with_retry_after_is_waited_out_and_nothing_is_lost(tmp_path: Path, clock: FakeClock) -> None:
    flood = FloodLimits(overall_rate=6.0, overall_burst=6.0, per_chat_burst=1000)
    async with BotHarness(tmp_path / "bot.sqlite3", clock, env=dict(BASE_ENV), flood=flood) as h:
        pairs = await units_with_secretaries(h, 10)
        report = await tick(h, at(2026, 11, 23, 9))
        assert h.api.flood_hits >= 1  # Telegram said 429 retry_after …
        assert report.sent == 10  # … and the rate limiter waited and tried again
        assert [len(reminders_to(h, s.user_id)) for _, s in pairs] == [1] * 10


# ----- /board ------------------------------------------------------------------------------------
async def test_board_shows_due_held_missing_overdue_and_pages(h: BotHarness) -> None:
    leader = h.person(LEADER_ID, "王书记")
    pairs = await units_with_secretaries(h, 17)
    complete, _ = pairs[0]
    for kind in MONTHLY:
        await seed_activity(h, complete, kind, date(2026, 11, 2))
    partial, _ = pairs[1]
    await seed_activity(h, partial, "支委会", date(2026, 11, 2))
    assert h.db is not None
    await store.add_excuses(h.db, partial.id, "主题党日", ["2026-11"], "暂停", 2002, h.clock())

    replies = await leader.send("/board")
    board = replies[-1]
    assert "2026年11月 报送情况" in board.visible
    assert "截止：11月25日（周三）18:00" in board.visible and "已截止" not in board.visible
    assert "单位 17 个：已报齐 1，未报齐 16" in board.visible
    assert "合计：应开 51，已开 4，未开 46，说明未开展 1" in board.visible
    assert "⏳ 第02村党支部：应开 3，已开 1，未开 1，说明 1" in board.visible
    assert "第 1/2 页" in board.visible

    h.clock.set(at(2026, 11, 26, 10))
    replies = await leader.send("/board")
    assert "已截止" in replies[-1].visible and "（逾期 16）" in replies[-1].visible
    assert "⚠️逾期 第02村党支部" in replies[-1].visible
    replies = await leader.tap("下一页", replies[-1])
    assert "17. ✅ 第01村党支部" in replies[-1].visible  # complete units come last
    replies = await leader.tap("2026年10月", replies[-1])
    assert "2026年10月 报送情况" in replies[-1].visible


async def test_only_leaders_see_the_board_and_the_schedule(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    assert "没有权限" in (await secretary.send("/board"))[-1].visible
    assert "没有权限" in (await secretary.send("/schedule"))[-1].visible


# ----- /schedule ---------------------------------------------------------------------------------
async def test_leaders_change_the_cycle_and_deadline_in_chat(h: BotHarness) -> None:
    leader = h.person(LEADER_ID, "王书记")
    replies = await leader.send("/schedule")
    card = replies[-1].visible
    assert "报送周期：每月" in card and "截止时间：每月 25 日 18:00" in card
    assert "2026年11月截止：11月25日（周三）18:00" in card
    assert h.db is not None and await schedule_store.get_schedule(h.db) is None  # the defaults

    await leader.tap("截止日")
    replies = await leader.send("32")
    assert "截止日应为 1 到 31 之间的整数" in replies[-1].visible
    assert await schedule_store.get_schedule(h.db) is None
    replies = await leader.send("20号")
    assert "已保存：每月报送，截止时间 每月 20 日 18:00" in replies[-1].visible

    await leader.tap("截止时间")
    replies = await leader.send("25:00")
    assert "没看懂这个时间" in replies[-1].visible
    stored = await schedule_store.get_schedule(h.db)
    assert stored is not None and stored.deadline_time.hour == 18
    await leader.send("17点30")

    await leader.tap("按周")
    await leader.tap("截止日")
    replies = await leader.tap("周四")
    assert "每周报送，截止时间 每周周四 17:30" in replies[-1].visible
    stored = await schedule_store.get_schedule(h.db)
    assert stored == schedule_store.StoredSchedule("week", 20, 3, stored.deadline_time)
    assert stored.deadline_time.strftime("%H:%M") == "17:30"
    replies = await leader.tap("完成")
    assert "报送周期：每周" in replies[-1].visible

    # The engine plans with the new schedule: the week of 23–29 November is due Thursday 17:30;
    # weekly reporting owes the monthly kinds in the week their month ends (30 November).
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    timing = await load_timing(engine(h).services)
    assert timing.schedule.cycle == "week"
    await tick(h, at(2026, 11, 30, 9))  # week of 30 Nov – 6 Dec: deadline Thu 3 Dec, before-3 Mon
    [reminder] = reminders_to(h, secretary.user_id)
    assert "本周尚未报送：支委会、党小组会、主题党日" in reminder.visible
    assert "12月3日（周四）17:30" in reminder.visible


async def test_leader_menu_lists_board_and_schedule(h: BotHarness) -> None:
    commands = [c["command"] for c in h.api.commands_for({"type": "chat", "chat_id": LEADER_ID})]
    assert "board" in commands and "schedule" in commands


async def test_not_held_never_silently_discards_a_half_filled_report(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    await tick(h, at(2026, 11, 23, 9))
    [reminder] = reminders_to(h, secretary.user_id)
    await secretary.tap("去汇报：支委会", reminder)  # a report draft with its kind chosen

    replies = await secretary.tap_data(skip_data(reminder, "主题党日"), reminder)
    assert "还没填完" in replies[-1].visible  # the draft is offered first, nothing is lost
    replies = await secretary.tap("放弃草稿")
    assert "未开展“主题党日”的原因" in replies[-1].visible
    await secretary.send("党员集中外出务工")
    assert h.db is not None
    assert [(e.activity_kind, e.slot) for e in await store.list_excuses(h.db)] == [("主题党日", "2026-11")]


async def test_a_nudge_with_nobody_to_reach_says_so(h: BotHarness) -> None:
    leader = h.person(LEADER_ID, "王书记")
    await add_unit(h, "无人村党支部")  # no secretary has joined
    await tick(h, at(2026, 11, 26, 9))
    [escalation] = h.api.bot_messages(leader.user_id)
    assert "无人村党支部：支委会、党小组会、主题党日（暂无可接收提醒的书记）" in escalation.visible
    await leader.tap("一键催办", escalation)
    assert "都还没有加入或收不到提醒" in leader.answers()[-1]


async def test_a_tap_naming_an_unknown_reminder_changes_nothing(h: BotHarness) -> None:
    [(unit, secretary)] = await units_with_secretaries(h, 1)
    await tick(h, at(2026, 11, 23, 9))
    [reminder] = reminders_to(h, secretary.user_id)
    await secretary.tap_data("r:skip:999999:ztdr", reminder)
    assert "这条提醒已失效" in secretary.answers()[-1]
    await secretary.tap_data("r:nudge:1", reminder)  # a secretary cannot nudge
    assert "不是发给您所在单位" in secretary.answers()[-1]
    assert h.db is not None and await store.list_excuses(h.db) == []
    assert len(h.api.bot_messages(secretary.user_id)) == 1


async def test_units_added_today_are_not_escalated_or_reminded_for_last_month(h: BotHarness) -> None:
    leader = h.person(LEADER_ID, "王书记")
    [(old, _)] = await units_with_secretaries(h, 1)  # added on 20 November
    h.clock.set(at(2026, 12, 1, 9))
    added_today = [
        (await add_unit(h, name), name) for name in ("新建村党支部", "新建社区党支部")
    ]
    newcomers = [await add_secretary(h, unit, 2101 + i, f"新书记{i}") for i, (unit, _) in enumerate(added_today)]
    await tick(h, at(2026, 12, 1, 9, 30))
    [escalation] = [m for m in h.api.bot_messages(leader.user_id) if "逾期未报送" in m.visible]
    assert "逾期未报送｜2026年11月" in escalation.visible and "共 1 个单位尚未报齐" in escalation.visible
    assert old.name in escalation.visible
    assert not any(name in escalation.visible for _, name in added_today)
    assert all("2026年11月" not in text for person in newcomers for text in texts_to(h, person.user_id))
