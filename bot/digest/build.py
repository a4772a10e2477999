"""The 工作小结 as data: one builder, three renderings (chat text, Word, Excel).

``build_digest`` turns the records of one period (units, activities, commitments, period notes)
into a :class:`Digest` of plain values. Nothing here formats prose; the templates do. Every
figure carries the ids of the records it counts (``activity_ids``, ascending; ``unit_ids``,
``commitment_ids`` …) so a test or the 台账 can reconcile each number with the records behind it.

Rules decided here, in one place:

* Activities count when they are not withdrawn, fall inside ``start``–``end`` and belong to a unit
  in scope; anything else passed in is listed in ``Digest.ignored_activity_ids``.
* A unit *took part* when it reported at least one counted activity.
* The 小结 says what is true on the day it is written: meetings count as due only for slots
  that are over (``compliance_for`` passes ``as_of=today`` to the meeting rules), and a unit
  added after the period's last day is not named as unreported (nor does it owe any slot: see
  ``bot.rules.meeting_rules.owed_slots``); nor is a unit that owed no meeting by the day of
  writing (on the 1st of a month, no slot of the month is over yet).
* The activities come counted (bot/digest/counts.py): by SQLite for the bot, from records here.
* Commitments tracked in a period, and the leaders' own work of it, follow the rule the 台账
  shares (bot/digest/period_records.py), restricted to the units in scope.
* Problems come from facts first (units that did not report, meetings due but not held,
  attendance below :data:`LOW_ATTENDANCE_THRESHOLD`, overdue commitments), then the problems units
  wrote themselves, deduplicated. ``Problems.points`` gathers them the way the 小结 speaks of them:
  one point per kind of problem, with a count, and each unit named under one point only — its main
  problem, the first that applies — so the 内部版 can name examples and the 上报版 none. A unit that
  reported nothing is counted as not reporting, never again as missing meetings.
* Short names are unique within a digest: units whose short names collide keep their full names.
* The next-period plan is the leader's when one is given, otherwise the units' own plans,
  deduplicated.
"""
from __future__ import annotations

import heapq
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from bot.digest.counts import ActivityCounts, Cell, count_records
from bot.digest.period_records import FULFILLED, IN_PROGRESS, OVERDUE, CommitmentJudge, leader_work_in
from bot.rules.activity_kinds import LEADER_ACTIVITY_KINDS, ActivityKinds, load_kinds
from bot.rules.attendance import attendance_judged
from bot.rules.periods import local_day
from bot.rules.unit_kinds import UNIT_GROUPS, group_of
from storage.models import Activity, Commitment, LeaderActivity, PeriodNote, Unit

# A unit whose members attended less than half of what was expected, summed over the period,
# is reported as a problem: half is the quorum of a 支部党员大会 and the figure leaders use.
# Only kinds whose 应到 is a known body count (bot.rules.attendance.attendance_judged): the
# 应到 of a 志愿服务 or a 走访慰问 says nothing about who should have come.
LOW_ATTENDANCE_THRESHOLD = 0.5

# How many units a kind names as examples, as in “部分村（如山宁、新城、新联、东城）”.
MAX_EXAMPLES = 4

# How many units (or overdue commitments) a point of 存在主要问题 names as examples in the 内部版.
MAX_NAMED = 2

# The points of 存在主要问题, in the order the 小结 lists them (a unit is named under the first).
POINT_UNREPORTED = "unreported"
POINT_MEETINGS = "meetings"
POINT_ATTENDANCE = "attendance"
POINT_COMMITMENTS = "commitments"
POINT_SELF_REPORTED = "self_reported"


def _data(name: str) -> dict[str, Any]:
    return tomllib.loads((Path(__file__).parent / "data" / name).read_text(encoding="utf-8"))


