"""What the 小结 counts of the activities: ids in order, and per kind and unit a few sums.

The builder (bot/digest/build.py) speaks of activities only through :class:`ActivityCounts`.
They are counted either here in Python from records (:func:`count_records`: tests, and ranges
too long for the database's month bits), or by SQLite (:func:`counts_from_tally`, from
``storage.activities.activity_tally``: a county's year of records without handing over 60 000
rows). tests/test_digest_counts.py checks that both give the same 小结 on random records.

The order is the builder's: by day, then the unit's place in the list of units, then id. The
database counts by day, unit id and id, which is the same when the units are listed by id (as
``storage.units.list_units`` lists them).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import NamedTuple

from storage.activities import ActivityTally
from storage.models import Activity


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
    """The counted activities of a period: ids in the builder's order, and per kind and unit."""

    activity_ids: tuple[int, ...]
    kind_ids: Mapping[str, tuple[int, ...]]  # kind → its ids, in the same order
    cells: Mapping[str, Mapping[int, Cell]]  # kind → unit id → the unit's activities of the kind
    ignored_ids: tuple[int, ...] = ()  # passed in but not counted (withdrawn, out of range or scope)
    # The records themselves per unit, when counted from records: what a ``compliance_for`` is handed.
    records_by_unit: Mapping[int, Sequence[Activity]] = field(default_factory=dict)
    # What SQLite counted, when it did: the ids with an 应到 are found there when asked.
    tally: ActivityTally | None = None

    @cached_property
    def _place(self) -> dict[int, int]:
        return {activity_id: i for i, activity_id in enumerate(self.activity_ids)}

    def in_order(self, ids: Iterable[int]) -> tuple[int, ...]:
        """``ids`` (counted ones) in the order of :attr:`activity_ids`."""
        return tuple(sorted(ids, key=self._place.__getitem__))

    def positive_ids_of(self, unit_ids: Collection[int], kinds: Collection[str]) -> dict[int, tuple[int, ...]]:
        """Per unit of ``unit_ids``, the ids of its activities of ``kinds`` with an 应到, in order."""
        found: dict[int, list[int]] = {unit_id: [] for unit_id in unit_ids}
        if self.tally is None:
            for kind in kinds:
                for unit_id, cell in self.cells.get(kind, {}).items():
                    if unit_id in found and cell.positive_ids:
                        found[unit_id].extend(cell.positive_ids)
            return {unit_id: self.in_order(ids) for unit_id, ids in found.items()}
        if found:  # one walk over the period's ids, only when a unit asks
            units = map(int, self.tally.positive_units.split(","))
            for activity_id, kind, unit_id in zip(self.tally.ids, self.tally.kinds, units):
                if unit_id in found and kind in kinds:
                    found[unit_id].append(activity_id)
        return {unit_id: tuple(ids) for unit_id, ids in found.items()}


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
    counted.sort(key=lambda a: (a.held_on, position[a.unit_id], a.id))
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


def counts_from_tally(tally: ActivityTally) -> ActivityCounts:
    """The counts of what SQLite counted (``storage.activities.activity_tally``)."""
    kind_ids: dict[str, list[int]] = defaultdict(list)
    for activity_id, kind in zip(tally.ids, tally.kinds):
        kind_ids[kind].append(activity_id)
    cells: dict[str, dict[int, Cell]] = defaultdict(dict)
    new = tuple.__new__  # built in C: no Python constructor frame per cell
    for unit_id, kind, count, attended, expected, _months in tally.cells:
        if count:  # a unit with only earlier meetings of the kind (they count for due slots)
            # With 0 ≤ 实到 ≤ 应到 (the table's checks), the sums over activities with an 应到
            # are the sums over all.
            cells[kind][unit_id] = new(Cell, (count, attended, expected, attended, expected, None))
    return ActivityCounts(
        activity_ids=tuple(tally.ids),
        kind_ids={kind: tuple(ids) for kind, ids in kind_ids.items()},
        cells=cells,
        tally=tally,
    )


def months_by_unit(tally: ActivityTally) -> dict[int, dict[str, int]]:
    """Per unit, the months each kind was held in (bits), as the meeting rules take them."""
    months: dict[int, dict[str, int]] = defaultdict(dict)
    for c in tally.cells:
        months[c.unit_id][c.kind] = c.months
    return months
