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
from bot.sandbox.demo import seed_demo_records, seed_demo_township
from bot.fakeapi.harness import TEST_TOKEN, BotHarness
from bot.fakeapi.server import SentMessage
from bot.rules.invites import deep_link, hash_code, new_code
from bot.reminders.engine import engine_of
from storage import invites, people, units
from storage.db import open_database
from storage.models import SECRETARY

SANDBOX_DB = Path("data/sandbox.sqlite3")
LEADER = (1001, "王", "书记")
SECRETARY_PERSON = (2001, "李", "梅")
STRANGER = (3001, "张", "三")

HELP = """\
沙盒命令：
  直接输入文字      以当前身份发给机器人（如 /help、/units）
  #N               点击最新消息上的第 N 个按钮
  :as 1|2|3        切换身份：1 王书记（镇党委）  2 李梅（山宁村党总支书记，尚未加入）  3 张三（陌生人）
  :photo           发送一张照片    :file 路径   发送文件（如单位 CSV）
  :tick            立即运行一次报送提醒（按当前时间计算应发的提醒和逾期通报）
  :help            显示本说明      :quit        退出
"""


def _print_message(out: TextIO, event: str, message: SentMessage) -> None:
    label = "✏ 机器人（修改）" if event == "edit" else "🤖 机器人"
    body = message.visible if message.text is not None else ""
    if message.document:
        body = f"📎 文件：{message.document.get('file_name')}\n{body}"
    if message.photo:
        body = f"🖼 图片\n{body}"
    print(f"\n{label}：\n{body}", file=out)
    number = 1
    for row in message.buttons:
        cells = []
        for button in row:
            cells.append(f"[#{number} {button['text']}]")
            number += 1
        print("   " + "  ".join(cells), file=out)
    for row in message.reply_keyboard:
        print("   键盘：" + "  ".join(str(b.get("text", b) if isinstance(b, dict) else b) for b in row), file=out)


async def _prepare(settings: Settings) -> str:
    """Seed the demo township and create an invite for the secretary persona; returns its link."""
    db = await open_database(settings.database_path)
    try:
        now = system_clock()
        await seed_demo_township(db, now)
        await seed_demo_records(db, now.astimezone(settings.timezone).date(), now)
        unit = await units.find_by_name(db, "山宁村党总支")
        assert unit is not None
        code = new_code()
        await invites.create_invite(db, hash_code(code), SECRETARY, unit.id, LEADER[0], now, timedelta(days=7))
        await people.ensure_admins(db, frozenset({LEADER[0]}), now)
        return deep_link("dangjian_bot", code)
    finally:
        await db.close()


async def run_sandbox(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    if not stdin.isatty():
        print("沙盒需要在终端中交互运行：make run（未设置 TELEGRAM_BOT_TOKEN 时启动沙盒）。", file=out)
        print("要连接真实的 Telegram，请在 .env 中设置 TELEGRAM_BOT_TOKEN。", file=out)
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
        print(f"沙盒已启动（数据库 {settings.database_path}，本地模拟 Telegram，令牌 {TEST_TOKEN.split(':')[0]}:…）。", file=out)
        print(HELP, file=out)
        print(f"试一试：输入 :as 2 切换为李梅，再发送\n  /start {link.split('start=')[1]}\n即以山宁村党总支书记身份加入。\n", file=out)
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
                    print("没有这个身份，可选 1、2、3", file=out)
                else:
                    current = chosen
                    print(f"（现在的身份：{current.name}）", file=out)
            elif line.startswith("#") and line[1:].isdigit():
                await _tap_number(current, int(line[1:]), out)
            elif line == ":tick":
                assert harness.app is not None
                report = await engine_of(harness.app).run_once()
                quiet = "；现在是休息时间或节假日，提醒将在下一个工作时段发出" if report.quiet else ""
                print(f"（提醒已运行：新排定 {report.planned} 条，发出 {report.sent} 条{quiet}）", file=out)
            elif line == ":photo":
                await current.send_photo()
            elif line.startswith(":file "):
                path = Path(line[6:].strip()).expanduser()
                if not path.is_file():
                    print(f"找不到文件 {path}", file=out)
                else:
                    await current.send_document(path.read_bytes(), path.name)
            else:
                await current.send(line)
    return 0


async def _tap_number(person, number: int, out: TextIO) -> None:  # noqa: ANN001 - harness Person
    messages = [m for m in person.harness.api.bot_messages(person.user_id) if m.buttons]
    if not messages:
        print("最新消息上没有按钮。", file=out)
        return
    buttons = [b for row in messages[-1].buttons for b in row]
    if not 1 <= number <= len(buttons):
        print(f"没有第 {number} 个按钮（共 {len(buttons)} 个）。", file=out)
        return
    button = buttons[number - 1]
    if "callback_data" not in button:
        print(f"这是链接按钮：{button.get('url')}", file=out)
        return
    await person.tap_data(button["callback_data"], messages[-1])
