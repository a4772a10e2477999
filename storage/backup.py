"""Copies of the database: taken while the bot runs, kept by date, and restored into a stopped bot.

A backup uses SQLite's online backup API from a connection of its own, copying every page in one
step: in WAL mode that step reads one snapshot (everything committed before it began) while the
bot keeps writing, and the bot is never blocked. The copy is written under a temporary name,
checked with ``PRAGMA integrity_check``, flushed to disk and only then renamed into place, so a
file with the final name is always a whole, sound database.

A restore refuses a file that fails ``PRAGMA integrity_check`` or whose schema is newer than this
code's migrations, and refuses while any connection has the live database open: it asks SQLite
to leave WAL mode, which SQLite grants only to the sole connection (that also folds the
write-ahead log into the file, so the old database kept as ``<db>.before-restore`` is whole).
These functions block; the bot calls them through ``asyncio.to_thread``.
"""
from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from storage.db import migration_files

DAILY_NAME = re.compile(r"^bot-(\d{4}-\d{2}-\d{2})\.sqlite3$")
BEFORE_RESTORE_SUFFIX = ".before-restore"


class RestoreRefused(Exception):
    """The restore did not happen; ``reason`` says why (a key of templates/cli.j2's restore_refused)."""

    def __init__(self, reason: str, **details: object):
        super().__init__(reason, details)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class BackupCopy:
    path: Path
    schema_version: int
    size_bytes: int


def code_schema_version() -> int:
    """The schema version this code's migrations bring a database to."""
    return max((number for number, _ in migration_files()), default=0)


def _read_only(path: Path) -> sqlite3.Connection:
    # mode=ro: a missing file is an error, not a new empty database.
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, timeout=5)


def _integrity(conn: sqlite3.Connection) -> str:
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(row[0]) for row in rows)


def _version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _copy_pages(source: sqlite3.Connection, target_path: Path) -> None:
    """Every page of ``source`` into a new file at ``target_path``, flushed to disk."""
    target = sqlite3.connect(target_path, isolation_level=None)
    try:
        source.backup(target)  # pages=-1: one step, one snapshot of the source
        target.execute("PRAGMA journal_mode = DELETE")  # a self-contained file, no -wal beside it
    finally:
        target.close()
    with open(target_path, "rb") as written:
        os.fsync(written.fileno())


def _copy_file(source_path: Path, target_path: Path) -> None:
    source = _read_only(source_path)
    try:
        _copy_pages(source, target_path)
    finally:
        source.close()


def _temporary_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def take_backup(database: Path, destination: Path) -> BackupCopy:
    """Copy the live ``database`` to ``destination`` (replacing it only once the copy is sound)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = _temporary_beside(destination)
    partial.unlink(missing_ok=True)
    try:
        _copy_file(database, partial)
        copy = _read_only(partial)
        try:
            problems = _integrity(copy)
            version = _version(copy)
        finally:
            copy.close()
        if problems != "ok":
            raise sqlite3.DatabaseError(f"the copy failed PRAGMA integrity_check: {problems}")
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return BackupCopy(destination, version, destination.stat().st_size)


def daily_backup(database: Path, folder: Path, today: date, keep: int) -> BackupCopy | None:
    """Today's copy in ``folder`` (``bot-YYYY-MM-DD.sqlite3``) unless it exists, then only the
    newest ``keep`` dated copies are kept. Returns the copy taken, or None if today's was there."""
    target = folder / f"bot-{today.isoformat()}.sqlite3"
    copy = None if target.exists() else take_backup(database, target)
    dated = sorted(p for p in folder.iterdir() if DAILY_NAME.match(p.name))
    for old in dated[: max(0, len(dated) - keep)]:
        old.unlink()
    return copy


def check_restorable(source: Path) -> int:
    """The schema version of ``source`` if it may be restored; :class:`RestoreRefused` if not."""
    if not source.is_file():
        raise RestoreRefused("missing", path=source)
    try:
        conn = _read_only(source)
    except sqlite3.Error as err:
        raise RestoreRefused("unreadable", error=err) from None
    try:
        try:
            version = _version(conn)  # reads the header: "file is not a database" here
        except sqlite3.DatabaseError as err:
            raise RestoreRefused("unreadable", error=err) from None
        try:
            problems = _integrity(conn)
        except sqlite3.DatabaseError as err:  # so damaged that the check itself stops
            problems = str(err)
    finally:
        conn.close()
    if problems != "ok":
        raise RestoreRefused("damaged", problems=problems)
    newest = code_schema_version()
    if version > newest:
        raise RestoreRefused("too_new", version=version, newest=newest)
    if version < 1:
        raise RestoreRefused("not_ours")
    return version


def _claim_stopped(database: Path) -> None:
    """Refuse unless no connection has ``database`` open. Leaving WAL mode is granted only to the
    sole connection, and it folds the write-ahead log back into the file."""
    conn = sqlite3.connect(database, isolation_level=None, timeout=0)
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        raise RestoreRefused("in_use", path=database) from None
    finally:
        conn.close()
    if str(mode).lower() != "delete":
        raise RestoreRefused("in_use", path=database)


def _free_name(path: Path) -> Path:
    """``path``, or ``path.1``, ``path.2`` … — the first that does not exist yet."""
    candidate, number = path, 0
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.{number}")
    return candidate


def restore(source: Path, database: Path) -> tuple[int, Path | None]:
    """Put a checked copy of ``source`` in place of the stopped bot's ``database``.

    Returns the restored schema version and where the old database was kept (None if there was
    none). Raises :class:`RestoreRefused` and changes nothing when the source is unsound or too
    new, or the database is in use.
    """
    version = check_restorable(source)
    database.parent.mkdir(parents=True, exist_ok=True)
    kept = None
    if database.exists():
        _claim_stopped(database)
    partial = _temporary_beside(database)
    partial.unlink(missing_ok=True)
    try:
        _copy_file(source, partial)
        if database.exists():
            kept = _free_name(database.with_name(database.name + BEFORE_RESTORE_SUFFIX))
            os.replace(database, kept)
        for leftover in ("-wal", "-shm"):
            database.with_name(database.name + leftover).unlink(missing_ok=True)
        os.replace(partial, database)
    finally:
        partial.unlink(missing_ok=True)
    return version, kept
