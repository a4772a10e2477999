"""The Word 小结 against GB/T 9704-2012, read back from the file (python-docx and the raw XML)."""
import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt

from bot.digest.build import build_digest
from bot.digest.document import Block, BlockKind, Run, digest_document
from bot.digest.word import CHARS_PER_LINE, GRID, signature_right_spaces, text_width, render_docx
from storage.models import Activity, Unit

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone(timedelta(hours=8)))
ORG = "博望镇党委"
UNITS = [Unit(1, "山宁村党支部", "村", 40), Unit(2, "新城社区党总支", "社区", 60)]


def blocks(date_style="hanzi", script="hans"):
    d = build_digest(
        org_name=ORG, title=None, period_label="2026年11月", start=date(2026, 11, 1), end=date(2026, 11, 30),
        today=date(2026, 11, 27), units=UNITS, activities=[Activity(1, 1, "主题党日", date(2026, 11, 5), "学习", 30, 40)],
        commitments=[], notes=[], leader_plan=["开展“双向承诺”活动"], scope_label="全镇",
    )
    return digest_document(d, date_style, script)


def render(date_style="hanzi", script="hans"):
    return render_docx(blocks(date_style, script), author=ORG, now=NOW, script=script)


def parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name).decode("utf-8", "replace") for name in z.namelist() if not name.endswith(".jpeg")}


# --- page numbers (§7.5) -----------------------------------------------------------------------


def test_page_numbers_odd_right_even_left_one_character_in():
    data = render()
    doc = docx.Document(io.BytesIO(data))
    assert doc.settings.odd_and_even_pages_header_footer
    assert "<w:evenAndOddHeaders" in parts(data)["word/settings.xml"]
    section = doc.sections[0]
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.alignment == 2 and even.alignment == 0  # right, left
    assert odd._p.pPr.ind.get(qn("w:rightChars")) == "100"
    assert even._p.pPr.ind.get(qn("w:leftChars")) == "100"
    for paragraph in (odd, even):
        xml = paragraph._p.xml
        assert "PAGE" in xml
        assert re.sub(r"\d", "N", paragraph.text) == "\u2014 N \u2014"  # — 1 —
        for run in paragraph.runs:
            assert run.font.size == Pt(14)  # 四号
            fonts = run.element.rPr.rFonts
            assert fonts.get(qn("w:ascii")) == "SimSun" and fonts.get(qn("w:eastAsia")) == "宋体"  # 半角宋体 digits
    # The dashes' line 7 mm under the type area: the footer's bottom = 35 mm - 7 mm - one 四号 line.
    assert abs(section.footer_distance - (Mm(28) - Pt(14))) < Mm(0.1)


# --- signature and date (§7.3.5.2, no seal) ----------------------------------------------------


def test_signature_and_date_as_a_document_without_a_seal():
    doc = docx.Document(io.BytesIO(render()))
    signature, dated = [p for p in doc.paragraphs if p.text][-2:]
    assert (signature.text, dated.text) == (ORG, "二〇二六年十一月二十七日")
    assert signature.alignment == dated.alignment == 2
    assert signature.paragraph_format.space_before == GRID.line  # 正文下空一行
    right_of = {p.text: int(p._p.pPr.ind.get(qn("w:rightChars"))) / 100 for p in (signature, dated)}
    # The date (12 characters) is longer than the signature (5): it stands two characters from
    # the right, and the signature moves left so that the date still begins two characters right
    # of the signature's first character.
    assert right_of[dated.text] == 2
    signature_start = CHARS_PER_LINE - right_of[ORG] - len(ORG)
    date_start = CHARS_PER_LINE - 2 - len(dated.text)
    assert date_start - signature_start == 2


@pytest.mark.parametrize(
    ("signature", "date_text", "expected"),
    [
        # A long signature: two characters from the right, the date starts two characters further right.
        ("中共博望镇山宁村党支部委员会", "2026年1月4日", (2, 8)),
        # Arabic digits are half-width: 2026年11月27日 is 7 characters wide.
        ("博望镇党委", "2026年11月27日", (6, 2)),
        ("博望镇党委", "二〇二六年十一月二十七日", (11, 2)),
        # Equally long: the date would come to the edge, so it keeps two characters and the signature moves.
        ("博望镇党委员会", "二〇二六年一月", (4, 2)),
    ],
)
def test_signature_right_spaces(signature, date_text, expected):
    signature_right, date_right = signature_right_spaces(signature, date_text)
    assert (signature_right, date_right) == expected
    signature_start = CHARS_PER_LINE - signature_right - text_width(signature)
    date_start = CHARS_PER_LINE - date_right - text_width(date_text)
    assert date_start - signature_start == 2 and date_right >= 2 and signature_right >= 2


