"""Bot API calls go as JSON bodies, files still as multipart forms; failures read as before."""
from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.app.json_request import JsonRequest

URL = "https://api.telegram.org/bot123:abc/sendMessage"


async def _request(answer: Any) -> tuple[JsonRequest, dict[str, Any]]:
    """A JsonRequest whose HTTP client records what it was asked and answers ``answer``."""
    request = JsonRequest()
    await request.initialize()
    seen: dict[str, Any] = {}

    async def fake(**kwargs: Any) -> httpx.Response:
        seen.update(kwargs)
        if isinstance(answer, Exception):
            raise answer
        return answer

    request._client.request = fake  # type: ignore[method-assign]
    return request, seen


def _data(**values: Any) -> RequestData:
    return RequestData([RequestParameter.from_input(name, value) for name, value in values.items()])


async def test_a_call_without_files_is_one_json_body_with_its_parameters_as_objects() -> None:
    request, seen = await _request(httpx.Response(200, content=b'{"ok": true, "result": true}'))
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("提交", callback_data="d:1f:submit:")]])
    status, body = await request.do_request(URL, "POST", _data(chat_id=5, text="<b>汇报</b> A&B", reply_markup=markup))
    assert (status, body) == (200, b'{"ok": true, "result": true}')
    assert seen["headers"]["Content-Type"] == "application/json"
    assert "data" not in seen and "files" not in seen
    assert json.loads(seen["content"]) == {
        "chat_id": 5,
        "text": "<b>汇报</b> A&B",
        "reply_markup": {"inline_keyboard": [[{"text": "提交", "callback_data": "d:1f:submit:"}]]},
    }
    assert str(seen["url"]) == URL
    await request.shutdown()


async def test_a_call_with_a_file_still_goes_as_a_multipart_form() -> None:
    request, seen = await _request(httpx.Response(200, content=b'{"ok": true, "result": true}'))
    await request.do_request(URL, "POST", _data(chat_id=5, document=InputFile(b"PK", filename="x.docx")))
    assert "content" not in seen and seen["files"]
    assert seen["data"]["chat_id"] == "5"
    await request.shutdown()


@pytest.mark.parametrize(
    ("failure", "raised"),
    [(httpx.ReadTimeout("slow"), TimedOut), (httpx.PoolTimeout("busy"), TimedOut), (httpx.ConnectError("refused"), NetworkError)],
)
async def test_transport_failures_read_as_python_telegram_bot_reads_them(failure: Exception, raised: type[Exception]) -> None:
    request, _ = await _request(failure)
    with pytest.raises(raised):
        await request.do_request(URL, "POST", _data(chat_id=5, text="hi"))
    await request.shutdown()
