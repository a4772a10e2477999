"""The one owner of the SQLite connection: opening, migrations, transactions.

SQLite runs in WAL mode with foreign keys on. Every write happens inside
:meth:`Database.transaction` (``BEGIN IMMEDIATE``), and one asyncio lock orders all use of the
connection, so two handlers running at once can never interleave inside a transaction.
Migrations are the numbered ``storage/migrations/NNN_*.sql`` files, applied in order at start and
tracked in ``PRAGMA user_version``.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


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


class Database:
    """An open SQLite database. Use :func:`open_database` to get one."""

    def __init__(self, conn: aiosqlite.Connection, path: Path):
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path
        # Read caches a repository keeps for the tables it alone writes (storage.people caches
        # the caller, looked up on every update). One process owns the database, so the
        # repository that writes a row can keep its cache true.
        self.memo: dict[str, dict[Any, Any]] = {}

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed on success, rolled back on any exception."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.rollback()
                raise
            else:
                await self._conn.commit()

    # Each await on the connection is a hop to its worker thread, and a hop costs far more than
    # a small query when the event loop is busy; the reads and the single-statement write below
    # take one hop each (execute and fetch together; autocommit instead of BEGIN … COMMIT).
    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[aiosqlite.Row]:
        async with self._lock:
            return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> aiosqlite.Row | None:
        """The first row (for queries that select one row by key)."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """One statement, atomic on its own (SQLite autocommits it); returns the last row id."""
        async with self._lock:
            cursor = await self._conn.execute(sql, params)
            return cursor.lastrowid or 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def close(self) -> None:
        await self._conn.close()


async def _migrate(conn: aiosqlite.Connection, directory: Path) -> None:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    for number, path in migration_files(directory):
        if number <= current:
            continue
        script = path.read_text(encoding="utf-8")
        # executescript commits first, so the migration and its version bump share one script.
        await conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")


async def open_database(path: Path | str, migrations: Path = MIGRATIONS_DIR) -> Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA busy_timeout = 5000")
    await _migrate(conn, migrations)
    return Database(conn, path)
