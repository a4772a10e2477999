"""What a report conversation step costs, next to a bare python-telegram-bot echo bot.

One Bot API stand-in (with two bot tokens, flood limits off) runs in this process together with
the simulated people. Each bot runs in a process of its own, as it would in production where
Telegram's servers are not on the bot's CPU:

* the report bot — the real Application (``bot.wiring``) on a fresh SQLite file;
* a bare echo bot — PTB with one MessageHandler (answers with a message) and one
  CallbackQueryHandler (answers the tap and edits the message).

Simulated secretaries each repeat the same scripted session — /report, tap 支委会, tap 昨天,
the topic, 7, tap 跳过, two photos, tap 完成, tap 提交: ten updates and one stored record — and
the echo bot's people send the same mix (texts, photos, taps on its last message). Everyone waits
for the bot's reply before the next step, as on a phone; people act concurrently. Printed:

* updates/second of each bot with everyone at once (best of the rounds, the bots taking turns),
  their ratio (goal: the report bot ≥ 0.9 of the echo bot), and each bot process's CPU time per
  update, which does not depend on how busy the machine is (goal: ≥ 0.8 of the echo bot's);
* the same ratio round by round — each report round against the echo round just before it — as
  the median and range over the rounds: a busy neighbour on a shared machine slows both bots of a
  pair alike, so this is the steadier of the two figures;
* step latency inside the bot — from the update processor starting an update to its handlers
  finishing, including the calls to the stand-in — one person at a time (goal: p95 < 15 ms) and
  with everyone at once.

With ``--limiter`` both bots keep a rate limiter at Telegram's 30/s (the report bot the one
``build_application`` wires, the echo bot PTB's ``AIORateLimiter()``); without it the limiter
limits nothing. ``measure`` returns the figures, including the seconds each person waited for
each reply; bench/report.py sets them in the benchmark report.

    .venv/bin/python -m bench.report_conversation [--users 20] [--reports 2] [--rounds 5] [--limiter]
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    SimpleUpdateProcessor,
    filters,
)

from bot.app.polling import AcknowledgingPoller
from bot.app.runner import ALLOWED_UPDATES
from bot.app.update_processor import ChatOrderedUpdateProcessor
from bot.fakeapi.server import FakeBotApi, FloodLimits, SentMessage

ECHO_TOKEN = "111111:bench-echo-bot"
REPORT_TOKEN = "222222:bench-report-bot"
FIRST_USER = 50_000
WAIT_SECONDS = 60.0
ALONE_REPORTS = 10  # the one-person-at-a-time pass: 100 steps
# One report, step by step: (what the person does, its text or button label, bot messages it
# brings — sent or edited). ``tap`` finds the button on the newest message that has it.
SCRIPT: tuple[tuple[str, str | None, int], ...] = (
    ("text", "/report", 1),
    ("tap", "支委会", 1),
    ("tap", "昨天", 1),
    ("text", "学习党的二十届四中全会精神", 1),
    ("text", "7/9", 1),  # 实到/应到: right whatever 应到 the kind starts from
    ("tap", "跳过", 1),
    ("photo", None, 1),
    ("photo", None, 1),
    ("tap", "完成", 1),
    ("tap", "提交", 1),  # the review card becomes the confirmation with its short id
)


# ===== inside a bot's process ======================================================================
class Timings:
    """Seconds each update took, and a way to wait until none is in progress."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.in_flight = 0
        self.idle = asyncio.Event()
        self.idle.set()

    async def timed(self, work: Awaitable[Any]) -> None:
        self.in_flight += 1
        self.idle.clear()
        started = time.perf_counter()
        try:
            await work
        finally:
            self.seconds.append(time.perf_counter() - started)
            self.in_flight -= 1
            if self.in_flight == 0:
                self.idle.set()


class TimedChatProcessor(ChatOrderedUpdateProcessor):
    """The report bot's own processor, timing each update from start to finish."""

    def __init__(self) -> None:
        super().__init__()
        self.timings = Timings()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self.timings.timed(super().do_process_update(update, coroutine))


