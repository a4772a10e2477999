"""The sandbox: the real bot against the local Bot API stand-in, and a chat in your terminal.

You act as any person of a demo township (a leader, a secretary who has not joined yet, a
stranger), type what they would type, and tap buttons by number. Nothing leaves this machine.
"""
from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.clock import system_clock
from bot.config import Settings
from bot.fakeapi.harness import TEST_TOKEN, BotHarness
from bot.fakeapi.server import SentMessage
from bot.reminders.engine import engine_of
from bot.rules.invites import deep_link, hash_code, new_code
from bot.rules.user_input import parse_id
from bot.sandbox.demo import DEMO_DATA, seed_demo_records, seed_demo_township
from bot.texts import plain
from storage import invites, people, units
from storage.db import open_database
from storage.models import SECRETARY

SANDBOX_DB = Path("data/sandbox.sqlite3")
_PERSONAS = DEMO_DATA["personas"]
LEADER: tuple[int, str, str] = tuple(_PERSONAS["leader"])  # type: ignore[assignment]
SECRETARY_PERSON: tuple[int, str, str] = tuple(_PERSONAS["secretary"])  # type: ignore[assignment]
STRANGER: tuple[int, str, str] = tuple(_PERSONAS["stranger"])  # type: ignore[assignment]

HELP = plain("sandbox", "help") + "\n"


def _print_message(out: TextIO, event: str, message: SentMessage) -> None:
    label = plain("sandbox", "bot_said", edited=event == "edit")
    body = message.visible if message.text is not None else ""
    if message.document:
        body = plain("sandbox", "file_line", name=message.document.get("file_name")) + f"\n{body}"
    if message.photo:
        body = plain("sandbox", "photo_line") + f"\n{body}"
    print("\n" + plain("sandbox", "said", label=label) + f"\n{body}", file=out)
    number = 1
    for row in message.buttons:
        cells = []
        for button in row:
            cells.append(f"[#{number} {button['text']}]")
            number += 1
        print("   " + "  ".join(cells), file=out)
    for row in message.reply_keyboard:
        print("   " + plain("sandbox", "keyboard") + "  ".join(str(b.get("text", b) if isinstance(b, dict) else b) for b in row), file=out)


async def _prepare(settings: Settings) -> str:
    """Seed the demo township and create an invite for the secretary persona; returns its link."""
    db = await open_database(settings.database_path)
    try:
        now = system_clock()
        await seed_demo_township(db, now)
        await seed_demo_records(db, now.astimezone(settings.timezone).date(), now)
        unit = await units.find_by_name(db, _PERSONAS["secretary_unit"])
        assert unit is not None
        code = new_code()
        await invites.create_invite(db, hash_code(code), SECRETARY, unit.id, LEADER[0], now, timedelta(days=7))
        await people.ensure_admins(db, frozenset({LEADER[0]}), now)
        return deep_link("dangjian_bot", code)
    finally:
        await db.close()


async def run_sandbox(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    if not stdin.isatty():
        print(plain("sandbox", "needs_terminal"), file=out)
        print(plain("sandbox", "needs_token"), file=out)
        return 0
    link = await _prepare(settings)
    # Reminders run when asked (:tick), so a newcomer's first minutes are not interrupted.
    env = {"BOT_ADMIN_IDS": str(LEADER[0]), "ORG_NAME": settings.org_name, "REMINDER_TICK_SECONDS": "0"}
    async with BotHarness(settings.database_path, system_clock, env=env) as harness:  # type: ignore[arg-type]
        personas = {
            "1": harness.person(*LEADER),
            "2": harness.person(*SECRETARY_PERSON),
            "3": harness.person(*STRANGER),
        }
        harness.api.on_bot_message(lambda event, message: _print_message(out, event, message) if message.chat_id == current.user_id else None)
        current = personas["1"]
        print(plain("sandbox", "started", database=settings.database_path, token_id=TEST_TOKEN.split(":")[0]), file=out)
        print(HELP, file=out)
        print(plain("sandbox", "try_this", code=link.split("start=")[1]) + "\n", file=out)
        loop = asyncio.get_running_loop()
        while True:
            try:
                line = await loop.run_in_executor(None, lambda: input(f"{current.name}> "))
            except (EOFError, KeyboardInterrupt):
                break
            line = line.strip()
            if not line:
                continue
            if line in (":quit", ":q"):
                break
            if line == ":help":
                print(HELP, file=out)
            elif line.startswith(":as "):
                chosen = personas.get(line[4:].strip())
                if chosen is None:
                    print(plain("sandbox", "no_such_persona"), file=out)
                else:
                    current = chosen
                    print(plain("sandbox", "now_as", name=current.name), file=out)
            elif line.startswith("#") and (number := parse_id(line[1:])) is not None:
                await _tap_number(current, number, out)
            elif line == ":tick":
                assert harness.app is not None
                report = await engine_of(harness.app).run_once()
                print(plain("sandbox", "ticked", planned=report.planned, sent=report.sent, quiet=report.quiet), file=out)
            elif line == ":photo":
                await current.send_photo()
            elif line.startswith(":file "):
                path = Path(line[6:].strip()).expanduser()
                if not path.is_file():
                    print(plain("sandbox", "file_missing", path=path), file=out)
                else:
                    await current.send_document(path.read_bytes(), path.name)
            else:
                await current.send(line)
    return 0


async def _tap_number(person, number: int, out: TextIO) -> None:  # noqa: ANN001 - harness Person
    messages = [m for m in person.harness.api.bot_messages(person.user_id) if m.buttons]
    if not messages:
        print(plain("sandbox", "no_buttons"), file=out)
        return
    buttons = [b for row in messages[-1].buttons for b in row]
    if not 1 <= number <= len(buttons):
        print(plain("sandbox", "no_such_button", number=number, count=len(buttons)), file=out)
        return
    button = buttons[number - 1]
    if "callback_data" not in button:
        print(plain("sandbox", "link_button", url=button.get("url")), file=out)
        return
    await person.tap_data(button["callback_data"], messages[-1])
