"""Backups under write load, the daily copies kept by date, and restore with its refusals."""
from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.cli import main
from bot.config import ConfigError, load_settings
from storage import units
from storage.backup import RestoreRefused, code_schema_version, daily_backup, restore, take_backup
from storage.db import open_database

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def _unit_names(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {row[0] for row in conn.execute("SELECT name FROM units")}
    finally:
        conn.close()


async def test_backup_under_write_load_holds_every_committed_record(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.sqlite3")
    # Enough pages that copying them takes a while, so writes land while the backup runs.
    await units.add_units(db, [(f"base-{i:05d}-" + "x" * 200, "村", 10) for i in range(20000)], None, NOW)
    committed: list[str] = []
    stop = asyncio.Event()

    async def keep_writing() -> None:
        number = 0
        while not stop.is_set():
            name = f"live-{number}"
            await units.add_unit(db, name, "村", 5, None, NOW)  # through storage, on the event loop
            committed.append(name)
            number += 1
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_writing())
    while len(committed) < 50:
        await asyncio.sleep(0)
    committed_before = set(committed)
    copy = await asyncio.to_thread(take_backup, db.path, tmp_path / "copy.sqlite3")
    written_during = len(committed) - len(committed_before)
    stop.set()
    await writer
    await db.close()

    in_copy = _unit_names(copy.path)  # asserts PRAGMA integrity_check = ok
    assert written_during > 0, "the writer was not running while the backup was taken"
    assert committed_before <= in_copy
    assert sum(1 for name in in_copy if name.startswith("base-")) == 20000
    assert copy.schema_version == code_schema_version()
    assert not list(tmp_path.glob(".*partial"))  # the temporary name is gone


async def test_restore_round_trip_keeps_the_old_database(tmp_path: Path) -> None:
    live = tmp_path / "bot.sqlite3"
    db = await open_database(live)
    await units.add_unit(db, "山宁村党支部", "村", 30, None, NOW)
    take_backup(live, tmp_path / "backup.sqlite3")
    await units.add_unit(db, "after-backup", "村", 3, None, NOW)

    with pytest.raises(RestoreRefused) as refused:  # the bot still has it open
        restore(tmp_path / "backup.sqlite3", live)
    assert refused.value.reason == "in_use"
    await db.close()
    assert _unit_names(live) == {"山宁村党支部", "after-backup"}  # nothing changed

    version, kept = restore(tmp_path / "backup.sqlite3", live)
    assert version == code_schema_version()
    assert kept == tmp_path / "bot.sqlite3.before-restore"
    assert _unit_names(live) == {"山宁村党支部"}
    assert _unit_names(kept) == {"山宁村党支部", "after-backup"}
    db = await open_database(live)  # the bot starts on the restored file
    assert [u.name for u in await units.list_units(db)] == ["山宁村党支部"]
    await db.close()
    _, kept_again = restore(tmp_path / "backup.sqlite3", live)
    assert kept_again == tmp_path / "bot.sqlite3.before-restore.1"  # an earlier one is never overwritten


async def test_restore_refuses_damaged_and_newer_files(tmp_path: Path) -> None:
    live = tmp_path / "bot.sqlite3"
    db = await open_database(live)
    await units.add_unit(db, "山宁村党支部", "村", 30, None, NOW)
    await db.close()
    before = live.read_bytes()

    newer = tmp_path / "newer.sqlite3"
    take_backup(live, newer)
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {code_schema_version() + 1}")
    conn.close()
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    damaged = tmp_path / "damaged.sqlite3"
    take_backup(live, damaged)
    raw = bytearray(damaged.read_bytes())
    page = 4096
    raw[page * 2 : page * 2 + 100] = b"\xff" * 100  # scribble over a b-tree page
    damaged.write_bytes(bytes(raw))

    for source, reason in ((newer, "too_new"), (garbage, "unreadable"), (damaged, "damaged"), (tmp_path / "none", "missing")):
        with pytest.raises(RestoreRefused) as refused:
            restore(source, live)
        assert refused.value.reason == reason, source
    assert live.read_bytes() == before
    assert not (tmp_path / "bot.sqlite3.before-restore").exists()


def test_daily_copies_keep_exactly_the_newest_n(tmp_path: Path) -> None:
    live = tmp_path / "bot.sqlite3"
    asyncio.run(_make_database(live))
    folder = tmp_path / "backups"
    (folder).mkdir()
    (folder / "notes.txt").write_text("not a backup")  # other files are left alone
    day = date(2026, 11, 20)
    for offset in range(10):
        today = day + timedelta(days=offset)
        assert daily_backup(live, folder, today, keep=3) is not None
        assert daily_backup(live, folder, today, keep=3) is None  # once a day
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["bot-2026-11-27.sqlite3", "bot-2026-11-28.sqlite3", "bot-2026-11-29.sqlite3", "notes.txt"]


async def _make_database(path: Path) -> None:
    db = await open_database(path)
    await units.add_unit(db, "山宁村党支部", "村", 30, None, NOW)
    await db.close()


def test_cli_backup_and_restore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    live = tmp_path / "bot.sqlite3"
    asyncio.run(_make_database(live))
    monkeypatch.setenv("DATABASE_PATH", str(live))
    monkeypatch.chdir(tmp_path)
    assert main(["backup", str(tmp_path / "b.sqlite3")]) == 0
    assert "b.sqlite3" in capsys.readouterr().out
    assert main(["restore", str(tmp_path / "b.sqlite3")]) == 0
    assert "before-restore" in capsys.readouterr().out
    assert main(["restore", str(tmp_path / "missing.sqlite3")]) == 1
    assert "未做任何改动" in capsys.readouterr().err
    assert _unit_names(live) == {"山宁村党支部"}


def test_restore_refuses_while_another_process_has_the_database_open(tmp_path: Path) -> None:
    live = tmp_path / "bot.sqlite3"
    asyncio.run(_make_database(live))
    take_backup(live, tmp_path / "backup.sqlite3")
    holder = (
        "import asyncio, sys\n"
        "from storage.db import open_database\n"
        "async def hold():\n"
        f"    db = await open_database({str(live)!r})\n"
        "    await db.fetchall('SELECT * FROM units')\n"
        "    print('open', flush=True)\n"
        "    await asyncio.to_thread(sys.stdin.read)  # until the test closes the pipe\n"
        "    await db.close()\n"
        "asyncio.run(hold())\n"
    )
    root = Path(__file__).resolve().parent.parent
    bot = subprocess.Popen([sys.executable, "-c", holder], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert bot.stdout is not None and bot.stdout.readline().strip() == "open"
        with pytest.raises(RestoreRefused) as refused:
            restore(tmp_path / "backup.sqlite3", live)
        assert refused.value.reason == "in_use"
    finally:
        assert bot.stdin is not None
        bot.stdin.close()
        bot.wait(timeout=30)
    assert not (tmp_path / "bot.sqlite3.before-restore").exists()
    assert restore(tmp_path / "backup.sqlite3", live)[1] == tmp_path / "bot.sqlite3.before-restore"  # stopped: done


def test_backup_and_retention_settings() -> None:
    defaults = load_settings({})
    assert (defaults.backup_dir, defaults.backup_keep, defaults.retention_days_after_leaving) == (None, 14, 365)
    chosen = load_settings({"BACKUP_DIR": " /srv/backups ", "BACKUP_KEEP": "3", "RETENTION_DAYS_AFTER_LEAVING": "0"})
    assert (chosen.backup_dir, chosen.backup_keep, chosen.retention_days_after_leaving) == (Path("/srv/backups"), 3, 0)
    for name, bad in (("BACKUP_KEEP", "0"), ("BACKUP_KEEP", "two"), ("RETENTION_DAYS_AFTER_LEAVING", "-1")):
        with pytest.raises(ConfigError, match=name):
            load_settings({name: bad})
