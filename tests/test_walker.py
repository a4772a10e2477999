"""The walker: every command of each role's menu, and every button of every card it leads to.

For each role (leader, secretary, stranger) the walker sends each command of that role's menu, then
taps every button of the reply, and every button of what that tap shows: two levels deep, opening
the command afresh (after /cancel) for each branch so one branch's state does not hide another's
card. It fails on any error in the bot's log, any "出了点问题" reply, and any tap left unanswered.
"""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from bot import texts
from bot.fakeapi.harness import BotHarness, FakeClock, Person
from bot.fakeapi.server import FloodLimits, SentMessage
from bot.sandbox import demo
from handlers.menus import LEADER_COMMANDS, SECRETARY_COMMANDS, STRANGER_COMMANDS
from storage import notices
from storage import units as unit_store
from tests.conftest import LEADER_ID
from tests.reporting_helpers import join_unit

ERROR_TEXT = texts.say("common", "error")


@dataclass(frozen=True)
class Action:
    """One thing a person can do on a card: tap an inline button, or a reply-keyboard key."""

    label: str
    nth: int  # which of the buttons with this label, in reading order
    data: str | None  # callback data; None for a reply-keyboard key (sent as text)


def actions_of(messages: Sequence[SentMessage]) -> list[Action]:
    """Every tappable thing in ``messages``, in reading order (link buttons are not taps)."""
    seen: dict[str, int] = {}
    found: list[Action] = []
    for message in messages:
        for row in message.buttons:
            for button in row:
                if "callback_data" in button:
                    nth = seen.get(button["text"], 0)
                    seen[button["text"]] = nth + 1
                    found.append(Action(button["text"], nth, button["callback_data"]))
        for row in message.reply_keyboard:
            for key in row:
                text = key if isinstance(key, str) else key["text"]
                found.append(Action(text, 0, None))
    return found


@dataclass
class Walk:
    """What the walk did and what went wrong, path by path."""

    person: Person
    harness: BotHarness
    taps: int = 0
    problems: list[str] = field(default_factory=list)

    def _answers(self) -> int:
        return sum(1 for method, _ in self.harness.api.calls if method == "answerCallbackQuery")

    async def do(self, action: Action, shown: Sequence[SentMessage], path: str) -> list[SentMessage]:
        """Do ``action`` (matched by label and position) on the cards ``shown``; check the reply."""
        matches = [a for a in actions_of(shown) if a.label == action.label]
        if len(matches) <= action.nth:
            return []  # the card changed since (a branch created data); nothing to tap
        chosen = matches[action.nth]
        if chosen.data is None:
            return self.check(await self.person.send(chosen.label), path)
        owner = next(m for m in reversed(shown) if any(b.get("callback_data") == chosen.data for r in m.buttons for b in r))
        before = self._answers()
        replies = await self.person.tap_data(chosen.data, owner)
        self.taps += 1
        if self._answers() == before:
            self.problems.append(f"{path}: the tap was not answered")
        return self.check(replies, path)

    def check(self, replies: list[SentMessage], path: str) -> list[SentMessage]:
        for reply in replies:
            if ERROR_TEXT in reply.visible:
                self.problems.append(f"{path}: replied {reply.visible!r}")
        if any(ERROR_TEXT[:10] in text for text in self.person.answers()[-1:]):
            self.problems.append(f"{path}: alert {self.person.answers()[-1]!r}")
        return replies

    async def open(self, command: str) -> list[SentMessage]:
        await self.person.send("/cancel")
        return self.check(await self.person.send(f"/{command}"), f"/{command}")

    async def walk(self, command: str) -> None:
        """Every button of ``/command``'s reply, and every button of what each of those shows."""
        first = await self.open(command)
        for top in actions_of(first):
            shown = await self.open(command)
            second = await self.do(top, shown, f"/{command} → {top.label}")
            for sub in actions_of(second):
                shown = await self.open(command)
                again = await self.do(top, shown, f"/{command} → {top.label}")
                await self.do(sub, again, f"/{command} → {top.label} → {sub.label}")


async def _township(harness: BotHarness) -> Person:
    """Three units with two months of records and a secretary for the first, so lists, cards and
    the 小结 have something to show, and a notice to her. Returns the secretary."""
    assert harness.db is not None
    now = harness.clock()
    rows = [("山宁村党总支", "村", 56), ("博望中学党支部", "学校", 41), ("博望机床厂党支部", "非公企业", 12)]
    await unit_store.add_units(harness.db, rows, None, now)
    units = await unit_store.list_units(harness.db)
    records = demo.demo_township_records(units, date(2026, 10, 1), date(2026, 11, 26), seed=7)
    await demo.store_demo_records(harness.db, records, now)
    secretary = await join_unit(harness, units[0].id, 2001, "李梅")
    # A notice the secretary has received and not read, so /notice has receipts and 提醒未阅 to tap.
    notice_id = await notices.create_notice(
        harness.db, author=LEADER_ID, text="请报送年度述职报告。", attachment=None, audience=notices.ALL_UNITS,
        unit_ids=[u.id for u in units], recipients=[(secretary.user_id, units[0].id)], due_at=now, now=now, draft=None,
    )
    [delivery] = await notices.deliveries(harness.db, notice_id)
    await notices.mark_sent(harness.db, delivery, 1, now)
    return secretary


@pytest.fixture
async def harness(tmp_path: Path, clock: FakeClock) -> AsyncIterator[BotHarness]:
    # One person taps hundreds of buttons in a row: the stand-in's flood limits and the limiter's
    # pace (which keeps below them) would only make the walk wait, so both are off here; they
    # have their own tests (tests/test_fakeapi.py, tests/test_e2e_retries.py).
    env = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0"}
    async with BotHarness(tmp_path / "bot.sqlite3", clock, env=env, flood=FloodLimits(enabled=False), rate=0) as running:
        yield running


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.ERROR)
    return caplog


def _logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("command", LEADER_COMMANDS)
async def test_leader_walk(harness: BotHarness, leader: Person, errors: pytest.LogCaptureFixture, command: str) -> None:
    await _township(harness)
    walk = Walk(leader, harness)
    await walk.walk(command)
    assert walk.problems == [] and _logged_errors(errors) == []
    assert walk.taps > 0 or command in ("help", "cancel", "mydata", "addunit", "importunits", "lead")  # /mydata: one card without buttons


@pytest.mark.parametrize("command", SECRETARY_COMMANDS)
async def test_secretary_walk(harness: BotHarness, errors: pytest.LogCaptureFixture, command: str) -> None:
    secretary = await _township(harness)
    walk = Walk(secretary, harness)
    await walk.walk(command)
    assert walk.problems == [] and _logged_errors(errors) == []
    assert walk.taps > 0 or command in ("help", "cancel", "mydata")  # /mydata is one card without buttons


@pytest.mark.parametrize("command", [*STRANGER_COMMANDS, "units", "report", "digest"])
async def test_stranger_walk(harness: BotHarness, errors: pytest.LogCaptureFixture, command: str) -> None:
    stranger = harness.person(3001, "张三")
    walk = Walk(stranger, harness)
    await walk.walk(command)
    assert walk.problems == [] and _logged_errors(errors) == []
    assert "您还没有加入" in stranger.last().visible