class TimedSimpleProcessor(SimpleUpdateProcessor):
    """PTB's plain concurrent processor, timed the same way."""

    def __init__(self) -> None:
        super().__init__(32)
        self.timings = Timings()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self.timings.timed(coroutine)


async def echo_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("echo", callback_data="echo")]])
    await context.bot.send_message(message.chat_id, message.text or "photo", reply_markup=markup)


async def echo_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"{query.data} {update.update_id}", reply_markup=query.message.reply_markup if query.message else None)


def build_echo_bot(base_url: str, limiter: bool = False) -> tuple[Application[Any, Any, Any, Any, Any, Any], TimedSimpleProcessor]:
    """The bare echo bot; with ``limiter`` it has PTB's AIORateLimiter at its default 30/s."""
    processor = TimedSimpleProcessor()
    builder = ApplicationBuilder().token(ECHO_TOKEN).base_url(base_url).concurrent_updates(processor)
    if limiter:
        builder = builder.rate_limiter(AIORateLimiter())
    app = builder.build()
    app.add_handler(MessageHandler(filters.ALL, echo_message))
    app.add_handler(CallbackQueryHandler(echo_tap))
    return app, processor


async def build_report_bot(base_url: str, database: str, limiter: bool = False) -> tuple[Application[Any, Any, Any, Any, Any, Any], TimedChatProcessor, Any]:
    from bot.app.wiring import build_application
    from bot.clock import system_clock
    from bot.config import load_settings
    from storage.db import open_database

    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": REPORT_TOKEN,
            "TELEGRAM_API_BASE_URL": base_url,
            "DATABASE_PATH": database,
            "REMINDER_TICK_SECONDS": "0",  # reminders are not part of a conversation step
        }
    )
    db = await open_database(settings.database_path)
    processor = TimedChatProcessor()
    # Limiter off: Telegram's flood limits are not this program's cost, so the limiter stays in
    # the request path but limits nothing. Limiter on: None lets build_application wire its own.
    from bot.app.limiter import PriorityRateLimiter

    unlimited = None if limiter else PriorityRateLimiter(rate=0, group_max_rate=0, max_retries=0)
    app = build_application(settings, db, clock=system_clock, update_processor=processor, rate_limiter=unlimited)
    return app, processor, db


async def serve(kind: str, base_url: str, database: str, limiter: bool = False) -> None:
    """Run one bot until told to stop; answer ``stats`` on stdin with JSON on stdout."""
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    db = None
    if kind == "report":
        app, processor, db = await build_report_bot(base_url, database, limiter)
    else:
        app, echo_processor = build_echo_bot(base_url, limiter)
        processor = echo_processor  # type: ignore[assignment]
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    # Each bot polls as it is deployed: the report bot with the loop that keeps each received
    # update until handled (bot/app/polling.py), the echo bot with python-telegram-bot's Updater.
    stop_polling = asyncio.Event()
    polling: asyncio.Task[None] | None = None
    if kind == "report":
        assert db is not None
        polling = asyncio.create_task(AcknowledgingPoller(app, db, ALLOWED_UPDATES, long_poll=5).run(stop_polling))
    else:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=5)
    profile_path = os.environ.get("BENCH_PROFILE_DIR")
    profiler = cProfile.Profile() if profile_path else None
    if profiler is not None:  # where a bot's CPU goes: BENCH_PROFILE_DIR=/tmp/p, then pstats
        profiler.enable()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    reported = 0
    while True:
        command = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if command in ("stop", ""):
            break
        if command == "stats":
            # The person saw the reply a moment before the handler returned: let it finish.
            await asyncio.wait_for(processor.timings.idle.wait(), WAIT_SECONDS)
            seconds = processor.timings.seconds[reported:]
            reported = len(processor.timings.seconds)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            figures = {"cpu": time.process_time(), "sys": usage.ru_stime, "seconds": seconds, "peak_mb": usage.ru_maxrss / 1024}
            print(json.dumps(figures), flush=True)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(Path(str(profile_path)) / f"{kind}.pstats"))
    if polling is not None:
        stop_polling.set()
        await polling
    elif app.updater is not None:
        await app.updater.stop()
    await app.stop()
    await app.shutdown()
    if db is not None:
        await db.close()


