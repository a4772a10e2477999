"""``make proof``: the long versions of the proofs, and one table of what held.

Runs the hostile sweep and the access state machine in full (PROOF_FULL=1: every hostile input at
every step of every flow, 600 random runs of 20 steps), 500 reports under 10 % faults and 100
under 40 %, and the crash loop with fifty SIGKILLs or more, then prints one row per proof:
tried / held / lost / duplicated / crashed / silent.
A pytest run that fails is shown as FAILED with its counts as far as they were recorded.

    python -m tests.proof_run [--kills 50] [--only-sigkill]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.crash_loop import report_crash_loop

COLUMNS = ("tried", "held", "lost", "duplicated", "crashed", "silent")
ROOT = Path(__file__).resolve().parent.parent


def run_tests(files: list[str], tally: Path) -> tuple[bool, float]:
    env = {**os.environ, "PROOF_FULL": "1", "PROOF_TALLY": str(tally)}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files], cwd=ROOT, env=env, check=False)  # noqa: S603
    return done.returncode == 0, time.monotonic() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.proof_run")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--only-sigkill", action="store_true", help="only the row of reports under SIGKILL")
    args = parser.parse_args(argv)
    # A bot killed mid-request leaves the stand-in a dropped connection, which aiohttp reports; expected here.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    rows: list[dict[str, object]] = []
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        tally = Path(folder) / "tally.jsonl"
        suites = (["tests/test_hostile_sweep.py"], ["tests/test_access_machine.py"], ["tests/test_faults_proof.py", "-s"], ["tests/test_crash_loops.py", "-k", "fan_out", "-s"])
        for files in () if args.only_sigkill else suites:
            passed, seconds = run_tests(files, tally)
            ok &= passed
            if not passed:
                rows.append({"name": f"{files[0]} FAILED", **{c: "" for c in COLUMNS}})
            print(f"{files[0]}: {'passed' if passed else 'FAILED'} in {seconds:.0f} s", flush=True)
        if tally.exists():
            rows[:0] = [json.loads(line) for line in tally.read_text(encoding="utf-8").splitlines()]
        started = time.monotonic()
        crash = asyncio.run(report_crash_loop(Path(folder), kills=args.kills, seed=int(time.time())))
        print(f"crash loop: {crash.kills} kills in {time.monotonic() - started:.0f} s; " + "; ".join(crash.notes[-5:]), flush=True)
        rows.append({"name": f"{crash.name} ({crash.kills} kills)", **{c: getattr(crash, c) for c in COLUMNS}})
        ok &= crash.lost == crash.duplicated == crash.crashed == crash.silent == 0
    width = max(len(str(r["name"])) for r in rows)
    print("\n" + "proof".ljust(width) + "".join(c.rjust(11) for c in COLUMNS))
    for row in rows:
        print(str(row["name"]).ljust(width) + "".join(str(row[c]).rjust(11) for c in COLUMNS))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
