"""The 小结 as chat text: Telegram HTML from ``templates/digest.j2``, cut into messages.

The template writes one paragraph per blank-line-separated block and never lets a tag span two
paragraphs. ``render_digest_paragraphs`` reads that HTML back into paragraphs of runs (bold or
not, text unescaped) with a role each, which is what the Word renderer lays out; so chat and Word
say exactly the same sentences.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from bot.rules.chinese_date import HANZI, format_date_cn, format_span_cn
from bot.digest.build import Digest
from bot.texts import environment

TELEGRAM_LIMIT = 4096

HANS = "hans"
HANT = "hant"

# Paragraph roles, for Word.
TITLE = "title"
HEADING = "heading"  # 一、基本情况
BODY = "body"  # may open with a second-level heading run (1、…。)
SIGNATURE = "signature"
DATE = "date"

_HEADING_RE = re.compile(r"^[一二三四五六七八九十]+、")
_SUBHEADING_RE = re.compile(r"^[0-9]+、")
_TOKEN_RE = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|[\s\S]")
_TAG_NAME_RE = re.compile(r"^</?\s*([A-Za-z][A-Za-z0-9-]*)")
# Where a long paragraph is best cut: after a full stop, then a semicolon, then a comma.
_BREAK_AFTER = {"。": 3, "！": 3, "？": 3, "；": 2, ";": 2, "，": 1, "、": 1}


@dataclass(frozen=True, slots=True)
class Run:
    text: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Paragraph:
    role: str
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


def _macros():
    return environment().get_template("digest.j2").module


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """Simplified → Traditional characters (OpenCC ``s2t``); tags and entities are ASCII and pass."""
    return _s2t().convert(text)


def digest_title(org_name: str, campaign: str = "党建") -> str:
    """博望镇党委 + 党建 → 博望镇党委党建工作小结 (plain text, for ``build_digest(title=…)``)."""
    return html.unescape(str(_macros().title(org_name, campaign)))


def _dates(digest: Digest, date_style: str) -> dict[str, str]:
    return {
        "span": format_span_cn(digest.start, digest.end, "arabic"),
        "signed": format_date_cn(digest.today, date_style),
    }


def render_digest_html(digest: Digest, date_style: str = HANZI, script: str = HANS) -> str:
    """The whole 小结 as Telegram HTML, paragraphs separated by a blank line."""
    raw = str(_macros().digest(digest, _dates(digest, date_style)))
    text = "\n\n".join(line.strip() for line in raw.split("\n") if line.strip())
    if script == HANT:
        text = to_traditional(text)
    elif script != HANS:
        raise ValueError(f"未知的字形：{script!r}")
    return text


def _runs(paragraph_html: str) -> tuple[Run, ...]:
    runs: list[Run] = []
    bold = 0
    buf: list[str] = []

    def flush() -> None:
        if buf:
            runs.append(Run(html.unescape("".join(buf)), bold > 0))
            buf.clear()

    for token in _TOKEN_RE.findall(paragraph_html):
        if token.startswith("<") and len(token) > 1:
            flush()
            name = _TAG_NAME_RE.match(token)
            if name and name.group(1).lower() in ("b", "strong"):
                bold += -1 if token.startswith("</") else 1
        else:
            buf.append(token)
    flush()
    return tuple(r for r in runs if r.text)


def paragraphs_from_html(text: str) -> list[Paragraph]:
    """Read rendered digest HTML back into paragraphs with roles (see templates/digest.j2)."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    out: list[Paragraph] = []
    for i, block in enumerate(blocks):
        runs = _runs(block)
        plain = "".join(r.text for r in runs)
        if i == 0:
            role = TITLE
        elif i == len(blocks) - 2:
            role = SIGNATURE
        elif i == len(blocks) - 1:
            role = DATE
        elif runs and all(r.bold for r in runs) and _HEADING_RE.match(plain):
            role = HEADING
        else:
            role = BODY
        out.append(Paragraph(role, runs))
    return out


def render_digest_paragraphs(digest: Digest, date_style: str = HANZI, script: str = HANS) -> list[Paragraph]:
    return paragraphs_from_html(render_digest_html(digest, date_style, script))


def render_digest_plain(digest: Digest, date_style: str = HANZI, script: str = HANS) -> list[str]:
    """The 小结 as plain paragraphs, user text unescaped (``<b>`` typed by a user stays ``<b>``)."""
    return [p.text for p in render_digest_paragraphs(digest, date_style, script)]


def telegram_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units; markup is counted too, to be safe."""
    return len(text.encode("utf-16-le")) // 2


def _tag_name(token: str) -> str:
    m = _TAG_NAME_RE.match(token)
    return m.group(1).lower() if m else ""


def _split_paragraph(par: str, limit: int) -> list[str]:
    """Cut one paragraph into pieces ≤ limit, never inside a tag or entity, tags closed and reopened."""
    tokens = _TOKEN_RE.findall(par)
    # stacks[i]: the tags open before tokens[i], as (name, opening tag).
    stacks: list[tuple[tuple[str, str], ...]] = [()]
    stack: list[tuple[str, str]] = []
    for tok in tokens:
        if tok.startswith("</"):
            name = _tag_name(tok)
            for j in range(len(stack) - 1, -1, -1):
                if stack[j][0] == name:
                    del stack[j:]
                    break
        elif tok.startswith("<") and len(tok) > 1 and not tok.endswith("/>"):
            stack.append((_tag_name(tok), tok))
        stacks.append(tuple(stack))

    def opening(st) -> str:
        return "".join(t for _, t in st)

    def closing(st) -> str:
        return "".join(f"</{n}>" for n, _ in reversed(st))

    pieces: list[str] = []
    i, n = 0, len(tokens)
    while i < n:
        prefix = opening(stacks[i])
        length = telegram_length(prefix)
        j = i
        best, best_rank = None, 0  # best cut in the second half of the window
        fallback = None  # any cut at all
        half = limit // 2
        while j < n:
            step = telegram_length(tokens[j])
            if length + step + telegram_length(closing(stacks[j + 1])) > limit:
                break
            length += step
            j += 1
            rank = _BREAK_AFTER.get(tokens[j - 1], 0)
            if rank:
                fallback = j
                if length >= half and rank >= best_rank:
                    best, best_rank = j, rank
        if best is None:
            best = fallback
        if j == i:
            raise ValueError(f"limit {limit} is too small to carry the markup")
        end = n if j == n else (best if best is not None and best > i else j)
        piece = prefix + "".join(tokens[i:end]) + closing(stacks[end])
        if piece.strip():
            pieces.append(piece.strip())
        i = end
    return pieces


def split_messages(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pack paragraphs into messages of at most ``limit``; a paragraph too long alone is cut safely."""
    paragraphs: list[str] = []
    for par in (b.strip() for b in text.split("\n\n")):
        if not par:
            continue
        if telegram_length(par) <= limit:
            paragraphs.append(par)
        else:
            paragraphs.extend(_split_paragraph(par, limit))
    messages: list[str] = []
    current = ""
    for par in paragraphs:
        candidate = f"{current}\n\n{par}" if current else par
        if telegram_length(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = par
    if current:
        messages.append(current)
    return messages
