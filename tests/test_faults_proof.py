"""Faults: secretaries report while a share of the Bot API calls their conversations make fail
(10 %, and 40 %): a 502, a 429, or a stall past the client's timeout, before the call took effect
or after it (the message arrived, the bot never heard). Each person acts on what the bot asks, and
when a step gets no visible answer, does it again (a bounded number of times); a card the bot
calls out of date is left for /report, as the bot's answer says.

Checked against the database at the end: every stored report was confirmed to its person (a
message saying 汇报成功 with its number reached their chat), none is stored twice, none the person
was told was stored is missing, and nothing was logged as an error. ``make test`` runs 40 reports
under 10 % faults and 20 under 40 %; ``make proof`` (PROOF_FULL=1) 500 and 100, and adds the rows
"reports under 10 % faults" and "… 40 % …" to its table.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from bot import texts
from bot.fakeapi.harness import BotHarness, FakeClock, Person
from bot.fakeapi.html_check import visible_text
from bot.fakeapi.server import FloodLimits, SentMessage
from bot.rules.report_rules import activity_short_id
from storage import activities, dialogs
from tests.conftest import LEADER_ID
from tests.proof_tally import record
from tests.reporting_helpers import join_secretary

FULL = os.environ.get("PROOF_FULL") == "1"
# (share of calls failing, people, reports each). The 10 % of issue 13, and a harsher 40 % at which
# the bot's own tries of a reply run out now and then, so that what follows is exercised too: a
# confirmation said late (at the person's next step), "网络不稳定…请再试一次".
RUNS = [(0.10, 25, 20), (0.40, 10, 10)] if FULL else [(0.10, 8, 5), (0.40, 4, 5)]
# Which calls fail is drawn from this seed (PROOF_SEED=n tries another); when each fails, from timing.
SEED = int(os.environ.get("PROOF_SEED", "13"))
# The bot gives up on an answer after READ_TIMEOUT; a stalled answer comes after STALL.
READ_TIMEOUT, STALL = 0.3, 0.6
# Telegram's retry_after is whole seconds (1 at least), and a 429 stops every call for that long:
# python-telegram-bot takes a fraction too, which keeps the run short without changing what happens.
RETRY_AFTER = 0.05
# How often a person does a step while nothing visible comes back (still nothing: a silent step);
# and how many steps they spend on one report before giving it up.
SAME_STEP_TRIES, STEPS_PER_REPORT = 3, 60
STALE = "已失效"
OWED = visible_text(texts.say("report", "owed_confirmation", text=""), "HTML").strip()[:8]
TRY_AGAIN = texts.say("common", "try_again")
CONFIRMED = re.compile(r"汇报成功，编号 (HD\d+)")
# What each step of the report flow asks, and what the person answers: text, or a button's label.
ANSWERS = {
    "kind": ("tap", "支委会"),
    "date": ("tap", "昨天"),
    "attended": ("send", "7"),
    "summary": ("tap", "跳过"),
    "photos": ("tap", "跳过"),
    "review": ("tap", "提交"),
    "duplicate": ("tap", "仍要提交"),
}


@dataclass
class Secretary:
    """One person filing ``reports`` reports, each with a topic of its own."""

    harness: BotHarness
    person: Person
    unit_id: int
    reports: int
    confirmed: dict[str, str] = field(default_factory=dict)  # HD number → topic, as the person was told
    steps: int = 0
    silent: int = 0  # steps that got no visible answer (then done again)
    unanswered: int = 0  # steps still without an answer after every try
    given_up: list[str] = field(default_factory=list)
    pending: str = ""  # the topic of the report being filed
    trace: list[str] = field(default_factory=list)  # what they did and saw, shown if they gave up
    stale: bool = False  # the last tap was answered "this card is out of date"

    def topic(self, k: int) -> str:
        return f"{self.person.name}第{k + 1}次支委会"

    async def act(self, kind: str, what: str, target: SentMessage | None = None) -> tuple[bool, list[SentMessage], SentMessage | None]:
        """Send ``what`` or tap the button labelled ``what`` (on ``target``, else the newest card with
        it); whether anything visible came back, what was shown, and the card tapped."""
        api, user = self.harness.api, self.person.user_id
        self.steps += 1
        if kind == "send":
            shown = await self.person.send(what)
            return bool(shown), shown, None
        try:
            card, data = self.person.find_button(what, target)
        except AssertionError:  # that card never arrived: the person asks again
            shown = await self.person.send("/report")
            return bool(shown), shown, None
        query: list[str | None] = []

        def press() -> int:
            update_id = api.press(user, card, data)
            query.append(api.last_query_id)
            return update_id

        shown = await self.harness.run(press, user)
        toast = api.callback_answers.get(str(query[0]))
        self.stale = not shown and bool(toast) and STALE in str(toast)
        return bool(shown) or bool(toast), shown, card

    async def step(self, kind: str, what: str) -> list[SentMessage]:
        """One step as a person does it: again on the same card while nothing visible comes back."""
        target: SentMessage | None = None
        for _ in range(SAME_STEP_TRIES):
            answered, shown, target = await self.act(kind, what, target)
            self.trace.append(f"{what} -> {answered} {[m.visible[:40] for m in shown]}")
            self.note_confirmations(shown)
            if answered:
                return shown
            self.silent += 1
        self.unanswered += 1
        return []

    def note_confirmations(self, shown: list[SentMessage]) -> None:
        for message in shown:
            for number in CONFIRMED.findall(message.visible):
                self.confirmed.setdefault(number, self.pending)

    async def next_move(self) -> tuple[str, str]:
        assert self.harness.db is not None
        if self.stale:  # "这条消息已失效，请重新点汇报活动": as the toast says
            self.stale = False
            return "send", "/report"
        newest = self.harness.api.bot_messages(self.person.user_id)[-1:]
        if newest and "继续上次的填写" in str(newest[0].buttons):
            return "tap", "继续上次的填写"
        dialog = await dialogs.get_dialog(self.harness.db, self.person.user_id)
        if dialog is None or dialog.flow != "report":
            return "send", "/report"
        if dialog.step == "topic":
            return "send", self.pending
        return ANSWERS.get(dialog.step, ("send", "/cancel"))

    async def report_all(self) -> None:
        for k in range(self.reports):
            self.pending = self.topic(k)
            for _ in range(STEPS_PER_REPORT):
                if self.pending in self.confirmed.values():
                    break
                await self.step(*await self.next_move())
            else:
                self.given_up.append(self.pending)
            await self.step("send", "/cancel")  # whatever is left open, as a person leaving would


@pytest.fixture
async def harness(tmp_path: Path, clock: FakeClock) -> AsyncIterator[BotHarness]:
    # Flood limits and the limiter's pace are off: the faults are what this is about, and the
    # stand-in's 429s come from them alone.
    env = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0"}
    async with BotHarness(tmp_path / "bot.sqlite3", clock, env=env, flood=FloodLimits(enabled=False), read_timeout=READ_TIMEOUT, rate=0) as running:
        yield running


# python-telegram-bot warns that a RetryAfter's retry_after will become a timedelta.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize(("rate", "count", "reports_each"), RUNS)
async def test_reports_under_faults_are_confirmed_once_and_never_lost(
    harness: BotHarness, caplog: pytest.LogCaptureFixture, rate: float, count: int, reports_each: int
) -> None:
    caplog.set_level(logging.WARNING)
    people = []
    for i in range(count):
        person, unit = await join_secretary(harness, 3000 + i, f"书记{i:02d}", f"第{i:02d}村党支部")
        people.append(Secretary(harness, person, unit.id, reports_each))
    faults = harness.api.fault_randomly(rate, seed=SEED, stall=STALL, retry_after=RETRY_AFTER)
    await asyncio.gather(*(p.report_all() for p in people))
    harness.api.random_faults = None

    assert harness.db is not None
    stored = await activities.list_activities(harness.db, start=date(2026, 1, 1), end=date(2026, 12, 31))
    by_unit = {p.unit_id: p for p in people}
    topics = Counter(a.topic for a in stored)
    duplicated = sum(n - 1 for n in topics.values())
    told = {number: (p, topic) for p in people for number, topic in p.confirmed.items()}
    stored_numbers = {activity_short_id(a.id): a for a in stored}
    lost = [n for n, (_, topic) in told.items() if n not in stored_numbers or stored_numbers[n].topic != topic]
    unconfirmed = [n for n, a in stored_numbers.items() if not _confirmed_in_chat(harness, by_unit[a.unit_id].person.user_id, n)]
    wrong_unit = [n for n, (p, _) in told.items() if n in stored_numbers and stored_numbers[n].unit_id != p.unit_id]
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR and not r.name.startswith("aiohttp")]
    tried = count * reports_each
    held = sum(1 for p in people for topic in {p.topic(k) for k in range(reports_each)} if topics[topic] == 1 and topic in p.confirmed.values())
    silent = sum(p.unanswered for p in people)
    record(f"reports under {rate:.0%} faults".replace("%", " %"), tried, held, lost=len(lost) + len(unconfirmed), duplicated=duplicated, crashed=len(errors), silent=silent)
    steps, retried = sum(p.steps for p in people), sum(p.silent for p in people)
    said = [m.visible for p in people for m in harness.api.bot_messages(p.person.user_id)] + [str(t) for t in harness.api.callback_answers.values()]
    late, again = sum(OWED in t for t in said), sum(TRY_AGAIN in t for t in said)
    print(f"\n{tried} reports, {steps} steps, faults {dict(faults.drawn)}; steps done again after no answer: {retried}; "
          f"confirmations said late: {late}; asked to try again: {again}")

    assert faults.drawn.total() > tried  # the faults were many: more than one per report
    assert lost == [] and wrong_unit == [], [(n, told[n][1], stored_numbers[n].topic if n in stored_numbers else None) for n in lost]
    assert unconfirmed == [], "stored, never confirmed"
    assert duplicated == 0, [t for t, n in topics.items() if n > 1]
    for p in people:
        if p.given_up:
            print("\n".join(p.trace[-40:]))
            break
    assert [t for p in people for t in p.given_up] == []
    assert held == tried == len(stored)
    assert silent == 0
    assert errors == []


def _confirmed_in_chat(harness: BotHarness, user_id: int, number: str) -> bool:
    return any(number in CONFIRMED.findall(m.visible) for m in harness.api.bot_messages(user_id))
