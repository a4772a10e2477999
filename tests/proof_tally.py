"""Rows for the ``make proof`` table: a test run with PROOF_TALLY=<file> appends what it tried and
what held, as one JSON line per row (bench/proof.py reads them)."""
from __future__ import annotations

import json
import os


def record(name: str, tried: int, held: int, lost: int = 0, duplicated: int = 0, crashed: int = 0, silent: int = 0) -> None:
    path = os.environ.get("PROOF_TALLY")
    if not path:
        return
    row = {"name": name, "tried": tried, "held": held, "lost": lost, "duplicated": duplicated, "crashed": crashed, "silent": silent}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
