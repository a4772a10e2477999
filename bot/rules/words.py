"""The words the bot reads as data, loaded once from ``bot/rules/data/words.toml``.

Relative days, skip and done answers, clock parts, cadence words, the column headings of an
uploaded unit list, and activity names stored as keys. Kept as data so that code holds no
Chinese and a reader finds every accepted word in one file.
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"


def load_data(name: str) -> dict[str, Any]:
    """A TOML file of ``bot/rules/data/``, parsed."""
    return tomllib.loads((DATA_DIR / name).read_text(encoding="utf-8"))


WORDS = load_data("words.toml")


def without_suffixes(text: str, kind: str) -> str:
    """``text`` without the unit words of ``kind`` (``count``: 56名 → 56; ``day``: 25号 → 25)."""
    for suffix in WORDS["suffixes"][kind]:
        text = text.removesuffix(suffix)
    return text.strip()