# How names are shortened in sentences (山宁村党支部 → 山宁): a vocabulary, kept as data.
_NAMES = _data("unit_names.toml")
# Longest first, so 村党支部 wins over 党支部.
_NAME_SUFFIXES: tuple[str, ...] = tuple(sorted(_NAMES["unit_suffixes"], key=len, reverse=True))
_STEM_MUST_NOT_END_WITH: tuple[str, ...] = tuple(_NAMES["unit_stem_must_not_end_with"])
_ORG_SUFFIXES: tuple[str, ...] = tuple(_NAMES["org_suffixes"])


class KindStatusLike(Protocol):
    activity_kind: str
    due: int
    held: int


ComplianceFor = Callable[[Unit, list[Activity]], Iterable[KindStatusLike]]


@dataclass(frozen=True, slots=True)
class UnitRef:
    id: int
    name: str
    short_name: str


@dataclass(frozen=True, slots=True)
class GroupCount:
    group: str
    unit_ids: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.unit_ids)


@dataclass(frozen=True, slots=True)
class KindSummary:
    """One activity kind in the period."""

    kind: str
    statutory: bool
    activity_ids: Sequence[int]  # ascending
    unit_ids: tuple[int, ...]
    attended: int  # 人次, summed
    expected: int  # summed
    examples: tuple[str, ...]  # short unit names, most active first

    @property
    def count(self) -> int:
        return len(self.activity_ids)

    @property
    def unit_count(self) -> int:
        return len(self.unit_ids)

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.expected if self.expected else None


@dataclass(frozen=True, slots=True)
class ComplianceKind:
    kind: str
    statutory: bool
    due: int
    held: int
    met: int  # Σ min(held, due): meetings that count towards what was due
    unit_ids: tuple[int, ...]  # units with this kind due

    @property
    def rate(self) -> float | None:
        return self.met / self.due if self.due else None


@dataclass(frozen=True, slots=True)
class Compliance:
    """三会一课 totals over the units in scope; ``kinds`` also lists other kinds the rules cover."""

    due: int
    held: int
    met: int
    kinds: tuple[ComplianceKind, ...]
    unit_ids: tuple[int, ...]  # units with a statutory meeting due
    complete_unit_ids: tuple[int, ...]  # of those, units that held everything due

    @property
    def rate(self) -> float | None:
        return self.met / self.due if self.due else None


@dataclass(frozen=True, slots=True)
class LeaderWork:
    """The township leaders' own work at the units in scope (讲党课, 调研指导 …), by kind."""

    by_kind: tuple[tuple[str, tuple[int, ...]], ...]  # (kind, leader activity ids), in catalogue order
    unit_ids: tuple[int, ...]

    @property
    def any(self) -> bool:
        return bool(self.by_kind)


@dataclass(frozen=True, slots=True)
class Commitments:
    tracked_ids: tuple[int, ...]
    fulfilled_ids: tuple[int, ...]
    overdue_ids: tuple[int, ...]
    in_progress_ids: tuple[int, ...]
    unit_ids: tuple[int, ...]

    @property
    def tracked(self) -> int:
        return len(self.tracked_ids)

    @property
    def fulfilled(self) -> int:
        return len(self.fulfilled_ids)

    @property
    def overdue(self) -> int:
        return len(self.overdue_ids)

    @property
    def in_progress(self) -> int:
        return len(self.in_progress_ids)


@dataclass(frozen=True, slots=True)
class Attributed:
    """A sentence a unit wrote (problem, plan, deed), with every unit that wrote the same thing."""

    text: str
    units: tuple[UnitRef, ...]

    @property
    def unit_ids(self) -> tuple[int, ...]:
        return tuple(u.id for u in self.units)


@dataclass(frozen=True, slots=True)
class MissedMeeting:
    unit: UnitRef
    kind: str
    due: int
    held: int


@dataclass(frozen=True, slots=True)
class LowAttendance:
    unit: UnitRef
    attended: int
    expected: int
    activity_ids: tuple[int, ...]

    @property
    def rate(self) -> float:
        return self.attended / self.expected


