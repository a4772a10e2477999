"""The reminder engine: a periodic tick that turns the database and the clock into messages.

Each tick (``ReminderEngine.run_once``) has two halves:

1. **Plan.** From the schedule, the records and ``now`` (``bot.reminders.plan``), find the reminder,
   escalation and commitment slots that are due, and record each in the outbox
   (``storage.reminders.plan_reminders``) with one *pending* delivery per recipient. The outbox
   key (kind, subject, period, slot) is unique, so planning again changes nothing.
2. **Deliver.** Send every pending delivery whose moment has come — only on working days outside
   quiet hours — and mark it *sent* right after Telegram accepts it. What is said is worked out
   at send time, so a unit that reported in the meantime is not reminded (*dropped*).

Crash semantics (at least once): a delivery is written *pending* before it is sent and *sent*
after, so a crash before the send loses nothing (the next tick sends it) and a crash between the
send and its record shows that one message twice after restart — never more than the messages in
flight at the moment of the crash (``REMINDER_SEND_CONCURRENCY``), each at most once. A reminder
missed while the bot was down is sent at the first tick after start if it is no older than
``REMINDER_GRACE_HOURS``; older ones are marked *expired* (the next slot supersedes them).

Notices (/notice) share the outbox's design and this tick: before the reminders, each tick sends
the pending notice deliveries through the same sender, pace and concurrency (``fan_out``), then
the delivery report of each notice whose fan-out is over (``bot.reminders.notices``).

Nothing is kept in memory between ticks; APScheduler (PTB's JobQueue) only drives the tick.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from aiolimiter import AsyncLimiter
from telegram import InlineKeyboardMarkup
from telegram.ext import Application, CallbackContext

from bot.reminders import messages, plan
from bot.reminders import notices as notice_outbox
from bot.reminders.queries import load_timing, secretaries_by_unit, unit_records
from bot.reminders.sender import ReliableSender, SendResult
from bot.rules.periods import period_from_key
from bot.services import Services
from storage import people as people_store
from storage import reminders as store
from storage import units as unit_store
from storage.models import Commitment, Person, Unit
from storage.notices import Attachment
from storage.reminders import Delivery, PlannedReminder, Reminder

log = logging.getLogger(__name__)

T = TypeVar("T")
ENGINE_KEY = "reminders"
FIRST_TICK_SECONDS = 5.0
FULL_RATE = 30  # REMINDER_SEND_RATE at which the rate limiter alone paces a fan-out


@dataclass
class TickReport:
    planned: int = 0
    sent: int = 0
    dropped: int = 0
    failed: int = 0
    blocked: int = 0
    expired: int = 0
    retry_later: int = 0
    quiet: bool = False
    notices_sent: int = 0


@dataclass
class _Snapshot:
    """What the deliveries of one pass need, read once."""

    timing: plan.Timing
    now: datetime
    units: dict[int, Unit]
    records: dict[int, plan.UnitRecord]
    people: dict[int, Person]
    open_commitments: list[Commitment]
    _times: dict[str, plan.PeriodTimes] = field(default_factory=dict)

    def period_times(self, period_key: str) -> plan.PeriodTimes:
        """A period's deadline and slots, worked out once per pass (a fan-out's reminders share one)."""
        if period_key not in self._times:
            self._times[period_key] = plan.period_times(self.timing, period_from_key(period_key))
        return self._times[period_key]

    @property
    def now_local(self) -> datetime:
        return self.timing.local(self.now)

    @property
    def today(self) -> date:
        return self.now_local.date()


class ReminderEngine:
    """Plans and sends reminders for one Application. ``run_once`` is one tick."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], sender: ReliableSender | None = None):
        self.app = app
        self.sender = sender or ReliableSender(app.bot)
        # The rate limiter (bot/app/limiter.py) keeps the bot as a whole just under Telegram's
        # 30/s, bulk sends after replies; a REMINDER_SEND_RATE below 30 spaces the fan-out evenly
        # slower still. The bucket holds two sends, not one: a wake-up that comes late (the event
        # loop was busy) is made up by the next send coming early instead of slowing the whole
        # fan-out (with room for one, 2,000 reminders ran at 0.96 of the pace asked).
        rate = self.services.settings.reminder_send_rate
        self.pace: AbstractAsyncContextManager[Any] = AsyncLimiter(2, 2 / rate) if rate < FULL_RATE else nullcontext()
        self._lock = asyncio.Lock()
        self._ticked = asyncio.Condition()
        self.completed_ticks = 0

    @property
    def services(self) -> Services:
        return self.app.bot_data["services"]

    # ----- the tick ------------------------------------------------------------------------------
    async def run_once(self, now: datetime | None = None) -> TickReport:
        """One tick: record what is due, then send what is pending. Ticks never overlap."""
        async with self._lock:
            moment = now or self.services.now()
            report = TickReport()
            timing = await load_timing(self.services)
            report.planned = await self.plan(timing, moment)
            # Notices first: a recipient who blocked the bot is then told to the leaders in the
            # reminders' pass of this same tick.
            await notice_outbox.deliver_notices(self, timing, moment, report)
            await self.deliver(timing, moment, report)
        async with self._ticked:
            self.completed_ticks += 1
            self._ticked.notify_all()
        return report

    async def wait_for_ticks(self, count: int) -> None:
        """Wait until ``count`` ticks have completed since start (for the start-up catch-up)."""
        async with self._ticked:
            await self._ticked.wait_for(lambda: self.completed_ticks >= count)

    async def plan(self, timing: plan.Timing, now: datetime) -> int:
        """Record the reminders due at ``now``; returns how many were new."""
        services = self.services
        due_units = plan.due_reminder_slots(timing, now)
        due_escalations = plan.due_escalation_slots(timing, now)
        today = timing.local(now).date()
        everyone = await people_store.list_people(services.db)
        secretaries = secretaries_by_unit(everyone)
        planned: list[PlannedReminder] = []
        if due_units or due_escalations:
            _, records = await unit_records(services, (d.period for d in [*due_units, *due_escalations]))
            for r in plan.unit_reminders(self.services.rules, records, due_units, timing.remind_in):
                planned.append(
                    PlannedReminder(store.UNIT, r.unit_id, r.period.key, r.slot.key, r.slot.at, tuple(secretaries.get(r.unit_id, ())))
                )
            if due_escalations:
                leaders = tuple(p.user_id for p in everyone if p.is_leader and p.reachable)
                late_commitments = plan.overdue_commitments(await store.open_commitments(services.db, due_to=today), today)
                for item in due_escalations:
                    if plan.overdue_units(self.services.rules, records, item.times, now) or late_commitments:
                        planned.append(PlannedReminder(store.ESCALATION, 0, item.period.key, item.slot.key, item.slot.at, leaders))
        window = plan.commitment_window(timing, today)
        commitments = await store.open_commitments(services.db, *window)
        for c in plan.commitment_reminders(timing, commitments, now):
            planned.append(
                PlannedReminder(store.COMMITMENT, c.unit_id, c.due_on.isoformat(), c.slot.key, c.slot.at, tuple(secretaries.get(c.unit_id, ())))
            )
        if not planned:
            return 0
        return len(await store.plan_reminders(services.db, planned, now))

    async def deliver(self, timing: plan.Timing, now: datetime, report: TickReport | None = None) -> TickReport:
        """Send the pending deliveries whose moment has come (nothing on holidays or in quiet hours)."""
        report = report or TickReport()
        if not plan.may_speak(timing, now):
            report.quiet = True
            return report
        report.expired += await store.expire_stale(self.services.db, now - timing.grace)
        # A 403 plans a notice to the leaders; a second pass sends it in the same tick.
        for _ in range(2):
            blocked_before = report.blocked
            pending = await store.pending_deliveries(self.services.db, now)
            if not pending:
                break
            await self._deliver_pass(timing, now, pending, report)
            if report.blocked == blocked_before or report.retry_later:
                break
        return report

    async def _snapshot(self, timing: plan.Timing, now: datetime, pending: Sequence[Delivery]) -> _Snapshot:
        services = self.services
        periods = {d.reminder.period for d in pending if d.reminder.kind in (store.UNIT, store.ESCALATION)}
        parsed = [period_from_key(key) for key in periods]
        units, records = (
            await unit_records(services, parsed) if parsed else ({u.id: u for u in await unit_store.list_units(services.db)}, [])
        )
        today = timing.local(now).date()
        need_commitments = any(d.reminder.kind in (store.COMMITMENT, store.ESCALATION) for d in pending)
        commitments = await store.open_commitments(services.db, due_to=today + timedelta(days=60)) if need_commitments else []
        everyone = await people_store.list_people(services.db, active_only=False)
        return _Snapshot(timing, now, units, {r.unit_id: r for r in records}, {p.user_id: p for p in everyone}, commitments)

    async def _deliver_pass(self, timing: plan.Timing, now: datetime, pending: Sequence[Delivery], report: TickReport) -> None:
        snapshot = await self._snapshot(timing, now, pending)
        blocked: set[int] = set()

        async def deliver_one(delivery: Delivery, halted: asyncio.Event) -> None:
            await self._deliver_one(delivery, snapshot, report, halted, blocked)

        await self.fan_out(pending, deliver_one)

    async def fan_out(self, items: Sequence[T], deliver_one: Callable[[T, asyncio.Event], Awaitable[None]]) -> None:
        """``deliver_one`` for each item, at most ``REMINDER_SEND_CONCURRENCY`` at once (reminders
        and notices alike). The event it gets is set when Telegram is unreachable: the items not
        yet started are left pending for the next tick."""
        window = asyncio.Semaphore(self.services.settings.reminder_send_concurrency)
        halted = asyncio.Event()

        async def one(item: T) -> None:
            async with window:
                if halted.is_set():
                    return
                await deliver_one(item, halted)

        try:
            async with asyncio.TaskGroup() as group:
                for item in items:
                    group.create_task(one(item))
        except BaseExceptionGroup as failures:
            # Not a Telegram answer (those are handled by deliver_one) but a bug or the process
            # going down: stop the tick with the first cause; what was not marked sent stays pending.
            for other in failures.exceptions[1:]:
                log.error("delivery failed too", exc_info=other)
            raise failures.exceptions[0] from None

    async def send_paced(
        self, recipient: int, text: str, markup: InlineKeyboardMarkup | None, halted: asyncio.Event, attachment: Attachment | None = None
    ) -> SendResult | None:
        """Send one message of a fan-out at the even pace; None when the fan-out was halted meanwhile."""
        async with self.pace:
            if halted.is_set():
                return None  # Telegram is unreachable just now: stays pending for the next tick
            if attachment is None:  # a reminder's call, as it always was
                return await self.sender.send(recipient, text, markup)
            return await self.sender.send(recipient, text, markup, attachment)

    async def _deliver_one(
        self, delivery: Delivery, snapshot: _Snapshot, report: TickReport, halted: asyncio.Event, blocked: set[int]
    ) -> None:
        db = self.services.db
        reminder, recipient = delivery.reminder, delivery.recipient
        person = snapshot.people.get(recipient)
        reason = self._not_for(reminder, person) if recipient not in blocked else "blocked during this tick"
        message = None if reason else self.compose(reminder, snapshot)
        if message is None:
            await store.mark_closed(db, reminder.id, recipient, store.DROPPED, reason or "nothing left to say")
            report.dropped += 1
            return
        text, markup = message
        result = await self.send_paced(recipient, text, markup, halted)
        if result is None:
            return
        if result.sent:
            await store.mark_sent(db, reminder.id, recipient, result.message_id, self.services.now())  # type: ignore[arg-type]
            report.sent += 1
        elif result.blocked:
            blocked.add(recipient)
            await store.mark_closed(db, reminder.id, recipient, store.FAILED, result.error)
            report.blocked += 1
            await self.person_unreachable(recipient, snapshot.now)
        elif result.retryable:
            await store.note_attempt(db, reminder.id, recipient, result.error or "")
            report.retry_later += 1
            halted.set()
        else:
            await store.mark_closed(db, reminder.id, recipient, store.FAILED, result.error)
            report.failed += 1
            log.warning("reminder %s to %s refused: %s", reminder.id, recipient, result.error)

    @staticmethod
    def _not_for(reminder: Reminder, person: Person | None) -> str | None:
        """Why this person should no longer get this reminder, if they should not."""
        if person is None or not person.active:
            return "no longer has access"
        if not person.reachable:
            return "blocked the bot"
        if reminder.kind in (store.UNIT, store.COMMITMENT):
            if not person.is_secretary or person.unit_id != reminder.subject:
                return "no longer the unit's secretary"
        elif not person.is_leader:
            return "no longer a leader"
        return None

    # ----- what to say ---------------------------------------------------------------------------
    def compose(self, reminder: Reminder, snapshot: _Snapshot) -> tuple[str, InlineKeyboardMarkup | None] | None:
        """The message for a reminder as things stand now, or None when there is nothing to say."""
        if reminder.kind == store.UNIT:
            return self._compose_unit(reminder, snapshot)
        if reminder.kind == store.ESCALATION:
            return self._compose_escalation(reminder, snapshot)
        if reminder.kind == store.COMMITMENT:
            unit = snapshot.units.get(reminder.subject)
            due_on = date.fromisoformat(reminder.period)
            due = [c for c in snapshot.open_commitments if c.unit_id == reminder.subject and c.due_on == due_on]
            if unit is None or not due:
                return None
            return messages.commitment_reminder(unit, due, due_on, snapshot.today, reminder)
        if reminder.kind == store.UNREACHABLE:
            person = snapshot.people.get(reminder.subject)
            if person is None:
                return None
            unit = snapshot.units.get(person.unit_id) if person.unit_id else None
            return messages.unreachable(person, unit), None
        return None

    def _compose_unit(self, reminder: Reminder, snapshot: _Snapshot) -> tuple[str, InlineKeyboardMarkup] | None:
        unit = snapshot.units.get(reminder.subject)
        record = snapshot.records.get(reminder.subject)
        if unit is None or record is None:
            return None
        times = snapshot.period_times(reminder.period)
        missing = plan.reminder_gaps(self.services.rules, record, times.period, snapshot.timing.remind_in)
        if not missing:
            return None
        cycles = plan.cycles_of(self.services.rules, unit.kind)
        return messages.unit_reminder(unit, times, missing, reminder, snapshot.now_local, self.services.kinds, cycles)

    def _compose_escalation(self, reminder: Reminder, snapshot: _Snapshot) -> tuple[str, InlineKeyboardMarkup] | None:
        times = snapshot.period_times(reminder.period)
        reachable_units = {
            p.unit_id for p in snapshot.people.values() if p.is_secretary and p.reachable and p.unit_id is not None
        }
        lines = [
            messages.OverdueLine(snapshot.units[unit_id], tuple(s.activity_kind for s in missing), unit_id in reachable_units)
            for unit_id, missing in plan.overdue_units(self.services.rules, snapshot.records.values(), times, snapshot.now)
            if unit_id in snapshot.units
        ]
        late = [
            messages.OverdueCommitment(snapshot.units[c.unit_id], c.content, c.due_on)
            for c in plan.overdue_commitments(snapshot.open_commitments, snapshot.today)
            if c.unit_id in snapshot.units
        ]
        if not lines and not late:
            return None
        return messages.escalation(times, lines, late, reminder)

    # ----- events from Telegram -----------------------------------------------------------------
    async def person_unreachable(self, user_id: int, now: datetime) -> None:
        """A 403: mark the person unreachable and, the first time, plan a notice to the leaders."""
        db = self.services.db
        if not await people_store.set_reachable(db, user_id, False):
            return  # already known: leaders were told when it was first noticed
        leaders = tuple(p.user_id for p in await people_store.list_leaders(db) if p.reachable and p.user_id != user_id)
        await store.plan_reminders(
            db, [PlannedReminder(store.UNREACHABLE, user_id, "", now.isoformat(timespec="seconds"), now, leaders)], now
        )
        log.info("user %s blocked the bot; leaders will be told", user_id)


