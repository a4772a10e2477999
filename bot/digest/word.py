"""The 小结 as a Word document laid out like a Chinese government document (GB/T 9704-2012).

The sentences are the document's blocks (bot/digest/document.py), the same the chat text says;
this module only lays each kind of block out:
A4, margins 3.7/3.5/2.8/2.6 cm, title in 方正小标宋简体 二号, body in 仿宋_GB2312 三号 at a fixed
28.9 pt line with a two-character first-line indent, 一、 headings in 黑体, numbered 1、 headings
in 楷体_GB2312, signature and date on the right, and the page number as “— 1 —” in the footer.
The typefaces are named in ``data/word_fonts.toml``.

Fonts: Word picks the face for Chinese characters from ``w:eastAsia`` and for Latin letters and
digits from ``w:ascii``/``w:hAnsi``, and has no per-run fallback list. So each run names the GB
font that government offices install as ``eastAsia`` and a face every Chinese Windows has
(FangSong, SimHei, KaiTi, SimSun) as ``ascii``/``hAnsi``: digits and Latin letters always render
in a matching style, and where the GB font is missing Word substitutes a similar Chinese face.
"""
from __future__ import annotations

import io
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from bot.digest.document import Block, BlockKind


class Font(NamedTuple):
    east_asia: str  # w:eastAsia, for Chinese characters
    latin: str  # w:ascii and w:hAnsi, for digits and Latin letters


def _load_fonts() -> dict[str, Font]:
    data = tomllib.loads((Path(__file__).parent / "data" / "word_fonts.toml").read_text(encoding="utf-8"))
    return {role: Font(str(face["east_asia"]), str(face["latin"])) for role, face in data.items()}


_FONTS = _load_fonts()
TITLE_FONT = _FONTS["title"]
BODY_FONT = _FONTS["body"]
HEADING_FONT = _FONTS["heading"]
SUBHEADING_FONT = _FONTS["subheading"]
PAGE_NUMBER_FONT = _FONTS["page_number"]

TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
LINE = Pt(28.9)
INDENT = Pt(32)  # two characters of 三号


def _set_fonts(run_or_style, fonts: Font, size) -> None:
    east_asia, latin = fonts
    run_or_style.font.name = latin
    run_or_style.font.size = size
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _fixed_lines(paragraph, line=LINE) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _add_run(paragraph, text: str, fonts, size=BODY_SIZE):
    run = paragraph.add_run(text)
    _set_fonts(run, fonts, size)
    return run


def _page_number_footer(section) -> None:
    footer = section.footer
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _add_run(paragraph, "— ", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    run = _add_run(paragraph, "", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, shown, end):
        run._r.append(element)
    _add_run(paragraph, " —", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)


def _layout_page(document) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width = Cm(21)
    section.page_height = Cm(29.7)
    section.top_margin = Cm(3.7)
    section.bottom_margin = Cm(3.5)
    section.left_margin = Cm(2.8)
    section.right_margin = Cm(2.6)
    _page_number_footer(section)


def _write(document, block: Block) -> None:
    out = document.add_paragraph()
    if block.kind is BlockKind.TITLE:
        out.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fixed_lines(out, Pt(36))
        out.paragraph_format.space_after = LINE  # one empty line under the title
        _add_run(out, block.text, TITLE_FONT, TITLE_SIZE)
        return
    _fixed_lines(out)
    if block.kind in (BlockKind.SIGNATURE, BlockKind.DATE):
        out.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        out.paragraph_format.right_indent = INDENT * 2  # 右空四字
        if block.kind is BlockKind.SIGNATURE:
            out.paragraph_format.space_before = LINE * 2
        _add_run(out, block.text, BODY_FONT)
        return
    out.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    out.paragraph_format.first_line_indent = INDENT
    if block.kind is BlockKind.HEADING_1:
        _add_run(out, block.text, HEADING_FONT)
        return
    for run in block.runs:
        # In the chat text bold marks a run-in heading; in Word the heading's typeface does that job.
        _add_run(out, run.text, SUBHEADING_FONT if run.bold else BODY_FONT)


def render_docx(blocks: Sequence[Block]) -> bytes:
    """The 小结's blocks as a .docx file."""
    document = Document()
    normal = document.styles["Normal"]
    _set_fonts(normal, BODY_FONT, BODY_SIZE)
    _layout_page(document)
    for block in blocks:
        _write(document, block)
    document.core_properties.title = next((b.text for b in blocks if b.kind is BlockKind.TITLE), "")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
