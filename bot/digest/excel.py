"""The 台账: every record of a period as an Excel workbook, for filing and for checking the 小结.

Every figure the 小结 states can be checked here by filtering one sheet: 活动台账 (one row per
activity held), 承诺践诺 (one row per commitment the period tracks, with its state as the 小结 judges
it — the rule is bot/digest/period_records.py, shared with the text), 本期小结 (one row per unit:
its figures, then one row per monthly note it wrote), 组织生活落实 (unit × kind: meetings due, held,
and answered 本期未开展 with a reason, as the meeting rules count them) and 领导指导 (the leaders'
own work). Each sheet has a title row, then a bold header row with filters, frozen below the header;
it prints landscape, one page wide, with both rows repeated on every page. Sheet names, headings and
column headers come from ``templates/ledger.j2``; the layouts below only name columns and widths.

Written by bot/digest/xlsx_stream.py, which turns each row into XML as it comes and keeps no
cells, so memory stays flat however many records a period has (see bench/digest_scale.py for
times). User text never becomes a formula: it is always an inline string, control characters that
XML cannot hold are dropped, and text a spreadsheet would read as a formula (= + - @ …) is also
given Excel's quote prefix, so editing the cell or exporting to CSV keeps it text.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from operator import attrgetter

from bot import texts
from bot.digest.build import KindStatusLike
from bot.digest.period_records import FULFILLED, OVERDUE, CommitmentJudge, leader_work_in
from bot.digest.xlsx_stream import HEADER, TITLE, Percent, Sheet, Workbook, Wrapped
from bot.rules.periods import period_from_key
from bot.rules.report_rules import activity_short_id, commitment_short_id
from storage.ledger import LEDGER_ACTIVITY_COLUMNS
from storage.models import ACTIVITY_FIELDS, Activity, Commitment, LeaderActivity, PeriodNote, Unit

HEADER_ROW = 2  # row 1 is the sheet's title; the header is row 2 and data start on row 3


def _text(name: str, /, **values) -> str:
    return texts.plain("ledger", name, **values)


@dataclass(frozen=True)
class SheetLayout:
    """A sheet's name and columns (header, width in characters), read from ``templates/ledger.j2``."""

    key: str
    name: str
    columns: tuple[tuple[str, float], ...]

    def heading(self, period_label: str) -> str:
        return _text(f"{self.key}_heading", period=period_label)


def _layout(key: str, *columns: tuple[str, float]) -> SheetLayout:
    return SheetLayout(key, _text(f"{key}_sheet"), tuple((_text(f"column_{name}"), width) for name, width in columns))


# The width of each activity field's column. Every field of storage.models.ACTIVITY_FIELDS has
# one (a missing one fails at import), so a field added there reaches the 台账 too; 出席率 follows
# the attendance it is computed from.
_FIELD_WIDTHS = {
    "kind": 12, "held_on": 12, "topic": 30, "attended": 7, "expected": 7, "summary": 40, "start_time": 8,
    "place": 16, "host": 10, "recorder": 10, "absentees": 24, "observers": 16, "resolutions": 30,
}
_ACTIVITY_FIELD_NAMES = tuple(f.name for f in ACTIVITY_FIELDS)
_RATE_AFTER = "expected"
_RATE_AT = _ACTIVITY_FIELD_NAMES.index(_RATE_AFTER) + 1  # 出席率's place among the field columns
_activity_fields = attrgetter(*_ACTIVITY_FIELD_NAMES)
ACTIVITY_LAYOUT = _layout(
    "activities",
    ("unit", 24), ("unit_kind", 10),
    *(column for name in _ACTIVITY_FIELD_NAMES for column in ((name, _FIELD_WIDTHS[name]), *((("rate", 9),) if name == _RATE_AFTER else ()))),
    ("photos", 8), ("record_id", 10),
)
COMMITMENT_LAYOUT = _layout(
    "commitments",
    ("unit", 24), ("made_by", 10), ("content", 40), ("due_on", 12), ("fulfilled_on", 12),
    ("result", 30), ("evaluation", 10), ("evaluation_comment", 24), ("status", 10), ("record_id", 10),
)
SUMMARY_LAYOUT = _layout(
    "summary",
    ("unit", 24), ("unit_kind", 10), ("members", 8), ("activities_held", 9), ("expected_total", 9),
    ("attended_total", 9), ("rate", 9), ("commitments_made", 8), ("commitments_kept", 8),
    ("note_period", 12), ("problems", 40), ("next_plans", 40), ("deeds", 40),
)
MEETING_LAYOUT = _layout(
    "meetings",
    ("unit", 24), ("unit_kind", 10), ("kind", 12), ("meetings_due", 8), ("meetings_held", 8), ("meetings_excused", 10),
)
LEADER_LAYOUT = _layout("leaders", ("held_on", 12), ("kind", 12), ("unit", 24), ("leader_note", 40))
ACTIVITY_SHEET = ACTIVITY_LAYOUT.name
COMMITMENT_SHEET = COMMITMENT_LAYOUT.name
SUMMARY_SHEET = SUMMARY_LAYOUT.name
MEETING_SHEET = MEETING_LAYOUT.name
LEADER_SHEET = LEADER_LAYOUT.name

