"""No uploaded unit list can freeze the bot or hurt anyone else: every hostile or awkward file is
refused with a clear Chinese reason and nothing is imported, the reading runs in a child process
with a time limit, and another person is answered while a huge file is being read.

All files are generated here (tests/import_files.py): a zip bomb, 100,000-row tables, a giant
cell, a workbook without a sheet, random bytes, UTF-16 and Big5 text, 50 MB of CSV.
"""
from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from bot.app.cli import cmd_import_units
from bot.config import load_settings
from bot.fakeapi.harness import BotHarness, Person
from bot.rules.import_worker import read_table_apart
from bot.rules.unit_import import MAX_ROWS, UnitRow, UnreadableFile, check_units, read_table
from storage import units
from tests.import_files import (
    GOOD_ROWS,
    HEADER,
    TRADITIONAL_CSV,
    csv_bytes,
    many_rows,
    random_bytes,
    xlsx_bytes,
    zip_bomb_xlsx,
)

TOO_BIG = "文件超过 5 MB"
TOO_MANY = f"一次最多导入 {MAX_ROWS} 个单位"
CELL_TOO_LONG = "有单元格超过 10000 个字符"

# (what, file name, how to make it, what the refusal says)
REFUSALS: list[tuple[str, str, Callable[[], bytes], tuple[str, ...]]] = [
    ("zip bomb", "units.xlsx", lambda: zip_bomb_xlsx(200), ("解压后超过 16 MB",)),
    ("100,000-row CSV", "units.csv", lambda: csv_bytes(many_rows(100_000)), (TOO_MANY,)),
    ("100,000-row xlsx", "units.xlsx", lambda: xlsx_bytes(many_rows(100_000), dimension="A1:C100001"), (TOO_MANY,)),
    ("CSV cell over 128 KB", "units.csv", lambda: csv_bytes([HEADER, ("长" * 200_000, "村", "1")]), (CELL_TOO_LONG, "第 2 行")),
    ("CSV cell of 20,000 characters", "units.csv", lambda: csv_bytes([HEADER, ("长" * 20_000, "村", "1")]), (CELL_TOO_LONG,)),
    ("xlsx without a worksheet", "units.xlsx", lambda: xlsx_bytes([], with_sheet=False), ("没有工作表",)),
    ("random bytes named .xlsx", "units.xlsx", random_bytes, ("不是有效的 .xlsx 文件",)),
    ("random bytes named .csv", "units.csv", random_bytes, ("编码无法识别", "UTF-8")),
    ("Big5 CSV", "units.csv", lambda: TRADITIONAL_CSV.encode("cp950"), ("繁体中文 Big5", "UTF-8")),
    ("50 MB CSV", "units.csv", lambda: csv_bytes(many_rows(10)) + b"," * (50 * 1024 * 1024), (TOO_BIG,)),
]


@pytest.mark.parametrize("what, file_name, make, says", REFUSALS, ids=[r[0] for r in REFUSALS])
async def test_every_hostile_file_is_refused_clearly_and_nothing_is_imported(
    harness: BotHarness, leader: Person, what: str, file_name: str, make: Callable[[], bytes], says: tuple[str, ...]
) -> None:
    replies = await leader.send_document(make(), file_name)
    text = replies[-1].visible
    assert text.startswith("无法导入：") and all(phrase in text for phrase in says), text
    assert not replies[-1].buttons  # no dialog is left open
    assert await units.list_units(harness.db) == []


async def test_another_persons_help_is_answered_while_a_huge_file_is_read(harness: BotHarness, leader: Person) -> None:
    # Without <dimension>, openpyxl scans the whole sheet before the first row: the costliest kind
    # of file within the limits. Read on the event loop, such a file froze the bot for everyone.
    huge = xlsx_bytes(many_rows(40_000))
    neighbour = harness.person(3001, "赵", "主任")
    importing = asyncio.create_task(leader.send_document(huge, "units.xlsx"))
    answered = await neighbour.send("/help")
    assert answered and not importing.done()  # answered while the import is still being read
    replies = await importing
    assert TOO_MANY in replies[-1].visible
    assert await units.list_units(harness.db) == []


async def test_utf16_csv_is_imported(harness: BotHarness, leader: Person) -> None:
    # Excel's "Unicode text" is UTF-16 with a BOM, tab-separated, named .txt.
    content = "".join("\t".join(row) + "\r\n" for row in [HEADER, *GOOD_ROWS]).encode("utf-16")
    await leader.send_document(content, "units.txt")
    replies = await leader.tap("导入全部 3 个单位")
    assert "已导入 3 个单位" in replies[-1].visible
    assert sorted(u.name for u in await units.list_units(harness.db)) == sorted(row[0] for row in GOOD_ROWS)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "gbk", "gb18030"])
def test_encodings_are_told_apart(encoding: str) -> None:
    content = csv_bytes([HEADER, *GOOD_ROWS], encoding)
    if encoding == "utf-16-be":
        content = b"\xfe\xff" + content
    check = check_units(content, "units.csv", set())
    assert check.all_good and check.good[0] == (2, UnitRow("山宁村党总支", "村", 120))


def test_big5_is_refused_not_misread_even_when_short() -> None:
    for text in (TRADITIONAL_CSV, "名稱\n", "類型,黨員數\n"):
        with pytest.raises(UnreadableFile, match="Big5"):
            read_table(text.encode("cp950"), "units.csv")
    # The same words in simplified characters, in GBK, are read as they are.
    assert read_table("名称\n".encode("gbk"), "units.csv") == [["名称"]]


def test_rows_are_read_only_up_to_the_cap() -> None:
    assert len(read_table(csv_bytes(many_rows(MAX_ROWS)), "units.csv")) == MAX_ROWS + 1
    with pytest.raises(UnreadableFile, match=TOO_MANY):
        read_table(csv_bytes(many_rows(MAX_ROWS + 1)), "units.csv")
    # Blank rows are skipped but not read without end.
    with pytest.raises(UnreadableFile, match=TOO_MANY):
        read_table(csv_bytes([HEADER, *[("", "", "")] * (5 * MAX_ROWS)]), "units.csv")


async def test_the_reader_child_is_stopped_at_the_time_limit() -> None:
    with pytest.raises(UnreadableFile, match="仍未完成，已停止"):
        await read_table_apart(csv_bytes([HEADER, *GOOD_ROWS]), "units.csv", time_limit=0.001)
    rows = await read_table_apart(xlsx_bytes([HEADER, *GOOD_ROWS]), "units.xlsx")
    assert rows == [list(HEADER), *map(list, GOOD_ROWS)]


async def test_the_reader_child_keeps_the_loop_free() -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    try:
        with pytest.raises(UnreadableFile, match=TOO_MANY):
            await read_table_apart(csv_bytes(many_rows(100_000)), "units.csv")
    finally:
        ticker.cancel()
    assert ticks > 1


async def test_cli_refuses_a_huge_file_before_reading_it(tmp_path: Path) -> None:
    settings = load_settings({"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "TELEGRAM_BOT_TOKEN": ""})
    huge = tmp_path / "units.csv"
    huge.write_bytes(csv_bytes(many_rows(10)) + b"," * (50 * 1024 * 1024))
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(zip_bomb_xlsx(200))
    for path, says in ((huge, TOO_BIG), (bomb, "解压后超过")):
        errors = io.StringIO()
        with redirect_stderr(errors):
            assert await cmd_import_units(settings, path, only_good=True) == 1
        assert says in errors.getvalue()
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([HEADER, *GOOD_ROWS], "utf-16"))
    assert await cmd_import_units(settings, good, only_good=False) == 0