# ===== the people and the stand-in =================================================================
class BotProcess:
    """A bot running in a child process, asked for its figures over stdin/stdout."""

    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process

    @classmethod
    async def start(cls, kind: str, base_url: str, database: str, limiter: bool = False) -> "BotProcess":
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.report_conversation", "--serve", kind, "--api", base_url, "--db", database,
            *(["--limiter"] if limiter else []),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), WAIT_SECONDS)
        if line.strip() != b"ready":
            raise RuntimeError(f"the {kind} bot did not start: {line!r}")
        return cls(process)

    async def stats(self) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"stats\n")
        await self.process.stdin.drain()
        return json.loads(await asyncio.wait_for(self.process.stdout.readline(), WAIT_SECONDS))

    async def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"stop\n")
        await self.process.stdin.drain()
        await asyncio.wait_for(self.process.wait(), WAIT_SECONDS)


class Replies:
    """Counts the messages each bot sends or edits per chat, so a person can wait for an answer."""

    def __init__(self, api: FakeBotApi):
        self.counts: dict[int, int] = defaultdict(int)
        self.changed: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        api.on_bot_message(self._seen)

    def _seen(self, event: str, message: SentMessage) -> None:
        self.counts[message.chat_id] += 1
        self.changed[message.chat_id].set()

    async def wait_for(self, chat_id: int, count: int) -> None:
        async def reached() -> None:
            while self.counts[chat_id] < count:
                self.changed[chat_id].clear()
                await self.changed[chat_id].wait()

        await asyncio.wait_for(reached(), WAIT_SECONDS)


def newest_button(api: FakeBotApi, user_id: int, label: str | None) -> tuple[SentMessage, str]:
    """The newest bot message for ``user_id`` with a button containing ``label`` (any, if None)."""
    for message in reversed(api.bot_messages(user_id)):
        for row in message.buttons:
            for b in row:
                if "callback_data" in b and (label is None or label in b["text"]):
                    return message, b["callback_data"]
    raise AssertionError(f"no button {label!r} for {user_id}")


async def act(api: FakeBotApi, replies: Replies, token: str, user_id: int, kind: str, value: str | None, expected: int) -> float:
    """One step of a person: do it, wait until the bot has answered; the seconds the person waited."""
    asked = time.perf_counter()
    target = replies.counts[user_id] + expected
    if kind == "text":
        assert value is not None
        api.send_text(user_id, value, bot=token)
    elif kind == "photo":
        api.send_photo(user_id, bot=token)
    else:
        message, data = newest_button(api, user_id, value if token == REPORT_TOKEN else None)
        api.press(user_id, message, data, bot=token)
    await replies.wait_for(user_id, target)
    return time.perf_counter() - asked


# Each report of a person is of another kind or day than the ones before (the bot asks before
# storing the same kind twice for one day): 7 kinds × 3 days, enough for the 20 reports of the
# busiest person.
KINDS = ("支委会", "党小组会", "主题党日", "支部党员大会", "党课", "组织生活会", "民主评议党员")
DAYS = ("昨天", "前天", "今天")
_reports_made: dict[int, int] = {}


