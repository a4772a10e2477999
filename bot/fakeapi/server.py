"""The Bot API stand-in: an HTTP server on 127.0.0.1 that speaks enough of Telegram's Bot API.

It holds simulated users and chats, hands their messages and button presses to the bot through
``getUpdates`` (long polling with offsets), and records what the bot sends. Like real Telegram it
refuses malformed HTML ("can't parse entities"), text over 4096 (a caption over 1024, a tap's
answer over 200) — counted as Telegram counts, in UTF-16 code units of the text after its HTML
entities are parsed —, ``callback_data`` over 64 bytes, unchanged edits, messages to people who blocked the bot (403), and answers 429
with ``retry_after`` when a flood limit is passed. Faults (a burst of 502s, a dropped connection)
can be injected, or drawn at random for a share of the calls a conversation makes
(:meth:`FakeBotApi.fault_randomly`): a 502, a 429, or a stall past the client's timeout — before
the call took effect, or after (Telegram delivered it, the client never heard).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.fakeapi.html_check import EntityError, utf16_length, visible_text
from bot.texts import plain

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
# A fault that answers nothing: the connection is closed (the client sees a network error, as when
# a request stalls and is given up).
DROP = 0


# The faults fault_randomly draws from: what the client sees, and whether the call took effect.
BAD_GATEWAY = "502"
FLOOD = "429"
STALL_UNDONE = "stall, not done"
STALL_DONE = "stall, done"
FAULT_KINDS = (BAD_GATEWAY, FLOOD, STALL_UNDONE, STALL_DONE)
# The calls a person's conversation makes (not getUpdates: the bot's own polling has its tests).
CONVERSATION_METHODS = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery", "sendPhoto", "sendDocument", "sendMediaGroup", "deleteMessage", "sendChatAction"}
)


@dataclass
class RandomFaults:
    """A seeded share ``rate`` of the calls of ``methods`` fail, each with one of ``kinds`` drawn
    evenly; a stall holds the answer ``stall`` seconds, a 429 asks to wait ``retry_after``."""

    rate: float
    rng: random.Random
    stall: float
    retry_after: float
    methods: frozenset[str] = CONVERSATION_METHODS
    kinds: tuple[str, ...] = FAULT_KINDS
    drawn: Counter[str] = field(default_factory=Counter)

    def draw(self, method: str) -> str | None:
        if method not in self.methods or self.rng.random() >= self.rate:
            return None
        kind = self.rng.choice(self.kinds)
        self.drawn[kind] += 1
        return kind


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: float | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


@dataclass
class SimUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    blocked_bot: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        data["language_code"] = "zh-hans"
        return data


@dataclass
class SentMessage:
    """A message the bot sent (or a user sent, with ``from_bot`` False), as the chat shows it now."""

    chat_id: int
    message_id: int
    text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    date: int
    from_bot: bool = True
    document: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None
    caption: str | None = None
    deleted: bool = False

    @property
    def visible(self) -> str:
        """What the reader sees: text (or caption) without markup."""
        raw = self.text if self.text is not None else (self.caption or "")
        return visible_text(raw, self.parse_mode)

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        if not self.reply_markup:
            return []
        return self.reply_markup.get("inline_keyboard") or []

    @property
    def reply_keyboard(self) -> list[list[Any]]:
        if not self.reply_markup:
            return []
        return self.reply_markup.get("keyboard") or []


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class FloodLimits:
    """Token buckets like Telegram's: about 30 messages/s overall, ~1/s per chat with short bursts."""

    overall_rate: float = 30.0
    overall_burst: float = 30.0
    per_chat_rate: float = 1.0
    per_chat_burst: float = 20.0
    enabled: bool = True


