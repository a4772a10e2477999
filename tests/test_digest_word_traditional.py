"""The 小结 in Traditional characters as the reference writes them, and its Word file's faces."""
import difflib
import io
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import opencc
import pytest
from docx.oxml.ns import qn

from bot.digest.build import build_digest
from bot.digest.document import digest_document, plain_text
from bot.digest.traditional import PROFILE, to_traditional
from bot.digest.word import render_docx
from storage.models import Activity, Unit

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "example-xiaojie.txt"
# The reference's body, after the web page's heading lines: a few paragraphs of the 小结 as written.
REFERENCE_EXCERPT = (
    "自縣委號召在全縣範圍內開展創先爭優活動以來,博望鎮黨委積極落實縣委開展創先爭優相關會議精神,"
    "按照「科學發展創先進,率先趕超爭先鋒」的主題,結合我鎮實際,組織廣大黨員紮實開展創先爭優活動,"
    "在全鎮營造了創先進基層黨組織,爭優秀共產黨員的良好氛圍。"
    "二是召開黨員會議、黨員評議等活動,召開不同層次的座談會,並深入基層,聽取群眾的意見,搞好調查研究,"
    "對存在的問題進行疏理。"
    "5、存在主要問題。由於創先爭優活動開展周期長、範圍廣、任務重,我們也清醒地認識到活動開展中還存在一些問題和不足"
    "三、下一步計畫"
)


def _mismatches(expected: str, got: str) -> int:
    matcher = difflib.SequenceMatcher(None, expected, got, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def _reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8") if REFERENCE.exists() else REFERENCE_EXCERPT


def test_the_reference_characters():
    assert to_traditional("为了群众，党员和组织") == "為了群眾，黨員和組織"
    assert to_traditional("三、下一步计划") == "三、下一步計畫"  # as the reference heads its plan


@pytest.mark.parametrize("text", [REFERENCE_EXCERPT, None], ids=["excerpt", "whole reference"])
def test_simplified_reference_comes_back_as_written(text):
    # The reference simplified character by character, then converted as the bot converts: the
    # same characters come back (the quotes aside: the reference has no Simplified quotes to map).
    reference = text if text is not None else _reference_text()
    simplified = opencc.OpenCC("t2s").convert(reference)
    assert _mismatches(reference, to_traditional(simplified)) == 0


def test_the_chosen_profile_fits_the_reference_best():
    reference = _reference_text()
    simplified = opencc.OpenCC("t2s").convert(reference)
    misses = {profile: _mismatches(reference, opencc.OpenCC(profile).convert(simplified)) for profile in ("s2t", "s2tw", "s2twp", "s2hk")}
    assert PROFILE == min(misses, key=misses.get)
    assert misses["s2t"] > misses[PROFILE]  # s2t writes 爲 and 羣衆


def test_quotation_marks_become_corner_brackets():
    assert to_traditional("开展“双向承诺”活动") == "開展「雙向承諾」活動"
    assert to_traditional("按照“‘五个好’要求”") == "按照「『五個好』要求」"
    assert not re.search("[\u201c\u201d\u2018\u2019]", to_traditional("“a”‘b’"))


def _digest():
    return build_digest(
        org_name="博望镇党委", title=None, period_label="2026年11月", start=date(2026, 11, 1), end=date(2026, 11, 30),
        today=date(2026, 11, 27), units=[Unit(1, "山宁村党支部", "村", 40)],
        activities=[Activity(1, 1, "主题党日", date(2026, 11, 5), "学习", 30, 40)],
        commitments=[], notes=[], leader_plan=["开展“双向承诺”活动，为群众办实事"], scope_label="全镇",
    )


def test_traditional_digest_reads_like_the_reference():
    text = plain_text(digest_document(_digest(), "arabic", "hant"))
    assert "「" in text and "“" not in text
    for word in ("為", "群眾", "黨員", "組織", "下一步計畫"):
        assert word in text, word
    for older in ("爲", "羣", "衆"):
        assert older not in text


def _parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")}


def test_traditional_word_file_uses_traditional_faces_and_language():
    data = render_docx(digest_document(_digest(), "arabic", "hant"), author="博望鎮黨委", now=datetime(2026, 11, 27, tzinfo=UTC), script="hant")
    doc = docx.Document(io.BytesIO(data))
    faces = {run.element.rPr.rFonts.get(qn("w:eastAsia")) for p in doc.paragraphs for run in p.runs}
    assert faces <= {"新細明體", "標楷體", "微軟正黑體"}, faces
    assert not any("GB2312" in face or "简" in face for face in faces)
    body = next(p for p in doc.paragraphs if p.text.startswith("全鎮現有"))
    assert body.runs[0].element.rPr.rFonts.get(qn("w:ascii")) == "PMingLiU"
    footer_faces = {run.element.rPr.rFonts.get(qn("w:eastAsia")) for run in doc.sections[0].footer.paragraphs[0].runs}
    assert footer_faces == {"新細明體"}
    assert doc.core_properties.language == "zh-TW"
    files = _parts(data)
    assert re.search(r'<w:docDefaults>.*<w:lang [^>]*w:eastAsia="zh-TW"', files["word/styles.xml"], re.S)
    # Each face in the font table with its English name and the Big5 code page, for substitutes.
    for face, alt in (("新細明體", "PMingLiU"), ("標楷體", "DFKai-SB"), ("微軟正黑體", "Microsoft JhengHei")):
        entry = re.search(rf'<w:font w:name="{face}">(.*?)</w:font>', files["word/fontTable.xml"], re.S)
        assert entry and f'w:val="{alt}"' in entry.group(1) and '<w:charset w:val="88"/>' in entry.group(1), face
