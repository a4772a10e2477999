"""Access as a state machine: hypothesis drives the real bot (Application + Bot API stand-in +
SQLite) through random sequences of creating units, inviting, redeeming (good, used, expired,
forged, a secretary's link followed by a leader), revoking, reporting, opening commitments, the
board, the 小结 and the 台账, and tapping arbitrary button data of up to 64 bytes, as secretaries,
leaders and strangers.

A model of who holds which role in which unit is kept beside the bot, and after every step:
the database agrees with the model (no unintended role change, an invite redeemed at most once);
no secretary was ever shown another unit's record; nobody changed another unit's records; a
stranger changed nothing; no reply said "出了点问题" and nothing was logged as an error.

The bot runs once for the whole test in an event loop on its own thread; each example works in
its own namespace of units and user ids, so examples do not need a fresh bot. PROOF_FULL=1 runs
more examples (``make proof``).
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import threading
from collections.abc import Awaitable, Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from bot import texts
from bot.fakeapi.harness import BotHarness, FakeClock, Person
from bot.fakeapi.server import FloodLimits
from bot.rules.invites import hash_code, new_code
from storage import invites, people
from storage import units as unit_store
from storage.models import LEADER, SECRETARY
from tests.proof_tally import record

T = TypeVar("T")
LEADER_ID = 1001
ERROR_TEXT = texts.say("common", "error")
FULL = os.environ.get("PROOF_FULL") == "1"
TOKEN = re.compile(r"TK(\d+)U(\d+)R(\d+)")  # a record's topic: TK<example>U<unit id>R<n>
PREFIXES = ("d", "u", "u:add", "i", "p", "r", "b", "x", "ev", "rv", "rp", "my", "cm", "mn", "zz")
ACTIONS = ("page", "unit", "leader", "ask", "rev", "open", "view", "edit", "withdraw", "del", "new", "fulfil", "progress", "cancel", "ok", "go", "0")


class BotThread:
    """The bot and the stand-in on an event loop of their own, driven from hypothesis' thread."""

    def __init__(self, folder: Path):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        clock = FakeClock(datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
        env = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0"}
        self.harness = BotHarness(folder / "bot.sqlite3", clock, env=env, flood=FloodLimits(enabled=False))
        self.run(self.harness.__aenter__())

    def run(self, work: Coroutine[Any, Any, T] | Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(60)  # type: ignore[arg-type]

    def close(self) -> None:
        self.run(self.harness.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


def button_data() -> st.SearchStrategy[str]:
    """Arbitrary tap data of at most 64 bytes, mostly shaped like the bot's own."""
    shaped = st.builds(
        lambda prefix, action, arg: f"{prefix}:{action}:{arg}",
        st.sampled_from(PREFIXES),
        st.sampled_from(ACTIONS) | st.text(max_size=8),
        st.integers(-2, 400).map(str) | st.text(max_size=12),
    )
    fits = lambda data: 0 < len(data.encode("utf-8", "replace")) <= 64 and not any(0xD800 <= ord(c) <= 0xDFFF for c in data)  # noqa: E731
    return (shaped | st.text(max_size=64)).filter(fits)


class AccessMachine(RuleBasedStateMachine):
    bot: BotThread
    errors: ErrorLog
    examples = itertools.count(1)
    tally: dict[str, int] = {}

    units = Bundle("units")
    codes = Bundle("codes")
    users = Bundle("users")

    def __init__(self) -> None:
        super().__init__()
        self.n = next(self.examples)
        self.harness = self.bot.harness
        self.model: dict[int, tuple[str, int | None] | None] = {}  # user → (role, unit) or None
        self.invites: dict[str, tuple[str, int | None, bool]] = {}  # code → (role, unit, expired)
        self.used: dict[str, int] = {}
        self.unit_ids: set[int] = set()
        self.reports = 0
        self.seen_messages: dict[int, int] = {}
        self.bot.run(self.empty_database())

    async def empty_database(self) -> None:
        """Each example starts from an empty township (only the admin leader), as hypothesis
        expects of a state machine: what one example stored must not steer the next."""
        db = self.harness.db
        assert db is not None
        tables = [r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")]
        async with db.transaction() as conn:
            await conn.execute("PRAGMA defer_foreign_keys = ON")
            for table in tables:
                await conn.execute(f"DELETE FROM {table}")  # noqa: S608
        people.forget(db)
        await people.ensure_admins(db, frozenset({LEADER_ID}), self.harness.clock())

    # ----- helpers ------------------------------------------------------------------------
    def person(self, user_id: int) -> Person:
        return self.harness.person(user_id, f"用户{user_id % 1000}")

    def db_role(self, user_id: int) -> tuple[str, int | None] | None:
        assert self.harness.db is not None
        found = self.bot.run(people.get_person(self.harness.db, user_id))
        return None if found is None or not found.active else (found.role, found.unit_id)

    def records_by_unit(self) -> dict[int, list[tuple[Any, ...]]]:
        assert self.harness.db is not None
        rows = self.bot.run(self.harness.db.fetchall("SELECT * FROM activities ORDER BY id"))
        grouped: dict[int, list[tuple[Any, ...]]] = {}
        for row in rows:
            grouped.setdefault(row["unit_id"], []).append(tuple(row))
        return grouped

    def everything(self) -> dict[str, list[tuple[Any, ...]]]:
        assert self.harness.db is not None
        db = self.harness.db

        async def dump() -> dict[str, list[tuple[Any, ...]]]:
            tables = [r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")]
            return {t: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {t}")] for t in tables}  # noqa: S608

        return self.bot.run(dump())

    def act(self, user_id: int, work: Any) -> list[Any]:
        replies = self.bot.run(work)
        for reply in replies:
            assert ERROR_TEXT not in reply.visible, reply.visible
        return replies

    def as_user(self, user_id: int, data: str) -> list[Any]:
        """Tap ``data`` on the newest card with inline buttons (or without any keyboard): a tap
        can only come from such a message."""
        person = self.person(user_id)
        for attempt in range(2):
            cards = [m for m in self.harness.api.bot_messages(user_id) if m.buttons or not m.reply_markup]
            if cards:
                return self.act(user_id, person.tap_data(data, cards[-1]))
            if attempt == 0:
                self.act(user_id, person.send("/help"))
        return []

    # ----- rules --------------------------------------------------------------------------
    @initialize(target=users)
    def the_leader(self) -> int:
        self.model[LEADER_ID] = (LEADER, None)
        return LEADER_ID

    @initialize(target=units)
    def first_unit(self) -> int:
        return self.create_unit()

    @initialize(target=users, unit=units, k=st.integers(6, 7))
    def first_secretary(self, unit: int, k: int) -> int:
        """Every example starts with a secretary, so reports and their refusals are common."""
        user_id = self.someone(k)
        self.redeem(user_id, self._invite(SECRETARY, unit, False))
        return user_id

    @rule(target=units)
    def create_unit(self) -> int:
        assert self.harness.db is not None
        unit = self.bot.run(unit_store.add_unit(self.harness.db, f"例{self.n}单位{len(self.unit_ids)}", "村", 9, LEADER_ID, self.harness.clock()))
        self.unit_ids.add(unit.id)
        return unit.id

    @rule(target=users, k=st.integers(0, 7))
    def someone(self, k: int) -> int:
        user_id = 100_000 + self.n * 10 + k
        self.model.setdefault(user_id, None)
        return user_id

    @rule(target=codes, unit=units, expired=st.booleans())
    def invite_secretary(self, unit: int, expired: bool) -> str:
        return self._invite(SECRETARY, unit, expired)

    @rule(target=codes, expired=st.booleans())
    def invite_leader(self, expired: bool) -> str:
        return self._invite(LEADER, None, expired)

    def _invite(self, role: str, unit: int | None, expired: bool) -> str:
        assert self.harness.db is not None
        code = new_code()
        ttl = timedelta(seconds=-1) if expired else timedelta(days=7)
        self.bot.run(invites.create_invite(self.harness.db, hash_code(code), role, unit, LEADER_ID, self.harness.clock(), ttl))
        self.invites[code] = (role, unit, expired)
        return code

    @rule(user=users, code=codes)
    def redeem(self, user: int, code: str) -> None:
        role, unit, expired = self.invites[code]
        self.act(user, self.person(user).send(f"/start {code}"))
        current = self.model.get(user)
        if code in self.used or expired or (role == SECRETARY and current is not None and current[0] == LEADER):
            return  # refused: nothing changes
        self.used[code] = user
        self.model[user] = (role, unit)
        self.tally["joined"] = self.tally.get("joined", 0) + 1

    @rule(user=users, forged=st.text(min_size=1, max_size=60).filter(lambda s: not s.isspace() and "\x00" not in s) | st.just(new_code()))
    def redeem_forged(self, user: int, forged: str) -> None:
        self.act(user, self.person(user).send(f"/start {forged.split()[0] if forged.split() else 'x'}"))

    @rule(user=users)
    def revoke(self, user: int) -> None:
        assert self.harness.db is not None
        if user == LEADER_ID:
            return
        self.bot.run(people.revoke(self.harness.db, user, LEADER_ID, self.harness.clock()))
        if self.model.get(user) is not None:
            self.model[user] = None

    @rule(user=users)
    def report(self, user: int) -> None:
        person = self.person(user)
        self.reports += 1
        topic = f"TK{self.n}U{(self.model.get(user) or ('', 0))[1]}R{self.reports}"
        before = self.records_by_unit()
        self.act(user, person.send("/cancel"))
        replies = self.act(user, person.send("/report"))
        where = self.model.get(user)
        if where is None or where[0] != SECRETARY:
            assert self.records_by_unit() == before
            return
        assert replies and "活动类型" in replies[-1].visible
        self.act(user, person.tap("支委会"))
        self.act(user, person.tap("昨天"))
        self.act(user, person.send(topic))
        self.act(user, person.send("7/9"))
        self.act(user, person.tap("跳过"))
        self.act(user, person.tap("跳过"))
        replies = self.act(user, person.tap("提交"))
        assert any("汇报成功" in m.visible for m in replies)
        self.tally["reported"] = self.tally.get("reported", 0) + 1
        after = self.records_by_unit()
        assert {u: r for u, r in after.items() if u != where[1]} == {u: r for u, r in before.items() if u != where[1]}

    @rule(user=users, command=st.sampled_from(["/my", "/commit", "/digest", "/board", "/units", "/people", "/review", "/start", "/help"]), tap=st.integers(0, 6))
    def look_around(self, user: int, command: str, tap: int) -> None:
        """A command and one tap of what it shows: commitments, the board, the 小结, the 台账."""
        before = self.everything() if self.model.get(user) is None else None
        person = self.person(user)
        replies = self.act(user, person.send(command))
        buttons = [(m, b["callback_data"]) for m in replies for row in m.buttons for b in row if "callback_data" in b]
        if buttons:
            message, data = buttons[tap % len(buttons)]
            self.act(user, person.tap_data(data, message))
        if before is not None:
            self.same_for_strangers(before)

    @rule(user=users, data=button_data())
    def tap_anything(self, user: int, data: str) -> None:
        where = self.model.get(user)
        before_all = self.everything() if where is None else {}
        before = self.records_by_unit()
        self.as_user(user, data)
        if where is None:
            self.same_for_strangers(before_all)
        elif where[0] == SECRETARY:
            after = self.records_by_unit()
            assert {u: r for u, r in after.items() if u != where[1]} == {u: r for u, r in before.items() if u != where[1]}

    def same_for_strangers(self, before: dict[str, list[tuple[Any, ...]]]) -> None:
        after = self.everything()
        changed = {t for t in after if after[t] != before.get(t)}
        assert not changed, changed

    # ----- invariants ---------------------------------------------------------------------
    @invariant()
    def roles_agree_with_the_model(self) -> None:
        for user, expected in self.model.items():
            assert self.db_role(user) == expected, (user, expected)

    @invariant()
    def invites_used_at_most_once(self) -> None:
        assert self.harness.db is not None
        rows = self.bot.run(self.harness.db.fetchall("SELECT used_by FROM invites WHERE used_by IS NOT NULL"))
        assert len(rows) <= len(self.bot.run(self.harness.db.fetchall("SELECT code_hash FROM invites")))
        for code, user in self.used.items():
            row = self.bot.run(self.harness.db.fetchone("SELECT used_by FROM invites WHERE code_hash = ?", (hash_code(code),)))
            assert row is not None and row["used_by"] == user

    @invariant()
    def no_secretary_sees_another_units_record(self) -> None:
        for user in self.model:
            messages = self.harness.api.bot_messages(user)
            start = self.seen_messages.get(user, 0)
            self.seen_messages[user] = len(messages)
            where = self.model[user]
            for message in messages[start:]:
                for _, unit, _ in TOKEN.findall(message.visible):
                    assert where is not None, f"{user} (no access) saw a record of unit {unit}"
                    assert where[0] == LEADER or int(unit) == where[1], f"{user} of {where} saw unit {unit}: {message.visible[:200]!r}"

    @invariant()
    def nothing_logged_as_error(self) -> None:
        assert self.errors.records == [], self.errors.records[:3]


def test_access_machine(tmp_path: Path) -> None:
    bot = BotThread(tmp_path)
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    AccessMachine.bot, AccessMachine.errors = bot, errors
    AccessMachine.examples, AccessMachine.tally = itertools.count(1), {}
    try:
        run_state_machine_as_test(
            AccessMachine,
            settings=settings(
                max_examples=600 if FULL else 300,
                stateful_step_count=20 if FULL else 4,
                deadline=None,
                derandomize=not FULL,
                suppress_health_check=list(HealthCheck),
                database=None,
            ),
        )
    finally:
        logging.getLogger().removeHandler(errors)
        bot.close()
    examples = next(AccessMachine.examples) - 1
    record(f"access machine ({examples} runs)", examples, examples)
    assert examples >= 300
    assert AccessMachine.tally["joined"] > 50 and AccessMachine.tally["reported"] > 10, AccessMachine.tally
