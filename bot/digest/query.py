"""Gathering the records of a period and scope for the 小结 and the 台账.

The digest builder (bot/digest/build.py) is pure; this module is the one place that reads the
database for it, so chat text, Word and Excel are all made from the same records.
"""
from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from bot.config import Settings
from bot.digest.build import ComplianceFor, Digest, KindStatusLike, build_digest
from bot.digest.collector import holding_collector
from bot.digest.counts import ActivityCounts, counts_from_tally, months_by_unit
from bot.digest.document import digest_title, whole_scope_label
from bot.digest.excel import LedgerWriter
from bot.rules.activity_kinds import ActivityKinds
from bot.rules.meeting_rules import (
    KindStatus,
    MeetingRules,
    compliance,
    compliance_by_months,
    first_slot_start,
    load_rules,
    unit_structure,
)
from bot.rules.periods import MONTH, local_day, periods_overlapping
from bot.rules.unit_kinds import UNIT_GROUPS, group_of
from bot.rules.user_input import parse_id
from storage import activities, commitments, leader_activities, ledger, period_notes, plans, reminders, reviews
from storage import units as unit_store
from storage.activities import ActivityFact
from storage.db import Database
from storage.models import Activity, Commitment, LeaderActivity, PeriodNote, Unit
from storage.timeutil import month_number

WHOLE_TOWNSHIP = "all"


@dataclass(frozen=True)
class Scope:
    """Which units a digest covers: the whole township, one report group, or one unit.

    Encoded compactly for buttons as ``all``, ``g<index into UNIT_GROUPS>`` or ``u<unit id>``.
    """

    code: str

    @property
    def unit_id(self) -> int | None:
        return parse_id(self.code[1:]) if self.code.startswith("u") else None

    @property
    def group(self) -> str | None:
        index = parse_id(self.code[1:]) if self.code.startswith("g") else None
        return UNIT_GROUPS[index] if index is not None and index < len(UNIT_GROUPS) else None

    @property
    def valid(self) -> bool:
        return self.code == WHOLE_TOWNSHIP or self.unit_id is not None or self.group is not None


def scope_for_unit(unit_id: int) -> Scope:
    return Scope(f"u{unit_id}")


async def units_in_scope(db: Database, scope: Scope) -> list[Unit]:
    all_units = await unit_store.list_units(db)
    if scope.unit_id is not None:
        return [u for u in all_units if u.id == scope.unit_id]
    if scope.group is not None:
        return [u for u in all_units if group_of(u.kind) == scope.group]
    return all_units


def scope_label(scope: Scope, units: list[Unit], org_name: str) -> str:
    """How the scope is named in the text: 全镇, 村（社区）, or the unit's name."""
    if scope.unit_id is not None and units:
        return units[0].name
    if scope.group is not None:
        return scope.group
    return whole_scope_label(org_name)


def rules_window_start(start: date, end: date) -> date:
    """The earliest day a meeting counting toward [start, end]'s due slots may have been held."""
    return first_slot_start(start, end)


_NO_EXCUSES: frozenset[tuple[str, str]] = frozenset()

# The database counts the months a kind was held in as the bits of a 64-bit integer.
MAX_MONTH_BITS = 63


@dataclass(frozen=True)
class PeriodRecords:
    """The records of a scope and period, read once for the 小结 or the 台账 so both see the same."""

    units: list[Unit]
    activities: Sequence[Activity | ActivityFact]  # held in the period; facts only for the 小结
    commitments: list[Commitment]  # every commitment of the units; the period's rule picks
    notes: list[PeriodNote]  # of every month of the period
    leader_activities: list[LeaderActivity]
    compliance_for: ComplianceFor


async def load_records(
    db: Database, *, scope: Scope, start: date, end: date, today: date, zone: tzinfo | None, facts_only: bool = False
) -> PeriodRecords:
    """The records of ``scope`` in [start, end]; ``facts_only`` reads of each activity only what
    the 小结 counts (the 台账 lists every field)."""
    units = await units_in_scope(db, scope)
    unit_ids = [u.id for u in units]
    window_start = rules_window_start(start, end)
    acts: list[Any]
    if facts_only:
        acts = await activities.activity_facts(db, start=window_start, end=end, unit_ids=unit_ids)
    else:
        acts = await activities.list_activities(db, start=window_start, end=end, unit_ids=unit_ids)
    uncounted = await reviews.uncounted_activity_ids(db)  # returned while review is on
    acts = [a for a in acts if a.id not in uncounted]
    excused = await reminders.excused_slots(db)
    commitment_list, notes, leader_work = await _papers(db, unit_ids, start, end)
    return PeriodRecords(
        units=units,
        activities=[a for a in acts if a.held_on >= start],
        commitments=commitment_list,
        notes=notes,
        leader_activities=leader_work,
        compliance_for=owed_meetings(load_rules(), acts, excused, start, end, today, zone),
    )


