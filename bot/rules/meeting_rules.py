"""How often each kind of meeting must be held, and whether a unit kept to it.

The minimum frequencies of the 支部工作条例 (支委会 monthly, 支部党员大会 quarterly, 组织生活会
yearly …) are data in ``bot/rules/data/meeting_rules.toml``, with per-unit-kind overrides that leaders
adjust (a 社会组织 without 党小组 owes no 党小组会). ``compliance`` is the one rule the status
board, the reminders and the 小结 all use to say what was due, held, excused or missing; it takes
plain values and does no I/O.

Counting rule for cadence slots (calendar months, quarters or years): a slot is due in a range
[start, end] when the slot's last day falls inside the range, i.e. a slot is judged in the range
where it ends, as a deadline would be. So a monthly kind over a quarter is due 3 times, a
quarterly kind over a year 4 times, a yearly kind is due in the range containing 31 December and
not in a range that stops before it; a range that starts in the middle of a month still owes that
month. Pass whole reporting periods, not "up to today": the status board checking November on
20 November asks about 1–30 November and reads ``missing`` as "not yet held".

Which slots a unit owes *as of a moment* is decided here and nowhere else (``owed_slots``): a
unit owes nothing for a slot that ended before the day it was added (``added_on``), and a
document that states what was missed (the 小结) passes ``as_of`` = the day it is written, so a
slot still running that day (it ends at midnight of its last day) is not yet due. The reminders
and the status board pass no ``as_of``: they speak of what is still to be held.
What a branch has also decides what it owes (``Structure``): under the 条例 a branch of fewer
than 7 members has no 支部委员会, so it owes no 支委会, nor does a branch that states a committee
of 0; a unit that states 0 党小组 owes no 党小组会. Which kinds those are is the ``attendance`` of
``activity_kinds.toml`` (committee / group).
An activity anywhere in a due slot counts, even before ``start`` (a 组织生活会 held in February
satisfies the year checked in a fourth-quarter report), so callers pass the unit's activities
from ``slots_due(...)[0].start`` on.
"""
from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from bot.rules.activity_kinds import ATTEND_COMMITTEE, ATTEND_GROUP, ActivityKinds, load_kinds
from bot.rules.periods import MONTH, QUARTER, YEAR, Period, periods_overlapping
from bot.rules.unit_kinds import UNIT_KINDS
from bot.rules.words import WORDS
from bot.texts import plain
from storage.models import Activity, Unit
from storage.timeutil import month_number

DEFAULT_PATH = Path(__file__).parent / "data" / "meeting_rules.toml"
CADENCES: tuple[str, ...] = (MONTH, QUARTER, YEAR)
# Words leaders may write in the TOML file for each cadence; None drops the requirement.
_CADENCE_WORDS: dict[str, str | None] = {
    word: {"month": MONTH, "quarter": QUARTER, "year": YEAR}.get(cadence) for cadence, words in WORDS["cadences"].items() for word in words
}


# The 条例: a branch with at least this many members sets up a 支部委员会.
COMMITTEE_MIN_MEMBERS = 7


@dataclass(frozen=True)
class Structure:
    """What a branch has, as far as the meeting rules care: a committee, and 党小组."""

    has_committee: bool = True
    has_groups: bool = True


FULL_STRUCTURE = Structure()


# The four structures there are, made once: a county's 小结 asks for each of its units.
_STRUCTURES = {(committee, groups): Structure(committee, groups) for committee in (True, False) for groups in (True, False)}


def structure_of(member_count: int, committee_size: int | None, group_count: int | None) -> Structure:
    """A branch has a committee when it has at least 7 members and does not state a committee of
    0; it has 党小组 unless it states 0. Not stated (None) is taken as the common case."""
    return _STRUCTURES[(member_count >= COMMITTEE_MIN_MEMBERS and committee_size != 0, group_count != 0)]


def unit_structure(unit: Unit) -> Structure:
    """The structure a stored unit states (member count, 支委人数, 党小组数)."""
    return structure_of(unit.member_count, unit.committee_size, unit.group_count)


@dataclass(frozen=True)
class Requirement:
    activity_kind: str
    every: str  # 'month' | 'quarter' | 'year'


