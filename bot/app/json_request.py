"""Bot API calls sent as JSON bodies over aiohttp, which Telegram accepts for every method but file uploads.

python-telegram-bot's ``HTTPXRequest`` sends each call as an HTML form: every parameter is first
JSON-encoded (a keyboard becomes a string with each Chinese character escaped as ``\\uXXXX``), then
every byte of that is percent-encoded one at a time in Python: about 1 ms for a review card
with its 13 buttons. ``JsonRequest`` sends the same parameters as one ``application/json`` body,
encoded in C. It sends them with aiohttp's client rather than httpx's: httpx's connection pool
walks every open connection (twice, and asks each idle socket whether it is readable) on each
call, which under load cost more CPU than everything else of a conversation step together; aiohttp
hands out a kept connection without looking at the others. Calls with files (photos, the Word
file) still go as multipart forms through ``HTTPXRequest`` unchanged, and so does everything when
the proxy is a SOCKS proxy, which aiohttp cannot use. What the person sees does not change:
Telegram reads the same parameters either way.
"""
from __future__ import annotations

import asyncio
import json
from functools import lru_cache
from typing import Any

import aiohttp
import yarl
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

_JSON_HEADERS = {"User-Agent": HTTPXRequest.USER_AGENT, "Content-Type": "application/json"}


def _seconds(value: object, default: float | None) -> float | None:
    """A timeout passed to the call, or this request's own when the call left it unset."""
    return default if isinstance(value, DefaultValue) else value  # type: ignore[return-value]


@lru_cache(maxsize=256)
def _address(url: str) -> yarl.URL:
    """``url`` parsed (one per Bot API method the bot calls)."""
    return yarl.URL(url)


@lru_cache(maxsize=64)
def _timeout(connect: float | None, read: float | None, pool: float | None) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for httpx's four: waiting for a free connection and opening one share
    ``connect``; a body of a few kilobytes leaves no write to time out."""
    waiting = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=None, connect=waiting, sock_connect=connect, sock_read=read)


class JsonRequest(HTTPXRequest):
    """``HTTPXRequest`` that sends calls without files as JSON, over aiohttp."""

    def __init__(self, connection_pool_size: int = 256, proxy: str | None = None, **options: Any):
        super().__init__(connection_pool_size=connection_pool_size, proxy=proxy, **options)
        self._pool_size = connection_pool_size
        self._proxy = proxy
        self._session: aiohttp.ClientSession | None = None
        # aiohttp speaks to HTTP(S) proxies only; with a SOCKS one every call stays on httpx.
        self._over_aiohttp = proxy is None or proxy.startswith(("http://", "https://"))

    async def initialize(self) -> None:
        await super().initialize()
        if self._over_aiohttp and (self._session is None or self._session.closed):
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets no cookies
                headers=_JSON_HEADERS,
            )

    async def shutdown(self) -> None:
        await super().shutdown()
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is None or request_data.contains_files or not self._over_aiohttp:
            return await super().do_request(url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout)  # type: ignore[arg-type]
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This JsonRequest is not initialized!")
        own = self._client.timeout
        timeout = _timeout(_seconds(connect_timeout, own.connect), _seconds(read_timeout, own.read), _seconds(pool_timeout, own.pool))
        body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        try:
            async with session.request(method, _address(url), data=body, timeout=timeout, proxy=self._proxy) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            # No connection to send on: the call never left.
            raise TimedOut("Pool timeout: no free connection, the call was not sent") from err
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
