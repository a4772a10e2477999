"""Invite codes cannot be guessed at speed: five failed tries in ten minutes, then a clear wait."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import texts
from bot.fakeapi.harness import BotHarness
from bot.rules.invites import hash_code, new_code
from bot.rules.throttle import FailureThrottle
from storage import invites, people
from storage import units as unit_store
from storage.models import SECRETARY


async def _invite(harness: BotHarness) -> str:
    assert harness.db is not None
    unit = await unit_store.add_unit(harness.db, "山宁村党支部", "村", 9, None, harness.clock())
    code = new_code()
    await invites.create_invite(harness.db, hash_code(code), SECRETARY, unit.id, 1, harness.clock(), timedelta(days=7))
    return code


async def test_five_failed_codes_then_a_wait_even_for_a_good_code(harness: BotHarness) -> None:
    code = await _invite(harness)
    guesser = harness.person(3001, "陌生人")
    for attempt in range(5):
        replies = await guesser.send(f"/start {new_code()}" if attempt % 2 else "/start not-a-code")
        assert [m.visible for m in replies] == [texts.say("start", "invite_unknown")]
    replies = await guesser.send(f"/start {code}")
    assert [m.visible for m in replies] == [texts.say("invites", "too_many_attempts", minutes=10)]
    assert harness.db is not None
    assert await people.get_person(harness.db, 3001) is None  # the good code was not even looked at

    harness.clock.advance(minutes=6)
    replies = await guesser.send(f"/start {code}")
    assert "4 分钟后再试" in replies[-1].visible
    harness.clock.advance(minutes=4)
    replies = await guesser.send(f"/start {code}")
    assert "书记" in replies[-1].visible
    joined = await people.get_person(harness.db, 3001)
    assert joined is not None and joined.role == SECRETARY


async def test_others_are_not_held_back_by_one_persons_failures(harness: BotHarness) -> None:
    code = await _invite(harness)
    guesser = harness.person(3001, "陌生人")
    for _ in range(6):
        await guesser.send(f"/start {new_code()}")
    secretary = harness.person(3002, "李梅")
    replies = await secretary.send(f"/start {code}")
    assert "书记" in replies[-1].visible


def test_the_throttle_counts_failures_in_a_sliding_window_and_forgets_on_success() -> None:
    start = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    throttle = FailureThrottle(allowed=3, window=timedelta(minutes=10))
    for minute in (0, 1, 2):
        assert throttle.wait(7, start + timedelta(minutes=minute)) is None
        throttle.failed(7, start + timedelta(minutes=minute))
    assert throttle.wait(7, start + timedelta(minutes=3)) == timedelta(minutes=7)
    assert throttle.wait(7, start + timedelta(minutes=10)) is None  # the first failure has left the window
    assert throttle.wait(8, start + timedelta(minutes=3)) is None
    throttle.succeeded(7)
    assert throttle.wait(7, start + timedelta(minutes=3)) is None