class KindStatus(NamedTuple):
    """One required kind of one unit over a range: slots due, held, excused (a tuple: a county's
    小结 asks for 25 000 of them)."""

    activity_kind: str
    due: int
    held: int
    excused: int = 0
    # Keys of the due slots neither held nor excused, e.g. ('2026-10', '2026-12').
    missing_slots: tuple[str, ...] = ()

    @property
    def missing(self) -> int:
        return max(self.due - self.held - self.excused, 0)

    @property
    def satisfied(self) -> bool:
        return self.missing == 0


# The months in which the reminders name a quarterly or a yearly item (``[remind_in]`` in the
# rules file): the last month of each quarter, and the last two months of the year.
DEFAULT_REMIND_IN: dict[str, frozenset[int]] = {QUARTER: frozenset({3, 6, 9, 12}), YEAR: frozenset({11, 12})}


class MeetingRules:
    """Default requirements plus per-unit-kind changes; requirements come in catalogue order.
    ``remind_in`` gives, per cycle longer than a month, the months its items are reminded in."""

    def __init__(
        self,
        defaults: dict[str, str],
        overrides: dict[str, dict[str, str | None]] | None = None,
        order: Iterable[str] = (),
        remind_in: dict[str, frozenset[int]] | None = None,
        attendance: dict[str, str | None] | None = None,
    ):
        self._defaults = dict(defaults)
        self._overrides = {kind: dict(changes) for kind, changes in (overrides or {}).items()}
        self._rank = {name: i for i, name in enumerate(order)}
        self._remind_in = {**DEFAULT_REMIND_IN, **(remind_in or {})}
        # Activity kind → who attends it (ATTEND_COMMITTEE, ATTEND_GROUP …), from the catalogue.
        self._attendance = dict(attendance or {})
        # (unit kind, structure) → requirements: the 小结 asks for every unit of a county.
        self._requirements: dict[tuple[str, Structure], tuple[Requirement, ...]] = {}

    def remind_in(self, every: str) -> frozenset[int]:
        """The months (1–12) in which items held ``every`` quarter or year are reminded."""
        return self._remind_in.get(every, frozenset(range(1, 13)))

    def for_unit_kind(self, unit_kind: str, structure: Structure = FULL_STRUCTURE) -> list[Requirement]:
        """What a unit of this kind (and ``structure``) must hold; unknown unit kinds get the defaults."""
        known = self._requirements.get((unit_kind, structure))
        if known is None:
            known = self._requirements[(unit_kind, structure)] = tuple(self._requirements_of(unit_kind, structure))
        return list(known)

    def _requirements_of(self, unit_kind: str, structure: Structure) -> list[Requirement]:
        cadences: dict[str, str | None] = {**self._defaults, **self._overrides.get(unit_kind, {})}
        absent = {ATTEND_COMMITTEE} if not structure.has_committee else set()
        if not structure.has_groups:
            absent.add(ATTEND_GROUP)
        names = sorted(
            (name for name, every in cadences.items() if every is not None and self._attendance.get(name) not in absent),
            key=lambda name: self._rank.get(name, len(self._rank)),
        )
        return [Requirement(name, cadences[name]) for name in names]  # type: ignore[arg-type]


def _cadence(value: object, where: str) -> str | None:
    if not isinstance(value, str) or value.strip() not in _CADENCE_WORDS:
        raise ValueError(plain("rules", "cadence_unknown", where=where, value=repr(value)))
    return _CADENCE_WORDS[value.strip()]


def _cadence_table(table: object, where: str, kinds: ActivityKinds) -> dict[str, str | None]:
    if not isinstance(table, dict):
        raise ValueError(plain("rules", "cadence_table_bad", where=where))
    result: dict[str, str | None] = {}
    for name, value in table.items():
        if kinds.by_name(name) is None:
            raise ValueError(plain("rules", "cadence_kind_unknown", where=where, name=name))
        result[name] = _cadence(value, plain("rules", "cadence_where", where=where, name=name))
    return result


