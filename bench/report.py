"""One table of the figures issue 13 asks for, written to bench/out/report.md and printed.

It runs the other benchmarks of this folder through their ``measure`` functions — the report
conversation against a bare python-telegram-bot echo bot on the same Bot API stand-in (rate
limiter off, then on as ``build_application`` wires it), the reply latency a person sees alone
and in a crowd beside what the 30/s limit itself forces for that crowd, the reminder and notice
fan-outs through the stand-in's flood limits, and the 小结 at three sizes — and sets each figure
beside its goal. ``--quick`` runs everything at small sizes in a minute or two (a smoke test; its
figures say little), the default takes ten minutes or more.

    .venv/bin/python -m bench report [--quick]
"""
from __future__ import annotations

import argparse
import asyncio
import heapq
import logging
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import digest_scale, notice_fanout, reminder_fanout, report_conversation
from bench.report_conversation import ALONE_REPORTS, SCRIPT, percentile

OUT = Path(__file__).parent / "out" / "report.md"
CEILING = 30.0  # messages/s: Telegram's overall limit, and AIORateLimiter's default
EXCEL_BUDGET_S = 60.0  # the largest size's Excel is skipped when it would take longer than this
COLUMNS = ("Row", "Measured", "Beside it", "Goal", "Met")


@dataclass(frozen=True)
class Sizes:
    """How big each part of the report runs."""

    people: int = 20  # throughput: people at once
    reports: int = 2  # reports per person per round
    rounds: int = 5  # rounds per bot with the limiter off
    rounds_limited: int = 2  # with the limiter on (each round waits on 30/s)
    crowds: tuple[int, ...] = (20, 200)  # reply latency with the limiter on
    alone_reports: int = ALONE_REPORTS  # one person's sessions before each crowd
    reminder_units: int = 2000
    notice_units: int = 1000
    digest_units: tuple[int, ...] = (100, 1000, 5000)


FULL = Sizes()
QUICK = Sizes(people=5, reports=1, rounds=2, rounds_limited=1, crowds=(5, 20), alone_reports=2, reminder_units=100, notice_units=100, digest_units=(20, 50, 100))


# ===== what the 30/s limit itself forces ===========================================================
def forced_latencies(people: int, steps: list[int], rate: float = CEILING) -> list[float]:
    """Each step's wait when ``people`` start at once and every message goes out at exactly ``rate``/s.

    Every person runs through ``steps`` (the messages each step's reply takes) and asks for the next
    step the moment the last reply arrives. Messages leave one per 1/``rate`` seconds, first come
    first served, with no burst allowance and no time spent anywhere else: no bot can do better
    while keeping under the limit.
    """
    spacing = 1.0 / rate
    last_sent = -spacing
    waits: list[float] = []
    asking = [(0.0, person, 0) for person in range(people)]  # (when, who, which step)
    heapq.heapify(asking)
    while asking:
        asked, person, step = heapq.heappop(asking)
        for _ in range(steps[step]):
            last_sent = max(asked, last_sent + spacing)
        waits.append(last_sent - asked)
        if step + 1 < len(steps):
            heapq.heappush(asking, (last_sent, person, step + 1))
    return waits


def session_steps(reports: int) -> list[int]:
    """The messages each step of ``reports`` report sessions brings, in order."""
    return [expected for _, _, expected in SCRIPT] * reports


# ===== collecting ==================================================================================
def machine() -> dict[str, Any]:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model, "python": platform.python_version(), "load": os.getloadavg()[0]}


