"""How long each refusal of a hostile unit list takes, and what reading a full list costs.

For every file of tests/import_files.py: the time the bot spends reading it the way it does in
chat and in the CLI (a child process with a time limit, ``read_table_apart``: about 0.3 s of that
is starting the child) and, for comparison, in-process (``read_table``), with the refusal.

    .venv/bin/python -m bench.import_refusals
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.rules.import_worker import read_table_apart
from bot.rules.unit_import import MAX_ROWS, UnreadableFile, read_table
from tests.import_files import HEADER, TRADITIONAL_CSV, csv_bytes, many_rows, random_bytes, xlsx_bytes, zip_bomb_xlsx

CASES: list[tuple[str, str, Callable[[], bytes]]] = [
    ("zip bomb .xlsx (300 MB unpacked)", "u.xlsx", lambda: zip_bomb_xlsx(300)),
    ("100,000-row CSV", "u.csv", lambda: csv_bytes(many_rows(100_000))),
    ("100,000-row .xlsx, as Excel saves it", "u.xlsx", lambda: xlsx_bytes(many_rows(100_000), dimension="A1:C100001")),
    ("100,000-row .xlsx without <dimension>", "u.xlsx", lambda: xlsx_bytes(many_rows(100_000))),
    ("CSV cell over 128 KB", "u.csv", lambda: csv_bytes([HEADER, ("x" * 200_000, "1", "1")])),
    (".xlsx without a worksheet", "u.xlsx", lambda: xlsx_bytes([], with_sheet=False)),
    ("random bytes named .xlsx", "u.xlsx", random_bytes),
    ("Big5 CSV", "u.csv", lambda: TRADITIONAL_CSV.encode("cp950")),
    ("50 MB CSV", "u.csv", lambda: csv_bytes(many_rows(10)) + b"," * (50 * 1024 * 1024)),
    (f"{MAX_ROWS:,}-row .xlsx (accepted)", "u.xlsx", lambda: xlsx_bytes(many_rows(MAX_ROWS), dimension=f"A1:C{MAX_ROWS + 1}")),
    (f"{MAX_ROWS:,}-row CSV (accepted)", "u.csv", lambda: csv_bytes(many_rows(MAX_ROWS))),
]


def _outcome(read: Callable[[], object]) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        rows = read()
        outcome = f"read {len(rows) - 1} rows"  # type: ignore[arg-type]
    except UnreadableFile as refusal:
        outcome = str(refusal)[:28]
    return time.perf_counter() - started, outcome


def main() -> None:
    print(f"{'file':40} {'bytes':>10} {'child s':>8} {'in-proc s':>9}  outcome")
    for what, name, make in CASES:
        content = make()
        apart, outcome = _outcome(lambda: asyncio.run(read_table_apart(content, name)))
        here, _ = _outcome(lambda: read_table(content, name))
        print(f"{what:40} {len(content):>10,} {apart:>8.2f} {here:>9.2f}  {outcome}", flush=True)


if __name__ == "__main__":
    main()
