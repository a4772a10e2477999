"""Plain dataclasses that the repositories in storage/ take and return.

Nothing here knows about Telegram or SQL; handlers and the domain code in bot/ work only with
these. Dates the users think in (``held_on``, ``due_on``) are local ``date`` objects; moments
(``created_at`` …) are timezone-aware ``datetime`` objects in UTC.
"""
from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(slots=True)  # not frozen: a year of a county is 60 000 of these, and frozen init is 5x slower
class Activity:
    id: int
    unit_id: int
    kind: str
    held_on: date
    topic: str
    attended: int
    expected: int
    summary: str | None = None
    start_time: str | None = None
    place: str | None = None
    host: str | None = None
    recorder: str | None = None
    absentees: str | None = None
    observers: str | None = None
    resolutions: str | None = None
    created_by: int = 0
    version: int = 1
    photos: tuple[str, ...] = ()
    withdrawn: bool = False


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
