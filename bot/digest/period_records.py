"""Which records belong to a period, and in what state: the one rule the 小结 and the 台账 share.

The 小结 (bot/digest/build.py) counts these records and the 台账 (bot/digest/excel.py) lists
them, so a leader can check every figure of the text against the rows of the workbook.

* A commitment belongs to a period when it is not withdrawn, was recorded by the period's last
  day, and is either still open on the day the period is judged (whenever due — an open promise
  stays on the books until it is kept), or due in the period, or fulfilled in the period. It is
  judged as of the period's last day, or ``today`` while the period runs: fulfilled by then,
  overdue (due before then and not kept by then; on a period's last day that day is already over,
  on ``today`` it is not), or in progress.
* A leader's own work belongs to a period when it was done in it, at a unit in scope or at none
  in particular.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.rules.periods import local_day
from storage.models import Commitment, LeaderActivity


@dataclass(frozen=True, slots=True)
class CommitmentJudge:
    """How a period sees its commitments: which existed, which were kept, which were overdue."""

    start: date
    end: date
    known_until: date  # last day whose facts count: the period's end, or today while it runs
    overdue_before: date  # due before this day and not kept: overdue
    zone: tzinfo | None
    # Recorded before this moment (a day before the period's last day began in UTC): recorded by
    # that day in every time zone, no zone asked (a county's year judges 25 000 commitments).
    surely_in_time: datetime

    @classmethod
    def of(cls, start: date, end: date, today: date, zone: tzinfo | None) -> CommitmentJudge:
        surely_in_time = datetime.combine(max(end, date.min + timedelta(days=1)) - timedelta(days=1), time(), tzinfo=UTC)
        return cls(start, end, min(today, end), min(today, end + timedelta(days=1)), zone, surely_in_time)

    def kept(self, c: Commitment) -> bool:
        return c.fulfilled_on is not None and c.fulfilled_on <= self.known_until

    def tracked(self, c: Commitment) -> bool:
        if c.withdrawn:
            return False
        created = c.created_at
        if created is not None and not (created.tzinfo is not None and created < self.surely_in_time):
            recorded = local_day(created, self.zone)
            if recorded is not None and recorded > self.end:
                return False
        if not self.kept(c):
            return True
        assert c.fulfilled_on is not None
        return self.start <= c.due_on <= self.end or self.start <= c.fulfilled_on <= self.end

    def overdue(self, c: Commitment) -> bool:
        return not self.kept(c) and c.due_on < self.overdue_before

    def state(self, c: Commitment) -> str:
        """:data:`FULFILLED`, :data:`OVERDUE` or :data:`IN_PROGRESS`, as of the day judged."""
        if self.kept(c):
            return FULFILLED
        return OVERDUE if self.overdue(c) else IN_PROGRESS


# A commitment's state as :meth:`CommitmentJudge.state` names it.
FULFILLED = "fulfilled"
OVERDUE = "overdue"
IN_PROGRESS = "in_progress"


def leader_work_in(
    leader_activities: Iterable[LeaderActivity], start: date, end: date, unit_ids: Collection[int]
) -> list[LeaderActivity]:
    """The leaders' work of the period at the units in scope (or at no unit in particular)."""
    return [la for la in leader_activities if start <= la.held_on <= end and (la.unit_id is None or la.unit_id in unit_ids)]
