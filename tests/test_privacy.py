"""Personal data end to end: /mydata shows a person what is stored; a leader erases a person and
their id and name are gone from every table while the unit keeps its records; the retention rule;
the daily copies; refusals and forged buttons."""
from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from bot.app import housekeeping
from bot.app.housekeeping import run_chores
from bot.config import Settings, load_settings
from bot.fakeapi.harness import BotHarness, FakeClock, Person
from storage import audit, owed_messages, people, reminders
from storage.db import migration_files, open_database
from storage.privacy import JSON_COLUMNS, PERSON_COLUMNS, PERSON_ROWS, erase_departed
from tests.conftest import LEADER_ID, SHANGHAI
from tests.reporting_helpers import join_secretary

SECRETARY_ID = 987654321  # distinctive, so a scan for it finds nothing by chance
SECRETARY_NAME = "张秘书甲"


def _rows(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _tables(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Every table's columns and declared types."""
    names = [r[0] for r in _rows(path, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: [(str(c[1]), str(c[2])) for c in _rows(path, f"PRAGMA table_info({t})")] for t in names}


def _where_found(path: Path, needle: str) -> list[str]:
    """Every table.column whose value, read as text, contains ``needle``."""
    found = []
    for table, columns in _tables(path).items():
        for column, _ in columns:
            hits = _rows(path, f"SELECT COUNT(*) FROM {table} WHERE instr(CAST({column} AS TEXT), ?) > 0", (needle,))
            if hits[0][0]:
                found.append(f"{table}.{column}")
    return found


def _snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    return {t: sorted(_rows(path, f"SELECT * FROM {t}"), key=repr) for t in _tables(path)}


async def _fill_in_a_unit_life(harness: BotHarness, secretary: Person) -> None:
    """A report (then edited), a commitment with progress, a reminder received, a message owed,
    and a report left half-filled: the secretary's traces all over the database."""
    await secretary.send("/report")
    await secretary.tap("支委会")
    await secretary.tap("昨天")
    await secretary.send("原来的主题")
    await secretary.send("7")
    await secretary.tap("跳过")
    await secretary.tap("跳过")
    await secretary.tap("提交")
    await secretary.send("/my")
    await secretary.tap("HD0001")
    await secretary.tap("✏ 主题/议题")
    replies = await secretary.send("新的主题")
    assert any("已保存对 HD0001 的修改" in m.visible for m in replies)
    await secretary.send("/commit")
    await secretary.tap("新增承诺")
    await secretary.tap("本支部")
    await secretary.send("为老人代办医保")
    await secretary.tap("本月底")
    await secretary.tap("添加进展")
    await secretary.send("已走访 12 户")
    await secretary.tap("不附照片")
    assert harness.db is not None
    now = harness.clock()
    await reminders.plan_reminders(
        harness.db,
        [
            reminders.PlannedReminder("unit", 1, "2026-11", "due", now, (SECRETARY_ID, LEADER_ID)),
            reminders.PlannedReminder("unreachable", SECRETARY_ID, "", "noticed", now, (LEADER_ID,)),
        ],
        now,
    )
    await owed_messages.owe(harness.db, SECRETARY_ID, "an owed confirmation", now)
    await secretary.send("/report")
    await secretary.tap("支部党员大会")  # left half-filled


async def test_mydata_then_erase_leaves_no_trace_of_the_person(harness: BotHarness, leader: Person) -> None:
    secretary, unit = await join_secretary(harness, SECRETARY_ID, SECRETARY_NAME, "山宁村党支部")
    await _fill_in_a_unit_life(harness, secretary)
    path = harness.database_path

    replies = await secretary.send("/mydata")
    shown = replies[-1].visible
    assert SECRETARY_NAME in shown and str(SECRETARY_ID) in shown and "单位书记 — 山宁村党支部" in shown
    assert "活动记录 1 条" in shown and "承诺 1 项，承诺进展 1 条" in shown
    assert "一项未完成的填写：" in shown and "待补发的消息 1 条" in shown
    assert "通过邀请加入" in shown and "汇报活动" in shown and "修改活动" in shown
    assert "领导活动" not in shown  # a leader's line, not a secretary's
    before = _snapshot(path)

    replies = await leader.send("/erase")
    assert "删除个人信息" in replies[-1].visible
    replies = await leader.tap(SECRETARY_NAME)
    card = replies[-1].visible
    assert f"确定删除 {SECRETARY_NAME} 的个人信息吗" in card and "山宁村党支部" in card and "目前仍有权限" in card
    assert _snapshot(path) == before  # asking changes nothing

    replies = await leader.tap("确认删除")
    assert f"已删除 {SECRETARY_NAME} 的个人信息" in replies[-1].visible
    assert "个人信息已按镇党委的决定删除" in secretary.last().visible  # told, with the id's last use

    assert _where_found(path, str(SECRETARY_ID)) == []
    assert _where_found(path, SECRETARY_NAME) == []
    [(pseudonym, name, active, erased_at, unit_id)] = _rows(
        path, "SELECT user_id, display_name, active, erased_at, unit_id FROM people WHERE role = 'secretary'"
    )
    assert pseudonym < 0 and name == "" and active == 0 and erased_at is not None and unit_id == unit.id
    # The unit keeps its records, now attributed to nobody who can be named.
    assert _rows(path, "SELECT unit_id, topic, created_by FROM activities") == [(unit.id, "新的主题", pseudonym)]
    assert _rows(path, "SELECT replaced_by FROM activity_versions") == [(pseudonym,)]
    assert _rows(path, "SELECT unit_id, created_by FROM commitments") == [(unit.id, pseudonym)]
    assert _rows(path, "SELECT COUNT(*) FROM dialogs WHERE user_id = ?", (pseudonym,)) == [(0,)]
    assert _rows(path, "SELECT used_by FROM invites") == [(pseudonym,)]  # still used: the link cannot be reused
    assert _rows(path, "SELECT status FROM reminder_deliveries WHERE recipient = ?", (pseudonym,)) == [("dropped",)]
    # The leaders are not told, with a blank name, that the erased person could not be reached.
    assert _rows(
        path, "SELECT r.subject, d.status FROM reminders r JOIN reminder_deliveries d ON d.reminder_id = r.id WHERE r.kind = 'unreachable'"
    ) == [(pseudonym, "dropped")]
    [(actor, subject, detail)] = _rows(path, "SELECT actor_id, subject, detail FROM audit_log WHERE action = 'person.erase'")
    assert actor == LEADER_ID and subject == f"user:{pseudonym}" and '"role": "secretary"' in detail

    replies = await secretary.send("/mydata")  # a stranger now
    assert "本机器人仅供" in replies[-1].visible or "邀请" in replies[-1].visible
    replies = await leader.send("/erase")
    assert SECRETARY_NAME not in str(replies[-1].buttons)
    replies = await leader.tap_data(f"pv:do:{SECRETARY_ID}")
    assert "不在名单中" in replies[-1].visible  # a stale confirmation finds nobody


async def test_erase_refuses_secretaries_strangers_and_forged_buttons(harness: BotHarness, leader: Person) -> None:
    secretary, _ = await join_secretary(harness, SECRETARY_ID, SECRETARY_NAME, "山宁村党支部")
    stranger = harness.person(4242, "路人")
    path = harness.database_path
    before = _snapshot(path)

    replies = await secretary.send("/erase")
    assert replies[-1].visible == "您没有权限进行此操作。"
    replies = await stranger.send("/erase")
    assert "您还没有加入本系统" in replies[-1].visible
    for data in (f"pv:do:{LEADER_ID}", f"pv:ask:{SECRETARY_ID}", "pv:page:0"):
        await secretary.tap_data(data, secretary.last())
        assert secretary.answers()[-1] == "您没有权限进行此操作。"
        await stranger.tap_data(data, stranger.last())
        assert "您还没有加入本系统" in stranger.answers()[-1]
    assert _snapshot(path) == before

    await leader.send("/erase")
    for forged in ("pv:do:abc", "pv:zap:1", "pv:do:", "pv:do:1e9", f"pv:do:{SECRETARY_ID}:extra", "pv:page:-5x"):
        await leader.tap_data(forged)
        assert leader.answers()[-1] == "这条消息已失效，请发送 /help 查看可用的操作。", forged
        assert _snapshot(path) == before, forged
    replies = await leader.tap_data(f"pv:do:{LEADER_ID}")
    assert "不能删除自己的个人信息" in replies[-1].visible
    other_admin = harness.person(1002, "赵", "委员")  # a leader from BOT_ADMIN_IDS comes back at start
    await harness.restart(BOT_ADMIN_IDS=f"{LEADER_ID},1002")
    await other_admin.send("/start")
    replies = await leader.send("/erase")
    assert "赵委员" not in str(replies[-1].buttons) and SECRETARY_NAME in str(replies[-1].buttons)
    replies = await leader.tap_data("pv:do:1002")
    assert "不在名单中" in replies[-1].visible
    before = _snapshot(path)
    await leader.send("/erase")
    replies = await leader.tap_data("pv:do:55555")
    assert "不在名单中" in replies[-1].visible
    assert _snapshot(path) == before


async def test_mydata_for_a_leader(harness: BotHarness, leader: Person) -> None:
    replies = await leader.send("/mydata")
    shown = replies[-1].visible
    assert "镇党委" in shown and "领导活动 0 条" in shown and "没有未完成的填写" in shown
    assert "365 天自动删除" in shown


async def test_retention_erases_people_who_left_long_enough_ago(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.sqlite3")
    left = datetime(2026, 1, 10, 9, 0, tzinfo=SHANGHAI)
    await people.ensure_admins(db, frozenset({11, 12, 13}), left)
    await people.revoke(db, 11, 13, left)
    await people.revoke(db, 12, 13, left + timedelta(days=30))
    settings = replace(_settings(tmp_path), retention_days_after_leaving=365)

    assert (await run_chores(db, settings, left + timedelta(days=364))).erased == 0
    assert (await run_chores(db, settings, left + timedelta(days=366))).erased == 1
    assert await people.get_person(db, 11) is None
    assert (await people.get_person(db, 12)) is not None  # left a month later: not yet
    assert await erase_departed(db, left + timedelta(days=366), 365) == 0  # once only
    assert await erase_departed(db, left + timedelta(days=3650), 0) == 0  # 0 keeps everyone
    assert (await run_chores(db, settings, left + timedelta(days=400))).erased == 1
    assert await people.get_person(db, 13) is not None  # still active: never erased by the rule
    [(actor, detail)] = [r for r in _rows(db.path, "SELECT actor_id, detail FROM audit_log WHERE action = 'person.erase'")][:1]
    assert actor is None and '"retention_days": 365' in detail
    await db.close()


def _settings(tmp_path: Path) -> Settings:
    return load_settings({"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "BACKUP_DIR": str(tmp_path / "backups"), "BACKUP_KEEP": "3"})


async def test_daily_job_keeps_exactly_n_copies(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.sqlite3")
    settings = _settings(tmp_path)
    clock = FakeClock(datetime(2026, 11, 1, 3, 0, tzinfo=SHANGHAI))
    for _ in range(8):
        for _ in range(3):  # the hourly runs of one day take one copy
            await run_chores(db, settings, clock())
            clock.advance(hours=1)
        clock.advance(hours=21)
    await db.close()
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [
        "bot-2026-11-06.sqlite3", "bot-2026-11-07.sqlite3", "bot-2026-11-08.sqlite3"
    ]
    assert settings.backup_keep == 3
    off = replace(settings, backup_dir=None)
    db = await open_database(tmp_path / "bot.sqlite3")
    assert (await run_chores(db, off, clock())).backup is None
    await db.close()


async def test_every_integer_column_is_known_to_hold_a_person_or_not(tmp_path: Path) -> None:
    """A new column holding a person's id must be added to storage/privacy.py's lists, or erasing
    would leave the id behind; this fails until each integer column is classified."""
    not_a_person = {
        ("units", "id"), ("units", "member_count"), ("units", "archived"), ("units", "committee_size"), ("units", "group_count"),
        ("people", "unit_id"), ("people", "active"), ("people", "reachable"), ("people", "user_id"),
        ("invites", "unit_id"), ("audit_log", "id"), ("dialogs", "nonce"),
        ("activities", "id"), ("activities", "unit_id"), ("activities", "attended"), ("activities", "expected"),
        ("activities", "version"), ("activity_photos", "activity_id"), ("activity_photos", "position"),
        ("activity_versions", "activity_id"), ("activity_versions", "version"),
        ("commitments", "id"), ("commitments", "unit_id"), ("commitment_progress", "id"),
        ("commitment_progress", "commitment_id"), ("period_notes", "unit_id"), ("report_schedule", "id"),
        ("report_schedule", "deadline_day"), ("report_schedule", "deadline_weekday"), ("excuses", "unit_id"),
        ("reminders", "id"), ("reminders", "subject"), ("reminder_deliveries", "reminder_id"),
        ("reminder_deliveries", "attempts"), ("reminder_deliveries", "message_id"),
        ("leader_activities", "id"), ("leader_activities", "unit_id"), ("owed_messages", "id"),
        ("update_inbox", "update_id"), ("update_inbox", "replays"),
            ("activity_reviews", "id"), ("activity_reviews", "activity_id"), ("activity_reviews", "version"),
            ("unit_drafts", "id"), ("unit_drafts", "unit_id"), ("unit_drafts", "nonce"),
            ("notices", "id"), ("notice_units", "notice_id"), ("notice_units", "unit_id"),
            ("notice_deliveries", "notice_id"), ("notice_deliveries", "round"), ("notice_deliveries", "unit_id"),
            ("notice_deliveries", "attempts"), ("notice_deliveries", "message_id"), ("notice_reads", "notice_id"),
    }
    db = await open_database(tmp_path / "bot.sqlite3")
    await db.close()
    known = set(PERSON_COLUMNS) | set(PERSON_ROWS) | not_a_person
    unclassified = [
        f"{table}.{column}"
        for table, columns in _tables(tmp_path / "bot.sqlite3").items()
        for column, kind in columns
        if "INT" in kind.upper() and (table, column) not in known
    ]
    assert unclassified == []
    assert all(table in _tables(tmp_path / "bot.sqlite3") for table, _, _ in JSON_COLUMNS)


async def test_the_migration_dates_earlier_departures_from_the_audit_log(tmp_path: Path) -> None:
    earlier = tmp_path / "migrations"
    earlier.mkdir()
    for number, migration in migration_files():
        if number < 6:
            (earlier / migration.name).write_text(migration.read_text(encoding="utf-8"), encoding="utf-8")
    db = await open_database(tmp_path / "bot.sqlite3", migrations=earlier)
    left = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
    await people.ensure_admins(db, frozenset({21, 22}), left)
    async with db.transaction() as conn:  # the revocation as the code before 006 stored it
        await conn.execute("UPDATE people SET active = 0 WHERE user_id = 21")
        await audit.record(conn, left, 22, "person.revoke", "user:21")
    await db.close()
    db = await open_database(tmp_path / "bot.sqlite3")
    rows = await db.fetchall("SELECT user_id, left_at FROM people ORDER BY user_id")
    assert [(r["user_id"], r["left_at"]) for r in rows] == [(21, "2025-03-01T01:00:00+00:00"), (22, None)]
    assert await erase_departed(db, left + timedelta(days=366), 365) == 1
    await db.close()


async def test_the_running_bot_schedules_the_chores_and_they_take_the_copy(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 3, 0, tzinfo=SHANGHAI))
    env = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0", "BACKUP_DIR": str(tmp_path / "backups"), "BACKUP_KEEP": "2"}
    async with BotHarness(tmp_path / "bot.sqlite3", clock, env=env) as running:
        assert running.app is not None and running.app.job_queue is not None
        [job] = running.app.job_queue.get_jobs_by_name(housekeeping.JOB_NAME)
        for _ in range(3):
            await job.callback(SimpleNamespace(application=running.app))  # what the JobQueue calls
            clock.advance(days=1)
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == ["bot-2026-12-02.sqlite3", "bot-2026-12-03.sqlite3"]