class _Bucket:
    def __init__(self, rate: float, burst: float, now: float):
        self.rate, self.burst, self.tokens, self.stamp = rate, burst, burst, now

    def take(self, now: float) -> float:
        """Take a token; returns 0 when allowed, else the seconds until one is free."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def first_update_id() -> int:
    """Where a new stand-in starts numbering updates: like Telegram's, they go on rising across
    restarts (here: tenths of a second since 2026), so a bot that keeps its database between two
    sandbox sessions never sees a lower number than one it has handled (handlers/dialog.py)."""
    return max(1, int((time.time() - 1_767_225_600) * 10))


@dataclass
class BotAccount:
    token: str
    id: int
    username: str
    first_name: str
    updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = field(default_factory=lambda: first_update_id())
    confirmed_offset: int = 0
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    new_update: asyncio.Event = field(default_factory=asyncio.Event)


SEND_METHODS = {"sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup"}


class FakeBotApi:
    """The stand-in's state and HTTP face. ``await start()``, then point the bot at ``base_url``."""

    def __init__(self, flood: FloodLimits | None = None, clock: Callable[[], float] = time.monotonic):
        self.users: dict[int, SimUser] = {}
        self.bots: dict[str, BotAccount] = {}
        self.messages: dict[int, list[SentMessage]] = defaultdict(list)
        self.files: dict[str, StoredFile] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.flood = flood or FloodLimits()
        self.flood_hits = 0
        self.flood_hit_times: list[float] = []
        self._clock = clock
        self._overall: dict[str, _Bucket] = {}
        self._per_chat: dict[tuple[str, int], _Bucket] = {}
        self._faults: dict[str, list[int]] = defaultdict(list)
        self.random_faults: RandomFaults | None = None
        # Callback answers that reached the person: query id → the text shown (None: none).
        self.callback_answers: dict[str, str | None] = {}
        self.last_query_id: str | None = None  # of the latest tap (press)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._listeners: list[Callable[[str, SentMessage], None]] = []
        self._call_listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # ----- set-up -------------------------------------------------------------------------
    def add_bot(self, token: str, username: str = "dangjian_bot", first_name: str | None = None) -> BotAccount:
        bot_id = int(token.split(":", 1)[0])
        account = BotAccount(token=token, id=bot_id, username=username, first_name=first_name or plain("names", "bot_name"))
        self.bots[token] = account
        return account

    def add_user(self, user_id: int, first_name: str, last_name: str | None = None, username: str | None = None) -> SimUser:
        user = SimUser(user_id, first_name, last_name, username)
        self.users[user_id] = user
        return user

    def on_bot_message(self, listener: Callable[[str, SentMessage], None]) -> None:
        """Call ``listener(event, message)`` whenever the bot sends or edits (event 'send'/'edit')."""
        self._listeners.append(listener)

    def on_call(self, listener: Callable[[str, dict[str, Any]], None]) -> None:
        """Call ``listener(method, params)`` as each Bot API request arrives, before it is answered."""
        self._call_listeners.append(listener)

    def inject_faults(self, method: str, statuses: list[int]) -> None:
        """The next calls of ``method`` (or ``*`` for any) answer these HTTP statuses, in order
        (:data:`DROP`: no answer at all, the connection closed)."""
        self._faults[method].extend(statuses)

    def fault_randomly(self, rate: float, seed: int, stall: float = 1.0, retry_after: float = 1.0, kinds: tuple[str, ...] = FAULT_KINDS) -> RandomFaults:
        """From now on a share ``rate`` of a conversation's calls fail at random (``seed``): see
        :class:`RandomFaults`. A ``stall`` must outlast the client's read timeout; Telegram's
        ``retry_after`` is whole seconds, python-telegram-bot also takes a fraction."""
        self.random_faults = RandomFaults(rate, random.Random(seed), stall, retry_after, kinds=kinds)
        return self.random_faults

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    async def stop(self) -> None:
        for account in self.bots.values():
            account.new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ----- what users do ------------------------------------------------------------------
    def _account(self, token: str | None) -> BotAccount:
        if token is None:
            return next(iter(self.bots.values()))
        return self.bots[token]

    def _push_update(self, account: BotAccount, payload: dict[str, Any]) -> int:
        update_id = account.next_update_id
        account.next_update_id += 1
        account.updates.append({"update_id": update_id, **payload})
        account.new_update.set()
        return update_id

    def _user_message(self, user_id: int, chat: dict[str, Any] | None = None, **content: Any) -> dict[str, Any]:
        user = self.users[user_id]
        chat = chat or {"id": user.id, "type": "private", "first_name": user.first_name}
        message = {
            "message_id": next(self._message_ids),
            "from": user.as_dict(),
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        self.messages[chat["id"]].append(
            SentMessage(chat["id"], message["message_id"], content.get("text"), None, None, message["date"], from_bot=False)
        )
        return message

    def send_text(self, user_id: int, text: str, bot: str | None = None, chat: dict[str, Any] | None = None) -> int:
        """The user sends ``text`` to the bot (in a private chat unless ``chat`` is given)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_length(command)}]
        return self._push_update(self._account(bot), {"message": self._user_message(user_id, chat, **content)})

    def upload(self, content: bytes, file_name: str | None = None, mime_type: str | None = None, kind: str = "documents") -> StoredFile:
        number = next(self._file_ids)
        stored = StoredFile(
            file_id=f"FILE{number:06d}{'x' * 12}",
            file_unique_id=f"U{number:06d}",
            content=content,
            file_path=f"{kind}/file_{number}{'.' + file_name.rsplit('.', 1)[-1] if file_name and '.' in file_name else ''}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        return stored

    def send_photo(
        self, user_id: int, content: bytes = b"\x89PNG fake", caption: str | None = None, bot: str | None = None, media_group_id: str | None = None
    ) -> tuple[int, str]:
        stored = self.upload(content, "photo.jpg", "image/jpeg", kind="photos")
        sizes = [
            {"file_id": stored.file_id + "s", "file_unique_id": stored.file_unique_id + "s", "width": 90, "height": 90, "file_size": 100},
            {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": 1280, "height": 960, "file_size": len(content)},
        ]
        extra: dict[str, Any] = {"photo": sizes}
        if caption:
            extra["caption"] = caption
        if media_group_id:
            extra["media_group_id"] = media_group_id  # one photo of an album
        update_id = self._push_update(self._account(bot), {"message": self._user_message(user_id, **extra)})
        return update_id, stored.file_id

    def send_document(self, user_id: int, content: bytes, file_name: str, mime_type: str = "application/octet-stream", bot: str | None = None) -> int:
        stored = self.upload(content, file_name, mime_type)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self._push_update(self._account(bot), {"message": self._user_message(user_id, document=document)})

    def send_sticker(self, user_id: int, bot: str | None = None) -> int:
        sticker = {"file_id": "STICKER1", "file_unique_id": "S1", "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"}
        return self._push_update(self._account(bot), {"message": self._user_message(user_id, sticker=sticker)})

    def send_location(self, user_id: int, bot: str | None = None) -> int:
        return self._push_update(self._account(bot), {"message": self._user_message(user_id, location={"latitude": 31.56, "longitude": 118.83})})

    def send_voice(self, user_id: int, bot: str | None = None) -> int:
        voice = {"file_id": "VOICE1", "file_unique_id": "V1", "duration": 3}
        return self._push_update(self._account(bot), {"message": self._user_message(user_id, voice=voice)})

    def press(self, user_id: int, message: SentMessage, callback_data: str, bot: str | None = None) -> int:
        """The user taps an inline button carrying ``callback_data`` on ``message``."""
        user = self.users[user_id]
        msg = {
            "message_id": message.message_id,
            "from": {"id": self._account(bot).id, "is_bot": True, "first_name": self._account(bot).first_name, "username": self._account(bot).username},
            "chat": {"id": message.chat_id, "type": "private" if message.chat_id > 0 else "group", "first_name": user.first_name},
            "date": message.date,
            "text": message.visible if message.text is not None else None,
        }
        if msg["text"] is None:
            del msg["text"]
        if message.reply_markup:
            msg["reply_markup"] = message.reply_markup
        query = {
            "id": str(next(self._callback_ids)),
            "from": user.as_dict(),
            "message": msg,
            "chat_instance": f"ci{message.chat_id}",
            "data": callback_data,
        }
        self.last_query_id = query["id"]
        return self._push_update(self._account(bot), {"callback_query": query})

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        self.users[user_id].blocked_bot = blocked

    # ----- what the bot sent ----------------------------------------------------------------
    def bot_messages(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.messages.get(chat_id, []) if m.from_bot and not m.deleted]

    def last_message(self, chat_id: int) -> SentMessage:
        sent = self.bot_messages(chat_id)
        if not sent:
            raise AssertionError(f"the bot has sent nothing to chat {chat_id}")
        return sent[-1]

    def find_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        for message in self.messages.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def commands_for(self, scope: dict[str, Any] | None, token: str | None = None) -> list[dict[str, str]]:
        return self._account(token).commands.get(json.dumps(scope or {"type": "default"}, sort_keys=True), [])

    # ----- HTTP ---------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body or {})
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = ("__upload__", value.filename, value.file.read(), value.content_type)
                else:
                    params[key] = value
        for key, value in list(params.items()):
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass
        return params

    async def _handle_method(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        account = self.bots.get(token)
        if account is None:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params = await self._params(request)
        self.calls.append((method, params))
        for call_listener in self._call_listeners:
            call_listener(method, params)
        fault_list = self._faults.get(method) or self._faults.get("*")
        if fault_list:
            status = fault_list.pop(0)
            if status == DROP:  # the connection is lost before any answer, as in a stall cut short
                assert request.transport is not None
                request.transport.close()
                return web.Response(status=500)
            return web.json_response({"ok": False, "error_code": status, "description": "Bad Gateway"}, status=status)
        chance = self.random_faults
        fault = chance.draw(method) if chance else None
        if chance and fault == STALL_UNDONE:  # held until the client has given up, and never done
            await asyncio.sleep(chance.stall)
            fault = BAD_GATEWAY
        if fault == BAD_GATEWAY:
            return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        try:
            if chance and fault == FLOOD:
                raise ApiError(429, f"Too Many Requests: retry after {chance.retry_after}", retry_after=chance.retry_after)
            if method in SEND_METHODS:
                self._check_flood(account, int(params.get("chat_id", 0)))
            result = await handler(account, params)
            if chance and fault == STALL_DONE:  # done, but the answer is held until the client has given up
                await asyncio.sleep(chance.stall)
        except ApiError as err:
            body: dict[str, Any] = {"ok": False, "error_code": err.code, "description": err.description}
            if err.retry_after is not None:
                body["parameters"] = {"retry_after": err.retry_after}
            return web.json_response(body, status=err.code)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] not in self.bots:
            return web.Response(status=401)
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.content)
        return web.Response(status=404)

    def _check_flood(self, account: BotAccount, chat_id: int) -> None:
        if not self.flood.enabled:
            return
        now = self._clock()
        overall = self._overall.setdefault(account.token, _Bucket(self.flood.overall_rate, self.flood.overall_burst, now))
        per_chat = self._per_chat.setdefault((account.token, chat_id), _Bucket(self.flood.per_chat_rate, self.flood.per_chat_burst, now))
        wait = max(overall.take(now), per_chat.take(now))
        if wait > 0:
            self.flood_hits += 1
            self.flood_hit_times.append(now)
            raise ApiError(429, f"Too Many Requests: retry after {math.ceil(wait)}", retry_after=math.ceil(wait))

    def _chat_for(self, chat_id: Any) -> int:
        try:
            chat = int(chat_id)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if chat > 0:
            user = self.users.get(chat)
            if user is None:
                raise ApiError(400, "Bad Request: chat not found")
            if user.blocked_bot:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup in (None, ""):
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if "text" not in button or not button["text"]:
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        return markup

    @staticmethod
    def _check_text(text: Any, parse_mode: str | None, limit: int = MAX_TEXT, what: str = "message") -> str:
        if text is None or str(text).strip() == "":
            raise ApiError(400, f"Bad Request: {what} text is empty")
        text = str(text)
        try:
            shown = visible_text(text, parse_mode)
        except EntityError as err:
            raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
        if not shown.strip():
            raise ApiError(400, f"Bad Request: {what} text is empty")
        if utf16_length(shown) > limit:
            raise ApiError(400, f"Bad Request: {what} is too long")
        return text

    def _record(self, message: SentMessage, event: str) -> None:
        for listener in self._listeners:
            listener(event, message)

    def _bot_dict(self, account: BotAccount) -> dict[str, Any]:
        return {"id": account.id, "is_bot": True, "first_name": account.first_name, "username": account.username}

    def _message_dict(self, account: BotAccount, message: SentMessage) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": message.chat_id, "type": "private" if message.chat_id > 0 else "group"}
        if message.chat_id > 0 and message.chat_id in self.users:
            chat["first_name"] = self.users[message.chat_id].first_name
        else:
            chat["title"] = "group"
        data: dict[str, Any] = {"message_id": message.message_id, "from": self._bot_dict(account), "chat": chat, "date": message.date}
        if message.text is not None:
            data["text"] = message.visible
        if message.caption is not None:
            data["caption"] = visible_text(message.caption, message.parse_mode)
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.document:
            data["document"] = message.document
        if message.photo:
            data["photo"] = message.photo
        return data

    # ----- Bot API methods -----------------------------------------------------------------
    async def _api_getMe(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        return {**self._bot_dict(account), "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _api_deleteWebhook(self, account: BotAccount, params: dict[str, Any]) -> bool:
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            account.confirmed_offset = account.next_update_id
            account.updates.clear()
        return True

    async def _api_getUpdates(self, account: BotAccount, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        if offset:
            account.updates = [u for u in account.updates if u["update_id"] >= offset]
            account.confirmed_offset = max(account.confirmed_offset, offset)
        if not account.updates and timeout > 0:
            account.new_update.clear()
            try:
                await asyncio.wait_for(account.new_update.wait(), timeout)
            except TimeoutError:
                pass
        return account.updates[:limit]

    async def _api_setMyCommands(self, account: BotAccount, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        account.commands[json.dumps(scope, sort_keys=True)] = list(params.get("commands") or [])
        return True

    async def _api_deleteMyCommands(self, account: BotAccount, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        account.commands.pop(json.dumps(scope, sort_keys=True), None)
        return True

    async def _api_getMyCommands(self, account: BotAccount, params: dict[str, Any]) -> list[dict[str, str]]:
        scope = params.get("scope") or {"type": "default"}
        return account.commands.get(json.dumps(scope, sort_keys=True), [])

    async def _api_setChatMenuButton(self, account: BotAccount, params: dict[str, Any]) -> bool:
        return True

    async def _api_sendChatAction(self, account: BotAccount, params: dict[str, Any]) -> bool:
        self._chat_for(params.get("chat_id"))
        return True

    async def _api_sendMessage(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_for(params.get("chat_id"))
        parse_mode = params.get("parse_mode")
        text = self._check_text(params.get("text"), parse_mode)
        markup = self._check_markup(params.get("reply_markup"))
        return self._deliver(account, SentMessage(chat_id, next(self._message_ids), text, parse_mode, markup, int(time.time())))

    def _file_param(self, value: Any, default_name: str, kind: str) -> StoredFile:
        if isinstance(value, tuple) and value and value[0] == "__upload__":
            _, filename, content, mime = value
            return self.upload(content, filename or default_name, mime, kind=kind)
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _send_file(self, params: dict[str, Any], field: str, default_name: str, kind: str) -> tuple[int, StoredFile, str | None, str | None]:
        """What sendDocument and sendPhoto share: the chat, the file, a checked caption."""
        chat_id = self._chat_for(params.get("chat_id"))
        stored = self._file_param(params.get(field), default_name, kind)
        parse_mode = params.get("parse_mode")
        caption = params.get("caption")
        if caption:
            self._check_text(caption, parse_mode, MAX_CAPTION, "caption")
        return chat_id, stored, parse_mode, caption

    def _deliver(self, account: BotAccount, message: SentMessage) -> dict[str, Any]:
        self.messages[message.chat_id].append(message)
        self._record(message, "send")
        return self._message_dict(account, message)

    async def _api_sendDocument(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, stored, parse_mode, caption = self._send_file(params, "document", "document", "documents")
        document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_name": stored.file_name, "file_size": len(stored.content)}
        markup = self._check_markup(params.get("reply_markup"))
        return self._deliver(account, SentMessage(chat_id, next(self._message_ids), None, parse_mode, markup, int(time.time()), document=document, caption=caption))

    async def _api_sendPhoto(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, stored, parse_mode, caption = self._send_file(params, "photo", "photo.jpg", "photos")
        photo = [{"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": 1280, "height": 960}]
        markup = self._check_markup(params.get("reply_markup"))
        return self._deliver(account, SentMessage(chat_id, next(self._message_ids), None, parse_mode, markup, int(time.time()), photo=photo, caption=caption))

    async def _api_sendMediaGroup(self, account: BotAccount, params: dict[str, Any]) -> list[dict[str, Any]]:
        """An album: each photo a message of its own, as Telegram delivers them."""
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the album")
        sent = []
        for item in media:
            chat_id, stored, parse_mode, caption = self._send_file({**params, **item}, "media", "photo.jpg", "photos")
            photo = [{"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": 1280, "height": 960}]
            sent.append(self._deliver(account, SentMessage(chat_id, next(self._message_ids), None, parse_mode, None, int(time.time()), photo=photo, caption=caption)))
        return sent

    def _editable(self, params: dict[str, Any]) -> SentMessage:
        chat_id = self._chat_for(params.get("chat_id"))
        message = self.find_message(chat_id, int(params.get("message_id") or 0))
        if message is None or not message.from_bot or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _api_editMessageText(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        parse_mode = params.get("parse_mode")
        text = self._check_text(params.get("text"), parse_mode)
        markup = self._check_markup(params.get("reply_markup"))
        if message.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if text == message.text and parse_mode == message.parse_mode and markup == message.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
        message.text, message.parse_mode, message.reply_markup = text, parse_mode, markup
        self._record(message, "edit")
        return self._message_dict(account, message)

    async def _api_editMessageReplyMarkup(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
        message.reply_markup = markup
        self._record(message, "edit")
        return self._message_dict(account, message)

    async def _api_deleteMessage(self, account: BotAccount, params: dict[str, Any]) -> bool:
        message = self._editable(params)
        message.deleted = True
        return True

    async def _api_answerCallbackQuery(self, account: BotAccount, params: dict[str, Any]) -> bool:
        text = params.get("text")
        if text is not None and utf16_length(str(text)) > MAX_CALLBACK_ANSWER:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[str(params.get("callback_query_id"))] = None if text is None else str(text)
        return True

    async def _api_getFile(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": len(stored.content), "file_path": stored.file_path}
