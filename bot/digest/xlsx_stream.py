"""A small .xlsx writer that streams rows: the few parts a workbook needs, and rows as ready XML.

An .xlsx is a zip of XML parts (ECMA-376): the content types, the relationships, the workbook with
its sheet list and defined names (filters, print titles), one style sheet, the document
properties, and one part per sheet. This module writes exactly what the 台账 uses — a fixed style
sheet (title, header, date, percentage, quote-prefixed and wrapped text), column widths, a frozen
header, an autofilter, landscape printing one page wide with repeated rows — and nothing else.
Each cell becomes its XML as it is added: text as an inline string, escaped, with the characters
XML cannot hold dropped; text a spreadsheet would read as a formula (= + - @ tab) gets Excel's
quote prefix so it stays text when edited or exported. A sheet's rows go to a spooled temporary
file (to disk once large) so memory stays flat, and the zip is assembled when the workbook closes.
Nothing here ever writes a formula, a shared string or a link.
"""
from __future__ import annotations

import io
import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape, quoteattr

# Cell styles: indexes into the style sheet's cellXfs below.
PLAIN, TITLE, HEADER, DATE, PERCENT, QUOTED, WRAPPED, WRAPPED_QUOTED = range(8)

_FONT = '<sz val="{size}"/><name val="Calibri"/><family val="2"/>'
_STYLES = (
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="0.0%"/></numFmts>'
    f'<fonts count="3"><font>{_FONT.format(size=11)}</font><font><b/>{_FONT.format(size=14)}</font><font><b/>{_FONT.format(size=11)}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0"/>'
    '</styleSheet>'
)
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-"

# Text starting with these is what spreadsheets (and CSV exports opened in them) read as formulas
# (a leading carriage return, the other such start, is made a line break first).
FORMULA_STARTS = "=+-@\t"
# Characters an .xlsx cannot hold: C0 controls other than tab and line breaks and the two
# non-characters XML 1.0 forbids, and lone surrogates (not encodable as UTF-8).
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel reads _xHHHH_ in a cell as an escaped character; text that holds it literally has its
# underscore escaped (_x005F_) so it reads back as written.
_ESCAPE_LIKE = re.compile("_x[0-9A-Fa-f]{4}_")
_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system, as dates after February 1900 count
_MAX_DIGIT_WIDTH, _PADDING = 7, 5  # pixels, for Calibri 11
_SPOOL_IN_MEMORY = 4 * 1024 * 1024  # a sheet's rows beyond this go to a temporary file
_PIECES_PER_WRITE = 8192  # cells and row tags joined and written to the spool at once
# zlib level: 2 makes a file about 10 % larger than level 4 (18 % larger than the default level 6)
# in 60 % of level 4's time, a tenth of a second of a county's 台账.
_COMPRESSION = 2
# Short texts whose XML is kept for reuse (names, kinds, places, people): a few MB at most.
_TEXTS_KEPT, _TEXT_KEPT_LENGTH = 20_000, 64


class Percent(float):
    """A share written as a percentage (0.0%)."""


class Wrapped(str):
    """Text written wrapped and top-aligned (long paragraphs)."""


def column_letters(index: int) -> str:
    """A (zero-based) column's letters: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def stored_width(characters: float) -> float:
    """The width Excel stores for a column ``characters`` digits wide: the digits plus the
    cell padding, in 1/256 of a character (ECMA-376 Part 1, 18.3.1.13)."""
    return int((int(characters * _MAX_DIGIT_WIDTH + 0.5) + _PADDING) / _MAX_DIGIT_WIDTH * 256) / 256


def clean_text(value: str) -> str:
    """``value`` as a cell can hold it: line breaks as LF, no characters XML cannot hold."""
    if value.isprintable():  # the common case skips the regular expression
        return value
    # A carriage return would reach Excel as the escape _x000D_; as a line break it reads as meant.
    return _UNWRITABLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _text_tail(value: str, plain: int, risky: int) -> str:
    """A text cell's XML after its reference (``<c r="A1"`` + this), or "" when nothing of
    ``value`` can be written. ``risky`` is the style of text that starts like a formula."""
    value = clean_text(value)
    if not value:
        return ""
    style = risky if value[0] in FORMULA_STARTS else plain
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    if "_x" in value:
        value = _ESCAPE_LIKE.sub(r"_x005F\g<0>", value)
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
    styled = f' s="{style}"' if style else ""
    return f'{styled} t="inlineStr"><is><t{space}>{value}</t></is></c>'


def _number_tail(value: float) -> str:
    """A number cell's value and end (``><v>0.5</v></c>``); a cell holds finite numbers only."""
    if not math.isfinite(value):
        raise ValueError(f"a cell cannot hold {value}")
    return f"><v>{float(value)!r}</v></c>"


