"""Notices in the reminder outbox: what a recipient gets, the author's delivery report, and the
pass of the tick that sends them.

A notice's deliveries (``storage.notices``) are sent by the reminder engine's tick, through its
sender, its even pace and its concurrency window (``ReminderEngine.fan_out``), so the crash
semantics are the reminders': written *pending* before the send and *sent* after it, so a crash
loses nothing and doubles at most the messages in flight. When no delivery of a notice is left
pending, its author gets the delivery report (delivered / unreachable / failed, with names), also
at least once. Notices wait out quiet hours but not weekends: a leader chose to send them.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.reminders import plan
from bot.rules.workcalendar import QuietHours
from storage import notices as store
from storage import people as people_store
from storage import units as unit_store
from storage.db import Database
from storage.models import Person, Unit
from storage.notices import Notice, NoticeDelivery, Receipt

if TYPE_CHECKING:
    from bot.reminders.engine import ReminderEngine, TickReport

READ_PREFIX = "nr"  # the 已阅 button: nr:<notice id>


def send_moment(local_now: datetime, quiet: QuietHours) -> datetime | None:
    """When a notice confirmed at ``local_now`` goes out: None for at once, else the end of the
    quiet hours it falls in (local)."""
    if not quiet.contains(local_now.time().replace(tzinfo=None)):
        return None
    end = local_now.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    return end if end > local_now else end + timedelta(days=1)


def read_markup(notice_id: int, read: bool = False) -> InlineKeyboardMarkup:
    """The 已阅 button under a notice (after the tap it says so, and tapping again is harmless)."""
    label = texts.plain("notices", "b_was_read" if read else "b_read")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"{READ_PREFIX}:{notice_id}")]])


def notice_message(notice: Notice, org: str, author: str, chase: bool = False) -> tuple[str, InlineKeyboardMarkup]:
    """The notice as a recipient gets it (the text, or the caption of its photo or file)."""
    return texts.say("notices", "message", text=notice.text, org=org, author=author, chase=chase), read_markup(notice.id)


@dataclass(frozen=True)
class Named:
    """A recipient as reports and receipts name them: 李梅（山宁村党总支）."""

    name: str
    unit: str


def named(user_id: int, unit_id: int, people: Mapping[int, Person], units: Mapping[int, Unit]) -> Named:
    person, unit = people.get(user_id), units.get(unit_id)
    return Named(person.display_name if person else str(user_id), unit.name if unit else str(unit_id))


@dataclass(frozen=True)
class Receipts:
    """Who a notice reached, and how: the recipients by what became of their delivery."""

    delivered: list[Named]
    read: list[Named]
    unread: list[Named]
    blocked: list[Named]
    failed: list[Named]
    dropped: list[Named]
    pending: list[Named]
    silent_units: list[str]  # units of the audience with nobody to receive it

    @property
    def total(self) -> int:
        return len(self.delivered) + len(self.blocked) + len(self.failed) + len(self.dropped) + len(self.pending)


async def load_receipts(db: Database, notice: Notice) -> Receipts:
    """What became of ``notice`` for each recipient, with names, read now."""
    rows = await store.receipts(db, notice.id)
    people = {p.user_id: p for p in await people_store.list_people(db, active_only=False)}
    units = {u.id: u for u in await unit_store.list_units(db, include_archived=True)}
    return sort_receipts(rows, notice.unit_ids, people, units)


def sort_receipts(rows: Iterable[Receipt], unit_ids: Iterable[int], people: Mapping[int, Person], units: Mapping[int, Unit]) -> Receipts:
    found = Receipts([], [], [], [], [], [], [], [])
    reached: set[int] = set()
    for row in rows:
        who = named(row.recipient, row.unit_id, people, units)
        reached.add(row.unit_id)
        if row.status == store.SENT:
            found.delivered.append(who)
            (found.read if row.read_at else found.unread).append(who)
        else:
            {store.BLOCKED: found.blocked, store.FAILED: found.failed, store.DROPPED: found.dropped}.get(row.status, found.pending).append(who)
    found.silent_units.extend(units[u].name for u in unit_ids if u not in reached and u in units)
    return found


def delivery_report(notice: Notice, receipts: Receipts) -> str:
    return texts.say(
        "notices", "report", notice=notice, total=receipts.total, delivered=receipts.delivered, blocked=receipts.blocked,
        failed=receipts.failed, dropped=receipts.dropped, silent_units=receipts.silent_units,
    )


# ----- the tick's pass ---------------------------------------------------------------------------
def _not_for(delivery: NoticeDelivery, person: Person | None) -> str | None:
    """Why this person should no longer get this notice, if they should not."""
    if person is None or not person.is_secretary or person.unit_id != delivery.unit_id:
        return "no longer the unit's secretary"
    return None


async def deliver_notices(engine: "ReminderEngine", timing: plan.Timing, now: datetime, report: "TickReport") -> None:
    """Send the pending notice deliveries that are due, then the delivery reports of the notices
    whose fan-out is over. Nothing in quiet hours (a backlog from downtime waits for morning)."""
    if timing.quiet.contains(timing.local(now).time().replace(tzinfo=None)):
        return
    services = engine.services
    db = services.db
    pending = await store.pending_deliveries(db, now)
    if pending:
        notices = await store.get_notices(db, [d.notice_id for d in pending])
        people = {p.user_id: p for p in await people_store.list_people(db, active_only=False)}

        async def deliver_one(delivery: NoticeDelivery, halted: asyncio.Event) -> None:
            person = people.get(delivery.recipient)
            reason = _not_for(delivery, person)
            if reason is None and delivery.round == store.CHASE_ROUND and await store.has_read(db, delivery.notice_id, delivery.recipient):
                reason = "already read"
            if reason is not None:
                await store.mark_closed(db, delivery, store.DROPPED, reason)
                return
            notice = notices[delivery.notice_id]
            author = people.get(notice.author)
            text, markup = notice_message(notice, services.settings.org_name, author.display_name if author else "", delivery.round == store.CHASE_ROUND)
            result = await engine.send_paced(delivery.recipient, text, markup, halted, notice.attachment)
            if result is None:
                return
            if result.sent:
                await store.mark_sent(db, delivery, result.message_id, services.now())  # type: ignore[arg-type]
                report.notices_sent += 1
                if person is not None and not person.reachable:
                    await people_store.set_reachable(db, person.user_id, True)  # the notice got through
            elif result.blocked:
                await store.mark_closed(db, delivery, store.BLOCKED, result.error)
                report.blocked += 1
                await engine.person_unreachable(delivery.recipient, now)
            elif result.retryable:
                await store.note_attempt(db, delivery, result.error or "")
                report.retry_later += 1
                halted.set()
            else:
                await store.mark_closed(db, delivery, store.FAILED, result.error)
                report.failed += 1

        await engine.fan_out(pending, deliver_one)
    await _report_finished(engine)


async def _report_finished(engine: "ReminderEngine") -> None:
    """The delivery report to the author of each notice whose fan-out is over (at least once)."""
    db = engine.services.db
    for notice in await store.finished_unreported(db):
        full = await store.get_notice(db, notice.id)
        assert full is not None
        text = delivery_report(full, await load_receipts(db, full))
        result = await engine.send_paced(notice.author, text, None, asyncio.Event())
        if result is None or result.retryable:
            continue  # the next tick tries again
        await store.mark_reported(db, notice.id, engine.services.now())
