"""The arrows point one way: handlers → bot → storage, and only the app shell knows the handlers.

Rules checked on every .py file's imports (read with ``ast``, so nothing is imported to check):
  1. storage/ imports nothing from bot/ or handlers/ (repositories take and return plain values);
  2. no module of bot/ outside bot/app/ imports handlers/ (bot/app/wiring.py registers them);
  3. handlers/ import nothing from bot/app/ at all (the wiring needs nothing back from them but
     their callbacks, which it imports itself).
An import of a package's name (``from bot import app``) counts as an import of that module.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, as dotted names (``from a import b`` gives ``a`` and ``a.b``)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def offences(folder: str, forbidden: tuple[str, ...], exempt: tuple[str, ...] = ()) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if any(_is_within(module, e) for e in exempt):
            continue
        for name in sorted(imported_modules(path)):
            if any(_is_within(name, f) for f in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_the_import_reader_sees_every_form() -> None:
    modules = imported_modules(ROOT / "bot" / "app" / "wiring.py")
    assert {"handlers.access", "bot.services", "bot.reminders.engine", "storage.db"} <= modules


def test_storage_depends_on_nothing_above_it() -> None:
    assert offences("storage", ("bot", "handlers")) == []


def test_only_the_app_shell_imports_handlers() -> None:
    assert offences("bot", ("handlers",), exempt=("bot.app",)) == []


def test_handlers_do_not_reach_into_the_app_shell() -> None:
    assert offences("handlers", ("bot.app",)) == []
