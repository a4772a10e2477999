"""The one gate for text that comes from outside: what people type, the cells of an uploaded
file, the CLI's arguments and the data of a tapped button.

Kept exactly: every printable character, including emoji with their zero-width joiners and
characters inside the text. Trimmed: control characters (C0, DEL, C1) are removed, a tab becomes
a space, line breaks (``\\r\\n``, ``\\r``, U+2028/U+2029) become ``\\n`` where a field allows
several lines and a space where it does not, and blanks and zero-width characters at either end
are removed. Refused: text with nothing visible left (:func:`is_blank`); numbers that are not
plain decimal digits (ASCII, or full-width ０-９ read as ASCII) or that have more digits than the
field can need (so ``²``, ``①``, ``1e9`` and a 5,000-digit number are "not a number"); ids in
button data that are not 1–18 ASCII digits, which always fit SQLite's 64-bit integer.
"""
from __future__ import annotations

import unicodedata

MAX_NUMBER_DIGITS = 6  # counts of people: at most 100,000
MAX_ID_DIGITS = 18  # 10**18 - 1 < 2**63 - 1: any such id fits SQLite's INTEGER
SQLITE_MAX_INTEGER = 2**63 - 1

_LINE_BREAKS = ("\r\n", "\r", "\u2028", "\u2029", "\x85")
# C0 controls, DEL and C1 controls (the whole of Unicode category Cc), except the newline, which
# the caller's choice of one line or several decides, and the tab, which reads as a space.
_CONTROLS = {code: None for code in (*range(0x00, 0x20), *range(0x7F, 0xA0))}
_CONTROLS[ord("\t")] = " "
del _CONTROLS[ord("\n")]
# Characters that show nothing although they are neither blanks nor format characters.
# Hangul fillers and the blank Braille pattern, by code point.
_BLANK_LOOKALIKES = frozenset(map(chr, (0x115F, 0x1160, 0x2800, 0x3164, 0xFFA0)))
_FULL_WIDTH_DIGITS = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}  # ０ … ９ → 0 … 9


def _invisible(ch: str) -> bool:
    return ch.isspace() or ch in _BLANK_LOOKALIKES or unicodedata.category(ch) == "Cf"


def trim(text: str) -> str:
    """``text`` without blanks and zero-width characters at either end."""
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def clean_text(text: str, *, multiline: bool = False) -> str:
    """``text`` with control characters removed, tabs as spaces, line breaks as ``\\n`` (or as
    spaces when ``multiline`` is false), and trimmed at both ends."""
    for line_break in _LINE_BREAKS:
        text = text.replace(line_break, "\n")
    text = text.translate(_CONTROLS)
    if not multiline:
        text = text.replace("\n", " ")
    return trim(text)


def is_blank(text: str) -> bool:
    """Nothing visible: empty, or only blanks, control and zero-width characters."""
    return not clean_text(text)


def ascii_digits(text: str) -> str:
    """Full-width digits ０-９ as their ASCII forms; everything else as it is."""
    return text.translate(_FULL_WIDTH_DIGITS)


def is_plain_number(text: str, max_digits: int = MAX_NUMBER_DIGITS) -> bool:
    """1 to ``max_digits`` ASCII digits and nothing else (``isdigit`` would let ``²`` through)."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdecimal()


def parse_number(text: str, max_digits: int = MAX_NUMBER_DIGITS) -> int | None:
    """A whole number written in ASCII or full-width digits (blanks around it allowed), or None."""
    digits = ascii_digits(clean_text(text))
    return int(digits) if is_plain_number(digits, max_digits) else None


def parse_id(part: str, *, signed: bool = False) -> int | None:
    """An id (or page number) from button data: ASCII digits only, at most 18 of them, with a
    leading ``-`` only when ``signed``; None for anything else, so it never reaches SQL."""
    digits = part[1:] if signed and part.startswith("-") else part
    if not is_plain_number(digits, MAX_ID_DIGITS):
        return None
    value = int(part)
    return value if -SQLITE_MAX_INTEGER - 1 <= value <= SQLITE_MAX_INTEGER else None


def excerpt(text: str, length: int = 20) -> str:
    """The start of ``text`` for quoting it back in a message (a 5,000-digit cell is not repeated whole)."""
    return text if len(text) <= length else text[:length] + "\u2026"
