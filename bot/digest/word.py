"""The 小结 as a Word document laid out like a Chinese government document (GB/T 9704-2012).

The sentences are the document's blocks (bot/digest/document.py), the same the chat text says;
this module only lays each kind of block out. A4 with margins 37/35/28/26 mm and a document grid
of 22 lines × 28 characters (§5.2); title in 方正小标宋简体 二号, body in 仿宋_GB2312 三号 with a
two-character first-line indent, 一、 headings in 黑体, numbered 1、 headings in 楷体_GB2312.
Signature and date as §7.3.5.2 places them for a document without a seal: the 发文机关署名 one
empty line under the text, two characters from the right; the date on the next line, its first
character two characters right of the signature's first; a date too long for that is put two
characters from the right and the signature moved left to keep the two-character step. Page
numbers as §7.5 wants them: “— 1 —” in 4号 half-width 宋体 digits, 7 mm under the type area, odd
pages on the right and even pages on the left, one character in from the edge of the type area.
The file's properties name the organisation, the title, the moment of writing and the language.

Fonts: Word picks the face for Chinese characters from ``w:eastAsia`` and for Latin letters and
digits from ``w:ascii``/``w:hAnsi``, and has no per-run fallback list. So each run names the face
for Chinese characters as ``eastAsia`` and a face every Chinese Windows has (FangSong, SimHei,
KaiTi, SimSun) as ``ascii``/``hAnsi``; the font table gives each Chinese face its other name and
code page, which is what Word and LibreOffice substitute by when it is missing. A Traditional
document uses Traditional faces (新細明體, 標楷體, 微軟正黑體): the GB fonts have no Traditional
glyphs. The faces are named in ``data/word_fonts.toml``.
"""
from __future__ import annotations

import io
import math
import tomllib
import unicodedata
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from lxml import etree

from bot.clock import system_clock
from bot.digest.document import HANS, HANT, Block, BlockKind


class Font(NamedTuple):
    east_asia: str  # w:eastAsia, for Chinese characters
    latin: str  # w:ascii and w:hAnsi, for digits and Latin letters
    alt: str  # the face's other name, for the font table
    charset: str  # its code page, for the font table: 86 GB2312, 88 Big5
    bold: bool = False


def _load_fonts() -> dict[str, dict[str, Font]]:
    data = tomllib.loads((Path(__file__).parent / "data" / "word_fonts.toml").read_text(encoding="utf-8"))
    return {
        script: {
            role: Font(str(f["east_asia"]), str(f["latin"]), str(f["alt"]), str(f["charset"]), bool(f.get("bold", False)))
            for role, f in roles.items()
        }
        for script, roles in data.items()
    }


FONTS = _load_fonts()
# The language each script is written in, for the file's properties and Word's w:lang.
LANGUAGE = {HANS: "zh-CN", HANT: "zh-TW"}

# §5.2: A4, type area 156 × 225 mm at 37/35/28/26 mm margins, 22 lines of 28 characters.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, BOTTOM, LEFT, RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28

TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
TITLE_LINE = Pt(36)
PAGE_NUMBER_GAP = Mm(7)  # §7.5: the page number's dash 7 mm under the type area


def _emu_twips(length) -> int:
    return round(length / 635)  # 635 EMU to the twip


class Grid(NamedTuple):
    """The document grid, computed from the page as Word stores it (whole twips)."""

    line_pitch: int  # twips between lines
    char_pitch: float  # twips per character
    char_space: int  # w:charSpace: 4096ths of a point added to the body size

    @classmethod
    def of_page(cls) -> Grid:
        height = _emu_twips(PAGE_HEIGHT) - _emu_twips(TOP) - _emu_twips(BOTTOM)
        width = _emu_twips(PAGE_WIDTH) - _emu_twips(LEFT) - _emu_twips(RIGHT)
        # Rounded down, so that 22 lines and 28 characters fit whatever Word rounds.
        line_pitch = height // LINES_PER_PAGE
        char_space = math.floor((width / CHARS_PER_LINE / 20 - BODY_SIZE.pt) * 4096)
        char_pitch = (BODY_SIZE.pt + char_space / 4096) * 20
        return cls(line_pitch, char_pitch, char_space)

    @property
    def line(self) -> Twips:
        return Twips(self.line_pitch)

    def chars(self, count: float) -> Twips:
        """``count`` characters of the body as a length, rounded down."""
        return Twips(math.floor(count * self.char_pitch))


