"""Reading a list of units from a CSV or XLSX file, and checking every row before anything is saved.

Expected columns (header row required, Chinese or English): 单位名称/名称/name, 类型/kind,
党员数/members. CSV may be UTF-8 (with or without BOM) or GBK, as Excel in China saves it.
Validation is pure: it takes the file's bytes and the names already in use, and returns the good
rows and, for every bad row, its row number and a reason in Chinese.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from bot.rules.unit_kinds import UNIT_KINDS, is_unit_kind
from bot.rules.user_input import clean_text, excerpt, parse_number
from bot.rules.words import WORDS
from bot.texts import plain

MAX_NAME_LENGTH = 40
MAX_MEMBERS = 100_000
MAX_ROWS = 5_000

_HEADERS: dict[str, tuple[str, ...]] = {key: tuple(names) for key, names in WORDS["import_headers"].items()}


class UnreadableFile(ValueError):
    """The file is not a CSV/XLSX we can read; the message says why, in Chinese."""


@dataclass(frozen=True)
class UnitRow:
    name: str
    kind: str
    member_count: int


@dataclass
class ImportCheck:
    good: list[tuple[int, UnitRow]] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)

    @property
    def all_good(self) -> bool:
        return not self.bad and bool(self.good)


def _rows_from_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise UnreadableFile(plain("rules", "import_encoding_unknown"))
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",，\t;")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _rows_from_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(plain("rules", "import_xlsx_unreadable")) from exc
    sheet = workbook.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in values])
    workbook.close()
    return rows


def read_table(content: bytes, file_name: str) -> list[list[str]]:
    lowered = file_name.lower()
    if lowered.endswith(".xlsx"):
        return _rows_from_xlsx(content)
    if lowered.endswith((".csv", ".txt")):
        return _rows_from_csv(content)
    raise UnreadableFile(plain("rules", "import_file_type"))


def _column_map(header: list[str]) -> dict[str, int]:
    normalized = [h.strip().lower() for h in header]
    mapping: dict[str, int] = {}
    for key, names in _HEADERS.items():
        for index, value in enumerate(normalized):
            if value in names:
                mapping[key] = index
                break
    missing = [names[0] for key, names in _HEADERS.items() if key not in mapping]
    if missing:
        raise UnreadableFile(plain("rules", "import_columns_missing", missing=missing))
    return mapping


def check_units(content: bytes, file_name: str, existing_names: set[str]) -> ImportCheck:
    """Validate every row; row numbers are as a spreadsheet shows them (header is row 1)."""
    rows = read_table(content, file_name)
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise UnreadableFile(plain("rules", "import_empty"))
    columns = _column_map(rows[0])
    if len(rows) - 1 > MAX_ROWS:
        raise UnreadableFile(plain("rules", "import_too_many", limit=MAX_ROWS))
    result = ImportCheck()
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        cell = lambda key: clean_text(row[columns[key]]) if columns[key] < len(row) else ""  # noqa: E731
        name, kind, members_text = cell("name"), cell("kind"), cell("members")
        if not name:
            result.bad.append((number, plain("rules", "import_name_empty")))
        elif len(name) > MAX_NAME_LENGTH:
            result.bad.append((number, plain("rules", "import_name_too_long", limit=MAX_NAME_LENGTH)))
        elif name in existing_names:
            result.bad.append((number, plain("rules", "import_name_exists", name=name)))
        elif name in seen:
            result.bad.append((number, plain("rules", "import_name_repeated", name=name)))
        elif not is_unit_kind(kind):
            result.bad.append((number, plain("rules", "import_kind_bad", kind=excerpt(kind), kinds=UNIT_KINDS)))
        elif (members := parse_number(members_text)) is None or members > MAX_MEMBERS:
            result.bad.append((number, plain("rules", "import_members_bad", text=excerpt(members_text), limit=MAX_MEMBERS)))
        else:
            seen.add(name)
            result.good.append((number, UnitRow(name, kind, members)))
    return result