@dataclass(frozen=True, slots=True)
class OverdueCommitment:
    unit: UnitRef
    commitment_id: int
    content: str
    made_by: str | None
    due_on: date


@dataclass(frozen=True, slots=True)
class MissedKind:
    """Units that reported but held fewer meetings of one kind than were due."""

    kind: str
    unit_ids: tuple[int, ...]
    named: tuple[UnitRef, ...]  # examples, none of them named under an earlier point

    @property
    def count(self) -> int:
        return len(self.unit_ids)


@dataclass(frozen=True, slots=True)
class ProblemPoint:
    """One 一是/二是 of 存在主要问题: which problem, the units it counts, the few it names."""

    topic: str  # one of the POINT_* names
    unit_ids: tuple[int, ...]
    named: tuple[UnitRef, ...] = ()  # every unit named by this point, each named nowhere else
    kinds: tuple[MissedKind, ...] = ()  # POINT_MEETINGS: by kind, in catalogue order
    commitment_ids: tuple[int, ...] = ()  # POINT_COMMITMENTS: every overdue commitment
    examples: tuple[OverdueCommitment, ...] = ()  # POINT_COMMITMENTS: at most MAX_NAMED
    items: tuple[Attributed, ...] = ()  # POINT_SELF_REPORTED

    @property
    def count(self) -> int:
        return len(self.unit_ids)


@dataclass(frozen=True, slots=True)
class Problems:
    unreported: tuple[UnitRef, ...]
    missed_meetings: tuple[MissedMeeting, ...]
    low_attendance: tuple[LowAttendance, ...]
    overdue_commitments: tuple[OverdueCommitment, ...]
    reported: tuple[Attributed, ...]  # written by units in their period notes
    points: tuple[ProblemPoint, ...] = ()  # the above as the 小结 lists them

    @property
    def from_facts(self) -> bool:
        return bool(self.unreported or self.missed_meetings or self.low_attendance or self.overdue_commitments)

    @property
    def any(self) -> bool:
        return self.from_facts or bool(self.reported)


PLAN_FROM_LEADER = "leader"
PLAN_FROM_UNITS = "units"
PLAN_NONE = "none"


@dataclass(frozen=True, slots=True)
class Digest:
    org_name: str
    title: str | None  # None: the template's default title for org_name
    scope_label: str
    period_label: str
    start: date
    end: date
    today: date
    empty: bool

    # 基本情况
    units: tuple[UnitRef, ...]
    groups: tuple[GroupCount, ...]  # in UNIT_GROUPS order, groups with no unit left out
    member_count: int  # Σ Unit.member_count over ``units``
    reporting_unit_ids: tuple[int, ...]
    unreported_unit_ids: tuple[int, ...]
    activity_ids: Sequence[int]  # ascending
    ignored_activity_ids: tuple[int, ...]

    # 工作开展情况
    kinds: tuple[KindSummary, ...]  # kinds held at least once, in catalogue order
    compliance: Compliance | None
    commitments: Commitments
    leader_work: LeaderWork
    deeds: tuple[Attributed, ...]

    problems: Problems
    next_plan: tuple[Attributed, ...]
    next_plan_source: str  # PLAN_FROM_LEADER, PLAN_FROM_UNITS or PLAN_NONE

    # A unit's own 小结: written as the branch's, signed by it.
    unit_scope: bool = False
    # What the work of the period is called (the title's and the opening's 党建 …); "" for the default.
    campaign: str = ""
    # The opening paragraph a leader wrote for the period (/opening); None: the default opening.
    opening: str | None = None

    @property
    def author(self) -> str:
        """Who signs the 小结: the unit for its own, else the organisation."""
        return self.units[0].name if self.unit_scope and len(self.units) == 1 else self.org_name

    @property
    def as_of(self) -> date | None:
        """While the period still runs, the day its figures stand at (截至…); else None."""
        return self.today if self.today <= self.end else None

    @property
    def unit_count(self) -> int:
        return len(self.units)

    @property
    def reporting_count(self) -> int:
        return len(self.reporting_unit_ids)

    @property
    def activity_count(self) -> int:
        return len(self.activity_ids)

    @property
    def statutory_kinds(self) -> tuple[KindSummary, ...]:
        return tuple(k for k in self.kinds if k.statutory)

    @property
    def other_kinds(self) -> tuple[KindSummary, ...]:
        return tuple(k for k in self.kinds if not k.statutory)

    @property
    def attended(self) -> int:
        return sum(k.attended for k in self.kinds)

    @property
    def expected(self) -> int:
        return sum(k.expected for k in self.kinds)

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.expected if self.expected else None

    def unit(self, unit_id: int) -> UnitRef | None:
        return next((u for u in self.units if u.id == unit_id), None)


