"""/board: leaders see, per unit, 应开 / 已开 / 未开 for a reporting period, overdue units marked.

Units that still owe something come first; 15 units to a page. Buttons ``b:<period key>:<page>``
page through the units and step to the previous or next period; they are re-authorised on every
tap. Each unit's button opens its records of the period (handlers/evidence.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import texts
from bot.reminders import plan
from bot.reminders.queries import load_timing, unit_records
from bot.rules.periods import Period, next_period, period_from_key, previous_period
from bot.rules.user_input import parse_id
from handlers import evidence, ui
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.paging import grid, page_of, pager_row
from storage import people
from storage.models import Unit

PAGE_SIZE = 15


@dataclass(frozen=True)
class BoardLine:
    number: int
    unit: Unit
    row: plan.BoardRow
    contact: bool


_label = texts.family("board").label


async def show_board(update: Update, context: BotContext, period: Period | None, page: int) -> None:
    services = context.services
    now = services.now()
    timing = await load_timing(services)
    period = period or plan.current_period(timing, now)
    times = plan.period_times(timing, period)
    units, records = await unit_records(services, [period])
    if not units:
        await ui.reply(update, context, texts.say("board", "no_units"), None)
        return
    rows = plan.board_rows(services.rules, records, times, now)
    reachable = {p.unit_id for p in await people.list_people(services.db) if p.is_secretary and p.reachable}
    shown, page, pages = page_of(rows, page, PAGE_SIZE)
    lines = [
        BoardLine(page * PAGE_SIZE + i + 1, units[row.unit_id], row, row.unit_id in reachable) for i, row in enumerate(shown)
    ]
    text = texts.say(
        "board",
        "board",
        period=period,
        deadline=times.deadline,
        past=plan.is_past_deadline(times, now),
        shifted=times.shifted,
        totals=plan.board_totals(rows),
        lines=lines,
        page=page,
        pages=pages,
    )
    keyboard = grid([evidence.unit_button(line.number, line.unit, period.key) for line in lines])
    pager = pager_row(f"b:{period.key}:", page, pages)
    if pager:
        keyboard.append(pager)
    earlier, later = previous_period(period), next_period(period)
    steps = [InlineKeyboardButton(_label("previous_period", period=earlier), callback_data=f"b:{earlier.key}:0")]
    if later.start <= plan.current_period(timing, now).start:
        steps.append(InlineKeyboardButton(_label("next_period", period=later), callback_data=f"b:{later.key}:0"))
    keyboard.append(steps)
    await ui.reply(update, context, text, InlineKeyboardMarkup(keyboard))


@leaders_only
async def board_command(update: Update, context: BotContext) -> None:
    """/board: the current reporting period."""
    await show_board(update, context, None, 0)


@leaders_only
async def board_button(update: Update, context: BotContext) -> None:
    """Taps ``b:<period key>:<page>``."""
    query = update.callback_query
    assert query is not None and query.data is not None
    key, page = ui.button_parts(query.data)
    try:
        period = period_from_key(key)
    except ValueError:
        period = None
    page_number = parse_id(page)
    if period is None or page_number is None:
        await query.answer(ui.stale_card(context.person))
        return
    await query.answer()
    await show_board(update, context, period, page_number)