STATUS_FULFILLED = _text("status_fulfilled")
STATUS_OVERDUE = _text("status_overdue")
STATUS_OPEN = _text("status_open")
_STATUS = {FULFILLED: STATUS_FULFILLED, OVERDUE: STATUS_OVERDUE}
MADE_BY_UNIT = _text("made_by_unit")
NO_UNIT = _text("no_unit")



def _sheet(workbook: Workbook, layout: SheetLayout, period_label: str) -> Sheet:
    """A sheet with its title and header rows written: filters on the header, frozen below it, and
    printed for filing — landscape, one page wide however long, title and header on every page."""
    sheet = workbook.add_sheet(
        layout.name, [width for _, width in layout.columns], frozen_rows=HEADER_ROW, title_rows=HEADER_ROW, landscape=True, fit_to_width=True,
    )
    sheet.add_row([layout.heading(period_label)], TITLE)
    sheet.add_row([header for header, _ in layout.columns], HEADER)
    sheet.filter_from(HEADER_ROW)
    return sheet


def rate(attended: int, expected: int) -> Percent | None:
    return Percent(attended / expected) if expected else None


class _UnitLabels(dict):
    """(name, kind) of each unit id; a record of a unit not in the list gets a placeholder name."""

    def __missing__(self, unit_id: int) -> tuple[str, str]:
        self[unit_id] = label = (_text("unknown_unit", unit_id=unit_id), "")
        return label


def _month_label(key: str) -> str:
    try:
        return period_from_key(key).label
    except ValueError:  # not a key this bot made: shown as stored
        return key


def render_ledger(
    units: Sequence[Unit],
    activities: Sequence[Activity],
    commitments: Sequence[Commitment],
    notes: Sequence[PeriodNote],
    period_label: str,
    *,
    start: date,
    end: date,
    today: date | None = None,
    zone: tzinfo | None = None,
    meetings: Sequence[tuple[int, KindStatusLike]] = (),
    leader_activities: Sequence[LeaderActivity] = (),
) -> bytes:
    """The 台账 of [start, end] as .xlsx bytes: the records the 小结 counts, as it counts them.

    ``meetings`` is what the meeting rules answered for each unit, (unit id, status of one kind),
    in order. Withdrawn activities and commitments are left out, as in the 小结."""
    order = {u.id: i for i, u in enumerate(units)}
    kept = sorted(
        (a for a in activities if not a.withdrawn and start <= a.held_on <= end),
        key=lambda a: (a.held_on, order.get(a.unit_id, len(order)), a.id),
    )
    rows = ((a.unit_id, *(v.isoformat() if type(v) is date else v for v in _activity_fields(a)), len(a.photos), a.id) for a in kept)
    writer = LedgerWriter(units, period_label)
    writer.add_activities(rows)
    return writer.finish(
        commitments, notes, start=start, end=end, today=today or date.today(), zone=zone, meetings=meetings,
        leader_activities=leader_activities,
    )


# Where the parts of a row of storage.ledger.activity_pages go: the 出席率 column is computed from
# two of its fields, and the date fields come as stored text.
_ROW_ATTENDED = LEDGER_ACTIVITY_COLUMNS.index("attended")
_ROW_EXPECTED = LEDGER_ACTIVITY_COLUMNS.index("expected")
_ROW_RATE_AT = 1 + _RATE_AT  # after the unit id
_ROW_DATE_COLUMNS = tuple(2 + i + (i >= _RATE_AT) for i, f in enumerate(ACTIVITY_FIELDS) if f.type is date)  # on the sheet