@lru_cache(maxsize=8192)  # a county asks for the same thousand names in every 小结
def short_name(name: str, prefix: str = "") -> str:
    """山宁村党支部 → 山宁; 博望镇中心学校党支部 → 博望镇中心学校 (or 中心学校 with prefix 博望镇)."""
    short = name.strip()
    if prefix and short.startswith(prefix) and len(short) > len(prefix):
        short = short[len(prefix):]
    for suffix in _NAME_SUFFIXES:
        rest = short[: -len(suffix)]
        # “党支部” alone must not become “党”.
        if short.endswith(suffix) and rest and not rest.endswith(_STEM_MUST_NOT_END_WITH):
            return rest
    return short


def unique_short_names(names: Sequence[str], prefix: str = "") -> list[str]:
    """Each name's short name, or the name itself where two short names would be the same."""
    shorts = [short_name(n, prefix) for n in names]
    taken: dict[str, int] = defaultdict(int)
    for short in shorts:
        taken[short] += 1
    # A short name equal to another unit's full name would read as that unit too.
    full = set(names)
    return [n if taken[short] > 1 or (short in full and short != n) else short for n, short in zip(names, shorts)]


def township_of(org_name: str) -> str:
    """博望镇党委 → 博望镇: the prefix unit names repeat and short names can drop."""
    for suffix in _ORG_SUFFIXES:
        if org_name.endswith(suffix):
            return org_name[: -len(suffix)]
    return ""


_USER_TEXT = _data("user_text.toml")
_LEADING_MARK = re.compile(_USER_TEXT["leading_mark"])
_TRAILING_PUNCT: str = _USER_TEXT["trailing_punctuation"]
_NORMALIZE_DROP = re.compile(_USER_TEXT["same_item_ignores"])


def clean_text(text: str) -> str:
    """One line of user text fit for a sentence: collapsed spaces, no list mark, no end stop."""
    text = " ".join(text.split())
    text = _LEADING_MARK.sub("", text, count=1)
    return text.rstrip(_TRAILING_PUNCT).strip()


@lru_cache(maxsize=8192)  # units often write the same sentences
def normalized(text: str) -> str:
    """What two sentences must share to count as the same: width, case and punctuation ignored."""
    return _NORMALIZE_DROP.sub("", unicodedata.normalize("NFKC", text)).casefold()


def split_items(text: str | None) -> list[str]:
    """A note field as items: one per line, list marks and end stops removed, blanks dropped."""
    return list(_items(text)) if text else []


@lru_cache(maxsize=8192)  # units often write the same notes
def _items(text: str) -> tuple[str, ...]:
    return tuple(item for line in re.split(r"[\r\n]+", text) if (item := clean_text(line)))