async def _papers(
    db: Database, unit_ids: list[int], start: date, end: date
) -> tuple[list[Commitment], list[PeriodNote], list[LeaderActivity]]:
    """The commitments, period notes and leaders' work of the units, as the 小结 reads them."""
    return (
        await commitments.list_commitments(db, unit_ids),  # every one: the period's rule picks
        await period_notes.list_notes(db, [p.key for p in periods_overlapping(MONTH, start, end)], unit_ids=unit_ids),
        await leader_activities.list_leader_activities(db, start=start, end=end, unit_ids=unit_ids),
    )


async def counted_in_database(
    db: Database, units: list[Unit], start: date, end: date, today: date, zone: tzinfo | None
) -> tuple[ActivityCounts, ComplianceFor] | None:
    """The activities of ``units`` in [start, end] counted by SQLite, and what each unit owed as of
    ``today``; None when the range is too long for the months to fit the database's bits (the
    caller then counts the records itself)."""
    window_start = rules_window_start(start, end)
    base = month_number(window_start)
    if month_number(end) - base >= MAX_MONTH_BITS:
        return None
    tally = await activities.activity_tally(
        db, start=start, end=end, window_start=window_start, month_base=base, unit_ids=[u.id for u in units],
        excluded=await reviews.uncounted_activity_ids(db),  # returned while review is on
    )
    excused = await reminders.excused_slots(db)
    return counts_from_tally(tally), owed_by_months(months_by_unit(tally), base, excused, start, end, today, zone)


def owed_by_months(
    months: Mapping[int, Mapping[str, int]], base: int, excused: Mapping[int, Collection[tuple[str, str]]],
    start: date, end: date, today: date, zone: tzinfo | None,
) -> ComplianceFor:
    """:func:`owed_meetings` from the months each unit held each kind in (unit id → kind → bits
    from month ``base``, as :func:`compliance` counts them)."""
    rules = load_rules()

    def compliance_for(unit: Unit, _in_period: object) -> list[KindStatus]:
        return compliance_by_months(
            rules, unit.kind, months.get(unit.id, {}), base, start, end, excused.get(unit.id, _NO_EXCUSES),
            added_on=local_day(unit.created_at, zone), as_of=today, structure=unit_structure(unit),
        )

    return compliance_for


@holding_collector
async def load_digest(
    db: Database,
    settings: Settings,
    kinds: ActivityKinds,
    *,
    scope: Scope,
    start: date,
    end: date,
    period_label: str,
    period_key: str | None,
    today: date,
) -> Digest:
    """Read the records of ``scope`` in [start, end] and build the 小结's data."""
    zone = settings.timezone
    units = await units_in_scope(db, scope)
    # The commitments, notes and leaders' work are read and unpacked while SQLite counts the
    # activities on the second reader (the counting leaves the event loop idle meanwhile).
    # (A task of its own rather than asyncio.gather, whose finished future would keep the rows
    # alive until the cycle collector found it.)
    papers_read = asyncio.ensure_future(_papers(db, [u.id for u in units], start, end))
    try:
        counted = await counted_in_database(db, units, start, end, today, zone)
    except BaseException:
        papers_read.cancel()
        raise
    papers = await papers_read
    if counted is None:
        records = await load_records(db, scope=scope, start=start, end=end, today=today, zone=zone, facts_only=True)
        counts, acts, compliance_for = None, records.activities, records.compliance_for
    else:
        (counts, compliance_for), acts = counted, []
    commitment_list, notes, leader_work = papers
    leader_plan = await plans.get_plan(db, period_key) if period_key else None
    opening = await plans.get_opening(db, period_key) if period_key else None
    # A unit's own 小结 is titled and signed with the unit's name.
    author = units[0].name if scope.unit_id is not None and units else settings.org_name
    return build_digest(
        org_name=settings.org_name,
        title=digest_title(author, settings.campaign_name),
        period_label=period_label,
        start=start,
        end=end,
        today=today,
        units=units,
        activities=acts,
        counts=counts,
        commitments=commitment_list,
        notes=notes,
        leader_activities=leader_work,
        leader_plan=leader_plan,
        compliance_for=compliance_for,
        scope_label=scope_label(scope, units, settings.org_name),
        kinds=kinds,
        zone=zone,
        unit_scope=scope.unit_id is not None,
        campaign=settings.campaign_name,
        opening=opening,
    )