def parse_rules(text: str, kinds: ActivityKinds | None = None) -> MeetingRules:
    """Read rules from TOML text; ValueError (in Chinese) on anything a leader could mistype."""
    catalogue = kinds if kinds is not None else load_kinds()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(plain("rules", "rules_unreadable", error=error)) from None
    unknown_sections = set(data) - {"defaults", "kinds", "remind_in"}
    if unknown_sections:
        raise ValueError(plain("rules", "rules_unknown_sections", sections=sorted(unknown_sections)))
    defaults = _cadence_table(data.get("defaults", {}), "[defaults]", catalogue)
    dropped = [name for name, every in defaults.items() if every is None]
    if dropped:
        raise ValueError(plain("rules", "rules_default_dropped", names=dropped))
    per_kind = data.get("kinds", {})
    if not isinstance(per_kind, dict):
        raise ValueError(plain("rules", "rules_kinds_not_tables"))
    overrides: dict[str, dict[str, str | None]] = {}
    for unit_kind, table in per_kind.items():
        if unit_kind not in UNIT_KINDS:
            raise ValueError(plain("rules", "rules_unit_kind_unknown", kind=unit_kind, kinds=UNIT_KINDS))
        overrides[unit_kind] = _cadence_table(table, f"[kinds.{unit_kind}]", catalogue)
    return MeetingRules(
        {name: every for name, every in defaults.items() if every is not None},
        overrides,
        order=catalogue.names(),
        remind_in=_remind_in(data.get("remind_in", {})),
        attendance={kind.name: kind.attendance for kind in catalogue.all},
    )


def _remind_in(table: object) -> dict[str, frozenset[int]]:
    """``[remind_in]``: per cycle word (季度/每年 …), a list of months 1–12."""
    if not isinstance(table, dict):
        raise ValueError(plain("rules", "remind_in_bad"))
    found: dict[str, frozenset[int]] = {}
    for word, months in table.items():
        every = _cadence(word, "[remind_in]")
        if every not in (QUARTER, YEAR) or not isinstance(months, list) or not all(isinstance(m, int) and 1 <= m <= 12 for m in months):
            raise ValueError(plain("rules", "remind_in_bad"))
        found[every] = frozenset(months)
    return found


@lru_cache(maxsize=4)
def load_rules(path: Path = DEFAULT_PATH) -> MeetingRules:
    return parse_rules(path.read_text(encoding="utf-8"))


def slots_due(every: str, start: date, end: date) -> list[Period]:
    """The cadence slots (months, quarters or years) whose last day falls in [start, end]."""
    return list(_slots_due(every, start, end))


def owed_slots(
    every: str, start: date, end: date, *, added_on: date | None = None, as_of: date | None = None
) -> tuple[Period, ...]:
    """The slots a unit owes in [start, end]: due there, ended on or after ``added_on`` (the unit
    existed by the slot's last day), and, when ``as_of`` is given, over before that day."""
    return tuple(
        slot
        for slot in _slots_due(every, start, end)
        if (added_on is None or slot.end >= added_on) and (as_of is None or slot.end < as_of)
    )


@lru_cache(maxsize=512)
def _slots_due(every: str, start: date, end: date) -> tuple[Period, ...]:
    # Cached: the 小结 asks the same question for every unit and every required kind.
    if every not in CADENCES:
        raise ValueError(plain("rules", "cadence_unsupported", every=repr(every)))
    return tuple(slot for slot in periods_overlapping(every, start, end) if slot.end <= end)


def first_slot_start(start: date, end: date) -> date:
    """The earliest day a meeting counting toward [start, end]'s due slots may have been held."""
    return min([start, *(slots[0].start for every in CADENCES if (slots := _slots_due(every, start, end)))])


@lru_cache(maxsize=4096)
def _owed_with_months(
    every: str, start: date, end: date, added_on: date | None, as_of: date | None, base: int
) -> tuple[tuple[str, int], ...]:
    # (slot key, bits of the slot's months from month ``base``): slots are whole calendar months,
    # quarters or years, so a slot is held when a month of it is. Cached: units share the answer.
    return tuple(
        (slot.key, ((1 << (month_number(slot.end) - month_number(slot.start) + 1)) - 1) << (month_number(slot.start) - base))
        for slot in owed_slots(every, start, end, added_on=added_on, as_of=as_of)
    )


