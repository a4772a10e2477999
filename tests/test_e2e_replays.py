"""Updates seen again after a crash. Polling keeps each received update until it is handled
(bot/app/polling.py), so the update in flight when the process dies comes again after the
restart — possibly after it already moved the conversation on. A typed answer or a tap that
already moved the report is answered with the card it led to, not taken a second time; a 提交
seen again stores nothing twice; and a report stored just before the crash, its confirmation
never sent, is confirmed at the replay."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from telegram import Update

from bot.fakeapi.harness import BotHarness, Person
from bot.fakeapi.server import BotAccount
from handlers import report
from storage import dialogs as dialog_store
from tests.reporting_helpers import join_secretary

SECRETARY_ID = 2001


class Recorder:
    """Every update the stand-in hands the bot, kept to be handed over again (as after a crash)."""

    def __init__(self, harness: BotHarness):
        self.harness = harness
        self.updates: list[dict[str, Any]] = []
        self.held_back = False
        self._push = harness.api._push_update  # noqa: SLF001 - the stand-in's one way updates enter
        harness.api._push_update = self._record  # type: ignore[method-assign]  # noqa: SLF001

    def _record(self, account: BotAccount, payload: dict[str, Any]) -> int:
        if not self.held_back:
            update_id = self._push(account, payload)
        else:  # made, but not delivered: the test hands it over itself
            update_id = account.next_update_id
            account.next_update_id += 1
        self.updates.append({"update_id": update_id, **payload})
        return update_id

    @contextmanager
    def holding_back(self) -> Iterator[None]:
        self.held_back = True
        try:
            yield
        finally:
            self.held_back = False

    async def replay(self, raw: dict[str, Any]) -> None:
        """Hand ``raw`` to the running bot again, as Telegram does with an unconfirmed update."""
        app = self.harness.app
        assert app is not None
        await app.process_update(Update.de_json(raw, app.bot))


class SimulatedKill(BaseException):
    """The process dies at this point (kill -9): nothing after it runs, no error handler either."""


async def up_to_the_summary(harness: BotHarness) -> tuple[Person, Recorder]:
    secretary, _ = await join_secretary(harness, SECRETARY_ID, "李梅", "山宁村党支部")
    recorder = Recorder(harness)
    await secretary.send("/report")
    await secretary.tap("支委会")
    await secretary.tap("昨天")
    await secretary.send("学习党章")
    replies = await secretary.send("7/9")
    assert "内容摘要" in replies[-1].visible
    return secretary, recorder


async def stored_topics(harness: BotHarness) -> list[str]:
    assert harness.db is not None
    return [row["topic"] for row in await harness.db.fetchall("SELECT topic FROM activities")]


async def test_an_answer_seen_again_shows_the_card_it_led_to(harness: BotHarness) -> None:
    secretary, recorder = await up_to_the_summary(harness)
    typed_7_9, tapped_yesterday = recorder.updates[-1], recorder.updates[1]
    before = len(harness.api.bot_messages(SECRETARY_ID))

    # Both moved the report on before; after a crash they come again, in order.
    await recorder.replay(tapped_yesterday)
    await recorder.replay(typed_7_9)

    assert harness.db is not None
    dialog = await dialog_store.get_dialog(harness.db, SECRETARY_ID)
    assert dialog is not None and dialog.step == "summary" and not dialog.data.get("summary")  # "7/9" not taken as the summary
    assert (dialog.data["attended"], dialog.data["expected"]) == (7, 9)
    said = harness.api.bot_messages(SECRETARY_ID)[before:]
    assert said and all("内容摘要" in m.visible for m in said)  # the summary question again, nothing else
    assert not any("已失效" in a for a in secretary.answers())

    # The card shown again works: the report goes on from where it was.
    await secretary.tap("跳过")
    await secretary.tap("跳过")
    replies = await secretary.tap("提交")
    assert any("汇报成功" in m.visible for m in replies)
    await recorder.replay(recorder.updates[-1])  # 提交 once more
    assert await stored_topics(harness) == ["学习党章"]


async def test_a_report_stored_just_before_a_crash_is_confirmed_when_its_tap_comes_again(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    secretary, recorder = await up_to_the_summary(harness)
    await secretary.tap("跳过")
    await secretary.tap("跳过")

    async def dies(*args: object, **kwargs: object) -> None:
        raise SimulatedKill  # stored, and then the process is gone before anything is said

    monkeypatch.setattr(report.reminder_cards, "refresh", dies)
    with recorder.holding_back():
        target, data = secretary.find_button("提交")
        harness.api.press(SECRETARY_ID, target, data)
    submit = recorder.updates[-1]
    with pytest.raises(SimulatedKill):
        await recorder.replay(submit)
    assert await stored_topics(harness) == ["学习党章"]
    said_before = len(harness.api.bot_messages(SECRETARY_ID))
    monkeypatch.undo()

    await harness.restart()
    await recorder.replay(submit)  # Telegram hands the unconfirmed tap over again

    said = [m.visible for m in harness.api.bot_messages(SECRETARY_ID)[said_before:]]
    assert len(said) == 1 and "汇报成功" in said[0] and "HD0001" in said[0]
    assert await stored_topics(harness) == ["学习党章"]
    replies = await secretary.send("/my")
    assert not any("汇报成功" in m.visible for m in replies)  # said once, no longer owed