async def collect(sizes: Sizes, say: Callable[[str], object] = print) -> dict[str, Any]:
    """Run every part at ``sizes``; the figures ``build_table`` sets out."""
    figures: dict[str, Any] = {"sizes": sizes, "machine": machine()}
    say(f"conversation, limiter off: {sizes.people} people …")
    figures["off"] = await report_conversation.measure(sizes.people, sizes.reports, sizes.rounds, limiter=False, alone_reports=sizes.alone_reports)
    say(f"conversation, limiter on: {sizes.people} people …")
    figures["on"] = await report_conversation.measure(sizes.people, sizes.reports, sizes.rounds_limited, limiter=True, alone_reports=sizes.alone_reports)
    figures["crowds"] = []
    for crowd in sizes.crowds:
        say(f"reply latency, limiter on: {crowd} people at once …")
        figures["crowds"].append(await report_conversation.measure(crowd, 1, 1, limiter=True, echo=False, alone_reports=sizes.alone_reports))
    say(f"reminder fan-out to {sizes.reminder_units} units …")
    figures["reminders"] = await reminder_fanout.measure(sizes.reminder_units, 4)
    say(f"notice fan-out to {sizes.notice_units} units …")
    figures["notices"] = await notice_fanout.measure(sizes.notice_units)
    figures["digest"] = []
    for n, units in enumerate(sizes.digest_units):
        excel = True
        if n == len(sizes.digest_units) - 1 and figures["digest"]:
            before = figures["digest"][-1]
            estimate = before["excel_s"] * units / before["units"]  # it grows with the cells written
            excel = estimate <= EXCEL_BUDGET_S
        say(f"the 小结 at {units} units{'' if excel else ' (Excel skipped)'} …")
        result = await asyncio.to_thread(digest_scale.measure_in_fresh_process, units, excel)
        if not excel:
            result["excel_estimate_s"] = estimate
        figures["digest"].append(result)
    figures["bench_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["machine"]["load_end"] = os.getloadavg()[0]
    return figures


# ===== the table ===================================================================================
def met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def p50_p95(seconds: list[float]) -> str:
    return f"p50 {ms(statistics.median(seconds))}, p95 {ms(percentile(seconds, 0.95))}"


def conversation_rows(label: str, r: dict[str, Any]) -> list[tuple[str, ...]]:
    throughput = r["report_rate"] / r["echo_rate"]
    cpu = r["echo_cpu_ms"] / r["report_cpu_ms"]
    crowd = f"{r['users']} people × {r['reports']} report(s), best of {r['rounds']} round(s)"
    stored = "all records stored" if r["stored"] == r["expected_records"] else f"**{r['stored']} of {r['expected_records']} records stored**"
    return [
        (
            f"Conversation throughput, limiter {label} ({crowd})",
            f"{r['report_rate']:.0f} updates/s = {throughput:.2f}× echo",
            f"echo bot {r['echo_rate']:.0f} updates/s; round by round {statistics.median(r['paired_ratios']):.2f}× (median); {stored}",
            "≥ 0.9× echo",
            met(throughput >= 0.9),
        ),
        (
            f"CPU per update in the bot's process, limiter {label}",
            f"{r['report_cpu_ms']:.2f} ms = echo's {cpu:.2f}×",
            f"echo bot {r['echo_cpu_ms']:.2f} ms",
            "≥ 0.8× echo (echo's CPU ÷ ours)",
            met(cpu >= 0.8),
        ),
    ]


def latency_rows(on: dict[str, Any], crowds: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    first = crowds[0] if crowds else on
    alone = first["alone_waits_report"]
    forced_alone = forced_latencies(1, session_steps(first["alone_reports"]))
    rows = [
        (
            "Reply latency, 1 person alone (limiter on)",
            p50_p95(alone),
            f"30/s forces p95 {ms(percentile(forced_alone, 0.95))}",
            "none set",
            "—",
        )
    ]
    largest = max((c["users"] for c in crowds), default=0)
    for c in crowds:
        forced = percentile(forced_latencies(c["users"], session_steps(c["reports"])), 0.95)
        measured = percentile(c["load_waits_report"], 0.95)
        ratio = measured / forced if forced else float("inf")
        goal, verdict = ("p95 ≤ 1.2× the forced p95", met(ratio <= 1.2)) if c["users"] == largest else ("set for the largest crowd", "—")
        rows.append(
            (
                f"Reply latency, {c['users']} people at once (limiter on, one report each)",
                f"{p50_p95(c['load_waits_report'])} = {ratio:.2f}× forced",
                f"30/s forces p50 {ms(statistics.median(forced_latencies(c['users'], session_steps(c['reports']))))}, p95 {ms(forced)}",
                goal,
                verdict,
            )
        )
    return rows


def fanout_row(what: str, r: dict[str, Any], extra: str) -> tuple[str, ...]:
    share = r["rate"] / CEILING
    return (
        f"{what} fan-out, {r['units']} units (stand-in enforcing 30/s)",
        f"{r['rate']:.2f} messages/s = {share:.3f} of 30/s; 429s after the first second: {r['late_429']}",
        f"429s in all: {r['flood_hits']}; exactly one each: {r['exactly_one']}/{r['units']}; {extra}",
        "≥ 0.97 of 30/s, no 429 after the first second",
        met(share >= 0.97 and r["late_429"] == 0),
    )


def digest_row(r: dict[str, Any]) -> tuple[str, ...]:
    units = r["units"]
    text_goal = {1000: 0.3, 5000: 1.5}.get(units)
    if r["excel_s"] is None:
        excel = f"Excel skipped (about {r['excel_estimate_s']:.0f} s by the smaller size)"
        excel_ok = False
    else:
        excel = f"Excel {r['excel_s']:.2f} s"
        excel_ok = r["excel_s"] < 3
    goals = [f"text < {text_goal} s"] if text_goal else []
    verdicts = [f"text {met(r['text_s'] < text_goal)}"] if text_goal else []
    if units <= 1000:  # issue 10 sets the Word and Excel goals for the county-sized 1,000 units
        goals += ["Word < 1 s", "Excel < 3 s"]
        verdicts += [f"Word {met(r['word_s'] < 1)}", f"Excel {met(excel_ok) if r['excel_s'] is not None else 'not measured'}"]
    return (
        f"小结 at {units:,} units ({r['activities']:,} activities)",
        f"data+text {r['text_s']:.2f} s (median of {digest_scale.WARM_RUNS}, {r['text_range_s'][0]:.2f}–{r['text_range_s'][1]:.2f}), Word {r['word_s']:.2f} s, {excel}",
        f"first request after start: data+text {r['text_cold_s']:.2f} s",
        ", ".join(goals),
        "; ".join(verdicts),
    )


def build_table(figures: dict[str, Any]) -> str:
    """The report as one Markdown table (a title line above it)."""
    m = figures["machine"]
    rows: list[tuple[str, ...]] = [
        (
            "Machine",
            f"{m['cores']} cores, {m['cpu']}, Python {m['python']}",
            f"load average (1 min) {m['load']:.1f} at the start, {m.get('load_end', m['load']):.1f} at the end",
            "—",
            "—",
        )
    ]
    rows += conversation_rows("off", figures["off"])
    rows += conversation_rows("on", figures["on"])
    rows += latency_rows(figures["on"], figures["crowds"])
    notices = figures["notices"]
    leader = f"leader's /help meanwhile p95 {ms(percentile(notices['leader_waits'], 0.95))}" if notices["leader_waits"] else "no /help asked"
    rows.append(fanout_row("Reminder", figures["reminders"], f"outbox {figures['reminders']['outbox']}"))
    rows.append(fanout_row("Notice", notices, leader))
    rows += [digest_row(r) for r in figures["digest"]]
    largest_crowd = max(figures["crowds"], key=lambda c: c["users"], default=figures["on"])
    largest_digest = figures["digest"][-1]
    rows += [
        (f"Peak memory, report bot's process ({largest_crowd['users']} people at once)", f"{largest_crowd['report_peak_mb']:.0f} MB", "", "none set", "—"),
        (f"Peak memory, 小结 at {largest_digest['units']:,} units", f"{largest_digest['peak_mb']:.0f} MB", "a process of its own", "none set", "—"),
        ("Peak memory, the benchmark's own process", f"{figures['bench_peak_mb']:.0f} MB", "stand-in, simulated people, and the fan-out bots", "none set", "—"),
    ]
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    title = f"Benchmark report, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}" + (" (--quick: small sizes)" if figures["sizes"] == QUICK else "")
    return "\n".join([title, "", *lines, ""])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench report", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args, _ = parser.parse_known_args(argv)
    logging.basicConfig(level=logging.ERROR)
    figures = asyncio.run(collect(QUICK if args.quick else FULL, say=lambda line: print(line, file=sys.stderr, flush=True)))
    table = build_table(figures)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(table, encoding="utf-8")
    print(table)
    print(f"written to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