class LedgerWriter:
    """The 台账 written as its records come: the activities of the period first, a page at a time
    (:meth:`add_activities`), then the rest of the workbook (:meth:`finish`). Nothing of a row is
    kept once it is written but the unit's running totals, so memory stays flat however many
    activities a period has."""

    def __init__(self, units: Sequence[Unit], period_label: str):
        self.units, self.period_label = units, period_label
        self.labels = _UnitLabels({u.id: (u.name, u.kind) for u in units})
        self.workbook = Workbook(title=_text("workbook_title", period=period_label))
        self.activity_sheet = _sheet(self.workbook, ACTIVITY_LAYOUT, period_label)
        self.per_unit: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # held, expected, attended

    def add_activities(self, rows: Iterable[Sequence]) -> None:
        """Rows of storage.ledger.LEDGER_ACTIVITY_COLUMNS, live, in the period, and in the
        sheet's order (by day, unit and id), following those added before."""
        labels, per_unit, add_row, from_text = self.labels, self.per_unit, self.activity_sheet.add_row, date.fromisoformat
        for row in rows:
            unit_id, attended, expected = row[0], row[_ROW_ATTENDED], row[_ROW_EXPECTED]
            stats = per_unit[unit_id]
            stats[0] += 1
            stats[1] += expected
            stats[2] += attended
            cells = [
                *labels[unit_id], *row[1:_ROW_RATE_AT], rate(attended, expected), *row[_ROW_RATE_AT:-2],
                row[-2], activity_short_id(row[-1]),
            ]
            for column in _ROW_DATE_COLUMNS:
                cells[column] = from_text(cells[column])
            add_row(cells)

    def finish(
        self, commitments: Sequence[Commitment], notes: Sequence[PeriodNote], *, start: date, end: date, today: date,
        zone: tzinfo | None, meetings: Sequence[tuple[int, KindStatusLike]], leader_activities: Sequence[LeaderActivity],
    ) -> bytes:
        """The other sheets, and the workbook as .xlsx bytes."""
        units, labels, per_unit, workbook, period_label = self.units, self.labels, self.per_unit, self.workbook, self.period_label
        order = {u.id: i for i, u in enumerate(units)}

        sheet = _sheet(workbook, COMMITMENT_LAYOUT, period_label)
        judge = CommitmentJudge.of(start, end, today, zone)
        promised: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for c in sorted(
            (c for c in commitments if judge.tracked(c)),
            key=lambda c: (order.get(c.unit_id, len(order)), c.due_on, c.id),
        ):
            state = judge.state(c)
            promised[c.unit_id][0] += 1
            promised[c.unit_id][1] += state == FULFILLED
            sheet.add_row(
                [
                    labels[c.unit_id][0], c.made_by or MADE_BY_UNIT, c.content, c.due_on, c.fulfilled_on, c.result,
                    c.evaluation, c.evaluation_comment, _STATUS.get(state, STATUS_OPEN), commitment_short_id(c.id),
                ]
            )

        sheet = _sheet(workbook, SUMMARY_LAYOUT, period_label)
        notes_of: dict[int, list[PeriodNote]] = defaultdict(list)
        for n in sorted(notes, key=lambda n: n.period):
            notes_of[n.unit_id].append(n)
        for u in units:
            held, expected, attended = per_unit.get(u.id, (0, 0, 0))
            made, kept_count = promised.get(u.id, (0, 0))
            figures = [u.name, u.kind, u.member_count, held, expected, attended, rate(attended, expected), made, kept_count]
            # The unit's figures once, on its first row; each further monthly note gets a row of its
            # own, so summing a column still gives the period's total.
            for i, note in enumerate(notes_of.get(u.id) or [None]):
                row = figures if i == 0 else [u.name, u.kind, *(None,) * (len(figures) - 2)]
                if note is not None:
                    written = (note.problems, note.next_plans, note.deeds)
                    row = [*row, _month_label(note.period), *(None if v is None else Wrapped(v) for v in written)]
                sheet.add_row(row)

        sheet = _sheet(workbook, MEETING_LAYOUT, period_label)
        for unit_id, status in meetings:
            due, held, excused = int(status.due), int(status.held), int(getattr(status, "excused", 0) or 0)
            if due or held or excused:
                sheet.add_row([*labels[unit_id], status.activity_kind, due, held, excused])

        sheet = _sheet(workbook, LEADER_LAYOUT, period_label)
        for la in leader_work_in(leader_activities, start, end, order):
            unit = NO_UNIT if la.unit_id is None else labels[la.unit_id][0]
            sheet.add_row([la.held_on, la.kind, unit, la.note])

        return workbook.close()
