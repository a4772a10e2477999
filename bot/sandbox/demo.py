"""A demo township like 博望镇 (35 grassroots Party organisations) for the sandbox and
``python -m bot demo``, and the records it plays: every meeting slot the rules require, from the
first day of the month two months back up to today.

The play follows the meeting rules (``bot.rules.meeting_rules``) for each unit's kind and
structure (支委人数, 党小组数 from ``data/demo.toml``): most units hold every slot that ended
by today, a few slots are answered 本期未开展 with a reason, and two to four laggards miss about
four slots in five — so about 90 % of the slots due are met. Meetings expect whom their kind
expects (``bot.rules.attendance``), topics fit the unit's kind and the season, and every record
has its 摘要, 主持人 and 记录人. Leaders record their visits and write a plan. Deterministic
for a seed: the same seed and day give the same township.
"""
from __future__ import annotations

import random
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.rules.activity_kinds import LEADER_ACTIVITY_KINDS, load_kinds
from bot.rules.attendance import default_expected
from bot.rules.meeting_rules import load_rules, owed_slots, unit_structure
from bot.rules.periods import MONTH, YEAR, period_containing
from storage import activities, bulk, leader_activities, plans, reminders
from storage import units as unit_store
from storage.activities import ActivityFields
from storage.db import Database
from storage.models import Unit

DEMO_DATA = _DATA = tomllib.loads((Path(__file__).parent / "data" / "demo.toml").read_text(encoding="utf-8"))

# (name, kind, members, 支委人数, 党小组数) of each unit, from data/demo.toml.
DEMO_UNITS: tuple[tuple[str, str, int, int | None, int | None], ...] = tuple(
    (u["name"], u["kind"], u["members"], u.get("committee"), u.get("groups")) for u in _DATA["units"]
)
DEMO_LEADER_ID: int = _DATA["personas"]["leader"][0]

# Topics a branch might record, per kind; the demo and the benchmarks draw from them.
_TOPICS: dict[str, tuple[str, ...]] = {kind: tuple(topics) for kind, topics in _DATA["topics"].items()}
_CONTENT: dict[str, dict[str, list[str]]] = _DATA["content"]
_SEASONAL: list[dict] = _DATA["seasonal"]
_SUMMARIES: dict[str, list[str]] = _DATA["summaries"]
_PROBLEMS: tuple[str, ...] = tuple(_DATA["notes"]["problems"])
_PLANS: tuple[str, ...] = tuple(_DATA["notes"]["plans"])
_DEEDS: dict[str, list[str]] = _DATA["deeds"]
_SEASONAL_DEEDS: list[dict] = _DATA["seasonal_deeds"]
_OTHER_KINDS: tuple[str, ...] = tuple(_DATA["play"]["other_kinds"])
_COMMITMENTS: dict[str, list[str]] = _DATA["commitments"]["contents"]
_DONE_NOTE: str = _DATA["commitments"]["done_note"]
_EXCUSES: dict[str, list[str]] = _DATA["excuses"]
_LEADERS: dict[str, list[str]] = _DATA["leaders"]

# How the play goes: a laggard holds a slot this often; this many slots (of units that are not
# laggards) are excused; kinds the rules do not require are held this often a month.
LAGGARD_HOLDS = 0.2
LAGGARDS = (2, 4)
EXCUSED_SLOTS = 6
OTHER_KINDS_PER_MONTH = 0.8


# The demo township was set up this long before the day it is played to: its units owe every
# slot of the months played (a unit owes nothing for slots that ended before it was added).
DEMO_HISTORY = timedelta(days=365)


async def seed_demo_township(db: Database, now: datetime) -> int:
    """Add the demo units (as added a year ago) if the database has none; returns how many were added."""
    if await unit_store.list_units(db, include_archived=True):
        return 0
    return await unit_store.add_units(db, list(DEMO_UNITS), None, now - DEMO_HISTORY)


@dataclass
class DemoRecords:
    """What the demo township recorded (rows in the shapes of ``storage.bulk``)."""

    activities: list[tuple[int, ActivityFields]] = field(default_factory=list)
    commitments: list[tuple[int, str | None, str, date, date | None, str | None]] = field(default_factory=list)
    notes: list[tuple[int, str, str | None, str | None, str | None]] = field(default_factory=list)
    excuses: list[tuple[int, str, str, str]] = field(default_factory=list)  # unit, kind, slot key, reason
    leader_work: list[tuple[str, int, date, str | None]] = field(default_factory=list)  # kind, unit, day, note
    plans: dict[str, list[str]] = field(default_factory=dict)  # period key → items
    laggards: tuple[int, ...] = ()


