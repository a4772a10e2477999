"""What every handler needs, built once at start-up: settings, the database, the clock, catalogues
and the meeting-frequency rules.

Handlers reach it as ``context.services`` (see :mod:`handlers.context`); domain code gets plain
values from it instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import Clock
from bot.config import Settings
from bot.rules.activity_kinds import ActivityKinds
from bot.rules.meeting_rules import MeetingRules
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    kinds: ActivityKinds
    rules: MeetingRules

    def now(self) -> datetime:
        """Now, aware, in UTC."""
        return self.clock()

    def local_now(self) -> datetime:
        return self.clock().astimezone(self.settings.timezone)

    def today(self) -> date:
        """Today's date where the users are."""
        return self.local_now().date()
