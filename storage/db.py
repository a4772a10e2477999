"""The one owner of the SQLite database: opening, migrations, transactions.

SQLite runs in WAL mode with foreign keys on. The database is opened twice (a third time for the
second reader below):

* the **writer**, a plain ``sqlite3`` connection used on the event loop thread, runs every write
  and every read of one row (:meth:`Database.fetchone`, :meth:`Database.execute`,
  :meth:`Database.transaction`). These are keyed statements that take microseconds; handing
  each to a worker thread would cost far more than the statement itself and would leave the
  event loop waiting on every conversation step.
* the **reader**, an ``aiosqlite`` connection (``query_only``) with its own worker thread, runs the
  reads that may return many rows (:meth:`Database.fetchall`, or :meth:`Database.fetch_pages` a
  page at a time: the 小结, the 台账, the board, the reminder plan) and the WAL checkpoints, so the
  event loop keeps answering people meanwhile.
  A second reader like it, opened when first asked for (:meth:`Database.fetchall_beside`), takes
  a long read (the 小结's count of a county's year) so that the reads queued behind it on the
  first need not wait.

In WAL mode a read sees everything committed before it began, so a handler that writes and then
lists sees its own write. Every multi-statement write happens inside :meth:`Database.transaction`
(``BEGIN IMMEDIATE``); one asyncio lock orders all use of the writer, so two handlers running at
once can never interleave inside a transaction. Migrations are the numbered
``storage/migrations/NNN_*.sql`` files, applied in order at start and tracked in
``PRAGMA user_version``.
"""
from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# The writer never checkpoints (that would stop the event loop for a disk flush); the reader's
# thread copies the WAL back into the database after this many writes.
CHECKPOINT_EVERY_WRITES = 200
BUSY_TIMEOUT_MS = 5000  # only another process (a CLI command) can hold the write lock

Params = Sequence[Any] | dict[str, Any]


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """The migrations, numbered and sorted; a gap or a duplicate number is a programming error."""
    found = []
    for path in directory.iterdir():
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    found.sort()
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, … without gaps: {numbers}")
    return found


class Transaction:
    """The statements of one write transaction; each runs at once on the writer.

    The methods are awaitable, like aiosqlite's, so a repository's transaction reads the same as
    the rest of its code.
    """

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._conn.execute(sql, params).fetchone()
        return row

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, params).fetchall()

    async def executemany(self, sql: str, rows: Iterable[Params]) -> sqlite3.Cursor:
        return self._conn.executemany(sql, rows)


class Database:
    """An open SQLite database. Use :func:`open_database` to get one."""

    def __init__(self, writer: sqlite3.Connection, reader: aiosqlite.Connection, path: Path):
        self._writer = writer
        self._reader = reader
        self._lock = asyncio.Lock()
        self._writes = 0
        self._checkpoint: asyncio.Task[None] | None = None
        self._beside: asyncio.Task[aiosqlite.Connection] | None = None
        self.path = path
        # Read caches a repository keeps for the tables it alone writes (storage.people caches
        # the caller, looked up on every update). One process owns the database, so the
        # repository that writes a row can keep its cache true.
        self.memo: dict[str, dict[Any, Any]] = {}

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A write transaction: committed on success, rolled back on any exception."""
        async with self._lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._writer)
            except BaseException:
                self._writer.rollback()
                raise
            else:
                self._writer.commit()
        self._wrote()

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query that selects one row by key (or one aggregate)."""
        async with self._lock:
            row: sqlite3.Row | None = self._writer.execute(sql, params).fetchone()
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows of a query that may return many; read on the reader's thread."""
        return list(await self._reader.execute_fetchall(sql, params))

    async def fetchall_beside(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows of a long read (the 小结's count of a county's year) on a second reader with
        its own thread, so that the reads queued on the first (the 小结's commitments and notes,
        other people's lists) need not wait for it."""
        if self._beside is None:
            self._beside = asyncio.ensure_future(_open_reader(self.path))
        return list(await (await self._beside).execute_fetchall(sql, params))

    async def fetch_pages(self, sql: str, params: Params = (), size: int = 5000) -> AsyncIterator[list[sqlite3.Row]]:
        """The rows of a query too long to hold at once, ``size`` at a time, read on the reader's
        thread: a caller that lets each page go keeps its memory flat (the 台账's activities)."""
        async with self._reader.execute(sql, params) as cursor:
            while page := list(await cursor.fetchmany(size)):
                yield page

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement, atomic on its own (SQLite autocommits it); returns the last row id."""
        async with self._lock:
            cursor = self._writer.execute(sql, params)
        self._wrote()
        return cursor.lastrowid or 0

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    def _wrote(self) -> None:
        self._writes += 1
        if self._writes >= CHECKPOINT_EVERY_WRITES and (self._checkpoint is None or self._checkpoint.done()):
            self._writes = 0
            self._checkpoint = asyncio.get_running_loop().create_task(self.checkpoint())

    async def checkpoint(self) -> None:
        """Copy the write-ahead log back into the database file, on the reader's thread.

        PASSIVE never blocks the writer; whatever it could not copy is copied next time.
        """
        try:
            await self._reader.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as err:  # the next checkpoint retries; nothing is lost meanwhile
            log.warning("WAL checkpoint failed: %s", err)

    async def close(self) -> None:
        if self._checkpoint is not None:
            await self._checkpoint
        if self._beside is not None:
            await (await self._beside).close()
        await self._reader.close()
        self._writer.close()  # the last connection to close checkpoints the whole log


def _migrate(conn: sqlite3.Connection, directory: Path) -> None:
    row = conn.execute("PRAGMA user_version").fetchone()
    current = int(row[0]) if row else 0
    for number, path in migration_files(directory):
        if number <= current:
            continue
        script = path.read_text(encoding="utf-8")
        # executescript commits first, so the migration and its version bump share one script.
        conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")


async def open_database(path: Path | str, migrations: Path = MIGRATIONS_DIR) -> Database:
    """Open (creating if needed) the database file at ``path`` and bring its schema up to date."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.row_factory = sqlite3.Row
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("PRAGMA synchronous = NORMAL")
        writer.execute("PRAGMA foreign_keys = ON")
        writer.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        _migrate(writer, migrations)
        reader = await _open_reader(path)
    except BaseException:
        writer.close()
        raise
    return Database(writer, reader, path)


async def _open_reader(path: Path) -> aiosqlite.Connection:
    reader = await aiosqlite.connect(path, isolation_level=None)
    reader.row_factory = aiosqlite.Row
    await reader.execute("PRAGMA query_only = ON")
    await reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return reader