GRID = Grid.of_page()
LINE = GRID.line  # the body's exact line height: the grid's line pitch


def text_width(text: str) -> float:
    """How many characters wide ``text`` is: a wide or full-width character 1, others ½ (半角)."""
    return sum(1 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


def signature_right_spaces(signature: str, date_text: str) -> tuple[float, float]:
    """Characters left empty right of the signature and right of the date (§7.3.5.2, no seal).

    The signature stands two characters from the right and the date one line under it, its first
    character two characters right of the signature's first. A date that would then come closer
    than two characters to the right edge is put two characters from it, and the signature moves
    left with it. Never more than the line holds.
    """
    signature_width, date_width = float(text_width(signature)), float(text_width(date_text))
    signature_right = max(2.0, date_width - signature_width + 4)
    signature_right = min(signature_right, max(0.0, CHARS_PER_LINE - signature_width))
    date_right = max(0.0, signature_right + signature_width - 2 - date_width)
    return signature_right, date_right


def _set_fonts(run_or_style, font: Font, size) -> None:
    run_or_style.font.name = font.latin
    run_or_style.font.size = size
    if font.bold:
        run_or_style.font.bold = True
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:ascii"), font.latin)
    rfonts.set(qn("w:hAnsi"), font.latin)
    rfonts.set(qn("w:cs"), font.latin)
    rfonts.set(qn("w:eastAsia"), font.east_asia)


def _fixed_lines(paragraph, line=LINE) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _indent_in_chars(paragraph, *, first_line: float = 0, left: float = 0, right: float = 0) -> None:
    """Indents counted in characters of the grid (Word's w:…Chars), with lengths for other readers.

    A length alone would not do: 2 × 16 pt is more than two characters of the grid, and would
    leave 25 characters on a first line instead of 26.
    """
    fmt = paragraph.paragraph_format
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    for chars, attribute, field in ((first_line, "w:firstLineChars", "first_line_indent"), (left, "w:leftChars", "left_indent"), (right, "w:rightChars", "right_indent")):
        if chars:
            setattr(fmt, field, GRID.chars(chars))
            ind.set(qn(attribute), str(round(chars * 100)))


def _add_run(paragraph, text: str, font: Font, size=BODY_SIZE):
    run = paragraph.add_run(text)
    _set_fonts(run, font, size)
    return run


def _page_number(footer, font: Font, odd: bool) -> None:
    """“— N —” on the right of odd pages and the left of even pages, one character in (§7.5)."""
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    _fixed_lines(paragraph, PAGE_NUMBER_SIZE)
    _indent_in_chars(paragraph, right=1) if odd else _indent_in_chars(paragraph, left=1)
    _add_run(paragraph, "\u2014 ", font, PAGE_NUMBER_SIZE)
    run = _add_run(paragraph, "", font, PAGE_NUMBER_SIZE)
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1" if odd else "2"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, shown, end):
        run._r.append(element)
    _add_run(paragraph, " \u2014", font, PAGE_NUMBER_SIZE)


def _layout_page(document, fonts: dict[str, Font]) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    # Word measures the footer from the page's bottom edge to the footer line's bottom; the line
    # is exactly 四号 high, so its top (the dashes' em box) is 7 mm under the type area.
    section.footer_distance = BOTTOM - PAGE_NUMBER_GAP - PAGE_NUMBER_SIZE
    grid = document.element.body.sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        document.element.body.sectPr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(GRID.line_pitch))
    grid.set(qn("w:charSpace"), str(GRID.char_space))
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, fonts["page_number"], odd=True)
    _page_number(section.even_page_footer, fonts["page_number"], odd=False)


def _write(document, block: Block, fonts: dict[str, Font]) -> None:
    out = document.add_paragraph()
    if block.kind is BlockKind.TITLE:
        out.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fixed_lines(out, TITLE_LINE)
        out.paragraph_format.space_after = LINE  # one empty line under the title
        _add_run(out, block.text, fonts["title"], TITLE_SIZE)
        return
    _fixed_lines(out)
    out.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _indent_in_chars(out, first_line=2)
    if block.kind is BlockKind.HEADING_1:
        _add_run(out, block.text, fonts["heading"])
        return
    for run in block.runs:
        # In the chat text bold marks a run-in heading; in Word the heading's typeface does that job.
        _add_run(out, run.text, fonts["subheading"] if run.bold else fonts["body"])


