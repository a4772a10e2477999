"""The command line: ``python -m bot <command>`` (bot/__main__.py calls :func:`main`).

  run            serve Telegram when TELEGRAM_BOT_TOKEN is set, else start the sandbox
  sandbox        the local sandbox (stand-in Bot API + a chat in this terminal)
  migrate        create or upgrade the database and print its schema version
  import-units   check and import units from a CSV/XLSX file (all rows valid, or nothing)
  invite         print a deep link for a unit's secretary (--unit NAME) or a leader (--leader)
  units          list the units
  digest         print the 小结 of a period; write it as Word (--docx) and the 台账 as Excel (--xlsx)
  demo           create a database with the demo township playing two full months and this one (--seed N)
  audit          export the audit log as CSV (--csv FILE; UTF-8 with BOM, so Excel reads it)
  backup         copy the database (also while the bot runs) to a file
  restore        put a backup in place of a stopped bot's database, after checking it
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from dotenv import find_dotenv, load_dotenv

from bot.clock import system_clock
from bot.config import ConfigError, Settings, load_settings
from bot.rules.import_worker import read_table_apart
from bot.rules.invites import deep_link, hash_code, new_code
from bot.rules.unit_import import MAX_FILE_BYTES, UnreadableFile, check_rows, too_big_message
from bot.rules.user_input import clean_text
from bot.texts import plain
from storage import invites, units
from storage.db import open_database
from storage.models import LEADER, SECRETARY


async def cmd_migrate(settings: Settings) -> int:
    db = await open_database(settings.database_path)
    print(f"{settings.database_path}: schema version {await db.schema_version()}")
    await db.close()
    return 0


async def cmd_import_units(settings: Settings, path: Path, only_good: bool) -> int:
    db = await open_database(settings.database_path)
    try:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:  # refused before reading it into memory
                raise UnreadableFile(too_big_message())
            rows = await read_table_apart(path.read_bytes(), path.name)
            check = check_rows(rows, await units.existing_names(db))
        except (OSError, UnreadableFile) as err:
            print(plain("cli", "import_failed", error=err), file=sys.stderr)
            return 1
        for number, reason in check.bad:
            print(plain("cli", "import_bad_row", number=number, reason=reason), file=sys.stderr)
        if check.bad and not only_good:
            print(plain("cli", "import_refused", bad=len(check.bad), good=len(check.good)), file=sys.stderr)
            return 1
        if not check.good:
            print(plain("cli", "import_nothing"), file=sys.stderr)
            return 1
        count = await units.add_units(db, [r.as_tuple() for _, r in check.good], None, system_clock())
        print(plain("cli", "imported", count=count))
        return 0
    finally:
        await db.close()


async def cmd_invite(settings: Settings, unit_name: str | None, bot_username: str) -> int:
    db = await open_database(settings.database_path)
    try:
        unit = None
        if unit_name is not None:
            unit_name = clean_text(unit_name)
            unit = await units.find_by_name(db, unit_name)
            if unit is None or unit.archived:
                print(plain("cli", "unit_not_found", name=unit_name), file=sys.stderr)
                return 1
        code = new_code()
        expires = await invites.create_invite(
            db, hash_code(code), SECRETARY if unit else LEADER, unit.id if unit else None, 0, system_clock(), timedelta(days=settings.invite_ttl_days)
        )
        print(deep_link(bot_username, code))
        print(plain("cli", "invite_expires", at=f"{expires.astimezone(settings.timezone):%Y-%m-%d %H:%M}"))
        return 0
    finally:
        await db.close()


async def cmd_units(settings: Settings) -> int:
    db = await open_database(settings.database_path)
    try:
        for unit in await units.list_units(db, include_archived=True):
            print(f"{unit.id:>4}  " + plain("cli", "unit_line", name=unit.name, archived=unit.archived, kind=unit.kind, members=unit.member_count))
        return 0
    finally:
        await db.close()


async def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    from bot.digest.document import digest_document, plain_text
    from bot.digest.query import Scope, load_digest, load_ledger
    from bot.digest.word import render_docx
    from bot.rules.activity_kinds import load_kinds
    from bot.rules.periods import custom_period, period_from_key

    try:
        if args.period:
            period = period_from_key(args.period)
        else:
            period = custom_period(date.fromisoformat(args.start), date.fromisoformat(args.end))
    except (TypeError, ValueError) as err:
        print(plain("cli", "period_bad", error=err), file=sys.stderr)
        return 1
    scope = Scope(args.scope)
    if not scope.valid:
        print(plain("cli", "scope_bad"), file=sys.stderr)
        return 1
    now = system_clock()
    today = now.astimezone(settings.timezone).date()
    db = await open_database(settings.database_path)
    try:
        digest = await load_digest(
            db, settings, load_kinds(), scope=scope, start=period.start, end=period.end,
            period_label=period.label, period_key=None if period.kind == "custom" else period.key, today=today,
        )
        blocks = digest_document(digest, settings.digest_date_style, settings.digest_script, internal=args.internal)
        print(plain_text(blocks))
        if args.docx:
            Path(args.docx).write_bytes(render_docx(blocks, author=settings.org_name, now=now, script=settings.digest_script))
            print("\n" + plain("cli", "written", path=args.docx), file=sys.stderr)
        if args.xlsx:
            ledger = await load_ledger(db, scope=scope, start=period.start, end=period.end, period_label=period.label, today=today, zone=settings.timezone)
            Path(args.xlsx).write_bytes(ledger)
            print(plain("cli", "written", path=args.xlsx), file=sys.stderr)
        return 0
    finally:
        await db.close()


async def cmd_demo(settings: Settings, seed: int = 2026) -> int:
    from bot.sandbox.demo import seed_demo_records, seed_demo_township

    db = await open_database(settings.database_path)
    try:
        now = system_clock()
        units_added = await seed_demo_township(db, now)
        records = await seed_demo_records(db, now.astimezone(settings.timezone).date(), now, seed)
        print(plain("cli", "demo_seeded", database=settings.database_path, units=units_added, records=records))
        return 0
    finally:
        await db.close()


async def cmd_audit(settings: Settings, path: Path) -> int:
    from bot.audit_view import write_csv

    db = await open_database(settings.database_path)
    try:
        try:
            count = await write_csv(db, path, settings.timezone)
        except OSError as err:
            print(plain("audit", "export_failed", error=err), file=sys.stderr)
            return 1
        print(plain("audit", "exported", count=count, path=path))
        return 0
    finally:
        await db.close()
async def cmd_backup(settings: Settings, destination: Path) -> int:
    from storage.backup import take_backup

    if not settings.database_path.is_file():
        print(plain("cli", "backup_no_database", path=settings.database_path), file=sys.stderr)
        return 1
    try:
        copy = await asyncio.to_thread(take_backup, settings.database_path, destination)
    except (OSError, sqlite3.Error) as err:
        print(plain("cli", "backup_failed", error=err), file=sys.stderr)
        return 1
    print(plain("cli", "backup_written", path=copy.path, version=copy.schema_version, size=copy.size_bytes))
    return 0


def cmd_restore(settings: Settings, source: Path) -> int:
    from storage.backup import RestoreRefused, code_schema_version, restore

    try:
        version, kept = restore(source, settings.database_path)
    except RestoreRefused as refused:
        print(plain("cli", "restore_refused", reason=refused.reason, **refused.details), file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error) as err:
        print(plain("cli", "restore_failed", error=err), file=sys.stderr)
        return 1
    print(plain("cli", "restored", path=settings.database_path, version=version, newest=code_schema_version(), kept=kept))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=plain("cli", "title"))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve Telegram with a token, else start the sandbox")
    sub.add_parser("sandbox", help="start the local sandbox")
    sub.add_parser("migrate", help="create or upgrade the database")
    importer = sub.add_parser("import-units", help="import units from CSV/XLSX")
    importer.add_argument("file", type=Path)
    importer.add_argument("--only-good", action="store_true", help="import the valid rows even if some are bad")
    inviter = sub.add_parser("invite", help="print an invite link")
    who = inviter.add_mutually_exclusive_group(required=True)
    who.add_argument("--unit", help="unit name, for its secretary")
    who.add_argument("--leader", action="store_true", help="for a new leader")
    inviter.add_argument("--bot-username", default="your_bot", help="the bot's @username, without @")
    sub.add_parser("units", help="list units")
    digest = sub.add_parser("digest", help=plain("cli", "help_digest"))
    digest.add_argument("--period", help="period key: 2026-11, 2026-Q4, 2026")
    digest.add_argument("--from", dest="start", help="custom start date, YYYY-MM-DD")
    digest.add_argument("--to", dest="end", help="custom end date, YYYY-MM-DD")
    digest.add_argument("--scope", default="all", help="all (default), g<group index>, or u<unit id>")
    digest.add_argument("--internal", action="store_true", help=plain("cli", "help_internal"))
    digest.add_argument("--docx", help=plain("cli", "help_docx"))
    digest.add_argument("--xlsx", help=plain("cli", "help_xlsx"))
    demo = sub.add_parser("demo", help="fill the database with the demo township")
    demo.add_argument("--seed", type=int, default=2026, help="the same seed plays the same township")
    auditor = sub.add_parser("audit", help=plain("audit", "help_audit"))
    auditor.add_argument("--csv", type=Path, required=True, help="the CSV file to write")
    backup = sub.add_parser("backup", help="copy the database to DEST, safely while the bot runs")
    backup.add_argument("destination", type=Path, metavar="DEST")
    restore = sub.add_parser("restore", help="restore SRC into the stopped bot's database (old one kept as .before-restore)")
    restore.add_argument("source", type=Path, metavar="SRC")
    args = parser.parse_args(argv)

    load_dotenv(find_dotenv(usecwd=True), override=False)  # .env of the working directory
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
    except ConfigError as err:
        print(plain("cli", "config_error", error=err), file=sys.stderr)
        return 2

    if args.command == "run" and settings.token:
        from bot.app.runner import serve

        asyncio.run(serve(settings))
        return 0
    if args.command in ("run", "sandbox"):
        from bot.sandbox.console import SANDBOX_DB, run_sandbox

        logging.getLogger().setLevel(logging.WARNING)
        sandbox_settings = settings
        if "DATABASE_PATH" not in __import__("os").environ:
            sandbox_settings = replace(settings, database_path=SANDBOX_DB)
        if sandbox_settings.org_name == plain("names", "default_org"):
            sandbox_settings = replace(sandbox_settings, org_name=plain("names", "demo_org"))
        return asyncio.run(run_sandbox(sandbox_settings))
    if args.command == "migrate":
        return asyncio.run(cmd_migrate(settings))
    if args.command == "import-units":
        return asyncio.run(cmd_import_units(settings, args.file, args.only_good))
    if args.command == "invite":
        return asyncio.run(cmd_invite(settings, None if args.leader else args.unit, args.bot_username))
    if args.command == "units":
        return asyncio.run(cmd_units(settings))
    if args.command == "digest":
        return asyncio.run(cmd_digest(settings, args))
    if args.command == "demo":
        return asyncio.run(cmd_demo(settings, args.seed))
    if args.command == "audit":
        return asyncio.run(cmd_audit(settings, args.csv))
    if args.command == "backup":
        return asyncio.run(cmd_backup(settings, args.destination))
    if args.command == "restore":
        return cmd_restore(settings, args.source)
    parser.error(f"unknown command {args.command}")
    return 2

