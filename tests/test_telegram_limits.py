"""Lengths measured as Telegram measures them, and cards shortened just enough to fit."""
from __future__ import annotations

import pytest

from bot.rules.telegram_limits import ELLIPSIS, fit_fields, pack, shorten, telegram_length, units


def test_lengths_are_utf16_units_of_the_text_after_its_html() -> None:
    assert units("中") == 1 and units("🎉") == 2 and units("👨‍👩‍👧") == 8
    assert telegram_length("<b>a &amp; b</b>") == 5
    assert telegram_length("<a href=\"https://x.example/very/long\">链接</a>") == 2


def test_shorten_keeps_short_text_and_cuts_long_text_within_the_limit() -> None:
    assert shorten("abc", 3) == "abc"
    assert shorten("abcdef", 4) == "abc" + ELLIPSIS
    cut = shorten("🎉" * 10, 6)
    assert cut == "🎉🎉" + ELLIPSIS and units(cut) <= 6
    # A joiner is not left dangling at the cut.
    assert shorten("👨‍👩‍👧", 4) == "👨" + ELLIPSIS


def _card(fields: dict[str, str | None]) -> str:
    return "<b>卡片</b>\n" + "\n".join(f"{name}：{value}" for name, value in fields.items() if value)


def test_fields_that_fit_together_are_kept_whole() -> None:
    text, cut = fit_fields(_card, {"a": "短", "b": "也短", "c": None})
    assert cut == set() and text == _card({"a": "短", "b": "也短"})


def test_the_longest_fields_are_cut_first_and_the_card_fits() -> None:
    fields = {"topic": "🎉" * 100, "summary": "🎉" * 1000, "resolutions": "🎉" * 1000, "place": None}
    text, cut = fit_fields(_card, fields)
    assert cut == {"summary", "resolutions"}
    assert "🎉" * 100 + "\n" in text and telegram_length(text) <= 4096
    assert telegram_length(text) > 4000  # cut no more than needed


def test_escaped_characters_count_once() -> None:
    text, cut = fit_fields(lambda f: f"<b>x</b>{f['a'].replace('&', '&amp;')}", {"a": "&" * 5000}, limit=100)
    assert cut == {"a"} and telegram_length(text) <= 100


def test_pack_joins_pieces_into_as_few_messages_as_fit() -> None:
    assert pack(["a" * 3500, "b" * 1000, "c" * 100]) == ["a" * 3500, "b" * 1000 + "\n\n" + "c" * 100]
    assert pack(["x", "y"]) == ["x\n\ny"]
    with pytest.raises(ValueError):
        pack(["z" * 5000])
