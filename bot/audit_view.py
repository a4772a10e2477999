"""The audit log in readable Chinese, for /audit and ``python -m bot audit --csv``.

Entries are stored with codes (``person.move``, ``unit:5``, actor ids); here they get the action's
name from templates/audit.j2, the actor's and the unit's current names, and local times. The CSV
keeps the codes beside the words, so an auditor can check one against the other.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import texts
from bot.rules.report_rules import activity_short_id, commitment_short_id
from storage import audit, people, units
from storage.audit import AuditEntry
from storage.db import Database

# Keys of an entry's detail that hold a unit id, shown as the unit's name.
_UNIT_KEYS = ("from", "to", "unit_id")


@dataclass(frozen=True, slots=True)
class Names:
    """Who and what the log's ids stand for, read once per page or export."""

    units: dict[int, str]
    people: dict[int, str]

    def person(self, user_id: int | None) -> str:
        if not user_id:
            return texts.plain("audit", "system_actor")
        return self.people.get(user_id) or texts.plain("audit", "unknown_person", user_id=user_id)

    def unit(self, unit_id: Any) -> str:
        if not isinstance(unit_id, int):
            return str(unit_id)
        return self.units.get(unit_id) or texts.plain("audit", "unknown_unit", unit_id=unit_id)


@dataclass(frozen=True, slots=True)
class ReadableEntry:
    id: int
    when: str
    actor: str
    action: str
    subject: str
    detail: str


async def load_names(db: Database) -> Names:
    every_unit = await units.list_units(db, include_archived=True)
    everyone = await people.list_people(db, active_only=False)
    return Names({u.id: u.name for u in every_unit}, {p.user_id: p.display_name for p in everyone})


def _subject(subject: str | None, names: Names) -> str:
    if not subject:
        return ""
    kind, _, ident = subject.partition(":")
    number = int(ident) if ident.removeprefix("-").isdecimal() and len(ident) < 20 else None  # erased people are negative
    if kind == "unit" and number is not None:
        name = names.unit(number)
    elif kind == "user" and number is not None:
        name = names.person(number)
    elif kind == "activity" and number is not None:
        name = activity_short_id(number)
    elif kind == "commitment" and number is not None:
        name = commitment_short_id(number)
    elif kind in ("leader_activity", "notice") and number is not None:
        name = ident
    else:
        kind, name = ("", subject) if ident else (subject, subject)
    return texts.plain("audit", "subject", kind=kind, name=name)


def readable(entry: AuditEntry, names: Names, zone: ZoneInfo) -> ReadableEntry:
    detail = {key: names.unit(value) if key in _UNIT_KEYS else value for key, value in entry.detail.items()}
    return ReadableEntry(
        id=entry.id,
        when=f"{entry.at.astimezone(zone):%Y-%m-%d %H:%M}",
        actor=names.person(entry.actor_id),
        action=texts.plain("audit", "action", key=entry.action),
        subject=_subject(entry.subject, names),
        detail=texts.plain("audit", "detail", action=entry.action, d=detail),
    )


async def write_csv(db: Database, path: Path, zone: ZoneInfo) -> int:
    """Write every entry, oldest first, to ``path`` as CSV in UTF-8 with a BOM (so Excel reads the
    Chinese right); returns how many were written."""
    names = await load_names(db)
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(next(csv.reader(io.StringIO(texts.plain("audit", "csv_header")))))
        async for entry in audit.every_entry(db):
            shown = readable(entry, names, zone)
            raw_detail = json.dumps(entry.detail, ensure_ascii=False) if entry.detail else ""
            writer.writerow(
                [entry.id, shown.when, shown.actor, entry.actor_id or "", shown.action, shown.subject, shown.detail,
                 entry.action, entry.subject or "", raw_detail]
            )
            count += 1
    return count
