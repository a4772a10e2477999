"""Reporting while the bot is killed: the real bot in a subprocess (``python -m bot run``) against
the Bot API stand-in in this process, SIGKILLed at random moments while a secretary reports.

Each attempt is the whole report flow with a topic of its own. After a random update is sent, the
bot is killed — before it fetched the update, once it was handed over (at the bot's next
getUpdates), or at its first message for it, before it learns the message went — and started again; the person then waits for that step's
answer and goes on tapping the same cards (the conversation lives in the database), so a report
that goes through after a kill proves the draft was resumable. A step counts as answered only when
the bot has handled that very update (the stand-in saw its offset confirmed) and sent or edited a
message since, so a late answer to the step before is never taken for it. Counted: attempts (tried), reports confirmed and stored exactly once (held),
confirmed but not stored (lost), stored twice (duplicated), a bot that died on its own or logged
an error (crashed), and steps that never got an answer, even after the restart (silent).
Shared by tests/test_crash_loops.py (a few kills) and tests/proof_run.py (fifty and more).
"""
from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.fakeapi.server import BotAccount, FakeBotApi, FloodLimits, SentMessage
from bot.rules.invites import hash_code, new_code
from storage import invites
from storage import units as unit_store
from storage.db import open_database
from storage.models import SECRETARY

TOKEN = "123456:TEST-token-never-real"
SECRETARY_ID = 2001
ANSWER_DEADLINE = 30.0
RESUME = "继续上次的填写"
CANCEL_CONFIRM = "确定取消"
SUBMIT_ANYWAY = "仍要提交"  # every attempt reports the same day's 支委会: the bot asks whether it is another one
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Tally:
    """One row of the proof table."""

    name: str
    tried: int = 0
    held: int = 0
    lost: int = 0
    duplicated: int = 0
    crashed: int = 0
    silent: int = 0
    kills: int = 0
    killed_while_handled: int = 0
    killed_when_handed: int = 0
    notes: list[str] = field(default_factory=list)


class BotProcess:
    """``python -m bot run`` against the stand-in, killed and started again on demand."""

    def __init__(self, api: FakeBotApi, database: Path, log: Path):
        self.api, self.database, self.log = api, database, log
        self.process: subprocess.Popen[bytes] | None = None
        self.kill_at_next_poll = False  # SIGKILL as the next getUpdates arrives
        api.on_call(self._on_call)

    def _on_call(self, method: str, params: dict[str, object]) -> None:
        if method == "getUpdates" and self.kill_at_next_poll and self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.kill_at_next_poll = False

    async def start(self) -> None:
        polls = self._polls()
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": self.api.base_url,
            "DATABASE_PATH": str(self.database),
            "BOT_ADMIN_IDS": "1001",
            "PYTHONPATH": str(ROOT),
        }
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
        # Up when it polls: the stand-in sees its getUpdates.
        await wait_until(lambda: self._polls() > polls or self.exited(), 60.0)

    def _polls(self) -> int:
        return sum(1 for method, _ in self.api.calls if method == "getUpdates")

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def kill(self) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    async def stop(self) -> bool:
        """Stop gracefully (the stand-in keeps answering meanwhile, so the bot can confirm what it
        handled); True if the process had died on its own before."""
        process = self.process
        assert process is not None
        died = process.poll() is not None
        if not died:
            process.send_signal(signal.SIGTERM)
            if not await wait_until(lambda: process.poll() is not None, 15.0):
                process.kill()
                process.wait(5)
        return died


async def wait_until(condition: Callable[[], bool], deadline: float) -> bool:
    """Wait for ``condition`` (checked every few milliseconds) at most ``deadline`` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not condition():
        if loop.time() > end:
            return False
        await asyncio.sleep(0.01)
    return True


async def prepare(database: Path) -> str:
    """A unit and a secretary's invite code (redeemed by /start in the loop)."""
    db = await open_database(database)
    try:
        unit = await unit_store.add_unit(db, "山宁村党支部", "村", 9, None, datetime.now().astimezone())
        code = new_code()
        await invites.create_invite(db, hash_code(code), SECRETARY, unit.id, 1, datetime.now().astimezone(), timedelta(days=7))
    finally:
        await db.close()
    return code


