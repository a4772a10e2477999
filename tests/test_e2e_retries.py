"""Replies to people are tried again when Telegram fails them for a moment (5xx, timeouts), never
when it refused them (400) or the person blocked the bot (403); bulk sends give way to replies."""
from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut

from bot import texts
from bot.app.limiter import Pacer, PriorityRateLimiter
from bot.fakeapi.harness import BotHarness, Person
from bot.fakeapi.server import DROP
from bot.reminders.sender import BULK
from storage import activities, owed_messages
from tests.reporting_helpers import join_secretary


def _calls(harness: BotHarness, method: str) -> int:
    return sum(1 for name, _ in harness.api.calls if name == method)


async def test_a_reply_that_fails_twice_arrives_on_the_third_try(harness: BotHarness, leader: Person, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    before = _calls(harness, "sendMessage")
    harness.api.inject_faults("sendMessage", [502, 503])
    replies = await leader.send("/help")
    assert len(replies) == 1 and "/digest" in replies[0].visible
    assert _calls(harness, "sendMessage") - before == 3
    retried = [r.getMessage() for r in caplog.records if r.name == "bot.app.limiter"]
    assert len(retried) == 2 and all("sendMessage failed transiently" in line for line in retried)
    assert not [r for r in caplog.records if r.name == "bot.errors"]  # nothing reached the error handler


async def test_a_reply_whose_connection_drops_is_tried_again(harness: BotHarness, leader: Person) -> None:
    before = _calls(harness, "sendMessage")
    harness.api.inject_faults("sendMessage", [DROP, 504])
    replies = await leader.send("/help")
    assert len(replies) == 1 and "/digest" in replies[0].visible
    assert _calls(harness, "sendMessage") - before == 3


async def test_a_submit_whose_confirmation_fails_twice_is_confirmed_in_place(harness: BotHarness) -> None:
    p, _ = await join_secretary(harness, 2001, "李梅", "山宁村党支部")
    await p.send("/report")
    await p.tap("支委会")
    await p.tap("昨天")
    await p.send("研究冬季走访慰问")
    await p.send("7")
    await p.tap("跳过")
    await p.tap("跳过")
    harness.api.inject_faults("editMessageText", [502, 502])
    replies = await p.tap("提交")
    assert any("汇报成功，编号 HD0001" in m.visible for m in replies)
    assert harness.db is not None
    assert await owed_messages.people_owed(harness.db) == set()
    stored = await activities.list_activities(harness.db, start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert len(stored) == 1


async def test_a_refused_reply_is_not_tried_again(harness: BotHarness, leader: Person) -> None:
    before = _calls(harness, "sendMessage")
    harness.api.inject_faults("sendMessage", [400])
    replies = await leader.send("/help")
    assert [m.visible for m in replies] == [texts.say("common", "error")]
    assert _calls(harness, "sendMessage") - before == 2  # the refused reply once, then the apology


async def test_a_person_who_blocked_the_bot_is_not_tried_again(harness: BotHarness, leader: Person) -> None:
    before = _calls(harness, "sendMessage")
    harness.api.block_bot(leader.user_id)
    replies = await leader.send("/help")
    assert replies == []
    assert _calls(harness, "sendMessage") - before == 1


# ----- the limiter alone, with an injected sleep ---------------------------------------------------
class _Flaky:
    """A Bot API call that fails with ``errors`` in turn, then succeeds."""

    def __init__(self, *errors: Exception):
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"ok": True}


def _limiter(pauses: list[float], **limits: Any) -> PriorityRateLimiter:
    async def record(seconds: float) -> None:
        pauses.append(seconds)

    return PriorityRateLimiter(reply_delays=(0.5, 2.0), sleep=record, **limits)


async def _request(limiter: PriorityRateLimiter, call: Any, rate_limit_args: Any = None) -> Any:
    return await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 5}, rate_limit_args)


async def test_timeouts_are_retried_with_the_pauses_given() -> None:
    pauses: list[float] = []
    call = _Flaky(TimedOut(), TimedOut())
    assert await _request(_limiter(pauses), call) == {"ok": True}
    assert call.calls == 3 and pauses == [0.5, 2.0]


async def test_the_last_transient_failure_reaches_the_caller() -> None:
    pauses: list[float] = []
    call = _Flaky(TimedOut(), TimedOut(), TimedOut())
    with pytest.raises(TimedOut):
        await _request(_limiter(pauses), call)
    assert call.calls == 3


async def test_a_flood_wait_longer_than_the_pause_is_waited_out() -> None:
    pauses: list[float] = []
    call = _Flaky(RetryAfter(7))
    await _request(_limiter(pauses, max_retries=0), call)
    assert pauses == [7.0]


@pytest.mark.parametrize("error", [BadRequest("Message is too long"), Forbidden("bot was blocked by the user")])
async def test_final_errors_are_not_retried(error: Exception) -> None:
    pauses: list[float] = []
    call = _Flaky(error)
    with pytest.raises(type(error)):
        await _request(_limiter(pauses), call)
    assert call.calls == 1 and pauses == []


async def test_bulk_sends_are_not_retried_here_their_sender_retries_them() -> None:
    pauses: list[float] = []
    call = _Flaky(TimedOut())
    with pytest.raises(TimedOut):
        await _request(_limiter(pauses), call, BULK)
    assert call.calls == 1


class _Time:
    """A clock the pacer reads and a sleep that moves it, so turns are handed out without waiting."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_turns_go_to_waiting_replies_first_then_in_order_at_the_rate() -> None:
    time = _Time()
    pacer = Pacer(rate=10, burst=1, clock=time, sleep=time.sleep)
    granted: list[str] = []

    async def take(name: str, bulk: bool) -> None:
        await pacer.turn(bulk)
        granted.append(name)

    tasks = [asyncio.create_task(take(name, bulk)) for name, bulk in (("bulk1", True), ("bulk2", True), ("reply1", False), ("bulk3", True), ("reply2", False))]
    await asyncio.gather(*tasks)
    assert granted == ["reply1", "reply2", "bulk1", "bulk2", "bulk3"]
    # The first two turns are free (a burst of one after the first); then one every 0.1 s.
    assert time.now - 100.0 == pytest.approx(0.3)


async def test_a_turn_given_up_is_skipped() -> None:
    time = _Time()
    pacer = Pacer(rate=10, burst=0, clock=time, sleep=time.sleep)
    await pacer.turn(bulk=False)  # the first turn is free
    given_up = asyncio.create_task(pacer.turn(bulk=False))
    waiting = asyncio.create_task(pacer.turn(bulk=True))
    await asyncio.sleep(0)
    given_up.cancel()
    await waiting
    assert given_up.cancelled() and pacer.replies_waiting == 0 and pacer.bulk_waiting == 0


async def test_the_reminder_sender_marks_its_sends_as_bulk(harness: BotHarness, leader: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.reminders.sender import Bulk, ReliableSender

    assert harness.app is not None
    limiter = harness.app.bot.rate_limiter
    seen: list[Any] = []
    original = limiter.process_request

    async def spy(callback: Any, args: Any, kwargs: Any, endpoint: str, data: Any, rate_limit_args: Any) -> Any:
        seen.append((endpoint, rate_limit_args))
        return await original(callback, args, kwargs, endpoint, data, rate_limit_args)

    monkeypatch.setattr(limiter, "process_request", spy)
    result = await ReliableSender(harness.app.bot).send(leader.user_id, "提醒")
    assert result.sent
    assert [(endpoint, isinstance(marker, Bulk)) for endpoint, marker in seen] == [("sendMessage", True)]
