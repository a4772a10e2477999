"""What the 小结 counts of the activities: per kind and unit a few sums, and the ids counted.

The builder (bot/digest/build.py) speaks of activities only through :class:`ActivityCounts`.
They are counted either here in Python from records (:func:`count_records`: tests, and ranges
too long for the database's month bits), or by SQLite (:func:`counts_from_tally`, from
``storage.activities.activity_tally``: a county's year of records without handing over 60 000
rows). tests/test_digest_counts.py checks that both give the same 小结 on random records.

Every list of ids is ascending. Those SQLite counted stay the text it joined them into until
someone reads them (:class:`Ids`): the 小结's text needs only how many.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple, overload

from storage.activities import TallyCell
from storage.models import Activity


def read_ids(joined: str) -> list[int]:
    """The ids of a string SQLite joined them into ("4,9,12"; "" for none)."""
    return list(map(int, joined.split(","))) if joined else []


class Ids(Sequence[int]):
    """Record ids, ascending, from the parts SQLite joined them into ("4,9,12"), read on first use.

    Its length is known without reading; it equals a tuple of the same ids."""

    __slots__ = ("_parts", "_count", "_ids")

    def __init__(self, parts: Sequence[str], count: int):
        self._parts = parts
        self._count = count
        self._ids: tuple[int, ...] | None = None

    def ids(self) -> tuple[int, ...]:
        if self._ids is None:
            self._ids = tuple(sorted(read_ids(",".join(part for part in self._parts if part))))
            self._parts = ()
        return self._ids

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[int, ...]: ...
    def __getitem__(self, index: int | slice) -> int | tuple[int, ...]:
        return self.ids()[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids())

    def __contains__(self, value: object) -> bool:
        return value in self.ids()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Ids):
            return self.ids() == other.ids()
        if isinstance(other, tuple):
            return self.ids() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.ids())

    def __repr__(self) -> str:
        return repr(self.ids())


class Cell(NamedTuple):
    """One unit's activities of one kind in the period (a tuple: a county has 40 000 of them)."""

    count: int
    attended: int  # 实到, summed
    expected: int  # 应到, summed
    positive_attended: int  # 实到 summed over the activities with an 应到 (expected > 0)
    positive_expected: int
    positive_ids: tuple[int, ...] | None  # their ids; None when counted by the database (see
    # ActivityCounts.positive_ids_of)


@dataclass(frozen=True)
class ActivityCounts:
    """The counted activities of a period: their ids, and per kind and unit a few sums."""

    activity_ids: Sequence[int]  # ascending
    kind_ids: Mapping[str, Sequence[int]]  # kind → its ids, ascending
    cells: Mapping[str, Mapping[int, Cell]]  # kind → unit id → the unit's activities of the kind
    ignored_ids: tuple[int, ...] = ()  # passed in but not counted (withdrawn, out of range or scope)
    # The records themselves per unit, when counted from records: what a ``compliance_for`` is handed.
    records_by_unit: Mapping[int, Sequence[Activity]] = field(default_factory=dict)
    # What SQLite counted, when it did: the ids with an 应到 are read there when asked.
    tally: Sequence[TallyCell] = ()

    def positive_ids_of(self, unit_ids: Collection[int], kinds: Collection[str]) -> dict[int, tuple[int, ...]]:
        """Per unit of ``unit_ids``, the ids of its activities of ``kinds`` with an 应到, ascending."""
        found: dict[int, list[int]] = {unit_id: [] for unit_id in unit_ids}
        if not self.tally:
            for kind in kinds:
                for unit_id, cell in self.cells.get(kind, {}).items():
                    if unit_id in found and cell.positive_ids:
                        found[unit_id].extend(cell.positive_ids)
        elif found:  # one walk over the cells, only when a unit asks
            for c in self.tally:
                if c.unit_id in found and c.kind in kinds and c.ids:
                    without = set(read_ids(c.unexpected))
                    found[c.unit_id].extend(i for i in read_ids(c.ids) if i not in without)
        return {unit_id: tuple(sorted(ids)) for unit_id, ids in found.items()}


def count_records(activities: Iterable[Activity], start: date, end: date, position: Mapping[int, int]) -> ActivityCounts:
    """Count ``activities`` as the 小结 does: live, held in [start, end], of a unit in ``position``
    (unit id → its place in the list of units); everything else is ignored."""
    counted: list[Activity] = []
    ignored: list[int] = []
    for a in activities:
        if a.withdrawn or not (start <= a.held_on <= end) or a.unit_id not in position:
            ignored.append(a.id)
        else:
            counted.append(a)
    counted.sort(key=lambda a: a.id)
    by_unit: dict[int, list[Activity]] = defaultdict(list)
    by_kind: dict[str, dict[int, list[Activity]]] = defaultdict(lambda: defaultdict(list))
    for a in counted:
        by_unit[a.unit_id].append(a)
        by_kind[a.kind][a.unit_id].append(a)
    cells = {
        kind: {unit_id: _cell(acts) for unit_id, acts in units.items()} for kind, units in by_kind.items()
    }
    kind_ids: dict[str, list[int]] = defaultdict(list)
    for a in counted:
        kind_ids[a.kind].append(a.id)
    return ActivityCounts(
        activity_ids=tuple(a.id for a in counted),
        kind_ids={kind: tuple(ids) for kind, ids in kind_ids.items()},
        cells=cells,
        ignored_ids=tuple(ignored),
        records_by_unit=by_unit,
    )


def _cell(acts: Sequence[Activity]) -> Cell:
    positive = [a for a in acts if a.expected > 0]
    return Cell(
        count=len(acts),
        attended=sum(a.attended for a in acts),
        expected=sum(a.expected for a in acts),
        positive_attended=sum(a.attended for a in positive),
        positive_expected=sum(a.expected for a in positive),
        positive_ids=tuple(a.id for a in positive),
    )


def counts_from_tally(tally: Sequence[TallyCell]) -> ActivityCounts:
    """The counts of what SQLite counted (``storage.activities.activity_tally``)."""
    parts: dict[str, list[str]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    cells: dict[str, dict[int, Cell]] = defaultdict(dict)
    new = tuple.__new__  # built in C: no Python constructor frame per cell
    for unit_id, kind, count, attended, expected, _months, ids, _unexpected in tally:
        if count:  # a unit with only earlier meetings of the kind (they count for due slots)
            # With 0 ≤ 实到 ≤ 应到 (the table's checks), the sums over activities with an 应到
            # are the sums over all.
            cells[kind][unit_id] = new(Cell, (count, attended, expected, attended, expected, None))
            parts[kind].append(ids)
            totals[kind] += count
    return ActivityCounts(
        activity_ids=Ids([part for kind_parts in parts.values() for part in kind_parts], sum(totals.values())),
        kind_ids={kind: Ids(kind_parts, totals[kind]) for kind, kind_parts in parts.items()},
        cells=cells,
        tally=tally,
    )


def months_by_unit(tally: Iterable[TallyCell]) -> dict[int, dict[str, int]]:
    """Per unit, the months each kind was held in (bits), as the meeting rules take them."""
    months: dict[int, dict[str, int]] = defaultdict(dict)
    for c in tally:
        months[c.unit_id][c.kind] = c.months
    return months
