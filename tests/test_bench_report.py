"""The benchmark report (bench/report.py) at tiny sizes: every part runs, and the table has the rows
and columns issue 13 asks for, each row with a goal and a verdict. Timing is not checked here."""
from __future__ import annotations

import pytest

from bench.report import COLUMNS, Sizes, build_table, collect, digest_row, forced_latencies

# The smallest run that still makes every row: one crowd, one 小结 size (each bot and each 小结
# runs in a process of its own, and starting one costs more than its work here).
TINY = Sizes(people=2, reports=1, rounds=1, rounds_limited=1, crowds=(2,), alone_reports=1, reminder_units=3, notice_units=3, digest_units=(3,))


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def test_the_pure_30_per_second_schedule_spaces_every_message() -> None:
    # One person: the first message goes at once, and every later one a thirtieth of a second
    # after the one before, so a two-message step waits two spacings.
    assert forced_latencies(1, [1, 2, 1]) == pytest.approx([0, 2 / 30, 1 / 30])
    # Three people at once, one message each: they leave one after another.
    assert sorted(forced_latencies(3, [1])) == pytest.approx([0, 1 / 30, 2 / 30])


def test_the_digest_rows_carry_the_goals_issue_10_sets_for_their_size() -> None:
    # Text, Word and Excel at the county's 1,000 units; only the text at 5,000.
    figures = {"activities": 1, "text_s": 0.2, "text_range_s": [0.18, 0.31], "text_cold_s": 0.3, "word_s": 0.1, "excel_s": 4.0}
    county = digest_row({**figures, "units": 1000})
    assert county[1].startswith("data+text 0.20 s (median of 5, 0.18–0.31)")  # the median is judged
    assert county[3] == "text < 0.3 s, Word < 1 s, Excel < 3 s" and county[4] == "text met; Word met; Excel **not met**"
    larger = digest_row({**figures, "units": 5000, "text_s": 1.6})
    assert larger[3] == "text < 1.5 s" and larger[4] == "text **not met**"


async def test_the_report_table_has_a_row_for_every_figure_with_its_goal() -> None:
    figures = await collect(TINY, say=lambda _: None)
    lines = build_table(figures).strip().splitlines()
    assert lines[0].startswith("Benchmark report")
    header, rule, *rows = lines[2:]
    assert cells(header) == list(COLUMNS)
    assert rule.count("---") == len(COLUMNS)
    assert all(len(cells(row)) == len(COLUMNS) for row in rows)
    labels = [cells(row)[0] for row in rows]
    expected = [
        "Machine",
        "Conversation throughput, limiter off", "CPU per update in the bot's process, limiter off",
        "Conversation throughput, limiter on", "CPU per update in the bot's process, limiter on",
        "Reply latency, 1 person alone", "Reply latency, 2 people at once",
        "Reminder fan-out, 3 units", "Notice fan-out, 3 units",
        "小结 at 3 units",
        "Peak memory, report bot's process (2 people", "Peak memory, 小结 at 3 units", "Peak memory, the benchmark's own process",
    ]
    assert len(labels) == len(expected)
    assert all(label.startswith(start) for label, start in zip(labels, expected, strict=True))
    by_label = {cells(row)[0]: cells(row) for row in rows}
    goals = " ".join(row[3] for row in by_label.values())
    for goal in ("≥ 0.9× echo", "≥ 0.8× echo", "≥ 0.97 of 30/s, no 429 after the first second", "p95 ≤ 1.2× the forced p95", "Word < 1 s", "Excel < 3 s"):
        assert goal in goals
    verdicts = {row[4] for row in by_label.values() if row[3] not in ("—", "none set", "set for the largest crowd")}
    assert verdicts and all("met" in verdict for verdict in verdicts)
    # The runs themselves held: every record stored, every secretary reached exactly once.
    assert figures["off"]["stored"] == figures["off"]["expected_records"]
    assert figures["on"]["stored"] == figures["on"]["expected_records"]
    assert figures["reminders"]["exactly_one"] == 3 and figures["notices"]["exactly_one"] == 3
