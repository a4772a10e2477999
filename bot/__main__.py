"""The command line: ``python -m bot <command>``.

  run            serve Telegram when TELEGRAM_BOT_TOKEN is set, else start the sandbox
  sandbox        the local sandbox (stand-in Bot API + a chat in this terminal)
  migrate        create or upgrade the database and print its schema version
  import-units   check and import units from a CSV/XLSX file (all rows valid, or nothing)
  invite         print a deep link for a unit's secretary (--unit NAME) or a leader (--leader)
  units          list the units
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from dotenv import find_dotenv, load_dotenv

from bot.clock import system_clock
from bot.config import ConfigError, Settings, load_settings
from bot.invites import deep_link, hash_code, new_code
from bot.unit_import import UnreadableFile, check_units
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
            check = check_units(path.read_bytes(), path.name, await units.existing_names(db))
        except (OSError, UnreadableFile) as err:
            print(f"无法导入：{err}", file=sys.stderr)
            return 1
        for number, reason in check.bad:
            print(f"第 {number} 行：{reason}", file=sys.stderr)
        if check.bad and not only_good:
            print(f"有 {len(check.bad)} 行有问题，未导入任何单位（加 --only-good 只导入有效的 {len(check.good)} 行）。", file=sys.stderr)
            return 1
        if not check.good:
            print("没有可导入的单位。", file=sys.stderr)
            return 1
        count = await units.add_units(db, [(r.name, r.kind, r.member_count) for _, r in check.good], None, system_clock())
        print(f"已导入 {count} 个单位。")
        return 0
    finally:
        await db.close()


async def cmd_invite(settings: Settings, unit_name: str | None, bot_username: str) -> int:
    db = await open_database(settings.database_path)
    try:
        unit = None
        if unit_name is not None:
            unit = await units.find_by_name(db, unit_name)
            if unit is None or unit.archived:
                print(f"找不到单位“{unit_name}”（或已归档）。", file=sys.stderr)
                return 1
        code = new_code()
        expires = await invites.create_invite(
            db, hash_code(code), SECRETARY if unit else LEADER, unit.id if unit else None, 0, system_clock(), timedelta(days=settings.invite_ttl_days)
        )
        print(deep_link(bot_username, code))
        print(f"单次有效，{expires.astimezone(settings.timezone):%Y-%m-%d %H:%M} 前有效。")
        return 0
    finally:
        await db.close()


async def cmd_units(settings: Settings) -> int:
    db = await open_database(settings.database_path)
    try:
        for unit in await units.list_units(db, include_archived=True):
            archived = "（已归档）" if unit.archived else ""
            print(f"{unit.id:>4}  {unit.name}{archived}  {unit.kind}  党员 {unit.member_count} 名")
        return 0
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="党建工作助手")
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
    args = parser.parse_args(argv)

    load_dotenv(find_dotenv(usecwd=True), override=False)  # .env of the working directory
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
    except ConfigError as err:
        print(f"配置错误 / configuration error: {err}", file=sys.stderr)
        return 2

    if args.command == "run" and settings.token:
        from bot.runner import serve

        asyncio.run(serve(settings))
        return 0
    if args.command in ("run", "sandbox"):
        from bot.sandbox import SANDBOX_DB, run_sandbox

        logging.getLogger().setLevel(logging.WARNING)
        sandbox_settings = settings
        if "DATABASE_PATH" not in __import__("os").environ:
            sandbox_settings = replace(settings, database_path=SANDBOX_DB)
        if sandbox_settings.org_name == "镇党委":
            sandbox_settings = replace(sandbox_settings, org_name="博望镇党委")
        return asyncio.run(run_sandbox(sandbox_settings))
    if args.command == "migrate":
        return asyncio.run(cmd_migrate(settings))
    if args.command == "import-units":
        return asyncio.run(cmd_import_units(settings, args.file, args.only_good))
    if args.command == "invite":
        return asyncio.run(cmd_invite(settings, None if args.leader else args.unit, args.bot_username))
    if args.command == "units":
        return asyncio.run(cmd_units(settings))
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