def _deduplicated(pairs: Iterable[tuple[str, UnitRef | None]]) -> tuple[Attributed, ...]:
    order: list[str] = []
    text_of: dict[str, str] = {}
    units_of: dict[str, list[UnitRef]] = defaultdict(list)
    seen: set[tuple[str, int]] = set()  # (key, unit id): many units often write the same sentence
    for text, unit in pairs:
        key = normalized(text)
        if not key:
            continue
        if key not in text_of:
            order.append(key)
            text_of[key] = text
        if unit is not None and (key, unit.id) not in seen:
            seen.add((key, unit.id))
            units_of[key].append(unit)
    return tuple(Attributed(text_of[k], tuple(units_of[k])) for k in order)


def _examples(unit_ids: Sequence[int], per_unit: dict[int, int], refs: dict[int, UnitRef]) -> tuple[str, ...]:
    # ``unit_ids`` come in the units' order, which nlargest keeps among equal counts.
    ranked = heapq.nlargest(MAX_EXAMPLES, unit_ids, key=per_unit.__getitem__)
    return tuple(refs[uid].short_name for uid in ranked)


def _compliance(
    compliance_for: ComplianceFor,
    units: Sequence[Unit],
    refs: dict[int, UnitRef],
    by_unit: Mapping[int, Sequence[Activity]],
    catalogue: ActivityKinds,
) -> tuple[Compliance, list[MissedMeeting], set[int]]:
    due: dict[str, int] = defaultdict(int)
    held: dict[str, int] = defaultdict(int)
    met: dict[str, int] = defaultdict(int)
    units_due: dict[str, list[int]] = defaultdict(list)
    statutory_units: list[int] = []
    complete: list[int] = []
    missed: list[MissedMeeting] = []
    owing: set[int] = set()
    statutory_kinds = {k.name for k in catalogue.all if k.is_statutory}
    for unit in units:
        statuses = list(compliance_for(unit, list(by_unit.get(unit.id, []))))
        has_statutory_due = False
        all_met = True
        for status in statuses:
            kind = status.activity_kind
            d, h = int(status.due), int(status.held)
            due[kind] += d
            held[kind] += h
            met[kind] += min(h, d)
            if d:
                units_due[kind].append(unit.id)
                owing.add(unit.id)
            if d and kind in statutory_kinds:
                has_statutory_due = True
            # A shortfall answered 本期未开展 with a reason (excused) is not a problem; the rest is.
            if h + int(getattr(status, "excused", 0) or 0) < d:
                all_met = False
                missed.append(MissedMeeting(refs[unit.id], kind, d, h))
        if has_statutory_due:
            statutory_units.append(unit.id)
            if all_met:
                complete.append(unit.id)
    order = {name: i for i, name in enumerate(catalogue.names())}
    kinds = []
    for kind in sorted(set(due) | set(held), key=lambda k: (order.get(k, len(order)), k)):
        info = catalogue.by_name(kind)
        kinds.append(
            ComplianceKind(
                kind=kind,
                statutory=bool(info and info.is_statutory),
                due=due[kind],
                held=held[kind],
                met=met[kind],
                unit_ids=tuple(units_due[kind]),
            )
        )
    statutory = [k for k in kinds if k.statutory]
    compliance = Compliance(
        due=sum(k.due for k in statutory),
        held=sum(k.held for k in statutory),
        met=sum(k.met for k in statutory),
        kinds=tuple(kinds),
        unit_ids=tuple(statutory_units),
        complete_unit_ids=tuple(complete),
    )
    missed.sort(key=lambda m: order.get(m.kind, len(order)))
    return compliance, missed, owing


