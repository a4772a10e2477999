"""`python -m bot run` with a token serves a Bot API server, logs no token, and stops on SIGTERM."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.fakeapi.server import FakeBotApi

TOKEN = "777:run-command-secret"


async def test_run_serves_the_configured_bot_api_and_stops_cleanly(tmp_path: Path) -> None:
    api = FakeBotApi()
    api.add_bot(TOKEN)
    api.add_user(1001, "王书记")
    await api.start()
    replied = asyncio.Event()
    api.on_bot_message(lambda event, message: replied.set() if message.chat_id == 1001 else None)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "BOT_ADMIN_IDS": "1001",
        "ORG_NAME": "博望镇党委",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        api.send_text(1001, "/start")
        await asyncio.wait_for(replied.wait(), 30)
        assert "欢迎回来" in api.last_message(1001).visible
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        await api.stop()
    assert process.returncode == 0
    log = stderr.decode()
    assert "is running" in log
    assert TOKEN not in log and "run-command-secret" not in log


async def test_malformed_setting_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "TIMEZONE": "Mars/Base", "TELEGRAM_BOT_TOKEN": ""}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "migrate", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert stderr.decode().strip() == "配置错误 / configuration error: TIMEZONE is not a known time zone: 'Mars/Base'"


async def test_sandbox_without_terminal_explains_and_exits_zero(tmp_path: Path) -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": ""}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert "make run" in stdout.decode()