def compliance(
    rules: MeetingRules,
    unit_kind: str,
    activities: Iterable[Activity],
    start: date,
    end: date,
    excused: Collection[tuple[str, str]] = (),
    *,
    added_on: date | None = None,
    as_of: date | None = None,
    structure: Structure = FULL_STRUCTURE,
) -> list[KindStatus]:
    """Due, held, excused and missing counts per required kind for one unit over [start, end].

    ``activities`` are the unit's own; withdrawn ones are ignored. A due slot is held when at
    least one activity of the kind was held on a day inside it; a slot not held is excused when
    ``(activity_kind, slot key)`` is in ``excused`` (the secretary answered 本期未开展 with a
    reason). Only the slots of ``owed_slots(…, added_on=, as_of=)`` are due; see the module
    docstring. Kinds the unit's ``structure`` rules out (no committee, no 党小组) are not owed.
    """
    base = month_number(first_slot_start(start, end))
    held_months: dict[str, int] = {}
    for activity in activities:
        # Days before the first slot are in no due slot; days after ``end`` in no due slot either.
        offset = month_number(activity.held_on) - base
        if not activity.withdrawn and offset >= 0:
            held_months[activity.kind] = held_months.get(activity.kind, 0) | (1 << offset)
    return compliance_by_months(
        rules, unit_kind, held_months, base, start, end, excused, added_on=added_on, as_of=as_of, structure=structure
    )


def compliance_by_months(
    rules: MeetingRules,
    unit_kind: str,
    held_months: Mapping[str, int],
    base: int,
    start: date,
    end: date,
    excused: Collection[tuple[str, str]] = (),
    *,
    added_on: date | None = None,
    as_of: date | None = None,
    structure: Structure = FULL_STRUCTURE,
) -> list[KindStatus]:
    """:func:`compliance` from the months each kind was held in: ``held_months[kind]`` has bit
    ``i`` set when the kind was held in month ``base + i`` (:func:`month_number`); ``base`` is at
    most the month of :func:`first_slot_start`."""
    excused_pairs = excused if isinstance(excused, (set, frozenset)) else set(excused)
    statuses = []
    for kind, slots in _owed_by_kind(rules, unit_kind, structure, start, end, added_on, as_of, base):
        months = held_months.get(kind, 0)
        held = excused_count = 0
        missing: list[str] = []
        for key, slot_months in slots:
            if months & slot_months:
                held += 1
            elif (kind, key) in excused_pairs:
                excused_count += 1
            else:
                missing.append(key)
        statuses.append(KindStatus(kind, len(slots), held, excused_count, tuple(missing)))
    return statuses


@lru_cache(maxsize=4096)
def _owed_by_kind(
    rules: MeetingRules, unit_kind: str, structure: Structure, start: date, end: date, added_on: date | None, as_of: date | None, base: int
) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    # (kind, its owed slots as _owed_with_months gives them) for each requirement of a unit of
    # this kind and structure, added on ``added_on``: units of a county share a handful of these.
    return tuple(
        (r.activity_kind, _owed_with_months(r.every, start, end, added_on, as_of, base))
        for r in rules.for_unit_kind(unit_kind, structure)
    )


def missing_kinds(
    rules: MeetingRules,
    unit_kind: str,
    activities: Iterable[Activity],
    period: Period,
    excused: Collection[tuple[str, str]] = (),
    structure: Structure = FULL_STRUCTURE,
) -> list[str]:
    """Kinds still owed for a reporting period, in catalogue order.

    This is ``compliance`` over the period, so the same counting rule applies: in a monthly
    period the monthly kinds are owed; a quarterly kind only in the quarter's last month, and
    only if it was not held (or excused) anywhere in the quarter; a yearly kind only in December,
    if not held in the year. In a weekly period a kind is owed in the week its slot ends.
    """
    return [
        status.activity_kind
        for status in compliance(rules, unit_kind, activities, period.start, period.end, excused, structure=structure)
        if not status.satisfied
    ]
