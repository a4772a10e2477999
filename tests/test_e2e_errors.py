"""When Telegram refuses or fails a reply, the person is told something and the log says which."""
from __future__ import annotations

import logging

import pytest

from bot import texts
from bot.fakeapi.harness import BotHarness, Person
from tests.reporting_helpers import join_secretary


async def test_a_transient_failure_asks_the_person_to_try_again(harness: BotHarness, leader: Person, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.errors")
    harness.api.inject_faults("sendMessage", [502] * harness.tries)
    replies = await leader.send("/help")
    assert [m.visible for m in replies] == [texts.say("common", "try_again")]
    records = [r for r in caplog.records if r.name == "bot.errors"]
    assert [r.levelno for r in records] == [logging.WARNING] and "transient" in records[0].getMessage()


async def test_a_refused_request_is_logged_as_a_bug_and_the_person_gets_the_apology(
    harness: BotHarness, leader: Person, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.errors")
    harness.api.inject_faults("sendMessage", [400])
    replies = await leader.send("/help")
    assert [m.visible for m in replies] == [texts.say("common", "error")]
    records = [r for r in caplog.records if r.name == "bot.errors"]
    assert [r.levelno for r in records] == [logging.ERROR] and "refused" in records[0].getMessage()
    assert "sendMessage" in records[0].getMessage() and "bytes" in records[0].getMessage()


async def test_a_failed_tap_is_answered_with_an_alert(harness: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.errors")
    secretary, _ = await join_secretary(harness, 2001, "李梅", "山宁村党支部")
    await secretary.send("/report")
    harness.api.inject_faults("editMessageText", [502] * harness.tries)
    await secretary.tap("支委会")
    assert secretary.answers()[-1] == texts.say("common", "try_again")
    # Nothing was lost: the step was saved before the reply failed, and the flow goes on.
    replies = await secretary.send("/report")
    assert "支委会" in replies[-1].visible
    replies = await secretary.tap("继续")
    assert "是哪天开展的" in replies[-1].visible


async def test_when_even_the_apology_fails_the_bot_goes_on(harness: BotHarness, leader: Person, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.errors")
    harness.api.inject_faults("sendMessage", [502] * (2 * harness.tries))
    replies = await leader.send("/help")
    assert replies == []
    assert any("could not tell" in r.getMessage() for r in caplog.records)
    replies = await leader.send("/help")
    assert "/digest" in replies[-1].visible