def _write_closing(document, closing: Sequence[Block], fonts: dict[str, Font]) -> None:
    """The signature and the date, one empty line under the text (§7.3.5.2)."""
    signature = next((b.text for b in closing if b.kind is BlockKind.SIGNATURE), "")
    date_text = next((b.text for b in closing if b.kind is BlockKind.DATE), "")
    signature_right, date_right = signature_right_spaces(signature, date_text)
    for n, block in enumerate(closing):
        out = document.add_paragraph()
        _fixed_lines(out)
        out.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        right = signature_right if block.kind is BlockKind.SIGNATURE else date_right
        if right:
            _indent_in_chars(out, right=right)
        if n == 0:
            out.paragraph_format.space_before = LINE
        _add_run(out, block.text, fonts["body"])


def _set_language(document, language: str) -> None:
    """Chinese as the text's language: Word's defaults and its theme fonts, and the file's property."""
    document.core_properties.language = language
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        for lang in defaults.iter(qn("w:lang")):
            lang.set(qn("w:eastAsia"), language)
    theme = document.settings.element.find(qn("w:themeFontLang"))
    if theme is not None:
        theme.set(qn("w:eastAsia"), language)


def _set_properties(document, *, title: str, author: str, now: datetime, language: str) -> None:
    props = document.core_properties
    props.title = title
    props.author = author
    props.last_modified_by = author
    # The template's own words (“generated by python-docx”, created 2013) are not this file's.
    props.comments = ""
    props.revision = 1
    moment = now.astimezone(UTC).replace(tzinfo=None)
    props.created = moment
    props.modified = moment
    _set_language(document, language)


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _with_font_table(docx_bytes: bytes, fonts: dict[str, Font]) -> bytes:
    """The file with each Chinese face in its font table: other name and code page, for substitutes.

    python-docx has no API for the font table, so the saved package is copied with that one part
    rewritten.
    """
    source = zipfile.ZipFile(io.BytesIO(docx_bytes))
    table = etree.fromstring(source.read("word/fontTable.xml"))
    known = {f.get(f"{{{_W}}}name") for f in table}
    for font in {f.east_asia: f for f in fonts.values()}.values():
        if font.east_asia in known:
            continue
        entry = etree.SubElement(table, f"{{{_W}}}font", {f"{{{_W}}}name": font.east_asia})
        etree.SubElement(entry, f"{{{_W}}}altName", {f"{{{_W}}}val": font.alt})
        etree.SubElement(entry, f"{{{_W}}}charset", {f"{{{_W}}}val": font.charset})
        etree.SubElement(entry, f"{{{_W}}}family", {f"{{{_W}}}val": "auto"})
        etree.SubElement(entry, f"{{{_W}}}pitch", {f"{{{_W}}}val": "variable"})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/fontTable.xml":
                data = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(zipfile.ZipInfo(item.filename, item.date_time), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


_CLOSING = (BlockKind.SIGNATURE, BlockKind.DATE)


def render_docx(blocks: Sequence[Block], *, author: str = "", now: datetime | None = None, script: str = HANS) -> bytes:
    """The 小结's blocks as a .docx file, written by ``author`` (the organisation) at ``now``.

    The bot passes its settings' ORG_NAME and its clock's now; ``now`` left out is the system
    clock's. ``script`` is the script the blocks are written in (they are already converted): it
    chooses the typefaces and the language.
    """
    now = now or system_clock()
    fonts = FONTS[script]
    document = Document()
    normal = document.styles["Normal"]
    _set_fonts(normal, fonts["body"], BODY_SIZE)
    _layout_page(document, fonts)
    closing = [b for b in blocks if b.kind in _CLOSING]
    for block in blocks:
        if block.kind not in _CLOSING:
            _write(document, block, fonts)
    _write_closing(document, closing, fonts)
    title = next((b.text for b in blocks if b.kind is BlockKind.TITLE), "")
    _set_properties(document, title=title, author=author, now=now, language=LANGUAGE[script])
    buffer = io.BytesIO()
    document.save(buffer)
    return _with_font_table(buffer.getvalue(), fonts)
