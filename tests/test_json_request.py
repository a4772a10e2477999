"""Bot API calls go as JSON bodies over aiohttp, files still as multipart forms; failures read as before."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import httpx
import pytest
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.app.json_request import JsonRequest

URL = "https://api.telegram.org/bot123:abc/sendMessage"


def _data(**values: Any) -> RequestData:
    return RequestData([RequestParameter.from_input(name, value) for name, value in values.items()])


@asynccontextmanager
async def _api(seen: dict[str, Any]) -> AsyncIterator[int]:
    """A local HTTP server that records each call it gets and answers ``ok``; yields its port."""

    async def record(request: web.Request) -> web.Response:
        seen.update(content_type=request.content_type, body=await request.read(), host=request.host, path=request.path)
        return web.Response(body=b'{"ok": true, "result": true}', content_type="application/json")

    app = web.Application()
    app.router.add_post("/{path:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


async def test_a_call_without_files_is_one_json_body_with_its_parameters_as_objects() -> None:
    seen: dict[str, Any] = {}
    async with _api(seen) as port:
        request = JsonRequest()
        await request.initialize()
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("提交", callback_data="d:1f:submit:")]])
        url = f"http://127.0.0.1:{port}/bot123:abc/sendMessage"
        status, body = await request.do_request(url, "POST", _data(chat_id=5, text="<b>汇报</b> A&B", reply_markup=markup))
        await request.shutdown()
    assert (status, body) == (200, b'{"ok": true, "result": true}')
    assert seen["content_type"] == "application/json"
    assert seen["path"] == "/bot123:abc/sendMessage"
    assert json.loads(seen["body"]) == {
        "chat_id": 5,
        "text": "<b>汇报</b> A&B",
        "reply_markup": {"inline_keyboard": [[{"text": "提交", "callback_data": "d:1f:submit:"}]]},
    }


async def test_the_configured_http_proxy_carries_the_calls() -> None:
    seen: dict[str, Any] = {}
    async with _api(seen) as port:
        request = JsonRequest(proxy=f"http://127.0.0.1:{port}")
        await request.initialize()
        status, _ = await request.do_request("http://api.telegram.org/bot123:abc/sendMessage", "POST", _data(chat_id=5, text="hi"))
        await request.shutdown()
    assert status == 200
    assert (seen["host"], seen["path"]) == ("api.telegram.org", "/bot123:abc/sendMessage")


async def test_a_call_with_a_file_still_goes_as_a_multipart_form() -> None:
    request = JsonRequest()
    await request.initialize()
    seen: dict[str, Any] = {}

    async def fake(**kwargs: Any) -> httpx.Response:
        seen.update(kwargs)
        return httpx.Response(200, content=b'{"ok": true, "result": true}')

    request._client.request = fake  # type: ignore[method-assign]
    await request.do_request(URL, "POST", _data(chat_id=5, document=InputFile(b"PK", filename="x.docx")))
    assert "content" not in seen and seen["files"]
    assert seen["data"]["chat_id"] == "5"
    await request.shutdown()


class _FailingSession:
    """Stands in for the aiohttp session: every call fails with ``failure``."""

    closed = False

    def __init__(self, failure: Exception):
        self.failure = failure

    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise self.failure


@pytest.mark.parametrize(
    ("failure", "raised", "not_sent"),
    [
        (aiohttp.SocketTimeoutError("slow"), TimedOut, False),
        (aiohttp.ConnectionTimeoutError("busy"), TimedOut, True),
        (aiohttp.ClientConnectionError("refused"), NetworkError, False),
        (aiohttp.ServerDisconnectedError(), NetworkError, False),
    ],
)
async def test_transport_failures_read_as_python_telegram_bot_reads_them(failure: Exception, raised: type[Exception], not_sent: bool) -> None:
    request = JsonRequest()
    await request.initialize()
    session = request._session
    request._session = _FailingSession(failure)  # type: ignore[assignment]
    try:
        with pytest.raises(raised) as caught:
            await request.do_request(URL, "POST", _data(chat_id=5, text="hi"))
    finally:
        request._session = session
        await request.shutdown()
    assert caught.type is raised
    assert ("not sent" in str(caught.value)) is not_sent


async def test_an_uninitialised_request_refuses_to_send() -> None:
    request = JsonRequest()
    with pytest.raises(RuntimeError):
        await request.do_request(URL, "POST", _data(chat_id=5, text="hi"))
