"""Access as a state machine: hypothesis drives the real bot (Application + Bot API stand-in +
SQLite) through random sequences of creating units, inviting, redeeming (good, used, expired,
forged, a secretary's link followed by a leader), revoking, moving a secretary to another unit,
reporting, editing and withdrawing a record (one's own, or forged taps at another unit's),
sending a notice and tapping 已阅 (on one's own or forged), opening commitments, the board, the
小结 and the 台账, writing and tapping in a group chat, and tapping arbitrary button data of up
to 64 bytes, as secretaries, leaders and strangers.

A model of who holds which role in which unit is kept beside the bot, and after every step:
the database agrees with the model (no unintended role change; exactly the invites the model
expects are used, each by one person);
no secretary was ever shown another unit's record; nobody changed another unit's records; a
notice reached exactly the secretaries of its units and 已阅 is recorded only for a recipient; a
stranger, and anyone in a group chat, changed nothing and was shown nothing private; no reply
said "出了点问题" and nothing was logged as an error.

The bot runs once for the whole test in an event loop on its own thread, and each example starts
from an emptied database rather than a fresh bot. PROOF_FULL=1 runs more and longer examples
(``make proof``).
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import threading
from collections.abc import Awaitable, Coroutine
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from bot import texts
from bot.fakeapi.harness import BotHarness, FakeClock, Person
from bot.fakeapi.server import FloodLimits, SentMessage
from bot.reminders.engine import engine_of
from bot.rules.invites import hash_code, new_code
from handlers.invites import _THROTTLE_KEY as REDEEM_THROTTLE_KEY
from handlers.invites import REDEEM_FAILURES_ALLOWED
from storage import bulk, invites, notices, people
from storage import units as unit_store
from storage.activities import ActivityFields
from storage.models import LEADER, SECRETARY
from tests.proof_tally import record

T = TypeVar("T")
LEADER_ID = 1001
ERROR_TEXT = texts.say("common", "error")
PRIVATE_ONLY = texts.say("common", "private_only")
GROUP_CHAT = {"id": -100_777, "type": "group", "title": "书记交流群"}
FULL = os.environ.get("PROOF_FULL") == "1"
RUNS, STEPS = (600, 20) if FULL else (300, 1)  # examples, and the rules each runs after its set-up
SET_UP_STEPS = 2  # hypothesis counts the two initialize rules as steps
TOKEN = re.compile(r"TK(\d+)U(\d+)R(\d+)")  # a record's topic: TK<example>U<unit id>R<n>
PREFIXES = ("d", "u", "u:add", "i", "p", "r", "b", "x", "ev", "rv", "rp", "my", "cm", "mn", "nt", "nr", "zz")
ACTIONS = (
    "page", "unit", "leader", "ask", "rev", "open", "view", "edit", "withdraw", "del", "new", "fulfil", "progress", "cancel", "ok", "go", "0",
    "who", "mv", "to", "mvok", "ef", "wd", "wdok", "s", "c", "l", "n", "skip",
)


class BotThread:
    """The bot and the stand-in on an event loop of their own, driven from hypothesis' thread."""

    def __init__(self, folder: Path):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        clock = FakeClock(datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
        env = {"BOT_ADMIN_IDS": str(LEADER_ID), "REMINDER_TICK_SECONDS": "0"}
        # Access is what is proven here, not pace: the stand-in's flood limits and the limiter's
        # 30/s (which keeps below them) are off, or thousands of replies would wait their turn.
        self.harness = BotHarness(folder / "bot.sqlite3", clock, env=env, flood=FloodLimits(enabled=False), rate=0)
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
        # Failed invite codes per person: after REDEEM_FAILURES_ALLOWED the bot asks them to wait.
        # The bot outlives the examples, so its count starts afresh with each one.
        self.failed_codes: dict[int, int] = {}
        assert self.harness.app is not None
        self.harness.app.bot_data.pop(REDEEM_THROTTLE_KEY, None)
        self.bot.run(self.empty_database())
        self.set_up_township()

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
        self.harness.api.messages.clear()  # the chats too: the leader's would grow with every example
        await people.ensure_admins(db, frozenset({LEADER_ID}), self.harness.clock())

    # ----- helpers ------------------------------------------------------------------------
    def person(self, user_id: int) -> Person:
        return self.harness.person(user_id, f"用户{user_id % 1000}")

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

    def a_secretary(self, user: int) -> int:
        """A secretary of the model in place of ``user`` (when there is one): most people drawn
        are not, and the steps only a secretary can complete would seldom be completed."""
        secretaries = sorted(u for u, w in self.model.items() if w is not None and w[0] == SECRETARY)
        return secretaries[user % len(secretaries)] if secretaries else user

    def as_user(self, user_id: int, data: str) -> list[Any]:
        """Tap ``data`` on the newest card with inline buttons (or without any keyboard): a tap
        can only come from such a message. Without one, commands that show one are sent first
        (/help answers with the reply keyboard; /my and /units with inline cards)."""
        person = self.person(user_id)
        for ask in ("/help", "/my", "/units", None):
            cards = [m for m in self.harness.api.bot_messages(user_id) if m.buttons or not m.reply_markup]
            if cards:
                return self.act(user_id, person.tap_data(data, cards[-1]))
            if ask is not None:
                self.act(user_id, person.send(ask))
        raise AssertionError(f"no card for {user_id} to tap {data!r} on")

    # ----- rules --------------------------------------------------------------------------
    def set_up_township(self) -> None:
        """Every example starts with the admin leader, two units with a record each, a secretary
        of the first who joined through the bot, and a stranger: there is always another unit to
        move to, to read from and to tap at, and reports and their refusals are common."""
        assert self.harness.db is not None
        self.model[LEADER_ID] = (LEADER, None)
        self.township = [self.unit_with_a_record(), self.unit_with_a_record()]
        secretary, stranger = self.someone(6), self.someone(7)
        self.redeem(secretary, self._invite(SECRETARY, self.township[0], False))
        self.bot.run(self.delivered_notice(secretary, self.township[0]))
        self.township_people = [LEADER_ID, secretary, stranger]

    async def delivered_notice(self, secretary: int, unit: int) -> None:
        """A notice the secretary has received and not read yet, as the fan-out leaves it."""
        assert self.harness.db is not None
        now = self.harness.clock()
        notice_id = await notices.create_notice(
            self.harness.db, author=LEADER_ID, text=f"第{self.n}号通知", attachment=None, audience=notices.ALL_UNITS,
            unit_ids=self.township, recipients=[(secretary, unit)], due_at=now, now=now, draft=None,
        )
        [delivery] = await notices.deliveries(self.harness.db, notice_id)
        await notices.mark_sent(self.harness.db, delivery, 1, now)

    def unit_with_a_record(self) -> int:
        assert self.harness.db is not None
        unit = self.create_unit()
        self.reports += 1
        fields = ActivityFields("支委会", date(2026, 11, 20), f"TK{self.n}U{unit}R{self.reports}", 7, 9)
        self.bot.run(bulk.add_activities(self.harness.db, [(unit, fields)], LEADER_ID, self.harness.clock()))
        return unit

    # The set-up is made in __init__; these two only hand it to the bundles the rules draw from.
    @initialize(target=units)
    def the_units(self) -> MultipleResults[int]:
        return multiple(*self.township)

    @initialize(target=users)
    def the_people(self) -> MultipleResults[int]:
        return multiple(*self.township_people)

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
        if self.failed_codes.get(user, 0) >= REDEEM_FAILURES_ALLOWED:
            return  # asked to wait: the code is not even looked at
        if (code in self.used and self.used[code] != user) or expired:
            self.failed_codes[user] = self.failed_codes.get(user, 0) + 1
            return  # refused: nothing changes
        self.failed_codes[user] = 0  # a good code, whatever it leads to, clears the count
        if code in self.used or (role == SECRETARY and current is not None and current[0] == LEADER):
            return  # already joined with it, or a leader who keeps the role: nothing changes
        self.used[code] = user
        self.model[user] = (role, unit)
        self.tally["joined"] = self.tally.get("joined", 0) + 1

    @rule(user=users, forged=st.text(min_size=1, max_size=60).filter(lambda s: not s.isspace() and "\x00" not in s) | st.just(new_code()))
    def redeem_forged(self, user: int, forged: str) -> None:
        self.act(user, self.person(user).send(f"/start {forged.split()[0] if forged.split() else 'x'}"))
        if self.failed_codes.get(user, 0) < REDEEM_FAILURES_ALLOWED:
            self.failed_codes[user] = self.failed_codes.get(user, 0) + 1

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
        if any("仍要提交" in str(m.buttons) for m in replies):  # the same kind on the same day: asked first
            replies = self.act(user, person.tap("仍要提交"))
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

    @rule(actor=st.just(LEADER_ID) | users, user=users, unit=units, a_secretary=st.booleans())
    def move(self, actor: int, user: int, unit: int, a_secretary: bool) -> None:
        """``actor`` taps 移至 ``unit`` and its confirmation for ``user`` (/people); only a leader
        moves, only a secretary, and never into the unit they are in."""
        user = self.a_secretary(user) if a_secretary else user
        mover, target = self.model.get(actor), self.model.get(user)
        before_all = self.everything() if mover is None else None
        before = self.records_by_unit()
        person = self.person(actor)
        self.act(actor, person.send("/people"))
        self.as_user(actor, f"p:to:{user}:{unit}")
        self.as_user(actor, f"p:mvok:{user}:{unit}")
        if before_all is not None:
            self.same_for_strangers(before_all)
        assert self.records_by_unit() == before
        if mover is not None and mover[0] == LEADER and actor != user and target is not None and target[0] == SECRETARY and target[1] != unit:
            self.model[user] = (SECRETARY, unit)
            self.tally["moved"] = self.tally.get("moved", 0) + 1

    @rule(user=users, pick=st.integers(0, 30), own_unit=st.booleans(), withdraw=st.booleans())
    def edit_or_withdraw(self, user: int, pick: int, own_unit: bool, withdraw: bool) -> None:
        """``user`` opens a record from /my and changes its topic or withdraws it; a record of
        another unit is tapped at by forged buttons (open, edit a field, confirm withdrawal)."""
        assert self.harness.db is not None
        user = self.a_secretary(user) if own_unit else user
        rows = self.bot.run(self.harness.db.fetchall("SELECT id, unit_id, withdrawn_at IS NOT NULL AS withdrawn FROM activities ORDER BY id"))
        where = self.model.get(user)
        if own_unit and where is not None:
            rows = [r for r in rows if r["unit_id"] == where[1]] or rows
        if not rows:
            return
        record = rows[pick % len(rows)]
        before_all = self.everything() if where is None else None
        before = self.records_by_unit()
        person = self.person(user)
        self.act(user, person.send("/cancel"))
        self.act(user, person.send("/my"))
        opened = self.as_user(user, f"my:open:{record['id']}")
        own = where is not None and where[0] == SECRETARY and where[1] == record["unit_id"] and not record["withdrawn"]
        if not own:
            for data in (f"my:ef:{record['id']}.topic", f"my:wdok:{record['id']}"):
                self.as_user(user, data)
            self.act(user, person.send(f"TK{self.n}U{record['unit_id']}X"))  # a topic, were an edit open
        elif withdraw:
            assert opened and "撤回" in str(opened[-1].buttons), [m.visible for m in opened]
            self.act(user, person.tap("撤回", opened[-1]))
            replies = self.act(user, person.tap("确认撤回"))
            assert any("已撤回" in m.visible for m in replies), [m.visible for m in replies]
            self.tally["withdrawn"] = self.tally.get("withdrawn", 0) + 1
        else:
            self.reports += 1
            topic = f"TK{self.n}U{record['unit_id']}R{self.reports}"
            self.act(user, person.tap("主题/议题", opened[-1]))
            replies = self.act(user, person.send(topic))
            assert any("已保存对" in m.visible for m in replies), [m.visible for m in replies]
            self.tally["edited"] = self.tally.get("edited", 0) + 1
        if before_all is not None:
            self.same_for_strangers(before_all)
        after = self.records_by_unit()
        mine = where[1] if own and where is not None else None
        assert {u: r for u, r in after.items() if u != mine} == {u: r for u, r in before.items() if u != mine}
        if own:
            changed = {tuple(r) for r in after[record["unit_id"]]} - {tuple(r) for r in before[record["unit_id"]]}
            assert len(changed) == 1, changed

    @rule(user=users)
    def send_notice(self, user: int) -> None:
        """``user`` writes a notice to all units and sends it; the tick delivers it. Only a leader
        can, and it reaches exactly the secretaries of the units, once each."""
        assert self.harness.db is not None and self.harness.app is not None
        where = self.model.get(user)
        before_all = self.everything() if where is None else None
        before = self.records_by_unit()
        count = self.bot.run(self.harness.db.fetchone("SELECT COUNT(*) FROM notices"))[0]
        person = self.person(user)
        self.act(user, person.send("/cancel"))
        self.act(user, person.send("/notice"))
        text = f"第{self.n}号通知：请按时报送。"
        if where is not None and where[0] == LEADER:
            self.act(user, person.tap("写新通知"))
            self.act(user, person.send(text))
            self.act(user, person.tap("不加附件"))
            preview = self.act(user, person.tap("全部单位"))
            expected = {u for u, w in self.model.items() if w is not None and w[0] == SECRETARY}
            if not expected:
                assert preview and "发送" not in str(preview[-1].buttons)
                return
            got = {u: len(self.notices_to(u)) for u in self.model}
            self.act(user, person.tap("发送"))
            self.bot.run(engine_of(self.harness.app).run_once())  # waits for the tick the tap started, then sends the rest
            reached = {u for u in self.model if len(self.notices_to(u)) > got[u]}
            assert reached == expected, (reached, expected)
            assert all(len(self.notices_to(u)) == got[u] + 1 for u in reached)
            self.tally["notices"] = self.tally.get("notices", 0) + 1
        else:
            self.as_user(user, "nt:n")
            self.act(user, person.send(text))
            assert self.bot.run(self.harness.db.fetchone("SELECT COUNT(*) FROM notices"))[0] == count
        if before_all is not None:
            self.same_for_strangers(before_all)
        assert self.records_by_unit() == before

    def notices_to(self, user: int) -> list[SentMessage]:
        """The notices delivered to ``user``: the messages with a 已阅 button."""
        return [m for m in self.harness.api.bot_messages(user) if any(b.get("callback_data", "").startswith("nr:") for row in m.buttons for b in row)]

    @rule(user=users, pick=st.integers(0, 9))
    def read_notice(self, user: int, pick: int) -> None:
        """``user`` taps 已阅 of a delivered notice: their own, or one delivered to someone else."""
        assert self.harness.db is not None
        sent = self.bot.run(self.harness.db.fetchall("SELECT notice_id, recipient FROM notice_deliveries WHERE status = 'sent' ORDER BY notice_id, recipient"))
        if not sent:
            return
        notice_id, recipient = sent[pick % len(sent)]
        query = "SELECT notice_id, user_id FROM notice_reads"
        before_all = self.everything() if self.model.get(user) is None else None
        reads = {tuple(r) for r in self.bot.run(self.harness.db.fetchall(query))}
        self.as_user(user, f"nr:{notice_id}")  # the data of the notice's button, on any card
        now = {tuple(r) for r in self.bot.run(self.harness.db.fetchall(query))}
        assert reads <= now and now - reads <= {(notice_id, user)}, now - reads
        if before_all is not None:
            self.same_for_strangers(before_all)
        if user == recipient and self.model.get(user) is not None:
            assert (notice_id, user) in now
            self.tally["read"] = self.tally.get("read", 0) + 1

    @rule(user=users, text=st.sampled_from(["/report", "/units", "/people", "/my", "/digest", "/notice", "/help", "/start", "昨天开了支委会", "好的"]), pick=st.integers(0, 9), tap=button_data(), how=st.integers(0, 2))
    def in_a_group_chat(self, user: int, text: str, pick: int, tap: str, how: int) -> None:
        """``user`` writes, redeems an invite or taps in a group chat: nothing changes, nothing
        private is said there or in private, at most a request to use a private chat."""
        before = self.everything()
        private = len(self.harness.api.bot_messages(user))
        self.person(user)
        api = self.harness.api
        if how == 2:
            card = SentMessage(GROUP_CHAT["id"], 1, "群消息", None, None, 0)
            replies = self.bot.run(self.harness.run(lambda: api.press(user, card, tap), GROUP_CHAT["id"]))
        else:
            codes = list(self.invites)  # an invite, used or not, offered in the group
            said = f"/start {codes[pick % len(codes)]}" if how == 1 else text
            replies = self.bot.run(self.harness.run(lambda: api.send_text(user, said, chat=GROUP_CHAT), GROUP_CHAT["id"]))
        assert all(m.visible == PRIVATE_ONLY for m in replies), [m.visible for m in replies]
        assert len(self.harness.api.bot_messages(user)) == private
        self.same_for_strangers(before)
        self.tally["group"] = self.tally.get("group", 0) + 1

    def same_for_strangers(self, before: dict[str, list[tuple[Any, ...]]]) -> None:
        after = self.everything()
        changed = {t for t in after if after[t] != before.get(t)}
        assert not changed, changed

    # ----- invariants ---------------------------------------------------------------------
    @invariant()
    def roles_agree_with_the_model(self) -> None:
        assert self.harness.db is not None
        db = self.harness.db

        async def roles() -> dict[int, tuple[str, int | None] | None]:
            found = {user: await people.get_person(db, user) for user in self.model}
            return {user: None if p is None or not p.active else (p.role, p.unit_id) for user, p in found.items()}

        assert self.bot.run(roles()) == self.model

    @invariant()
    def invites_used_at_most_once(self) -> None:
        assert self.harness.db is not None
        rows = self.bot.run(self.harness.db.fetchall("SELECT code_hash, used_by FROM invites"))
        used_by = {row["code_hash"]: row["used_by"] for row in rows}
        assert {hash_code(code): user for code, user in self.used.items()} == {h: u for h, u in used_by.items() if u is not None}

    @invariant()
    def reads_only_by_recipients(self) -> None:
        assert self.harness.db is not None
        strays = self.bot.run(
            self.harness.db.fetchall(
                "SELECT r.notice_id, r.user_id FROM notice_reads r LEFT JOIN notice_deliveries d "
                "ON d.notice_id = r.notice_id AND d.recipient = r.user_id AND d.status = 'sent' WHERE d.recipient IS NULL"
            )
        )
        assert strays == [], [tuple(r) for r in strays]

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
                max_examples=RUNS,
                stateful_step_count=SET_UP_STEPS + STEPS,
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
    record(f"access machine ({examples} runs of {STEPS} steps)", examples, examples)
    assert examples >= 300
    tally = AccessMachine.tally
    assert tally["joined"] > 50 and tally["reported"] > 10, tally
    # Every kind of step was taken to its end at least once, not only refused.
    never = [done for done in ("moved", "edited", "withdrawn", "notices", "read", "group") if not tally.get(done)]
    assert never == [], str(tally)
