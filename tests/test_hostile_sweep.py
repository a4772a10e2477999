"""The hostile sweep: hostile text (tests/hostile_inputs.py) typed at every text step of every guided
flow, and in the cells of an uploaded unit list; then the 小结, its Word file and the 台账 are made
over whatever was stored.

The flows are found, not listed: from each command of the leader's and the secretary's menu (and
from a reminder's 本期未开展 button, which asks the secretary for a reason) an explorer taps one
button of each kind and types a few ordinary answers, and every (flow, step) it reaches is a step
to sweep. Every hostile input must get an answer, never "出了点问题", and nothing may be logged as
an error. Under PROOF_FULL=1 (``make proof``) every input is typed at every step of every flow and
each goes into a report of its own; in ``make test`` each step gets a rotating share (a quarter in
the report flow, an eighth elsewhere, so that every input is typed somewhere), the secretary's
flows are explored from /report, /commit and the reminder, and the reports take two inputs each.
"""
from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from bot import texts
from bot.digest.document import digest_document, plain_text
from bot.digest.query import Scope, load_digest, load_ledger
from bot.digest.word import render_docx
from bot.fakeapi.harness import BotHarness, FakeClock, Person
from bot.fakeapi.server import FloodLimits, SentMessage
from bot.rules.activity_kinds import load_kinds
from handlers.menus import LEADER_COMMANDS, SECRETARY_COMMANDS
from storage import dialogs
from tests.conftest import LEADER_ID
from tests.hostile_inputs import HOSTILE
from tests.proof_tally import record
from tests.test_e2e_reminders import engine
from tests.test_walker import _township

ERROR_TEXT = texts.say("common", "error")
FULL = os.environ.get("PROOF_FULL") == "1"
# Ordinary answers the explorer types to get past a text step: 实到/应到, a number, a date, a name, a sentence.
ORDINARY = ("8/9", "8", "2026-11-20", "山宁村第三党小组", "学习党的二十届四中全会精神并讨论落实措施", "09:00")
# Buttons that end or leave a flow are not the way forward for the explorer.
LEAVING = {"cancel"}
# In ``make test`` each step gets a rotating share of the inputs: a quarter in the report flow,
# an eighth elsewhere (all of them at every step under PROOF_FULL=1).
REPORT_SHARE, OTHER_SHARE = 4, 8


def tap_kind(data: str) -> str:
    """What a button does, without its nonce or record id: buttons of one kind are tried once."""
    parts = data.split(":")
    if parts[0] == "d" and len(parts) >= 3:
        return "d:" + parts[2]
    return ":".join(p for p in parts[:2] if not p.isdigit())


@dataclass(frozen=True)
class Move:
    text: str | None = None
    data: str | None = None
    label: str = ""