def _problem_points(
    unreported: Sequence[UnitRef],
    missed: Sequence[MissedMeeting],
    low: Sequence[LowAttendance],
    overdue: Sequence[OverdueCommitment],
    reported: tuple[Attributed, ...],
) -> tuple[ProblemPoint, ...]:
    """The problems as the 小结 lists them; a unit is named under the first point that counts it."""
    named: set[int] = set()

    def pick(units: Iterable[UnitRef], limit: int | None = MAX_NAMED) -> tuple[UnitRef, ...]:
        fresh = [u for u in units if u.id not in named]
        chosen = tuple(fresh if limit is None else fresh[:limit])
        named.update(u.id for u in chosen)
        return chosen

    points: list[ProblemPoint] = []
    if unreported:
        points.append(ProblemPoint(POINT_UNREPORTED, tuple(u.id for u in unreported), pick(unreported, None)))
    silent = {u.id for u in unreported}
    # Units that reported nothing are counted once, as not reporting: their meetings are unknown.
    short = [m for m in missed if m.unit.id not in silent]
    if short:
        kinds = []
        for kind in dict.fromkeys(m.kind for m in short):
            units = [m.unit for m in short if m.kind == kind]
            kinds.append(MissedKind(kind, tuple(u.id for u in units), pick(units)))
        unit_ids = tuple(dict.fromkeys(m.unit.id for m in short))
        points.append(ProblemPoint(POINT_MEETINGS, unit_ids, tuple(u for k in kinds for u in k.named), kinds=tuple(kinds)))
    if low:
        points.append(ProblemPoint(POINT_ATTENDANCE, tuple(x.unit.id for x in low), pick(x.unit for x in low)))
    if overdue:
        examples = tuple(o for o in overdue if o.unit.id not in named)[:MAX_NAMED]
        chosen = pick(dict.fromkeys(o.unit for o in examples))
        points.append(
            ProblemPoint(
                POINT_COMMITMENTS,
                tuple(dict.fromkeys(o.unit.id for o in overdue)),
                chosen,
                commitment_ids=tuple(o.commitment_id for o in overdue),
                examples=examples,
            )
        )
    if reported:
        unit_ids = tuple(dict.fromkeys(u.id for item in reported for u in item.units))
        points.append(ProblemPoint(POINT_SELF_REPORTED, unit_ids, items=reported))
    return tuple(points)


