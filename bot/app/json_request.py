"""Bot API calls sent as JSON bodies, which Telegram accepts for every method but file uploads.

python-telegram-bot's ``HTTPXRequest`` sends each call as an HTML form: every parameter is first
JSON-encoded (a keyboard becomes a string with each Chinese character escaped as ``\\uXXXX``), then
every byte of that is percent-encoded one at a time in Python: about 1 ms for a review card
with its 13 buttons. ``JsonRequest`` sends the same parameters as one ``application/json`` body,
encoded in C, and parses each method's address once rather than on every call; calls with files
(photos, the Word file) still go as multipart forms, through ``HTTPXRequest`` unchanged. What
the person sees does not change: Telegram reads the same parameters either way.
"""
from __future__ import annotations

import json
from functools import lru_cache

import httpx
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

_JSON_HEADERS = {"User-Agent": HTTPXRequest.USER_AGENT, "Content-Type": "application/json"}


def _seconds(value: object, default: float | None) -> float | None:
    """A timeout passed to the call, or this request's own when the call left it unset."""
    return default if isinstance(value, DefaultValue) else value  # type: ignore[return-value]


@lru_cache(maxsize=256)
def _address(url: str) -> httpx.URL:
    """``url`` parsed (one per Bot API method the bot calls)."""
    return httpx.URL(url)


class JsonRequest(HTTPXRequest):
    """``HTTPXRequest`` that sends calls without files as JSON."""

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
        if request_data is None or request_data.contains_files:
            return await super().do_request(url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout)  # type: ignore[arg-type]
        if self._client.is_closed:
            raise RuntimeError("This JsonRequest is not initialized!")
        own = self._client.timeout
        timeout = httpx.Timeout(
            connect=_seconds(connect_timeout, own.connect),
            read=_seconds(read_timeout, own.read),
            write=_seconds(write_timeout, own.write),
            pool=_seconds(pool_timeout, own.pool),
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        try:
            response = await self._client.request(method=method, url=_address(url), headers=_JSON_HEADERS, timeout=timeout, content=body)
        except httpx.TimeoutException as err:
            # A pool timeout means nothing was sent; the others may have reached Telegram.
            raise TimedOut("Pool timeout: no free connection, the call was not sent" if isinstance(err, httpx.PoolTimeout) else None) from err
        except httpx.HTTPError as err:
            raise NetworkError(f"httpx.{type(err).__name__}: {err}") from err
        return response.status_code, response.content
