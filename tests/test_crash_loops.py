"""Crash loops, the short version: the bot in a subprocess is SIGKILLed a few times while a
secretary reports (tests/crash_loop.py); the database stays whole, every confirmed report is stored
exactly once, and the conversation goes on after each restart. ``make proof`` runs the long one."""
from __future__ import annotations

from pathlib import Path

from tests.crash_loop import report_crash_loop


async def test_reporting_survives_a_few_kills(tmp_path: Path) -> None:
    tally = await report_crash_loop(tmp_path, kills=3, seed=7)
    assert tally.kills == 3 and tally.tried >= 1
    assert (tally.lost, tally.duplicated, tally.crashed, tally.silent) == (0, 0, 0, 0), tally
    assert tally.held >= 1, tally
