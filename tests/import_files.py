"""Hostile and awkward unit lists, made on the spot (no binary fixtures): a zip bomb, huge tables,
a giant cell, a workbook without a sheet, random bytes, UTF-16 and Big5 text.

Shared by tests/test_import_limits.py and bench/import_refusals.py. The .xlsx files are written
by hand with ``zipfile`` (the four parts openpyxl needs) so that even the big ones take little
time and memory to make: rows are streamed into the archive.
"""
from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterable

HEADER = ("单位名称", "类型", "党员数")
GOOD_ROWS = (("山宁村党总支", "村", "120"), ("博望中学党支部", "学校", "41"), ("博望机床厂党支部", "非公企业", "36"))
# The same list as a Taiwanese Excel would save it: traditional characters, Big5.
TRADITIONAL_CSV = "單位名稱,類型,黨員數\n山寧村黨總支,村,120\n博望中學黨支部,學校,41\n"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_SHEETS = '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'


def _workbook(sheets: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"{sheets}</workbook>"
    )


def _row_xml(number: int, values: Iterable[str]) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'


def xlsx_bytes(rows: Iterable[Iterable[str]], with_sheet: bool = True, dimension: str | None = None) -> bytes:
    """A minimal .xlsx whose first sheet holds ``rows`` (streamed in), or a workbook without one.
    ``dimension`` ("A1:C100001") is written as Excel writes it; without it openpyxl must scan the
    whole sheet before the first row, which is the costlier case."""
    return _xlsx((_row_xml(number, values).encode() for number, values in enumerate(rows, start=1)), with_sheet, dimension)


def _xlsx(sheet_data: Iterable[bytes], with_sheet: bool = True, dimension: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", _workbook(_SHEETS if with_sheet else "<sheets/>"))
        if with_sheet:
            archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
                sheet.write(f'<dimension ref="{dimension}"/><sheetData>'.encode() if dimension else b"<sheetData>")
                for chunk in sheet_data:
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def many_rows(count: int) -> list[tuple[str, str, str]]:
    """The header and ``count`` distinct, valid units."""
    return [HEADER, *((f"第{n}村党支部", "村", "30") for n in range(1, count + 1))]


def csv_bytes(rows: Iterable[Iterable[str]], encoding: str = "utf-8") -> bytes:
    return "".join(",".join(row) + "\n" for row in rows).encode(encoding)


def zip_bomb_xlsx(unpacked_megabytes: int = 300) -> bytes:
    """A small .xlsx whose sheet XML inflates to ``unpacked_megabytes``: one row, repeated."""
    chunk = (_row_xml(1, HEADER) + _row_xml(2, ("炸弹村党支部" * 20, "村", "1")) * 1000).encode()
    return _xlsx(chunk for _ in range(unpacked_megabytes * 1024 * 1024 // len(chunk)))


def random_bytes(size: int = 64 * 1024) -> bytes:
    return random.Random(7).randbytes(size)