class Sheet:
    """One worksheet, written top to bottom with :meth:`add_row`; its rows are spooled until the
    workbook closes. ``title_rows`` are printed at the top of every page."""

    def __init__(
        self, name: str, widths: Sequence[float], *, frozen_rows: int = 0, title_rows: int = 0, landscape: bool = False,
        fit_to_width: bool = False, selected: bool = False, texts: dict[str, str] | None = None,
    ):
        self.name, self.widths, self.selected = name, tuple(widths), selected
        self.frozen_rows, self.title_rows, self.landscape, self.fit_to_width = frozen_rows, title_rows, landscape, fit_to_width
        self.rows = 0  # rows written so far
        self.columns = len(self.widths)  # the widest row so far, at least the columns given a width
        self.filter_row: int | None = None
        self._spool = tempfile.SpooledTemporaryFile(_SPOOL_IN_MEMORY)
        self._pending: list[str] = []  # pieces of rows not yet written to the spool
        self._openings: list[str] = []  # '<c r="A', '<c r="B', … for the columns so far
        # The XML of short text already written in the default styles: names, kinds and places
        # come back on row after row, and a lookup is cheaper than cleaning and escaping again.
        self._texts = {} if texts is None else texts
        self._days: dict[date, str] = {}  # a date cell's XML after its reference, by day
        self._shares: dict[float, str] = {}  # a percentage cell's, by value

    def add_row(self, values: Sequence, style: int | None = None) -> None:
        """Write the next row: ``None`` (empty cell), ``str``, :class:`Wrapped`, ``int``,
        ``float``, :class:`Percent` or ``date``. ``style`` (TITLE, HEADER) is given to every cell
        of the row instead of the style the value's type asks for."""
        # The hot loop of a large 台账 (a county's year is a million cells): each cell is one
        # f-string of its column's ``<c r="X`` opening, the row number and a tail that is looked
        # up where it can be (text, days and shares recur), and the row's pieces are joined
        # only when a batch of rows is written out.
        self.rows = row = self.rows + 1
        count = len(values)
        if count > self.columns:
            self.columns = count
        openings = self._openings
        while len(openings) < count:
            openings.append(f'<c r="{column_letters(len(openings))}')
        number = f'{row}"'
        out = self._pending
        out.append(f'<row r="{number}>')
        if style is not None:  # a title or header row: every cell in the style given
            for opening, value in zip(openings, values):
                tail = None if value is None else _text_tail(str(value), style, style)
                if tail:
                    out.append(f"{opening}{number}{tail}")
            values = ()
        texts, days, shares = self._texts, self._days, self._shares
        for opening, value in zip(openings, values):
            if value is None:
                continue
            kind = type(value)
            if kind is str:
                tail = texts.get(value)
                if tail is None:
                    if value.isalnum():  # letters and digits only: nothing to clean or escape
                        tail = f' t="inlineStr"><is><t>{value}</t></is></c>'
                        keep = not value.isascii()  # record ids (HD0012) come once each: not kept
                    else:
                        tail = _text_tail(value, PLAIN, QUOTED)
                        keep = True
                    if keep and len(texts) < _TEXTS_KEPT and len(value) <= _TEXT_KEPT_LENGTH:
                        texts[value] = tail
                if tail:
                    out.append(f"{opening}{number}{tail}")
            elif kind is int:
                out.append(f"{opening}{number}><v>{value}</v></c>")
            elif kind is date:
                tail = days.get(value)
                if tail is None:
                    tail = days[value] = f' s="{DATE}"><v>{(value - _EPOCH).days}</v></c>'
                out.append(f"{opening}{number}{tail}")
            elif kind is Percent:
                tail = shares.get(value)
                if tail is None:
                    tail = shares[value] = f' s="{PERCENT}"{_number_tail(value)}'
                out.append(f"{opening}{number}{tail}")
            elif kind is float:
                out.append(f"{opening}{number}{_number_tail(value)}")
            elif kind is Wrapped:
                tail = _text_tail(str(value), WRAPPED, WRAPPED_QUOTED)
                if tail:
                    out.append(f"{opening}{number}{tail}")
            else:
                raise TypeError(f"no cell type for {kind.__name__}")
        out.append("</row>")
        if len(out) >= _PIECES_PER_WRITE:
            self._flush()

    def filter_from(self, row: int) -> None:
        """Filter buttons on (one-based) ``row``, over every row below it when the sheet is written."""
        self.filter_row = row

    def _flush(self) -> None:
        self._spool.write("".join(self._pending).encode())
        self._pending.clear()

    def _last_column(self) -> str:
        return column_letters(max(self.columns, 1) - 1)

    def filter_range(self, absolute: bool = False) -> str:
        """The filtered range, A2:R100 (or $A$2:$R$100 as a defined name holds it)."""
        first, last = self.filter_row, max(self.rows, self.filter_row or 0)
        if absolute:
            return f"$A${first}:${self._last_column()}${last}"
        return f"A{first}:{self._last_column()}{last}"

    def write_to(self, archive: zipfile.ZipFile, path: str) -> None:
        self._flush()
        with archive.open(path, "w") as part:
            part.write(self._head().encode())
            self._spool.seek(0)
            shutil.copyfileobj(self._spool, part, 1024 * 1024)
            part.write(self._tail().encode())
        self._spool.close()

    def _head(self) -> str:
        fit = "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>" if self.fit_to_width else ""
        selected = ' tabSelected="1"' if self.selected else ""
        pane = ""
        if self.frozen_rows:
            top = f"A{self.frozen_rows + 1}"
            pane = (
                f'<pane ySplit="{self.frozen_rows}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
                f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
            )
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{stored_width(width)}" customWidth="1"/>' for i, width in enumerate(self.widths, start=1)
        )
        return (
            f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">{fit}<dimension ref="A1:{self._last_column()}{max(self.rows, 1)}"/>'
            f'<sheetViews><sheetView{selected} workbookViewId="0">{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>'
        )

    def _tail(self) -> str:
        autofilter = f'<autoFilter ref="{self.filter_range()}"/>' if self.filter_row is not None else ""
        orientation = ' orientation="landscape"' if self.landscape else ""
        fit = ' fitToHeight="0"' if self.fit_to_width else ""
        return (
            f'</sheetData>{autofilter}<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            f'<pageSetup{orientation}{fit}/></worksheet>'
        )