class Secretary:
    """The secretary on the phone. Each step waits until the bot has handled that very update (the
    stand-in sees its offset confirmed) and answered it with a message or an edit, so a late answer
    to the step before is never taken for the answer to this one."""

    def __init__(self, api: FakeBotApi, account: BotAccount):
        self.api, self.account = api, account
        self.events = 0
        self._mark = 0
        self._pending: int | None = None  # the update the person waits on
        self._answered_at = 0  # self.events when the pending update was sent
        self.on_answer: Callable[[], None] | None = None  # called once, at the bot's next message
        api.add_user(SECRETARY_ID, "李梅")
        api.on_bot_message(self._seen)

    def _seen(self, event: str, message: SentMessage) -> None:
        if message.chat_id == SECRETARY_ID:
            self.events += 1
            hook, self.on_answer = self.on_answer, None
            if hook is not None:
                hook()

    def send(self, text: str) -> None:
        self._waiting_on(self.api.send_text(SECRETARY_ID, text))

    def tap(self, label: str) -> bool:
        for message in reversed(self.api.bot_messages(SECRETARY_ID)):
            for row in message.buttons:
                for button in row:
                    if label in button["text"] and "callback_data" in button:
                        self._waiting_on(self.api.press(SECRETARY_ID, message, button["callback_data"]))
                        return True
        return False

    def _waiting_on(self, update_id: int) -> None:
        self._pending, self._answered_at = update_id, self.events

    def answered(self) -> bool:
        """The update last sent was handled (its offset confirmed) and the bot said something since."""
        assert self._pending is not None
        return self.account.confirmed_offset > self._pending and self.events > self._answered_at

    def answered_yet(self) -> bool:
        """The bot said something since the update last sent (handled or not)."""
        return self.events > self._answered_at

    async def answer(self) -> bool:
        return await wait_until(self.answered, ANSWER_DEADLINE)

    def confirmed(self) -> bool:
        """Whether the bot said 汇报成功 since :meth:`mark`."""
        return any("汇报成功" in m.visible for m in self.api.bot_messages(SECRETARY_ID)[self._mark :])

    def latest(self) -> str:
        sent = self.api.bot_messages(SECRETARY_ID)
        return sent[-1].visible if sent else ""

    def offered(self, label: str) -> bool:
        """Whether the bot's latest message has a button labelled ``label``."""
        sent = self.api.bot_messages(SECRETARY_ID)
        return bool(sent) and any(label in b["text"] for row in sent[-1].buttons for b in row)

    def offered_draft(self) -> bool:
        return self.offered(RESUME)

    def mark(self) -> None:
        self._mark = len(self.api.bot_messages(SECRETARY_ID))


def steps(topic: str) -> list[tuple[str, str]]:
    return [("send", "/report"), ("tap", "支委会"), ("tap", "昨天"), ("send", topic), ("send", "7/9"), ("tap", "跳过"), ("tap", "跳过"), ("tap", "提交")]


async def _kill_and_restart(bot: BotProcess, person: Secretary, rng: random.Random, tally: Tally) -> None:
    """Kill the bot at a random moment of the update just sent: before it is fetched; once it was
    handed over (at the bot's next getUpdates, which python-telegram-bot's Updater sends with the
    update already confirmed); or while it is handled (at the bot's first message for it, before
    the bot knows the message went)."""
    tally.kills += 1
    if bot.exited():
        tally.crashed += 1
    moment = rng.choice(("before", "handed", "answering"))
    process = bot.process
    assert process is not None
    if moment == "answering" and not person.answered_yet():
        person.on_answer = lambda: process.send_signal(signal.SIGKILL)
        await wait_until(lambda: person.on_answer is None or bot.exited(), ANSWER_DEADLINE)
        tally.killed_while_handled += person.on_answer is None
        person.on_answer = None
    elif moment == "handed":
        bot.kill_at_next_poll = True
        await wait_until(lambda: not bot.kill_at_next_poll or bot.exited(), ANSWER_DEADLINE)
        tally.killed_when_handed += not bot.kill_at_next_poll
        bot.kill_at_next_poll = False
    bot.kill()
    await bot.start()