def engine_of(app: Application[Any, Any, Any, Any, Any, Any]) -> ReminderEngine:
    """The application's engine, for whoever drives the tick (the JobQueue, the sandbox, tests)."""
    return app.bot_data[ENGINE_KEY]


def tick_soon(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Run one tick in the background now (after a button planned something due at once)."""
    app.create_task(engine_of(app).run_once(), name="reminder-nudge")


def install(app: Application[Any, Any, Any, Any, Any, Any]) -> ReminderEngine:
    """Attach an engine to the application (the tick is started by ``start_ticking``)."""
    engine = ReminderEngine(app)
    app.bot_data[ENGINE_KEY] = engine
    return engine


async def _tick_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    try:
        report = await engine_of(context.application).run_once()
    except Exception:  # noqa: BLE001 - the next tick tries again; the outbox keeps what is owed
        log.exception("reminder tick failed")
        return
    if report.planned or report.sent or report.failed or report.blocked or report.retry_later:
        log.info("reminder tick: %s", report)


def start_ticking(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Run the tick every ``REMINDER_TICK_SECONDS`` (first a few seconds after start, which sends
    what came due while the bot was down). 0 turns the periodic tick off."""
    interval = app.bot_data["services"].settings.reminder_tick_seconds
    if interval <= 0 or app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name("reminder-tick"):
        job.schedule_removal()
    app.job_queue.run_repeating(_tick_job, interval=interval, first=min(FIRST_TICK_SECONDS, interval), name="reminder-tick")