class Workbook:
    """Sheets added in order, written into one .xlsx by :meth:`close`."""

    def __init__(self, title: str | None = None, created: datetime | None = None):
        self.title = title
        self.created = created or datetime.now(UTC)
        self.sheets: list[Sheet] = []
        self._texts: dict[str, str] = {}  # shared by the sheets: unit names recur in each

    def add_sheet(self, name: str, widths: Sequence[float], **setup) -> Sheet:
        sheet = Sheet(name, widths, selected=not self.sheets, texts=self._texts, **setup)
        self.sheets.append(sheet)
        return sheet

    def close(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESSION) as archive:
            archive.writestr("[Content_Types].xml", self._content_types())
            archive.writestr("_rels/.rels", _relationships(
                ("officeDocument", "xl/workbook.xml"), ("metadata/core-properties", "docProps/core.xml"),
            ))
            archive.writestr("docProps/core.xml", self._core())
            archive.writestr("xl/workbook.xml", self._workbook())
            archive.writestr("xl/_rels/workbook.xml.rels", _relationships(
                *(("worksheet", f"worksheets/sheet{i}.xml") for i in range(1, len(self.sheets) + 1)), ("styles", "styles.xml"),
            ))
            archive.writestr("xl/styles.xml", _XML + _STYLES)
            for i, sheet in enumerate(self.sheets, start=1):
                sheet.write_to(archive, f"xl/worksheets/sheet{i}.xml")
        return buffer.getvalue()

    def _content_types(self) -> str:
        overrides = [
            ("/xl/workbook.xml", "officedocument.spreadsheetml.sheet.main+xml"),
            ("/xl/styles.xml", "officedocument.spreadsheetml.styles+xml"),
            ("/docProps/core.xml", "package.core-properties+xml"),
            *((f"/xl/worksheets/sheet{i}.xml", "officedocument.spreadsheetml.worksheet+xml") for i in range(1, len(self.sheets) + 1)),
        ]
        return (
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{_TYPE}package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + "".join(f'<Override PartName="{part}" ContentType="{_TYPE}{kind}"/>' for part, kind in overrides)
            + "</Types>"
        )

    def _core(self) -> str:
        stamp = self.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        title = f"<dc:title>{escape(clean_text(self.title))}</dc:title>" if self.title else ""
        return (
            f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'{title}<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'
        )

    def _workbook(self) -> str:
        sheets = "".join(
            f'<sheet name={quoteattr(s.name)} sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(self.sheets, start=1)
        )
        names = []
        for i, s in enumerate(self.sheets):
            quoted = "'" + s.name.replace("'", "''") + "'"
            if s.filter_row is not None:
                names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">{escape(quoted)}!{s.filter_range(absolute=True)}</definedName>')
            if s.title_rows:
                names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{escape(quoted)}!$1:${s.title_rows}</definedName>')
        defined = f"<definedNames>{''.join(names)}</definedNames>" if names else ""
        return (
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets>{defined}</workbook>"
        )


def _relationships(*targets: tuple[str, str]) -> str:
    """A relationships part: (type, target) pairs, numbered rId1, rId2, …"""
    def kind(name: str) -> str:
        return f"{_PACKAGE_RELS}/{name}" if name.startswith("metadata/") else f"{_DOC_RELS}/{name}"

    return (
        f'{_XML}<Relationships xmlns="{_PACKAGE_RELS}">'
        + "".join(f'<Relationship Id="rId{i}" Type="{kind(t)}" Target="{target}"/>' for i, (t, target) in enumerate(targets, start=1))
        + "</Relationships>"
    )