async def report_crash_loop(folder: Path, kills: int, seed: int = 1) -> Tally:
    """Report until the bot has been killed ``kills`` times; then count what held."""
    rng = random.Random(seed)
    tally = Tally("reports under SIGKILL")
    database = folder / "bot.sqlite3"
    code = await prepare(database)
    api = FakeBotApi(flood=FloodLimits(enabled=False))
    account = api.add_bot(TOKEN)
    await api.start()
    bot = BotProcess(api, database, folder / "bot.log")
    person = Secretary(api, account)
    confirmed: list[str] = []
    resumed = 0
    try:
        await bot.start()
        person.send(f"/start {code}")
        await person.answer()
        attempt = 0
        while tally.kills < kills:
            attempt += 1
            topic = f"第{attempt}次学习党章活动"
            tally.tried += 1
            person.mark()
            for kind, what in steps(topic):
                asked = person.latest()
                if kind == "send":
                    person.send(what)
                elif not person.tap(what):
                    tally.silent += 1
                    tally.notes.append(f"attempt {attempt}: no button {what}")
                    break
                if rng.random() < 0.3 and tally.kills < kills:  # a random update: killed before it is fetched, or while handled
                    await _kill_and_restart(bot, person, rng, tally)
                if not await person.answer():
                    tally.silent += 1
                    tally.notes.append(f"attempt {attempt}: no answer to {what}")
                    break
                if person.offered_draft():
                    # After a restart the draft is shown before typed text goes into it; the
                    # person continues it, and the text they typed is taken then.
                    person.tap(RESUME)
                    resumed += 1
                    if not await person.answer():
                        tally.silent += 1
                        tally.notes.append(f"attempt {attempt}: no answer to {RESUME}")
                        break
                    if kind == "send" and person.latest() == asked:  # the same question: answer it again
                        person.send(what)
                        if not await person.answer():
                            tally.silent += 1
                            tally.notes.append(f"attempt {attempt}: no answer to {what}, typed again")
                            break
                if person.offered(SUBMIT_ANYWAY):
                    person.tap(SUBMIT_ANYWAY)
                    if not await person.answer():
                        tally.silent += 1
                        tally.notes.append(f"attempt {attempt}: no answer to {SUBMIT_ANYWAY}")
                        break
            else:
                if await wait_until(person.confirmed, ANSWER_DEADLINE):
                    confirmed.append(topic)
                else:
                    tally.notes.append(f"attempt {attempt}: 提交 answered without 汇报成功: {person.latest()[:40]!r}")
            person.send("/cancel")  # whatever is left of this attempt; a draft with answers asks first
            if not await person.answer() or (person.offered(CANCEL_CONFIRM) and (not person.tap(CANCEL_CONFIRM) or not await person.answer())):
                tally.silent += 1
                tally.notes.append(f"attempt {attempt}: no answer to /cancel")
        if await bot.stop():
            tally.crashed += 1
    finally:
        if bot.process is not None and bot.process.poll() is None:
            bot.kill()
        await api.stop()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored: dict[str, list[tuple[int, int, str]]] = {}
        for topic, attended, expected, kind in conn.execute("SELECT topic, attended, expected, kind FROM activities"):
            stored.setdefault(topic, []).append((attended, expected, kind))
    for topic in confirmed:
        rows = stored.get(topic, [])
        if not rows or rows[0] != (7, 9, rows[0][2]):
            tally.lost += 1
    tally.held = sum(1 for t in confirmed if len(stored.get(t, [])) == 1 and stored[t][0][:2] == (7, 9))
    tally.duplicated = sum(1 for rows in stored.values() if len(rows) > 1)
    log = (folder / "bot.log").read_text(errors="replace")
    tally.crashed += log.count(" ERROR ")
    tally.notes.append(f"drafts resumed after a restart: {resumed}")
    before = tally.kills - tally.killed_while_handled - tally.killed_when_handed
    tally.notes.append(f"killed before the update was fetched: {before}, once it was handed over: {tally.killed_when_handed}, at its first answer: {tally.killed_while_handled}")
    return tally