def _topic(rng: random.Random, unit_kind: str, kind: str, day: date) -> str:
    seasonal = [s["topic"] for s in _SEASONAL if s["kind"] == kind and unit_kind in s["units"] and day.month in s["months"]]
    usual = _CONTENT.get(unit_kind, {}).get(kind) or list(_TOPICS.get(kind, ())) or [kind]
    return rng.choice(seasonal) if seasonal and rng.random() < 0.6 else rng.choice(usual)


def _person(rng: random.Random) -> str:
    return rng.choice(_DATA["people"]["family"]) + rng.choice(_DATA["people"]["given"])


def _day_in(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


class _Play:
    """One unit's records, drawn in a fixed order from the township's generator."""

    def __init__(self, rng: random.Random, unit: Unit, records: DemoRecords, today: date):
        self.rng, self.unit, self.records, self.today = rng, unit, records, today
        self.host, self.recorder = _person(rng), _person(rng)
        self.group_size = max(3, unit.member_count // unit.group_count) if unit.group_count else None

    def hold(self, kind: str, first: date, last: date) -> None:
        """A meeting of ``kind`` on a day between ``first`` and ``last`` (not after today)."""
        rng, unit = self.rng, self.unit
        day = _day_in(rng, first, min(last, self.today))
        catalogued = load_kinds().by_name(kind)
        if catalogued is not None and catalogued.attendance is None:  # 志愿服务 …: those who took part
            expected = min(unit.member_count, rng.randint(5, 15))
        else:
            expected = default_expected(catalogued, unit, self.group_size) or unit.member_count
        share = rng.uniform(0.85, 1.0) if expected <= 9 else rng.uniform(0.7, 0.95)
        attended = max(1, min(expected, round(expected * share)))
        topic = _topic(rng, unit.kind, kind, day)
        summary = rng.choice(_SUMMARIES.get(kind, _SUMMARIES["other"])).format(topic=topic)
        fields = ActivityFields(kind, day, topic, attended, expected, summary=summary, host=self.host, recorder=self.recorder)
        self.records.activities.append((unit.id, fields))


def demo_township_records(units: Sequence[Unit], start: date, today: date, seed: int = 2026) -> DemoRecords:
    """The demo's records for ``units`` from ``start`` to ``today``; deterministic for a seed."""
    rng = random.Random(seed)
    rules, records = load_rules(), DemoRecords()
    active = [u for u in units if not u.archived]
    records.laggards = tuple(u.id for u in rng.sample(active, min(len(active), rng.randint(*LAGGARDS))))
    excusable = [u for u in active if u.id not in records.laggards]
    excused_units = {u.id for u in rng.sample(excusable, min(len(excusable), EXCUSED_SLOTS))}
    months = _months(start, today)
    for unit in active:
        play = _Play(rng, unit, records, today)
        laggard = unit.id in records.laggards
        owed = [
            (requirement, slot)
            for requirement in rules.for_unit_kind(unit.kind, unit_structure(unit))
            for slot in owed_slots(requirement.every, start, _end_of_slots(requirement.every, today))
        ]
        # One monthly 三会一课 slot that is over, answered 本期未开展 with a reason.
        excusable_slots = [
            (r.activity_kind, slot.key) for r, slot in owed if r.every == MONTH and slot.end < today and _statutory(r.activity_kind)
        ]
        excused = rng.choice(excusable_slots) if unit.id in excused_units and excusable_slots else None
        if excused is not None:
            records.excuses.append((unit.id, *excused, rng.choice(_EXCUSES[unit.kind])))
        for requirement, slot in owed:
            over = slot.end < today
            if (requirement.activity_kind, slot.key) == excused or (not over and requirement.every == YEAR):
                continue  # 组织生活会 and 民主评议 come at the year's end
            if laggard and over and rng.random() > LAGGARD_HOLDS:
                continue
            # A slot that is over was held in time; one still running, likely so far as it has run.
            if over or rng.random() < (today - slot.start).days / max((slot.end - slot.start).days, 1):
                play.hold(requirement.activity_kind, max(slot.start, start), slot.end)
        for month_start, month_end in months:
            for kind in _OTHER_KINDS:
                if rng.random() < OTHER_KINDS_PER_MONTH / 2 * _elapsed(month_start, month_end, today):
                    play.hold(kind, month_start, month_end)
        _notes_and_commitments(rng, unit, records, months, today)
    _leaders(rng, active, records, months, today)
    return records


def _statutory(kind: str) -> bool:
    found = load_kinds().by_name(kind)
    return found is not None and found.is_statutory


def _elapsed(first: date, last: date, today: date) -> float:
    """How much of [first, last] has gone by today (0 to 1): a month just begun has little in it."""
    if today >= last:
        return 1.0
    return max(0.0, ((today - first).days + 1) / ((last - first).days + 1))


def _months(start: date, today: date) -> list[tuple[date, date]]:
    found, month = [], period_containing(MONTH, start)
    while month.start <= today:
        found.append((month.start, month.end))
        month = period_containing(MONTH, month.end + timedelta(days=1))
    return found


def _end_of_slots(every: str, today: date) -> date:
    """The last day of the slot of ``every`` running today: its slots are all played."""
    return period_containing(every, today).end


def _notes_and_commitments(rng: random.Random, unit: Unit, records: DemoRecords, months: list[tuple[date, date]], today: date) -> None:
    for month_start, month_end in months:
        if month_end < today and rng.random() < 0.5:
            seasonal = (d["text"] for d in _SEASONAL_DEEDS if month_start.month in d["months"] and unit.kind in d["units"])
            deeds = [*_DEEDS["any"], *_DEEDS.get(unit.kind, ()), *seasonal]
            deed = rng.choice(deeds) if rng.random() < 0.5 else None
            key = period_containing(MONTH, month_start).key
            records.notes.append((unit.id, key, rng.choice(_PROBLEMS), rng.choice(_PLANS), deed))
    first, last = months[0][0], months[-1][1]
    due = _day_in(rng, first + timedelta(days=20), last)
    done = due - timedelta(days=rng.randrange(10)) if due <= today and rng.random() < 0.8 else None
    records.commitments.append((unit.id, None, rng.choice(_COMMITMENTS[unit.kind]), due, done, _DONE_NOTE if done else None))


def _leaders(rng: random.Random, units: Sequence[Unit], records: DemoRecords, months: list[tuple[date, date]], today: date) -> None:
    """Leaders' visits each month (a 党课, a few 调研指导, now and then a 组织生活会), and their plan."""
    lesson, visit, meeting = LEADER_ACTIVITY_KINDS[:3]
    for month_start, month_end in months:
        last, share = min(month_end, today), _elapsed(month_start, month_end, today)
        for kind, count in ((lesson, 1), (visit, rng.randint(3, 5)), (meeting, rng.randint(0, 1))):
            for _ in range(round(count * share) if share < 1 else count):
                records.leader_work.append((kind, rng.choice(units).id, _day_in(rng, month_start, last), rng.choice(_LEADERS["work_notes"])))
    for month_start, _ in months[-2:]:
        records.plans[period_containing(MONTH, month_start).key] = list(_LEADERS["plan"])


async def store_demo_records(db: Database, records: DemoRecords, now: datetime, made: datetime | None = None) -> None:
    """Store the records; commitments as made at ``made`` (else ``now``): a commitment belongs
    only to the periods it existed in."""
    await bulk.add_activities(db, records.activities, 0, now)
    await bulk.add_commitments(db, records.commitments, 0, made or now)
    await bulk.add_period_notes(db, records.notes, 0, now)
    for unit_id, kind, slot, reason in records.excuses:
        await reminders.add_excuses(db, unit_id, kind, [slot], reason, 0, now)
    for kind, unit_id, day, note in records.leader_work:
        await leader_activities.add_leader_activity(db, DEMO_LEADER_ID, kind, unit_id, day, note, now)
    for key, items in records.plans.items():
        await plans.save_plan(db, key, items, DEMO_LEADER_ID, now)


def demo_start(today: date) -> date:
    """The first day of the month two months back: two full months and the current one."""
    return period_containing(MONTH, period_containing(MONTH, today.replace(day=1) - timedelta(days=1)).start - timedelta(days=1)).start


async def seed_demo_records(db: Database, today: date, now: datetime, seed: int = 2026) -> int:
    """The demo's records for the sandbox, if it has none yet; returns activities added."""
    if await activities.count_activities(db):
        return 0
    start = demo_start(today)
    records = demo_township_records(await unit_store.list_units(db), start, today, seed)
    await store_demo_records(db, records, now, made=now - (today - start))
    return len(records.activities)