def owed_meetings(
    rules: MeetingRules,
    activities: Iterable[Activity],
    excused: Mapping[int, Collection[tuple[str, str]]],
    start: date,
    end: date,
    today: date,
    zone: tzinfo | None,
) -> ComplianceFor:
    """The 小结's question to the meeting rules: what each unit owed in [start, end] as of
    ``today`` (slots over by then, and ended on or after the day the unit was added)."""
    by_unit: dict[int, list[Activity]] = defaultdict(list)
    for activity in activities:
        by_unit[activity.unit_id].append(activity)

    def compliance_for(unit: Unit, _in_period: list[Activity]) -> list[KindStatus]:
        # Meetings held earlier in a due slot (e.g. October for a fourth-quarter 党课) count too.
        return compliance(
            rules, unit.kind, by_unit.get(unit.id, []), start, end, excused.get(unit.id, set()),
            added_on=local_day(unit.created_at, zone), as_of=today, structure=unit_structure(unit),
        )

    return compliance_for


async def load_ledger(
    db: Database, *, scope: Scope, start: date, end: date, period_label: str, today: date, zone: tzinfo | None = None
) -> bytes:
    """The 台账 of ``scope`` in [start, end] as an .xlsx file: the records the 小结 counts.

    The period's activities go to the sheet a page of plain rows at a time (storage/ledger.py),
    each page let go once written; the meeting rules get the months each kind was held in."""
    units = await units_in_scope(db, scope)
    unit_ids = [u.id for u in units]
    excluded = await reviews.uncounted_activity_ids(db)  # returned while review is on
    writer = LedgerWriter(units, period_label)
    async with aclosing(ledger.activity_pages(db, start=start, end=end, unit_ids=unit_ids, excluded=excluded)) as pages:
        async for page in pages:
            # Writing a large workbook takes seconds of CPU: keep the event loop free for other chats.
            await asyncio.to_thread(writer.add_activities, page)
    window_start = rules_window_start(start, end)
    months = await ledger.held_months(db, start=window_start, end=end, unit_ids=unit_ids, excluded=excluded)
    excused = await reminders.excused_slots(db)
    commitment_list, notes, leader_work = await _papers(db, unit_ids, start, end)
    # The meeting rules are asked here, where the records are; the workbook only writes the answer.
    meetings = meeting_rows(units, _owed_by_months(months, window_start, excused, start, end, today, zone))
    return await asyncio.to_thread(
        writer.finish, commitment_list, notes, start=start, end=end, today=today, zone=zone, meetings=meetings,
        leader_activities=leader_work,
    )


def _owed_by_months(
    held: Iterable[tuple[int, str, list[str]]], window_start: date, excused: Mapping[int, Collection[tuple[str, str]]],
    start: date, end: date, today: date, zone: tzinfo | None,
) -> ComplianceFor:
    """:func:`owed_meetings` from (unit id, kind, months held as YYYY-MM) of the activities held
    from ``window_start``."""
    base = month_number(window_start)
    months: dict[int, dict[str, int]] = defaultdict(dict)
    for unit_id, kind, held_in in held:
        months[unit_id][kind] = sum(1 << (month_number(date.fromisoformat(f"{month}-01")) - base) for month in held_in)
    return owed_by_months(months, base, excused, start, end, today, zone)


def meeting_rows(units: Iterable[Unit], compliance_for: ComplianceFor) -> list[tuple[int, KindStatusLike]]:
    """(unit id, status of one kind) for each unit the 小结 judges, in the order it judges them."""
    return [(u.id, status) for u in units if not u.archived for status in compliance_for(u, [])]
