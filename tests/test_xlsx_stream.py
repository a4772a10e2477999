"""The streaming .xlsx writer on its own: a workbook openpyxl reads without a warning, typed cells,
escaped text, the sheet's declared size, and a sheet too large to keep in memory."""
import io
import math
import warnings
import zipfile
from datetime import UTC, date, datetime

import openpyxl
import pytest

from bot.digest import xlsx_stream
from bot.digest.xlsx_stream import HEADER, TITLE, Percent, Workbook, Wrapped, column_letters, stored_width


def read(data: bytes) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a part openpyxl has to guess about fails the test
        return openpyxl.load_workbook(io.BytesIO(data))


def test_column_letters_and_widths():
    assert [column_letters(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]
    # Excel's own figures for a column 10 and 24 characters wide at Calibri 11.
    assert stored_width(10) == 10.7109375 and stored_width(24) == 24.7109375


def test_a_workbook_reads_back_typed_and_set_up():
    book = Workbook(title="标题 & <台账>", created=datetime(2026, 11, 27, 8, 30, tzinfo=UTC))
    sheet = book.add_sheet("甲's", [12, 30], frozen_rows=2, title_rows=2, landscape=True, fit_to_width=True)
    sheet.add_row(["表头说明"], TITLE)
    sheet.add_row(["日期", "=内容"], HEADER)
    sheet.filter_from(2)
    sheet.add_row([date(2026, 11, 5), "=1+1", 7, 2.5, Percent(0.125), None, Wrapped("-两行\n文字")])
    book.add_sheet("乙", [8]).add_row([])
    wb = read(book.close())

    assert wb.sheetnames == ["甲's", "乙"] and wb.properties.title == "标题 & <台账>"
    assert wb.properties.created == datetime(2026, 11, 27, 8, 30)
    ws = wb["甲's"]
    assert ws["A1"].font.b and ws["A1"].font.sz == 14 and ws["A2"].font.b and ws["B2"].font.b
    assert ws["B2"].value == "=内容" and ws["B2"].data_type == "s" and not ws["B2"].quotePrefix  # a header is no user text
    day, text, whole, part, share, empty, wrapped = ws[3]
    assert day.value == datetime(2026, 11, 5) and day.number_format == "yyyy-mm-dd"
    assert text.value == "=1+1" and text.data_type == "s" and text.quotePrefix
    assert (whole.value, part.value) == (7, 2.5) and type(whole.value) is int
    assert share.value == 0.125 and share.number_format == "0.0%"
    assert empty.value is None
    assert wrapped.value == "-两行\n文字" and wrapped.quotePrefix and wrapped.alignment.wrap_text and wrapped.alignment.vertical == "top"
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:G3" and ws.print_title_rows == "$1:$2"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["A"].width == stored_width(12) and ws.column_dimensions["B"].width == stored_width(30)
    assert wb["乙"].freeze_panes is None and wb["乙"].auto_filter.ref is None


def test_text_is_escaped_and_kept_as_written():
    book = Workbook()
    sheet = book.add_sheet("s", [10])
    written = ["a & b", "<t>", "]]>", " lead", "trail\n", "_x0041_", "_x005F_", "x\x00y\x0b\ufffe", "\r\n", "", "\x01"]
    for text in written:
        sheet.add_row([text])
    data = book.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "_x005F_x0041_" in xml and "&lt;t&gt;" in xml and "]]&gt;" in xml
    assert '<dimension ref="A1:A11"/>' in xml
    ws = read(data)["s"]
    values = [ws.cell(row, 1).value for row in range(1, len(written) + 1)]
    # openpyxl leaves Excel's _xHHHH_ escapes in inline strings as they are in the file.
    assert values == ["a & b", "<t>", "]]>", " lead", "trail\n", "_x005F_x0041_", "_x005F_x005F_", "xy", "\n", None, None]


def test_a_value_of_no_cell_type_is_refused():
    sheet = Workbook().add_sheet("s", [10])
    with pytest.raises(TypeError):
        sheet.add_row([datetime(2026, 1, 1)])  # a date is written as a day; a moment has no column here
    with pytest.raises(ValueError):
        sheet.add_row([math.nan])


def test_a_sheet_larger_than_memory_keeps_every_row(monkeypatch):
    monkeypatch.setattr(xlsx_stream, "_SPOOL_IN_MEMORY", 64 * 1024)  # rolls over to a file after 64 KB
    book = Workbook()
    sheet = book.add_sheet("s", [10, 10])
    for i in range(5000):
        sheet.add_row([f"第{i}行 & 文字", i])
    ws = read(book.close())["s"]
    assert ws.max_row == 5000 and ws.cell(4321, 1).value == "第4320行 & 文字" and ws.cell(5000, 2).value == 4999
