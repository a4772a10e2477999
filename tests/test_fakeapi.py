"""The Bot API stand-in refuses what real Telegram refuses."""
from __future__ import annotations

import httpx
import pytest

from bot.fakeapi.html_check import EntityError, visible_text
from bot.fakeapi.server import BAD_GATEWAY, FLOOD, STALL_DONE, STALL_UNDONE, FakeBotApi, FloodLimits

TOKEN = "42:stand-in"


def test_html_rules() -> None:
    assert visible_text("<b>一</b> &lt;b&gt; A&amp;B", "HTML") == "一 <b> A&B"
    for bad in ("<b>未闭合", "A&B", "a < b", "<div>x</div>", "<b><i>x</b></i>"):
        with pytest.raises(EntityError):
            visible_text(bad, "HTML")
    assert visible_text("A&B <x>", None) == "A&B <x>"


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_limits_and_errors() -> None:
    clock = _Clock()
    api = FakeBotApi(flood=FloodLimits(overall_rate=30, overall_burst=30, per_chat_rate=1, per_chat_burst=3), clock=clock)
    api.add_bot(TOKEN)
    api.add_user(7, "李梅")
    await api.start()
    try:
        async with httpx.AsyncClient(base_url=f"{api.base_url}{TOKEN}/") as client:
            async def call(method: str, **params: object) -> httpx.Response:
                return await client.post(method, json=params)

            assert (await call("getMe")).json()["result"]["username"] == "dangjian_bot"
            response = await call("sendMessage", chat_id=7, text="A&B", parse_mode="HTML")
            assert response.status_code == 400 and "can't parse entities" in response.json()["description"]
            response = await call("sendMessage", chat_id=7, text="长" * 4097)
            assert response.status_code == 400 and "too long" in response.json()["description"]
            markup = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 65}]]}
            response = await call("sendMessage", chat_id=7, text="ok", reply_markup=markup)
            assert response.json()["description"] == "Bad Request: BUTTON_DATA_INVALID"
            clock.now += 3.0  # refused sends still count against the flood limit
            for _ in range(3):
                assert (await call("sendMessage", chat_id=7, text="好")).status_code == 200
            response = await call("sendMessage", chat_id=7, text="好")
            assert response.status_code == 429 and response.json()["parameters"]["retry_after"] == 1
            clock.now += 1.0
            sent = await call("sendMessage", chat_id=7, text="好")
            assert sent.status_code == 200
            message_id = sent.json()["result"]["message_id"]
            response = await call("editMessageText", chat_id=7, message_id=message_id, text="好")
            assert "not modified" in response.json()["description"]
            api.block_bot(7)
            clock.now += 5
            assert (await call("sendMessage", chat_id=7, text="好")).status_code == 403
            api.inject_faults("getMe", [502, 502])
            assert [(await call("getMe")).status_code for _ in range(3)] == [502, 502, 200]
            assert (await client.post("/nope")).status_code in (404, 405)
        assert len(api.bot_messages(7)) == 4
        assert api.flood_hits == 1
    finally:
        await api.stop()


async def test_random_faults_stall_before_or_after_the_call_took_effect() -> None:
    api = FakeBotApi(flood=FloodLimits(enabled=False))
    api.add_bot(TOKEN)
    api.add_user(7, "李梅")
    await api.start()
    try:
        async with httpx.AsyncClient(base_url=f"{api.base_url}{TOKEN}/", timeout=0.2) as client:
            async def send(kind: str) -> httpx.Response | None:
                api.fault_randomly(1.0, seed=1, stall=0.4, retry_after=0.2, kinds=(kind,))
                try:
                    return await client.post("sendMessage", json={"chat_id": 7, "text": kind})
                except httpx.ReadTimeout:
                    return None

            assert (await send(BAD_GATEWAY)).status_code == 502  # type: ignore[union-attr]
            flood = await send(FLOOD)
            assert flood is not None and flood.json()["parameters"]["retry_after"] == 0.2
            assert await send(STALL_UNDONE) is None and await send(STALL_DONE) is None
            assert api.random_faults is not None and api.random_faults.drawn == {STALL_DONE: 1}
            api.random_faults = None
            assert (await client.post("getMe")).status_code == 200
            # Only the call that stalled after taking effect reached the chat.
            assert [m.text for m in api.bot_messages(7)] == [STALL_DONE]
    finally:
        await api.stop()