def _varied(value: str | None, user_id: int) -> str | None:
    n = _reports_made.get(user_id, 0)
    return {"支委会": KINDS[n % len(KINDS)], "昨天": DAYS[(n // len(KINDS)) % len(DAYS)]}.get(value or "", value)


async def run_person(api: FakeBotApi, replies: Replies, token: str, user_id: int, reports: int) -> list[float]:
    """Every step of ``reports`` sessions; the seconds waited for each reply."""
    waits = []
    for _ in range(reports):
        for kind, value, expected in SCRIPT:
            waits.append(await act(api, replies, token, user_id, kind, _varied(value, user_id), expected if token == REPORT_TOKEN else 1))
        _reports_made[user_id] = _reports_made.get(user_id, 0) + 1
    return waits


async def run_round(api: FakeBotApi, replies: Replies, bot: BotProcess, token: str, users: list[int], reports: int) -> dict[str, Any]:
    """Everyone in ``users`` at once; the round's rate, the bot's CPU per update and step times."""
    before = await bot.stats()
    started = time.perf_counter()
    waits = await asyncio.gather(*(run_person(api, replies, token, u, reports) for u in users))
    elapsed = time.perf_counter() - started
    after = await bot.stats()
    updates = len(users) * reports * len(SCRIPT)
    return {
        "rate": updates / elapsed,
        "cpu_ms": 1000 * (after["cpu"] - before["cpu"]) / updates,
        "sys_ms": 1000 * (after["sys"] - before["sys"]) / updates,
        "seconds": after["seconds"],
        "waits": [w for person in waits for w in person],
        "peak_mb": after["peak_mb"],
    }


async def prepare_database(database: str, users: list[int]) -> list[str]:
    """Units with nine members each, and one invite code per secretary-to-be."""
    from bot.rules.invites import hash_code, new_code
    from storage import invites
    from storage import units as unit_store
    from storage.db import open_database
    from storage.models import SECRETARY

    db = await open_database(database)
    now = datetime.now(UTC)
    codes = []
    for n, _ in enumerate(users):
        unit = await unit_store.add_unit(db, f"第{n + 1}党支部", "村", 9, None, now)
        code = new_code()
        await invites.create_invite(db, hash_code(code), SECRETARY, unit.id, 0, now, timedelta(days=1))
        codes.append(code)
    await db.close()
    return codes


async def count_records(database: str) -> int:
    from storage.activities import count_activities
    from storage.db import open_database

    db = await open_database(database)
    try:
        return await count_activities(db)
    finally:
        await db.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def describe(seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return f"p50 {statistics.median(ms):5.1f} ms   p95 {percentile(ms, 0.95):5.1f} ms   max {max(ms):6.1f} ms   (n={len(ms)})"


async def measure(
    users_count: int, reports: int, rounds: int, limiter: bool = False, echo: bool = True, alone_reports: int = ALONE_REPORTS
) -> dict[str, Any]:
    """Both bots (or the report bot alone, ``echo=False``) with or without the rate limiter: figures.

    First one person alone runs ``alone_reports`` sessions on each bot, then everyone at once.
    """
    api = FakeBotApi(flood=FloodLimits(enabled=False))
    api.add_bot(ECHO_TOKEN, username="echo_bot")
    api.add_bot(REPORT_TOKEN)
    replies = Replies(api)
    await api.start()
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "bench.sqlite3")
        report_users = [FIRST_USER + i for i in range(users_count)]
        echo_users = [FIRST_USER + 10_000 + i for i in range(users_count)]
        codes = await prepare_database(database, report_users)
        crowds = {REPORT_TOKEN: report_users, ECHO_TOKEN: echo_users} if echo else {REPORT_TOKEN: report_users}
        bots = {}
        try:
            if echo:
                bots[ECHO_TOKEN] = await BotProcess.start("echo", api.base_url, database, limiter)
            bots[REPORT_TOKEN] = await BotProcess.start("report", api.base_url, database, limiter)
            for n, (user_id, code) in enumerate(zip(report_users, codes, strict=True)):
                api.add_user(user_id, f"书记{n + 1}")
                await act(api, replies, REPORT_TOKEN, user_id, "text", f"/start {code}", 1)
            for user_id in crowds.get(ECHO_TOKEN, []):
                api.add_user(user_id, "回声")
                await act(api, replies, ECHO_TOKEN, user_id, "text", "hi", 1)  # a message with a button to tap

            alone = {token: await run_round(api, replies, bots[token], token, users[:1], alone_reports) for token, users in crowds.items()}
            loaded: dict[str, list[dict[str, Any]]] = {token: [] for token in crowds}
            for _ in range(rounds):
                for token in sorted(crowds):  # the echo bot's token sorts first: it goes first
                    loaded[token].append(await run_round(api, replies, bots[token], token, crowds[token], reports))
        finally:
            for bot in bots.values():
                await bot.stop()
            await api.stop()
        stored = await count_records(database)
    figures: dict[str, Any] = {
        "users": users_count,
        "reports": reports,
        "rounds": rounds,
        "limiter": limiter,
        "stored": stored,
        "expected_records": users_count * reports * rounds + alone_reports,
        "alone_reports": alone_reports,
    }
    for token, name in ((REPORT_TOKEN, "report"), (ECHO_TOKEN, "echo")):
        if token not in crowds:
            continue
        runs = loaded[token]
        figures |= {
            f"{name}_rate": max(r["rate"] for r in runs),
            f"{name}_cpu_ms": statistics.median(r["cpu_ms"] for r in runs),
            f"{name}_sys_ms": statistics.median(r["sys_ms"] for r in runs),
            f"{name}_peak_mb": max(r["peak_mb"] for r in runs),
            f"alone_{name}": alone[token]["seconds"],
            f"load_{name}": [s for r in runs for s in r["seconds"]],
            f"alone_waits_{name}": alone[token]["waits"],
            f"load_waits_{name}": [w for r in runs for w in r["waits"]],
        }
    if echo:
        figures["paired_ratios"] = [
            report["rate"] / echo_run["rate"] for echo_run, report in zip(loaded[ECHO_TOKEN], loaded[REPORT_TOKEN], strict=True)
        ]
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report_conversation", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="people acting at once")
    parser.add_argument("--reports", type=int, default=2, help="reports per person per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", choices=("echo", "report"), help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--limiter", action="store_true", help="keep the rate limiter at Telegram's 30/s, as deployed")
    args, _ = parser.parse_known_args(argv)  # `python -m bench report_conversation` passes the name
    if args.serve:
        asyncio.run(serve(args.serve, args.api, args.db, args.limiter))
        return
    r = asyncio.run(measure(args.users, args.reports, args.rounds, args.limiter))
    updates = r["users"] * r["reports"] * len(SCRIPT)
    ratio = r["report_rate"] / r["echo_rate"]
    p95_alone = percentile(r["alone_report"], 0.95) * 1000
    print(f"{r['users']} people at once, {r['reports']} reports each: {updates} updates per round, best of {r['rounds']} rounds per bot")
    print(f"  echo bot              {r['echo_rate']:7.0f} updates/s   {r['echo_cpu_ms']:5.2f} ms CPU per update in its process ({r['echo_sys_ms']:.2f} in the kernel)")
    print(f"  report conversation   {r['report_rate']:7.0f} updates/s   {r['report_cpu_ms']:5.2f} ms CPU per update in its process ({r['report_sys_ms']:.2f} in the kernel)")
    cpu_ratio = r["echo_cpu_ms"] / r["report_cpu_ms"]
    print(f"  ratio                 {ratio:7.2f}   (goal ≥ 0.9: {'met' if ratio >= 0.9 else 'NOT met'}; by CPU per update: {cpu_ratio:.2f}, goal ≥ 0.8)")
    paired = r["paired_ratios"]
    print(f"  ratio round by round  {statistics.median(paired):7.2f}   (median of {len(paired)} back-to-back pairs; {min(paired):.2f}–{max(paired):.2f})")
    print("step latency inside the bot, one person at a time")
    print(f"  report conversation   {describe(r['alone_report'])}   (goal p95 < 15 ms: {'met' if p95_alone < 15 else 'NOT met'})")
    print(f"  echo bot              {describe(r['alone_echo'])}")
    print(f"step latency inside the bot, {r['users']} people at once")
    print(f"  report conversation   {describe(r['load_report'])}")
    print(f"  echo bot              {describe(r['load_echo'])}")
    print(f"records stored: {r['stored']} (expected {r['expected_records']})")


if __name__ == "__main__":
    main()