def test_arabic_date_style_keeps_the_two_character_step():
    doc = docx.Document(io.BytesIO(render("arabic")))
    signature, dated = [p for p in doc.paragraphs if p.text][-2:]
    assert dated.text == "2026年11月27日"
    rights = [int(p._p.pPr.ind.get(qn("w:rightChars"))) for p in (signature, dated)]
    assert rights == [600, 200]


# --- the 22 × 28 document grid (§5.2) ----------------------------------------------------------


def test_document_grid_22_lines_of_28_characters():
    data = render()
    doc = docx.Document(io.BytesIO(data))
    section = doc.sections[0]
    grid = re.search(r"<w:docGrid [^>]*/>", parts(data)["word/document.xml"]).group(0)
    attrs = dict(re.findall(r'w:(\w+)="(-?\w+)"', grid))
    assert attrs["type"] == "linesAndChars"
    type_height = section.page_height - section.top_margin - section.bottom_margin  # 225 mm
    type_width = section.page_width - section.left_margin - section.right_margin  # 156 mm
    assert abs(type_height - Mm(225)) < Mm(0.1) and abs(type_width - Mm(156)) < Mm(0.1)
    line_pitch = int(attrs["linePitch"])  # twips
    assert 22 * line_pitch <= Length(type_height).twips < 23 * line_pitch
    char_pitch = 16 + int(attrs["charSpace"]) / 4096  # points: 三号 plus the grid's adjustment
    width_pt = Length(type_width).twips / 20
    assert 28 * char_pitch <= width_pt < 29 * char_pitch
    assert (line_pitch, int(attrs["charSpace"])) == (579, -842)
    # The body lines are the grid's lines, and the two-character indent is two of its characters.
    body = next(p for p in doc.paragraphs if p.text.startswith("全镇现有"))
    assert body.paragraph_format.line_spacing.twips == line_pitch
    assert body._p.pPr.ind.get(qn("w:firstLineChars")) == "200"
    assert 26 * char_pitch <= width_pt - body.paragraph_format.first_line_indent.pt


# --- file properties ---------------------------------------------------------------------------


def test_core_properties_name_the_organisation_title_moment_and_language():
    data = render()
    props = docx.Document(io.BytesIO(data)).core_properties
    assert props.author == ORG and props.last_modified_by == ORG
    assert props.title == "博望镇党委党建工作小结"
    assert props.created == props.modified == NOW
    assert props.language == "zh-CN"
    files = parts(data)
    assert "2026-11-27T01:30:00Z" in files["docProps/core.xml"]
    assert re.search(r'<w:docDefaults>.*<w:lang [^>]*w:eastAsia="zh-CN"', files["word/styles.xml"], re.S)
    assert 'w:eastAsia="zh-CN"' in re.search(r"<w:themeFontLang [^>]*/>", files["word/settings.xml"]).group(0)
    for name, text in files.items():
        assert "python-docx" not in text, name
        assert "2013-12-23" not in text, name


def test_font_table_names_each_chinese_face_with_its_other_name_and_code_page():
    table = parts(render())["word/fontTable.xml"]
    for face, alt in (("仿宋_GB2312", "FangSong_GB2312"), ("方正小标宋简体", "FZXiaoBiaoSong-B05S"), ("黑体", "SimHei"), ("楷体_GB2312", "KaiTi_GB2312")):
        entry = re.search(rf'<w:font w:name="{face}">(.*?)</w:font>', table, re.S)
        assert entry, face
        assert f'<w:altName w:val="{alt}"/>' in entry.group(1) and '<w:charset w:val="86"/>' in entry.group(1)


def test_file_opens_as_a_valid_package():
    data = render()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
    assert docx.Document(io.BytesIO(data)).paragraphs[0].text == "博望镇党委党建工作小结"


def test_without_a_clock_the_file_is_still_dated_now():
    before = datetime.now(UTC).replace(microsecond=0)
    data = render_docx([Block(BlockKind.TITLE, (Run("x"),))])
    assert docx.Document(io.BytesIO(data)).core_properties.created >= before
