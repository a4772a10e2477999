"""Counting failed attempts per person in a sliding window, to slow down guessing.

Used for invite codes (handlers/invites.py): a person who has failed ``allowed`` times within
``window`` is refused further attempts until the oldest of those failures leaves the window. The
clock is passed in (``now``), so tests move time instead of waiting. Kept in memory: a restart
forgets the count, which costs a guesser nothing they could not get by waiting ten minutes.
"""
from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta


class FailureThrottle:
    """``allowed`` failures per person per ``window``; ``wait(person, now)`` says how long is left."""

    def __init__(self, allowed: int, window: timedelta):
        self.allowed = allowed
        self.window = window
        self._failures: dict[int, deque[datetime]] = {}

    def _recent(self, person: int, now: datetime) -> deque[datetime]:
        failures = self._failures.get(person, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            self._failures.pop(person, None)
        return failures

    def wait(self, person: int, now: datetime) -> timedelta | None:
        """How long ``person`` must wait before trying again; None when they may try now."""
        failures = self._recent(person, now)
        if len(failures) < self.allowed:
            return None
        return failures[-self.allowed] + self.window - now

    def failed(self, person: int, now: datetime) -> None:
        """Count a failed attempt of ``person``."""
        self._recent(person, now)
        self._failures.setdefault(person, deque()).append(now)
        if len(self._failures) > 1024:  # forget people whose failures are all old
            for other in list(self._failures):
                self._recent(other, now)

    def succeeded(self, person: int) -> None:
        """``person`` got in: their failures no longer count."""
        self._failures.pop(person, None)
