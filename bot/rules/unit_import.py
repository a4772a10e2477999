"""Reading a list of units from a CSV or XLSX file, and checking every row before anything is saved.

Expected columns (header row required, Chinese or English): 单位名称/名称/name, 类型/kind,
党员数/members; optional, headed exactly 支委人数 and 党小组数 (a cell left empty: not stated). CSV may be UTF-8 (with or without BOM), UTF-16 (with BOM, as Excel's "Unicode
text" saves it) or GBK/GB18030, as Excel in China saves it; a Big5 (繁体) file is told apart and
refused with a request to save it as UTF-8 rather than read as garbage. Reading is bounded so that
no file can cost much: the file's size, an .xlsx's declared unpacked size and entry count (checked
with ``zipfile`` before openpyxl opens it), the rows (streamed, stopping at ``MAX_ROWS`` + 1), the
columns and the length of a cell. Every refusal is an :class:`UnreadableFile` whose message says
why, in Chinese. Validation is pure: it takes the file's bytes and the names already in use, and
returns the good rows and, for every bad row, its row number and a reason in Chinese. The bot and
the CLI run the reading in a child process with a time limit (:mod:`bot.rules.import_worker`).
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bot.rules.unit_kinds import UNIT_KINDS, is_unit_kind
from bot.rules.user_input import clean_text, excerpt, parse_number
from bot.rules.words import WORDS
from bot.texts import plain

MAX_NAME_LENGTH = 40
MAX_MEMBERS = 100_000
MAX_ROWS = 5_000
MAX_FILE_BYTES = 5 * 1024 * 1024
# An .xlsx is a zip: what its entries say they unpack to is checked before anything is unpacked
# (zipfile never inflates an entry past its declared size, so a lying header cannot get round it).
# A real list of 5,000 units unpacks to about 1 MB; openpyxl reads about 1-3 MB of sheet a second.
MAX_UNPACKED_BYTES = 16 * 1024 * 1024
MAX_ZIP_ENTRIES = 1_000
# Blank rows are skipped, not counted; this bounds how many are read looking for the next unit.
MAX_SCANNED_ROWS = 4 * MAX_ROWS
MAX_COLUMNS = 50
MAX_CELL_CHARS = 10_000
MAX_TABLE_CHARS = 10_000_000

_HEADERS: dict[str, tuple[str, ...]] = {key: tuple(names) for key, names in WORDS["import_headers"].items()}
# Optional columns, found by their exact header: the committee size and the number of 党小组.
_OPTIONAL_HEADERS: dict[str, str] = dict(WORDS["import_optional_headers"])


class UnreadableFile(ValueError):
    """The file is not a CSV/XLSX we can read; the message says why, in Chinese."""


@dataclass(frozen=True)
class UnitRow:
    name: str
    kind: str
    member_count: int
    committee_size: int | None = None  # None: not stated
    group_count: int | None = None  # None: not stated

    def as_tuple(self) -> tuple[str, str, int, int | None, int | None]:
        return (self.name, self.kind, self.member_count, self.committee_size, self.group_count)


@dataclass
class ImportCheck:
    good: list[tuple[int, UnitRow]] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)

    @property
    def all_good(self) -> bool:
        return not self.bad and bool(self.good)


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


def too_big_message() -> str:
    """Why a file over ``MAX_FILE_BYTES`` is refused (the chat checks the size before downloading)."""
    return plain("rules", "import_too_big", megabytes=_megabytes(MAX_FILE_BYTES))


def _common_share(text: str, encoding: str, leads: range) -> float:
    """The share of the text's Han characters that are everyday ones in ``encoding``: those whose
    first byte falls in ``leads`` (GB2312 level 1, or Big5's 常用字). Text decoded with the wrong
    one of the two comes out as rare or private-use characters far more often."""
    # The CJK Unified Ideographs, and the private-use area where a wrong decoding often lands.
    han = [ch for ch in text if 0x4E00 <= ord(ch) <= 0x9FFF or 0xE000 <= ord(ch) <= 0xF8FF]
    if not han:
        return 0.0
    common = 0
    for ch in han:
        try:
            if ch.encode(encoding)[0] in leads:
                common += 1
        except UnicodeEncodeError:
            pass
    return common / len(han)


def _strict(content: bytes, encoding: str) -> str | None:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError:
        return None


def decode_text(content: bytes) -> str:
    """The CSV's text: a BOM decides; else UTF-8 if it is valid; else GB18030 or Big5, whichever
    reads as everyday Chinese. Big5 is refused with a clear request rather than mis-decoded."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(content, "utf-16")
    elif content.startswith(codecs.BOM_UTF8):
        text = _strict(content, "utf-8-sig")
    else:
        text = _strict(content, "utf-8")
        if text is None:
            simplified, traditional = _strict(content, "gb18030"), _strict(content, "cp950")
            if traditional is not None and (
                simplified is None
                or _common_share(traditional, "cp950", range(0xA4, 0xC7)) > _common_share(simplified, "gb2312", range(0xB0, 0xD8))
            ):
                raise UnreadableFile(plain("rules", "import_big5"))
            text = simplified
    if text is None:
        raise UnreadableFile(plain("rules", "import_encoding_unknown"))
    return text


def _rows_from_csv(content: bytes) -> Iterator[list[str]]:
    text = decode_text(content)
    if "\x00" in text:  # a binary file renamed .csv decodes, but it is not text
        raise UnreadableFile(plain("rules", "import_not_csv"))
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",，\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        yield from reader
    except csv.Error as exc:  # the only error left for decoded text: a field over csv's 128 KB limit
        raise UnreadableFile(plain("rules", "import_cell_too_long", number=reader.line_num, limit=MAX_CELL_CHARS)) from exc


def _check_xlsx_zip(content: bytes) -> None:
    """Refuse what is not a zip, or unpacks too big, before openpyxl opens it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise UnreadableFile(plain("rules", "import_xlsx_unreadable")) from exc
    unpacked = sum(entry.file_size for entry in entries)
    if len(entries) > MAX_ZIP_ENTRIES or unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableFile(plain("rules", "import_unpacked_too_big", megabytes=_megabytes(MAX_UNPACKED_BYTES)))


def _rows_from_xlsx(content: bytes) -> Iterator[list[str]]:
    _check_xlsx_zip(content)
    from openpyxl import load_workbook  # imported only when needed: it takes a while to load

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(plain("rules", "import_xlsx_unreadable")) from exc
    try:
        if not workbook.worksheets:
            raise UnreadableFile(plain("rules", "import_no_sheet"))
        sheet = workbook.worksheets[0]
        try:
            for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
                yield ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in values]
        except UnreadableFile:
            raise
        except Exception as exc:  # a sheet whose XML is damaged half-way down
            raise UnreadableFile(plain("rules", "import_xlsx_unreadable")) from exc
    finally:
        workbook.close()


def _bounded(rows: Iterable[list[str]]) -> list[list[str]]:
    """The non-blank rows, header first, read only as far as the limits allow."""
    kept: list[list[str]] = []
    characters = 0
    for scanned, row in enumerate(rows, start=1):
        row = row[:MAX_COLUMNS]
        while row and not row[-1]:  # openpyxl pads a row to the sheet's width
            row.pop()
        longest = max((len(cell) for cell in row), default=0)
        if longest > MAX_CELL_CHARS:
            raise UnreadableFile(plain("rules", "import_cell_too_long", number=scanned, limit=MAX_CELL_CHARS))
        if not any(cell.strip() for cell in row):
            if scanned > MAX_SCANNED_ROWS:
                raise UnreadableFile(plain("rules", "import_too_many", limit=MAX_ROWS))
            continue
        kept.append(row)
        characters += sum(len(cell) for cell in row)
        if len(kept) - 1 > MAX_ROWS or scanned > MAX_SCANNED_ROWS:
            raise UnreadableFile(plain("rules", "import_too_many", limit=MAX_ROWS))
        if characters > MAX_TABLE_CHARS:
            raise UnreadableFile(plain("rules", "import_unpacked_too_big", megabytes=_megabytes(MAX_UNPACKED_BYTES)))
    return kept


def read_table(content: bytes, file_name: str) -> list[list[str]]:
    """The file's non-blank rows (header first), or :class:`UnreadableFile` saying why not."""
    if len(content) > MAX_FILE_BYTES:
        raise UnreadableFile(too_big_message())
    lowered = file_name.lower()
    if lowered.endswith(".xlsx"):
        return _bounded(_rows_from_xlsx(content))
    if lowered.endswith((".csv", ".txt")):
        return _bounded(_rows_from_csv(content))
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
    stripped = [h.strip() for h in header]
    for key, title in _OPTIONAL_HEADERS.items():
        if title in stripped:
            mapping[key] = stripped.index(title)
    return mapping


# Between the two sizes: blanks, a slash, or a comma (ASCII, full-width, or the enumeration comma).
_SIZE_SEPARATORS = re.compile(r"[\s/,\uff0c\u3001]+")


def parse_sizes(text: str, members: int, *, with_committee: bool) -> tuple[int | None, int | None] | None:
    """支委人数 and 党小组数 from text such as “5 3” (or “5/3”), or only 党小组数 when the branch
    is too small for a committee (its committee is then recorded as none: None). None when the text does not
    hold that many whole numbers, or one is larger than the membership."""
    numbers = [parse_number(part) for part in _SIZE_SEPARATORS.split(text.strip()) if part]
    if any(n is None or n > members for n in numbers):
        return None
    if with_committee and len(numbers) == 2:
        return numbers[0], numbers[1]
    if not with_committee and len(numbers) == 1:
        return None, numbers[0]
    return None


def _size_cell(text: str, members: int) -> int | None | str:
    """A 支委人数/党小组数 cell: None when empty (not stated), the number, or the text when bad."""
    if not text:
        return None
    value = parse_number(text)
    return value if value is not None and value <= members else text


def check_units(content: bytes, file_name: str, existing_names: set[str]) -> ImportCheck:
    """Read the file here and validate every row (the bot reads in a child process instead)."""
    return check_rows(read_table(content, file_name), existing_names)


def check_rows(rows: list[list[str]], existing_names: set[str]) -> ImportCheck:
    """Validate every row; row numbers are as a spreadsheet shows them (header is row 1)."""
    rows = [r for r in rows if any(clean_text(cell) for cell in r)]
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
            sizes = {key: _size_cell(cell(key), members) if key in columns else None for key in _OPTIONAL_HEADERS}
            bad_size = next(((key, value) for key, value in sizes.items() if isinstance(value, str)), None)
            if bad_size is not None:
                key, text = bad_size
                result.bad.append((number, plain("rules", "import_size_bad", column=_OPTIONAL_HEADERS[key], text=excerpt(text), members=members)))
                continue
            seen.add(name)
            result.good.append((number, UnitRow(name, kind, members, sizes["committee_size"], sizes["group_count"])))  # type: ignore[arg-type]
    return result
