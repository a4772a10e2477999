"""The database owner: writes on the event loop thread, long reads and checkpoints on the reader's."""
from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from storage import db as db_module
from storage.db import Database, open_database


async def _open(tmp_path: Path) -> Database:
    db = await open_database(tmp_path / "db.sqlite3")
    await db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    return db


async def test_a_write_is_seen_at_once_by_both_kinds_of_read(tmp_path: Path) -> None:
    db = await _open(tmp_path)
    try:
        note_id = await db.execute("INSERT INTO notes (body) VALUES (?)", ("支委会",))
        one = await db.fetchone("SELECT body FROM notes WHERE id = ?", (note_id,))
        assert one is not None and one["body"] == "支委会"
        assert [r["body"] for r in await db.fetchall("SELECT body FROM notes")] == ["支委会"]
    finally:
        await db.close()


async def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    db = await _open(tmp_path)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO notes (body) VALUES (?)", ("党课",))
                await conn.execute("INSERT INTO notes (body) VALUES (NULL)")
        assert await db.fetchall("SELECT * FROM notes") == []
        async with db.transaction() as conn:  # the writer is usable again afterwards
            await conn.execute("INSERT INTO notes (body) VALUES (?)", ("党课",))
        assert len(await db.fetchall("SELECT * FROM notes")) == 1
    finally:
        await db.close()


async def test_the_reader_cannot_write(tmp_path: Path) -> None:
    db = await _open(tmp_path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await db.fetchall("INSERT INTO notes (body) VALUES ('x') RETURNING id")
        assert await db.fetchall("SELECT * FROM notes") == []
    finally:
        await db.close()


async def test_writes_run_on_the_loop_thread_and_long_reads_do_not(tmp_path: Path) -> None:
    db = await _open(tmp_path)
    threads: list[str] = []
    try:
        def whose_thread() -> int:
            threads.append(threading.current_thread().name)
            return 1

        # Which thread runs each connection's statements (private: the test looks inside).
        db._writer.create_function("whose_thread", 0, whose_thread)  # noqa: SLF001
        await db._reader.create_function("whose_thread", 0, whose_thread)  # noqa: SLF001
        await db.fetchone("SELECT whose_thread()")
        await db.execute("INSERT INTO notes (body) SELECT 'x' WHERE whose_thread() = 1")
        await db.fetchall("SELECT whose_thread()")
        loop_thread = threading.current_thread().name
        assert threads[:2] == [loop_thread, loop_thread]
        assert threads[2] != loop_thread
    finally:
        await db.close()


async def test_the_log_is_checkpointed_on_the_reader_after_enough_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "CHECKPOINT_EVERY_WRITES", 5)
    db = await _open(tmp_path)  # one write: the table
    runs: list[int] = []
    checkpoint = db.checkpoint

    async def counted() -> None:
        runs.append(1)
        await checkpoint()

    monkeypatch.setattr(db, "checkpoint", counted)
    try:
        row = await db.fetchone("PRAGMA wal_autocheckpoint")
        assert row is not None and row[0] == 0  # the writer itself never stops for a checkpoint
        for n in range(3):
            await db.execute("INSERT INTO notes (body) VALUES (?)", (str(n),))
        assert runs == []
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO notes (body) VALUES ('5th write')")
        assert db._checkpoint is not None  # noqa: SLF001 - started, not waited for
        before = (tmp_path / "db.sqlite3").stat().st_size  # so far every page is in the log only
        await db._checkpoint  # noqa: SLF001
        assert runs == [1]
        assert (tmp_path / "db.sqlite3").stat().st_size > before  # the pages are in the file now
    finally:
        await db.close()
    assert not (tmp_path / "db.sqlite3-wal").exists()  # closing the last connection folds the log in
    check = sqlite3.connect(tmp_path / "db.sqlite3")
    try:
        assert check.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 4
    finally:
        check.close()


async def test_a_long_read_beside_sees_what_was_committed_before_it(tmp_path: Path) -> None:
    """The second reader reads as the first does: everything committed before its read began."""
    db = await _open(tmp_path)
    try:
        for body in ("支委会", "党课"):
            await db.execute("INSERT INTO notes (body) VALUES (?)", (body,))
        long_read = asyncio.ensure_future(db.fetchall_beside("SELECT group_concat(body) FROM notes"))
        [[count]] = await db.fetchall("SELECT count(*) FROM notes")  # the first reader answers meanwhile
        assert count == 2
        assert [tuple(row) for row in await long_read] == [("支委会,党课",)]
        await db.execute("INSERT INTO notes (body) VALUES (?)", ("党小组会",))
        [[after]] = await db.fetchall_beside("SELECT group_concat(body) FROM notes")
        assert after == "支委会,党课,党小组会"
    finally:
        await db.close()
