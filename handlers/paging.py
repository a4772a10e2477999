"""Pages of buttons for long lists (units, people), two to a row."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from telegram import InlineKeyboardButton

from bot import texts
from handlers.dialog import Button
from storage.models import Unit

T = TypeVar("T")
PAGE_SIZE = 20


def page_of(items: Sequence[T], page: int, size: int = PAGE_SIZE) -> tuple[Sequence[T], int, int]:
    """The items on ``page`` (clamped), the page actually shown, and the number of pages."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    return items[page * size : (page + 1) * size], page, pages


def grid(buttons: Sequence[T], per_row: int = 2) -> list[list[T]]:
    """Buttons (inline or a dialog's) laid out ``per_row`` to a row."""
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def pager_row(prefix: str, page: int, pages: int) -> list[InlineKeyboardButton]:
    """« 上一页 / 下一页 » buttons whose data is ``<prefix><page>``."""
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(texts.label("prev_page"), callback_data=f"{prefix}{page - 1}"))
    if page < pages - 1:
        row.append(InlineKeyboardButton(texts.label("next_page"), callback_data=f"{prefix}{page + 1}"))
    return row


def dialog_unit_rows(units: Sequence[Unit], page: int, pick: str, turn_page: str) -> list[list[Button]]:
    """A page of unit buttons for a guided flow: tapping one sends ``(pick, unit id)``; the pager
    sends ``(turn_page, page)``."""
    shown, page, pages = page_of(units, page)
    rows = grid([Button(u.name, pick, str(u.id)) for u in shown])
    pager = []
    if page > 0:
        pager.append(Button(texts.label("prev_page"), turn_page, str(page - 1)))
    if page < pages - 1:
        pager.append(Button(texts.label("next_page"), turn_page, str(page + 1)))
    if pager:
        rows.append(pager)
    return rows