def build_digest(
    *,
    org_name: str,
    title: str | None,
    period_label: str,
    start: date,
    end: date,
    today: date,
    units: Sequence[Unit],
    activities: Sequence[Activity] = (),
    counts: ActivityCounts | None = None,
    commitments: Sequence[Commitment],
    leader_activities: Sequence[LeaderActivity] = (),
    notes: Sequence[PeriodNote],
    leader_plan: Sequence[str] | None = None,
    compliance_for: ComplianceFor | None = None,
    scope_label: str,
    kinds: ActivityKinds | None = None,
    zone: tzinfo | None = None,
    unit_scope: bool = False,
    campaign: str = "",
    opening: str | None = None,
) -> Digest:
    """Compute the 小结 of one period. Pure: the same records give the same digest.

    ``zone`` turns the moments units and commitments were recorded into local days. The
    activities come as records (``activities``) or already counted (``counts``: see
    bot/digest/counts.py)."""
    if end < start:
        raise ValueError(f"period ends before it starts: {start} – {end}")
    catalogue = kinds or load_kinds()
    prefix = township_of(org_name)
    scope_units = [u for u in units if not u.archived]
    # Names go into one-line sentences: collapse any line breaks a leader typed into them.
    names = [" ".join(u.name.split()) for u in scope_units]
    refs = {
        u.id: UnitRef(u.id, name, short)
        for u, name, short in zip(scope_units, names, unique_short_names(names, prefix))
    }
    position = {u.id: i for i, u in enumerate(scope_units)}

    if counts is None:
        counts = count_records(activities, start, end, position)
    cells = counts.cells
    reporting_set = {unit_id for units_of_kind in cells.values() for unit_id in units_of_kind}
    reporting = tuple(u.id for u in scope_units if u.id in reporting_set)

    group_units: dict[str, list[int]] = defaultdict(list)
    for u in scope_units:
        group_units[group_of(u.kind)].append(u.id)
    groups = tuple(GroupCount(g, tuple(group_units[g])) for g in UNIT_GROUPS if group_units[g])

    # Kinds in catalogue order; a kind no longer in the catalogue still counts, after the rest.
    kind_order = catalogue.names() + sorted(k for k in counts.kind_ids if catalogue.by_name(k) is None)
    kind_summaries = []
    for name in kind_order:
        ids = counts.kind_ids.get(name)
        if not ids:
            continue
        info = catalogue.by_name(name)
        of_kind = cells[name]
        per_unit = {unit_id: cell.count for unit_id, cell in of_kind.items()}
        unit_ids = tuple(sorted(per_unit, key=position.__getitem__))
        kind_summaries.append(
            KindSummary(
                kind=name,
                statutory=bool(info and info.is_statutory),
                activity_ids=ids,
                unit_ids=unit_ids,
                attended=sum(cell.attended for cell in of_kind.values()),
                expected=sum(cell.expected for cell in of_kind.values()),
                examples=_examples(unit_ids, per_unit, refs),
            )
        )

    compliance: Compliance | None = None
    missed: list[MissedMeeting] = []
    owing: set[int] | None = None  # units that owed a meeting by the day of writing
    if compliance_for is not None:
        compliance, missed, owing = _compliance(compliance_for, scope_units, refs, counts.records_by_unit, catalogue)

    # A unit added after the period owed it nothing, so it is not named as unreported; nor is a
    # unit that owed nothing yet on the day of writing (on the 1st, no slot of the month is over).
    existed = {u.id for u in scope_units if (local_day(u.created_at, zone) or end) <= end}
    unreported = tuple(
        u.id for u in scope_units
        if u.id not in reporting_set and u.id in existed and (owing is None or u.id in owing)
    )

    judged_kinds = [k.name for k in catalogue.all if attendance_judged(k) and k.name in cells]
    judged_cells: dict[int, list[Cell]] = defaultdict(list)
    for kind in judged_kinds:
        for unit_id, cell in cells[kind].items():
            if cell.positive_expected:
                judged_cells[unit_id].append(cell)
    low_sums: list[tuple[int, int, int]] = []  # (unit id, attended, expected)
    for u in scope_units:
        unit_cells = judged_cells.get(u.id)
        if not unit_cells:
            continue
        attended = sum(cell.positive_attended for cell in unit_cells)
        expected = sum(cell.positive_expected for cell in unit_cells)
        if expected and attended / expected < LOW_ATTENDANCE_THRESHOLD:
            low_sums.append((u.id, attended, expected))
    low_ids = counts.positive_ids_of([unit_id for unit_id, _, _ in low_sums], set(judged_kinds))
    low = [LowAttendance(refs[unit_id], attended, expected, low_ids[unit_id]) for unit_id, attended, expected in low_sums]

    judge = CommitmentJudge.of(start, end, today, zone)
    tracked = sorted(
        (c for c in commitments if c.unit_id in refs and judge.tracked(c)),
        key=lambda c: (c.due_on, position[c.unit_id], c.id),
    )
    states = [judge.state(c) for c in tracked]
    fulfilled = tuple(c.id for c, state in zip(tracked, states) if state == FULFILLED)
    overdue_list = [c for c, state in zip(tracked, states) if state == OVERDUE]
    overdue = tuple(c.id for c in overdue_list)
    commitment_summary = Commitments(
        tracked_ids=tuple(c.id for c in tracked),
        fulfilled_ids=fulfilled,
        overdue_ids=overdue,
        in_progress_ids=tuple(c.id for c, state in zip(tracked, states) if state == IN_PROGRESS),
        unit_ids=tuple(sorted({c.unit_id for c in tracked}, key=position.__getitem__)),
    )
    overdue_problems = tuple(
        OverdueCommitment(refs[c.unit_id], c.id, clean_text(c.content), c.made_by, c.due_on) for c in overdue_list
    )

    led = leader_work_in(leader_activities, start, end, refs)
    leader_order = {kind: i for i, kind in enumerate(LEADER_ACTIVITY_KINDS)}
    leader_kinds = sorted({la.kind for la in led}, key=lambda k: (leader_order.get(k, len(leader_order)), k))
    leader_work = LeaderWork(
        by_kind=tuple((k, tuple(la.id for la in led if la.kind == k)) for k in leader_kinds),
        unit_ids=tuple(sorted({la.unit_id for la in led if la.unit_id is not None}, key=position.__getitem__)),
    )

    scope_notes = sorted((n for n in notes if n.unit_id in refs), key=lambda n: position[n.unit_id])

    def attributed(field_name: str) -> tuple[Attributed, ...]:
        return _deduplicated(
            (item, refs[n.unit_id]) for n in scope_notes for item in split_items(getattr(n, field_name))
        )

    deeds = attributed("deeds")
    reported_problems = attributed("problems")
    leader_items = [clean_text(p) for p in (leader_plan or [])]
    leader_items = [p for p in leader_items if p]
    if leader_items:
        next_plan = _deduplicated((p, None) for p in leader_items)
        plan_source = PLAN_FROM_LEADER
    else:
        next_plan = attributed("next_plans")
        plan_source = PLAN_FROM_UNITS if next_plan else PLAN_NONE

    empty = not counts.activity_ids and not tracked and not led and not any(
        split_items(n.problems) or split_items(n.next_plans) or split_items(n.deeds) for n in scope_notes
    )

    return Digest(
        org_name=org_name,
        title=title or None,
        scope_label=scope_label,
        period_label=period_label,
        start=start,
        end=end,
        today=today,
        empty=empty,
        units=tuple(refs[u.id] for u in scope_units),
        groups=groups,
        member_count=sum(u.member_count for u in scope_units),
        reporting_unit_ids=reporting,
        unreported_unit_ids=unreported,
        activity_ids=counts.activity_ids,
        ignored_activity_ids=counts.ignored_ids,
        kinds=tuple(kind_summaries),
        compliance=compliance,
        commitments=commitment_summary,
        leader_work=leader_work,
        deeds=deeds,
        problems=Problems(
            unreported=tuple(refs[uid] for uid in unreported),
            missed_meetings=tuple(missed),
            low_attendance=tuple(low),
            overdue_commitments=overdue_problems,
            reported=reported_problems,
            points=_problem_points(
                tuple(refs[uid] for uid in unreported), missed, low, overdue_problems, reported_problems
            ),
        ),
        next_plan=next_plan,
        next_plan_source=plan_source,
        campaign=campaign,
        opening="".join(line.strip() for line in opening.splitlines()) or None if opening else None,
        unit_scope=unit_scope,
    )


