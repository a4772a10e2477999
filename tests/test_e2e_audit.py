"""End to end: leaders' actions land in the audit log, /audit reads it newest first a page at a time
in words (not codes), and ``python -m bot audit --csv`` exports every entry for Excel."""
from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from pathlib import Path

from bot.fakeapi.harness import BotHarness, Person
from storage import audit
from storage import units as unit_store
from tests.conftest import LEADER_ID
from tests.reporting_helpers import join_unit

ROOT = Path(__file__).resolve().parent.parent


async def _leader_adds_units(harness: BotHarness, count: int) -> list[int]:
    assert harness.db is not None
    return [(await unit_store.add_unit(harness.db, f"第{i:02d}村党支部", "村", 10, LEADER_ID, harness.clock())).id for i in range(1, count + 1)]


async def test_audit_pages_newest_first_in_words(harness: BotHarness, leader: Person) -> None:
    assert harness.db is not None
    ids = await _leader_adds_units(harness, 22)
    secretary = await join_unit(harness, ids[0], 2001, "李梅")
    await leader.send("/people")
    await leader.tap("李梅")
    await leader.tap("取消权限")
    await leader.tap("确认取消")
    total = await audit.count_entries(harness.db)
    assert total == 22 + 2 + 1  # units, the invite made and redeemed, the revocation

    replies = await leader.send("/audit")
    first = replies[-1].visible
    assert f"操作记录（共 {total} 条，第 1/3 页，最新在前）" in first
    lines = first.splitlines()
    newest = lines.index("取消权限：李梅")
    assert lines[newest - 1].endswith("王书记") and lines[newest - 1].startswith("2026-11-27 10:00")
    assert first.index("取消权限：李梅") < first.index("通过邀请加入：第01村党支部") < first.index("新增单位：第22村党支部（村）")
    assert "unit.add" not in first and "user:" not in first and "person.revoke" not in first
    assert secretary.user_id == 2001

    replies = await leader.tap("下一页")
    second = replies[-1].visible
    assert "第 2/3 页" in second and "新增单位：第13村党支部（村）" in second and "第22村党支部" not in second
    replies = await leader.tap("下一页")
    third = replies[-1].visible
    assert "第 3/3 页" in third and "新增单位：第01村党支部（村）" in third
    assert not any("下一页" in b["text"] for r in replies[-1].buttons for b in r)
    replies = await leader.tap("上一页")
    assert "第 2/3 页" in replies[-1].visible
    await leader.tap_data("au:page:999999", replies[-1])
    assert "第 3/3 页" in leader.last().visible  # clamped to the last page


async def test_exports_and_schedule_changes_are_recorded(harness: BotHarness, leader: Person) -> None:
    assert harness.db is not None
    [unit_id] = await _leader_adds_units(harness, 1)
    await join_unit(harness, unit_id, 2001, "李梅")
    await leader.send("/digest")
    await leader.tap("本月")
    await leader.tap("全镇")
    await leader.tap("内部版")
    await leader.tap("导出台账")
    actions = [e.action for e in await audit.latest(harness.db, 0, 100)]
    assert actions[:3] == ["export.ledger", "export.digest_internal", "export.digest"]
    [ledger] = [e for e in await audit.latest(harness.db, 0, 100) if e.action == "export.ledger"]
    assert ledger.actor_id == LEADER_ID and ledger.detail == {"scope": "全镇", "period": "2026年11月"}
    replies = await leader.send("/audit")
    assert "导出台账（全镇 2026年11月）" in replies[-1].visible
    assert "导出工作小结（内部版）（全镇 2026年11月）" in replies[-1].visible


async def test_secretaries_and_strangers_cannot_read_the_log(harness: BotHarness, leader: Person) -> None:
    [unit_id] = await _leader_adds_units(harness, 1)
    secretary = await join_unit(harness, unit_id, 2001, "李梅")
    replies = await secretary.send("/audit")
    assert replies[-1].visible == "您没有权限进行此操作。"
    await secretary.tap_data("au:page:0")
    assert secretary.answers()[-1] == "您没有权限进行此操作。"
    stranger = harness.person(3001, "张三")
    replies = await stranger.send("/audit")
    assert "您还没有加入本系统" in replies[-1].visible
    await stranger.tap_data("au:page:0")
    assert "您还没有加入本系统" in stranger.answers()[-1]
    assert not any("操作记录" in m.visible for m in harness.api.bot_messages(2001) + harness.api.bot_messages(3001))


async def test_forged_audit_buttons_are_stale(harness: BotHarness, leader: Person) -> None:
    await _leader_adds_units(harness, 1)
    await leader.send("/audit")
    card = leader.last()
    for data in ("au:page:x", "au:page:-1", "au:zz:1", "au:page:", "au:"):
        await leader.tap_data(data, card)
        assert leader.answers()[-1] == "这条消息已失效，请发送 /help 查看可用的操作。", data
    assert leader.last() is card or leader.last().visible == card.visible


async def test_cli_exports_every_entry_as_csv_for_excel(harness: BotHarness, leader: Person, tmp_path: Path) -> None:
    assert harness.db is not None
    ids = await _leader_adds_units(harness, 3)
    await join_unit(harness, ids[0], 2001, "李梅")
    await leader.send("/people")
    await leader.tap("李梅")
    await leader.tap("调到其他单位")
    await leader.tap("第03村党支部")
    await leader.tap("确认调整")
    out = tmp_path / "audit.csv"
    env = {**os.environ, "DATABASE_PATH": str(harness.database_path), "TELEGRAM_BOT_TOKEN": "", "PYTHONPATH": str(ROOT)}
    # While the bot is running: the export reads the live database.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "audit", "--csv", str(out), env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    total = await audit.count_entries(harness.db)
    assert stdout.decode().strip() == f"已导出 {total} 条操作记录到 {out}"

    content = out.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["编号", "时间", "操作人", "操作人ID", "操作", "对象", "详情", "操作代码", "原始对象", "原始详情"]
    assert len(rows) == total + 1 and [int(r[0]) for r in rows[1:]] == sorted(int(r[0]) for r in rows[1:])
    move = next(r for r in rows if r[7] == "person.move")
    assert move[1:7] == ["2026-11-27 10:00", "王书记", str(LEADER_ID), "调整所在单位", "李梅", "第01村党支部 → 第03村党支部"]
    assert move[8] == "user:2001" and move[9] == f'{{"from": {ids[0]}, "to": {ids[2]}}}'
    redeem = next(r for r in rows if r[7] == "invite.redeem")
    assert redeem[2:5] == ["李梅", "2001", "通过邀请加入"]


async def test_cli_refuses_an_unwritable_file(harness: BotHarness, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_PATH": str(harness.database_path), "TELEGRAM_BOT_TOKEN": "", "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "audit", "--csv", str(tmp_path / "missing" / "audit.csv"), env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert stderr.decode().startswith("无法写入：") and not (tmp_path / "missing").exists()
