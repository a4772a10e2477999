"""Invite codes: random, single-use, expiring, and stored only as a hash.

A code is 16 random bytes (128 bits) in base64url, which fits Telegram's deep-link payload
alphabet (``A-Z a-z 0-9 _ -``, at most 64 characters). The database keeps only its SHA-256, so a
leaked database cannot be used to join.
"""
from __future__ import annotations

import hashlib
import re
import secrets

CODE_BYTES = 16
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def looks_like_code(text: str) -> bool:
    """True when ``text`` has the shape of an invite code (cheap check before any lookup)."""
    return bool(_CODE_SHAPE.match(text))


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"
