"""Every sentence the bot says lives in ``templates/`` as Jinja2 macros; this module renders them.

Templates are autoescaped for Telegram's HTML parse mode, so text typed by users (``<b>``,
``A&B``) is shown exactly as typed. Usage: ``texts.say("units", "added", unit=unit)`` renders the
macro ``added`` of ``templates/units.j2``.
"""
from __future__ import annotations

import html
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("j2",), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        auto_reload=False,  # templates ship with the code; no stat() of the file per message
    )
    return env


@lru_cache(maxsize=None)
def _macro(family: str, name: str) -> Callable[..., Any]:
    """Macro ``name`` of ``templates/<family>.j2``, looked up once (every step renders several)."""
    macro = getattr(environment().get_template(f"{family}.j2").module, name, None)
    if macro is None:
        raise KeyError(f"templates/{family}.j2 has no macro {name!r}")
    return macro


@lru_cache(maxsize=None)
def _fixed(family: str, name: str, as_plain: bool) -> str:
    """A macro that takes no values always says the same: rendered once (most button labels)."""
    text = str(_macro(family, name)()).strip()
    return html.unescape(text) if as_plain else text


def say(family: str, name: str, /, **values: Any) -> str:
    """Render macro ``name`` of ``templates/<family>.j2`` to a string, trimmed."""
    if not values:
        return _fixed(family, name, False)
    return str(_macro(family, name)(**values)).strip()


def plain(family: str, name: str, /, **values: Any) -> str:
    """Like :func:`say`, but as plain text (for buttons: Telegram does not parse HTML there)."""
    if not values:
        return _fixed(family, name, True)
    return html.unescape(say(family, name, **values))


def label(name: str, /, **values: Any) -> str:
    """A shared button label from ``templates/labels.j2``."""
    return plain("labels", name, **values)


class Family(NamedTuple):
    """:func:`say` and :func:`plain` (as ``label``) for the macros of one template file."""

    say: Callable[..., str]
    label: Callable[..., str]


def family(name: str) -> Family:
    """``say, label = texts.family("report")``: sentences and button labels of templates/report.j2."""
    return Family(partial(say, name), partial(plain, name))
