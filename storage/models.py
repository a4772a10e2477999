"""Plain dataclasses that the repositories in storage/ take and return.

Nothing here knows about Telegram or SQL; handlers and the domain code in bot/ work only with
these. Dates the users think in (``held_on``, ``due_on``) are local ``date`` objects; moments
(``created_at`` …) are timezone-aware ``datetime`` objects in UTC.
"""
from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from datetime import date, datetime
from typing import Any

LEADER = "leader"
SECRETARY = "secretary"


@dataclass(frozen=True, slots=True)
class Unit:
    id: int
    name: str
    kind: str
    member_count: int
    archived: bool = False
    created_at: datetime | None = None  # when the unit was added; None when not read
    committee_size: int | None = None  # 支委人数: None not stated, 0 no committee
    group_count: int | None = None  # 党小组数: None not stated, 0 no 党小组


@dataclass(frozen=True, slots=True)
class Person:
    user_id: int
    display_name: str
    role: str
    unit_id: int | None
    active: bool = True
    reachable: bool = True

    @property
    def is_leader(self) -> bool:
        return self.role == LEADER and self.active

    @property
    def is_secretary(self) -> bool:
        return self.role == SECRETARY and self.active


@dataclass(frozen=True, slots=True)
class Invite:
    code_hash: str
    role: str
    unit_id: int | None
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    used_by: int | None = None
    used_at: datetime | None = None


@dataclass(slots=True)
class Dialog:
    """A guided conversation in progress: which flow, which step, what was entered so far."""

    user_id: int
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    nonce: int = 0


@dataclass(frozen=True, slots=True)
class ActivityField:
    """One thing a secretary fills in for an activity, declared once in :data:`ACTIVITY_FIELDS`.

    ``name`` is at once the attribute of :class:`Activity` and :class:`ActivityFields`, the column
    of ``activities``, the key in a report draft and the key of ``field_name`` in
    templates/report.j2. ``optional`` fields may stay empty (None); ``extra`` ones are not asked on
    the way through /report but offered under 更多信息.
    """

    name: str
    type: type
    optional: bool = False
    extra: bool = False


ACTIVITY_FIELDS: tuple[ActivityField, ...] = (
    ActivityField("kind", str),
    ActivityField("held_on", date),
    ActivityField("topic", str),
    ActivityField("attended", int),
    ActivityField("expected", int),
    ActivityField("summary", str, optional=True),
    ActivityField("start_time", str, optional=True, extra=True),
    ActivityField("place", str, optional=True, extra=True),
    ActivityField("host", str, optional=True, extra=True),
    ActivityField("recorder", str, optional=True, extra=True),
    ActivityField("absentees", str, optional=True, extra=True),
    ActivityField("observers", str, optional=True, extra=True),
    ActivityField("resolutions", str, optional=True, extra=True),
)
REQUIRED_ACTIVITY_FIELDS = tuple(f.name for f in ACTIVITY_FIELDS if not f.optional)


def _filled_in() -> list[tuple[str, Any] | tuple[str, Any, Any]]:
    """The dataclass fields of :data:`ACTIVITY_FIELDS`, optional ones defaulting to None."""
    return [(f.name, f.type | None, field(default=None)) if f.optional else (f.name, f.type) for f in ACTIVITY_FIELDS]


@dataclass(frozen=True, slots=True)
class Photo:
    file_id: str
    file_unique_id: str | None = None


ActivityFields = make_dataclass(
    "ActivityFields",
    [*_filled_in(), ("photos", tuple[Photo, ...], field(default=()))],
    frozen=True,
    slots=True,
    namespace={"__module__": __name__, "__doc__": "What a secretary fills in for one activity: the ACTIVITY_FIELDS, then photos."},
)

# Not frozen: a year of a county is 60 000 of these, and frozen init is 5x slower.
Activity = make_dataclass(
    "Activity",
    [
        ("id", int),
        ("unit_id", int),
        *_filled_in(),
        ("created_by", int, field(default=0)),
        ("version", int, field(default=1)),
        ("photos", tuple[str, ...], field(default=())),
        ("withdrawn", bool, field(default=False)),
    ],
    slots=True,
    namespace={"__module__": __name__, "__doc__": "A stored activity: its id and unit, the ACTIVITY_FIELDS, who made it, its version, photo file ids."},
)


@dataclass(frozen=True, slots=True)
class Commitment:
    id: int
    unit_id: int
    made_by: str | None
    content: str
    due_on: date
    created_by: int = 0
    fulfilled_on: date | None = None
    result: str | None = None
    evaluation: str | None = None
    evaluation_comment: str | None = None
    withdrawn: bool = False
    created_at: datetime | None = None  # when it was recorded; None when not read

    def is_overdue(self, today: date) -> bool:
        return self.fulfilled_on is None and not self.withdrawn and self.due_on < today


@dataclass(frozen=True, slots=True)
class CommitmentProgress:
    id: int
    commitment_id: int
    note: str
    photo_file_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PeriodNote:
    unit_id: int
    period: str
    problems: str | None = None
    next_plans: str | None = None
    deeds: str | None = None


@dataclass(frozen=True, slots=True)
class LeaderActivity:
    """A leader's own work at a unit: 讲党课, 调研指导, 参加组织生活会."""

    id: int
    leader_id: int
    kind: str
    unit_id: int | None
    held_on: date
    note: str | None = None
