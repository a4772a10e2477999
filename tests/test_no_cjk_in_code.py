"""Every sentence lives in templates/: no Chinese string literal in the code of bot/, handlers/, storage/.

A string literal (f-string parts included; docstrings and comments are fine) with a CJK character
(U+3400–U+9FFF, CJK punctuation U+3000–U+303F, full-width forms U+FF00–U+FFEF) fails the test
unless it is on the short allow-list below. Sentences and labels belong in ``templates/*.j2``
(rendered with ``bot.texts``); vocabularies and data in the TOML files beside the code.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from handlers.plans import LIST_MARKER_PATTERN as PLAN_LIST_MARKER

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("bot", "handlers", "storage")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")

ALLOWED: frozenset[str] = frozenset(
    {
        # Chinese numerals: the alphabet dates and ordinals are spelt with (bot/rules/chinese_date.py).
        "〇一二三四五六七八九",
        "十",
        # Patterns that read what people type: dates (2026年11月20日, 11月20号), head counts
        # (7人, 7/9名) and clock times (下午2点半) (bot/rules/report_rules.py).
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?",
        r"(?<!\d)(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*[日号]?",
        r"(?<![\d.])(\d{1,2})\s*[日号]",
        # Chinese numerals before 年/月/日/号 (十二月十五日), read as digits (bot/rules/chinese_date.py).
        "[〇零一二三四五六七八九十两]+(?=[年月日号])",
        "[〇零一二三四五六七八九十百千两]+",
        r"(\d{1,2})\s*[日号]?",
        r"^(\d+)\s*[人名]?\s*[/、,，]\s*(\d+)\s*[人名]?$",
        r"^(上午|早上|中午|下午|晚上)?\s*(\d{1,2})\s*(?:[:：.]\s*(\d{2})|点\s*(?:(半)|(\d{1,2})\s*分?)?)?$",
        # Patterns that read a leader's typed input: a date range (12.1 至 12.15, report_rules.py), a clock
        # time (9点30), the list markers of a typed plan (（一） 1、 ①) (handlers/schedule.py, plans.py).
        r"\s*(?:至|到|~|～|—+|-|－)\s*|\s+",
        r"^(\d{1,2})(?:[:：.点时](\d{1,2})?分?)?$",
        PLAN_LIST_MARKER,
        # Delimiters an uploaded CSV may use, the full-width comma among them (bot/rules/unit_import.py).
        ",，\t;",
    }
)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def cjk_literals(path: Path) -> list[tuple[int, str]]:
    """(line, literal) of every string literal in ``path`` with CJK in it, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings and CJK.search(node.value)
    )


def offenders() -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line}: {literal!r}"
        for folder in CHECKED
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line, literal in cjk_literals(path)
        if literal not in ALLOWED
    ]


def test_the_scanner_sees_f_string_parts_and_skips_docstrings(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('"""模块说明。"""\ndef f(n):\n    """函数说明。"""\n    return f"共 {n} 条"\n', encoding="utf-8")
    assert cjk_literals(sample) == [(4, " 条"), (4, "共 ")]


def test_allow_list_entries_are_all_still_used() -> None:
    used = {literal for folder in CHECKED for path in (ROOT / folder).rglob("*.py") for _, literal in cjk_literals(path)}
    assert sorted(ALLOWED - used) == []


def test_no_cjk_string_literals_in_code() -> None:
    found = offenders()
    assert not found, "Chinese text in code; move it to templates/*.j2 or a data file:\n" + "\n".join(found)
