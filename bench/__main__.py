"""``python -m bench`` writes the one benchmark report (bench.report); ``python -m bench a b …`` runs
the benchmark modules named instead, and ``python -m bench name --flag value …`` one with its arguments."""
from __future__ import annotations

import runpy
import sys


def main(argv: list[str]) -> int:
    with_arguments = any(a.startswith("-") for a in argv)
    runs = [(argv[0], argv[1:])] if with_arguments else [(name, []) for name in argv or ["report"]]
    for name, arguments in runs:
        print(f"\n=== bench.{name} ===", file=sys.stderr, flush=True)
        sys.argv = [f"bench.{name}", *arguments]
        runpy.run_module(f"bench.{name}", run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