def figures(digest: Digest) -> dict[str, Any]:
    """Every number in the digest with the record ids behind it, for ledgers and reconciliation."""
    out: dict[str, Any] = {
        "units": {"value": digest.unit_count, "unit_ids": [u.id for u in digest.units]},
        "reporting_units": {"value": digest.reporting_count, "unit_ids": list(digest.reporting_unit_ids)},
        "activities": {"value": digest.activity_count, "activity_ids": list(digest.activity_ids)},
        "members": {"value": digest.member_count, "unit_ids": [u.id for u in digest.units]},
    }
    for g in digest.groups:
        out[f"group:{g.group}"] = {"value": g.count, "unit_ids": list(g.unit_ids)}
    for k in digest.kinds:
        out[f"kind:{k.kind}"] = {
            "value": k.count,
            "attended": k.attended,
            "expected": k.expected,
            "activity_ids": list(k.activity_ids),
            "unit_ids": list(k.unit_ids),
        }
    c = digest.commitments
    out["commitments"] = {"value": c.tracked, "commitment_ids": list(c.tracked_ids)}
    out["commitments_fulfilled"] = {"value": c.fulfilled, "commitment_ids": list(c.fulfilled_ids)}
    out["commitments_overdue"] = {"value": c.overdue, "commitment_ids": list(c.overdue_ids)}
    return out