@dataclass
class Sweep:
    """One person's sweep: the steps found, how to reach each, and what went wrong."""

    harness: BotHarness
    person: Person
    sent: int = 0
    problems: list[str] = field(default_factory=list)
    steps: dict[tuple[str, str], tuple[str, tuple[Move, ...]]] = field(default_factory=dict)
    # Ways in other than a command (a reminder's button), by name: each opens its flow afresh.
    entries: dict[str, Callable[[], Awaitable[list[SentMessage]]]] = field(default_factory=dict)

    async def state(self) -> tuple[str, str] | None:
        assert self.harness.db is not None
        dialog = await dialogs.get_dialog(self.harness.db, self.person.user_id)
        return None if dialog is None else (dialog.flow, dialog.step)

    async def do(self, move: Move, shown: Sequence[SentMessage]) -> list[SentMessage]:
        if move.text is not None:
            return await self.person.send(move.text)
        owner = next((m for m in reversed(shown) if any(b.get("callback_data") == move.data for r in m.buttons for b in r)), None)
        if owner is None:
            return []
        return await self.person.tap_data(move.data or "", owner)

    async def replay(self, command: str, path: Sequence[Move]) -> list[SentMessage]:
        """Open ``command`` afresh and do ``path``; the cards shown last. Taps are matched by
        label (nonces change between runs)."""
        cancelled = await self.person.send("/cancel")
        if cancelled and "确定取消" in str(cancelled[-1].buttons):  # a form with three answers asks first
            await self.person.tap("确定取消", cancelled[-1])
        shown = await self.entries[command]() if command in self.entries else await self.person.send(f"/{command}")
        for move in path:
            if move.data is not None:
                match = self.button(shown, move)
                if match is None:
                    return []
                move = match
            shown = await self.do(move, shown) or shown
        return shown

    @staticmethod
    def button(shown: Sequence[SentMessage], move: Move) -> Move | None:
        for message in reversed(shown):
            for row in message.buttons:
                for b in row:
                    if b["text"] == move.label and "callback_data" in b:
                        return Move(data=b["callback_data"], label=b["text"])
        return None

    def moves(self, shown: Sequence[SentMessage], typing: bool) -> list[Move]:
        seen: set[str] = set()
        found = [Move(text=t) for t in ORDINARY] if typing else []
        for message in shown:
            for row in message.buttons:
                for b in row:
                    data = b.get("callback_data")
                    if data is None or tap_kind(data) in seen or tap_kind(data).removeprefix("d:") in LEAVING:
                        continue
                    seen.add(tap_kind(data))
                    found.append(Move(data=data, label=b["text"]))
        return found

    async def explore(self, command: str, depth: int = 5) -> None:
        """Find every (flow, step) reachable from ``command`` within ``depth`` moves, depth first:
        a move that leaves the state as it was costs one update, any other a replay back."""
        shown = await self.replay(command, ())
        await self._explore(command, (), shown, await self.state(), depth, set())

    async def _explore(self, command: str, path: tuple[Move, ...], shown: Sequence[SentMessage], where: tuple[str, str] | None, depth: int, tried: set) -> None:
        if where is not None:
            if where in self.steps:
                return
            self.steps[where] = (command, path)
        if len(path) >= depth:
            return
        moved = False  # whether the last move left this level: replay back before the next one
        for move in self.moves(shown, typing=where is not None):
            key = (move.text, where, tap_kind(move.data) if move.data else "")
            if key in tried:
                continue
            tried.add(key)
            if moved:
                shown, moved = await self.replay(command, path), False
            if move.data is not None:
                found = self.button(shown, move)
                if found is None:
                    continue
                move = found
            after = await self.do(move, shown)
            now = await self.state()
            if now == where and move.text is not None:
                continue  # refused: the same question again
            if after:
                await self._explore(command, (*path, move), after, now, depth, tried)
            moved = True

    async def hammer(self, inputs: Sequence[str]) -> None:
        """Type each of ``inputs`` at every step found (PROOF_FULL=1), or a rotating share of them
        at each: every step gets the next share, so across the steps every input is typed, and the
        report flow twice as often as the others. Each must be answered without an error."""
        start = 0
        for (flow, step), (command, path) in sorted(self.steps.items()):
            share = len(inputs) if FULL else -(-len(inputs) // (REPORT_SHARE if flow == "report" else OTHER_SHARE))
            chosen = [inputs[(start + i) % len(inputs)] for i in range(share)]
            start += share
            for bad in chosen:
                if await self.state() != (flow, step):
                    await self.replay(command, path)
                    if await self.state() != (flow, step):
                        break  # not reachable again (e.g. the card needed data made on the way)
                replies = await self.person.send(bad)
                self.sent += 1
                if not replies:
                    self.problems.append(f"{flow}/{step}: no answer to {bad[:30]!r}")
                for reply in replies:
                    if ERROR_TEXT in reply.visible:
                        self.problems.append(f"{flow}/{step}: {bad[:30]!r} → {reply.visible[:80]!r}")


@pytest.fixture
async def harness(tmp_path: Path, clock: FakeClock) -> AsyncIterator[BotHarness]:
    # Hundreds of answers in one chat within seconds: the stand-in's flood limits, and the
    # limiter's pace that keeps below them, would only make the sweep wait (they have their own
    # tests), so both are off here.
    env = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0"}
    async with BotHarness(tmp_path / "bot.sqlite3", clock, env=env, flood=FloodLimits(enabled=False), rate=0) as running:
        yield running


def logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


async def make_digest(harness: BotHarness) -> tuple[str, bytes, bytes]:
    """The 小结 text, Word file and 台账 of November over everything stored."""
    assert harness.db is not None
    settings = harness.settings
    start, end = date(2026, 9, 1), date(2026, 11, 30)
    digest = await load_digest(
        harness.db, settings, load_kinds(), scope=Scope("all"), start=start, end=end, period_label="秋季", period_key=None, today=date(2026, 11, 27)
    )
    blocks = digest_document(digest, settings.digest_date_style, settings.digest_script)
    ledger = await load_ledger(harness.db, scope=Scope("all"), start=start, end=end, period_label="秋季", today=date(2026, 11, 27), zone=settings.timezone)
    return plain_text(blocks), render_docx(blocks), ledger


async def hostile_reports(secretary: Person) -> tuple[int, int]:
    """Reports with hostile inputs as their topic and summary where they are taken: each input as
    both in a report of its own (PROOF_FULL=1), or two inputs to a report; returns how many were
    tried and how many stored."""
    pairs = [(bad, bad) for bad in HOSTILE] if FULL else list(zip(HOSTILE[::2], HOSTILE[1::2] + HOSTILE[:1], strict=False))
    stored = 0
    for bad, summary in pairs:
        replies = await secretary.send("/cancel")
        if "确定取消" in str(replies[-1].buttons):  # a form with three answers asks first
            await secretary.tap("确定取消")
        await secretary.send("/report")
        await secretary.tap("支委会")
        await secretary.tap("昨天")
        replies = await secretary.send(bad)
        if "应到" not in replies[-1].visible:
            await secretary.send("学习党章")
        await secretary.send("7/9")
        replies = await secretary.send(summary)
        if "请发送活动照片" not in replies[-1].visible:
            await secretary.tap("跳过")
        await secretary.tap("跳过")
        replies = await secretary.tap("提交")
        if any("仍要提交" in str(m.buttons) for m in replies):  # the same kind on the same day: asked first
            replies = await secretary.tap("仍要提交")
        stored += any("汇报成功" in m.visible for m in replies)
    return len(pairs), stored


async def excuse_entry(harness: BotHarness, secretary: Person) -> Callable[[], Awaitable[list[SentMessage]]]:
    """The way into 本期未开展's reason: one tick sends the secretary a reminder card; the opener
    forgets the excuses she gave so far (so the item is owed again) and taps the button anew."""
    assert harness.db is not None
    db = harness.db
    await engine(harness).run_once()
    card, data = next(
        (m, b["callback_data"]) for m in reversed(harness.api.bot_messages(secretary.user_id)) for row in m.buttons for b in row
        if b.get("callback_data", "").startswith("r:skip:")
    )

    async def open_excuse() -> list[SentMessage]:
        await db.execute("DELETE FROM excuses WHERE created_by = ?", (secretary.user_id,))
        return await secretary.tap_data(data, card)

    return open_excuse


@pytest.mark.parametrize("role", ["secretary", "leader"])
async def test_hostile_text_at_every_step(harness: BotHarness, leader: Person, caplog: pytest.LogCaptureFixture, role: str) -> None:
    caplog.set_level(logging.ERROR)
    secretary = await _township(harness)
    person, commands = (secretary, SECRETARY_COMMANDS) if role == "secretary" else (leader, LEADER_COMMANDS)
    sweep = Sweep(harness, person)
    if role == "secretary":
        sweep.entries["excuse"] = await excuse_entry(harness, secretary)
        commands = (*(SECRETARY_COMMANDS if FULL else ("report", "commit")), "excuse")
    for command in commands:
        await sweep.explore(command)
    flows = {flow for flow, _ in sweep.steps}
    expected = {"report", "commit_new", "excuse"} if role == "secretary" else {"addunit", "editunit", "digest", "plan", "lead", "schedule"}
    assert expected <= flows, sorted(sweep.steps)
    await sweep.hammer(HOSTILE)
    silent = sum("no answer" in p for p in sweep.problems)
    record(f"hostile text, {role} ({len(sweep.steps)} steps)", sweep.sent, sweep.sent - len(sweep.problems), crashed=len(logged_errors(caplog)), silent=silent)
    assert sweep.problems == [] and logged_errors(caplog) == []
    assert sweep.sent >= len(HOSTILE)
    if role == "secretary":
        tried, stored = await hostile_reports(secretary)
        assert stored >= tried // 2
    text, docx, ledger = await make_digest(harness)
    assert "小结" in text and docx[:2] == b"PK" and ledger[:2] == b"PK"
    assert logged_errors(caplog) == []


async def test_hostile_cells_in_the_unit_list(harness: BotHarness, leader: Person, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    await _township(harness)

    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    rows = [f"{cell(bad)},村,{cell(HOSTILE[(i + 7) % len(HOSTILE)])}" for i, bad in enumerate(HOSTILE)]
    rows += [f"单位{i},{cell(bad)},5" for i, bad in enumerate(HOSTILE)]
    rows += [f"{cell(bad[:30] + '党支部')},村,5" for bad in HOSTILE]
    content = ("单位名称,类型,党员数\n" + "\n".join(rows) + "\n").encode("utf-8", "surrogatepass")
    replies = await leader.send_document(content, "units.csv")
    assert replies and all(ERROR_TEXT not in r.visible for r in replies)
    taps = [b["text"] for r in replies[-1].buttons for b in r]
    if any("导入" in t for t in taps):
        label = next(t for t in taps if "导入" in t)
        replies = await leader.tap(label)
        assert replies and all(ERROR_TEXT not in r.visible for r in replies)
    text, docx, ledger = await make_digest(harness)
    assert text and docx[:2] == b"PK" and ledger[:2] == b"PK"
    assert logged_errors(caplog) == []
