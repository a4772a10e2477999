"""The three renderings of a digest: Telegram HTML, Word, and the Excel 台账."""
import io
import re
import zipfile
from datetime import date, timedelta
from html.parser import HTMLParser

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digest.build import build_digest
from bot.digest.chat import chat_messages, render_html, telegram_length
from bot.digest.document import Block, BlockKind, Run, digest_document, digest_title
from bot.digest.excel import ACTIVITY_SHEET, COMMITMENT_SHEET, SUMMARY_SHEET, render_ledger
from bot.digest.word import render_docx
from bot.rules.activity_kinds import load_kinds
from storage.models import Activity, Commitment, PeriodNote, Unit

START, END, TODAY = date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 27)
UNITS = [
    Unit(1, "山宁村党支部", "村", 40),
    Unit(2, "新城社区党总支", "社区", 60),
    Unit(3, "A&B <公司> 党支部", "非公企业", 8),
]
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote", "tg-spoiler", "span"}


def digest(activities=(), commitments=(), notes=(), leader_plan=None, units=UNITS, **kw):
    return build_digest(
        org_name="博望镇党委",
        title=kw.pop("title", None),
        period_label="2026年11月",
        start=START,
        end=END,
        today=TODAY,
        units=list(units),
        activities=list(activities),
        commitments=list(commitments),
        notes=list(notes),
        leader_plan=leader_plan,
        scope_label="全镇",
        **kw,
    )


def render_digest_html(d, date_style="hanzi", script="hans", internal=False):
    return render_html(digest_document(d, date_style, script, internal=internal))


def sample():
    return digest(
        activities=[
            Activity(1, 1, "主题党日", date(2026, 11, 5), "<script>", 30, 40),
            Activity(2, 3, "主题党日", date(2026, 11, 6), "x", 6, 8),
            Activity(3, 2, "支委会", date(2026, 11, 7), "x", 7, 7),
        ],
        commitments=[Commitment(1, 3, "王&五", "修<路>", date(2026, 11, 20))],
        notes=[PeriodNote(3, "2026-11", problems="<b>资金</b> & 场地不足", deeds="=SUM(A1) 救人")],
        leader_plan=["开展“双向承诺”活动", "认真做好资料归档 & <整理>"],
    )


class _Checker(HTMLParser):
    """Fails on anything Telegram's HTML parser would refuse: unknown or unbalanced tags, bare '<' or '&'."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack = []

    def handle_starttag(self, tag, attrs):
        assert tag in TELEGRAM_TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, tag

    def handle_entityref(self, name):
        assert name in {"lt", "gt", "amp", "quot"}, name


def assert_valid_html(text):
    assert not re.search(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text), "bare &"
    stripped = re.sub(r"</?(?:b|i|u|s|a|code|pre|blockquote)(?:\s[^<>]*)?>", "", text)
    assert "<" not in stripped and ">" not in stripped
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert checker.stack == []


# --- chat text ---------------------------------------------------------------------------------


def test_user_text_is_escaped():
    html = render_digest_html(sample(), internal=True)  # the 内部版 names units and quotes commitments
    assert "<script>" not in html and "<b>资金</b>" not in html
    assert "&lt;b&gt;资金&lt;/b&gt; &amp; 场地不足" in html
    assert "A&amp;B &lt;公司&gt;" in html
    assert "修&lt;路&gt;" in html and "王&amp;五" in html
    assert_valid_html(html)


def test_structure_follows_the_township_summary():
    d = sample()
    html = render_digest_html(d, internal=True)
    pars = html.split("\n\n")
    assert pars[0] == "<b>博望镇党委党建工作小结</b>"
    assert "<b>一、基本情况</b>" in pars
    assert "<b>二、工作开展情况</b>" in pars
    assert "<b>三、下一步计划</b>" in pars
    assert pars.index("<b>一、基本情况</b>") < pars.index("<b>二、工作开展情况</b>") < pars.index("<b>三、下一步计划</b>")
    assert "全镇现有基层党组织3个，其中村（社区）党组织2个，“两新”党组织1个，党员共108名。" in html
    assert "本期各党组织均报送了活动记录，共报送活动3次" in html
    heading = next(i for i, p in enumerate(pars) if "存在主要问题" in p)
    assert re.match(r"<b>\d、存在主要问题。</b>", pars[heading])
    points = pars[heading + 1 : pars.index("<b>三、下一步计划</b>")]
    assert [p[:2] for p in points] == ["一是", "二是"]  # one point a paragraph
    assert any("修&lt;路&gt;" in p for p in points)  # overdue commitment
    assert "1、开展“双向承诺”活动。" in pars and "2、认真做好资料归档 &amp; &lt;整理&gt;。" in pars
    assert pars[-2:] == ["博望镇党委", "二〇二六年十一月二十七日"]
    assert render_digest_html(d, "arabic").endswith("2026年11月27日")


def test_examples_are_named_like_the_reference():
    units = [Unit(i, n + "村党支部", "村", 10) for i, n in enumerate(["山宁", "新城", "新联", "东城", "丹阳"], 1)]
    acts = [Activity(i, i, "结对共建", date(2026, 11, i), "x", 8, 10) for i in range(1, 6)]
    html = render_digest_html(digest(activities=acts, units=units))
    assert "开展结对共建活动5次，涉及5个党组织（如山宁、新城、新联、东城），参加党员40人次，平均出席率80.0%。" in html


def test_custom_title_and_campaign():
    title = digest_title("博望镇党委", "创先争优")
    assert title == "博望镇党委创先争优工作小结"
    assert render_digest_html(digest(title=title)).startswith("<b>博望镇党委创先争优工作小结</b>")
    assert digest_title("A&B党委") == "A&B党委党建工作小结"  # plain text; escaped where it is rendered
    assert render_digest_html(digest(title=digest_title("A&B党委"))).startswith("<b>A&amp;B党委党建工作小结</b>")


def test_empty_period_is_short_and_honest():
    html = render_digest_html(digest())
    assert "本期暂无报送记录" in html
    assert "一、基本情况" not in html
    assert html.split("\n\n")[-2:] == ["博望镇党委", "二〇二六年十一月二十七日"]


def test_traditional_script():
    html = render_digest_html(sample(), script="hant")
    assert html.startswith("<b>博望鎮黨委黨建工作小結</b>")
    assert "二〇二六年十一月二十七日" in html
    assert_valid_html(html)
    with pytest.raises(ValueError):
        digest_document(sample(), script="latin")


def test_plain_paragraphs_are_unescaped():
    blocks = digest_document(sample())
    plain = [b.text for b in blocks]
    assert plain[0] == "博望镇党委党建工作小结"
    assert any("<b>资金</b> & 场地不足" in p for p in plain)
    kinds = [b.kind for b in blocks]
    assert kinds[0] == BlockKind.TITLE and kinds[-2:] == [BlockKind.SIGNATURE, BlockKind.DATE]
    assert kinds.count(BlockKind.HEADING_1) == 3


def test_short_text_is_one_message():
    blocks = digest_document(sample())
    assert chat_messages(blocks) == [render_html(blocks)]


def test_long_paragraph_splits_into_valid_messages():
    long_problem = "".join(f"第{i}条问题<有&符号>需要整改" for i in range(400))
    assert len(long_problem) > 5000
    blocks = digest_document(digest(notes=[PeriodNote(1, "x", problems=long_problem)], activities=sample_activities()))
    html = render_html(blocks)
    messages = chat_messages(blocks)
    assert len(messages) > 1
    for m in messages:
        assert telegram_length(m) <= 4096
        assert_valid_html(m)
    joined = re.sub(r"</?b>", "", "".join(messages))
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", re.sub(r"</?b>", "", html))


def sample_activities():
    return [Activity(1, 1, "主题党日", date(2026, 11, 5), "x", 30, 40)]


def test_bold_is_closed_and_reopened_across_a_cut():
    par = Block(BlockKind.HEADING_2, (Run("加强组织建设。" * 30, bold=True), Run("&" * 50)))
    messages = chat_messages([par], limit=100)
    assert len(messages) > 2
    for m in messages:
        assert telegram_length(m) <= 100
        assert_valid_html(m)
    assert messages[0].startswith("<b>") and messages[0].endswith("</b>")


def test_paragraphs_pack_until_the_limit():
    pars = [Block(BlockKind.PARAGRAPH, (Run(text * 40),)) for text in "甲乙丙"]
    assert chat_messages(pars, limit=90) == ["甲" * 40 + "\n\n" + "乙" * 40, "丙" * 40]


# --- Word --------------------------------------------------------------------------------------


def _east_asia(run):
    return run.element.rPr.rFonts.get(qn("w:eastAsia"))


def test_docx_layout_and_fonts():
    doc = docx.Document(io.BytesIO(render_docx(digest_document(sample()))))
    section = doc.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.01) and abs(section.page_height - Cm(29.7)) < Cm(0.01)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert all(abs(got - Cm(want)) < Cm(0.01) for got, want in zip(margins, (3.7, 3.5, 2.8, 2.6)))

    pars = [p for p in doc.paragraphs if p.text]
    title = pars[0]
    assert title.text == "博望镇党委党建工作小结"
    assert _east_asia(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)
    assert title.alignment == 1  # centre

    headings = [p for p in pars if re.match(r"^[一二三]、", p.text)]
    assert [p.text for p in headings] == ["一、基本情况", "二、工作开展情况", "三、下一步计划"]
    assert all(_east_asia(p.runs[0]) == "黑体" for p in headings)

    body = next(p for p in pars if p.text.startswith("全镇现有"))
    assert _east_asia(body.runs[0]) == "仿宋_GB2312" and body.runs[0].font.size == Pt(16)
    assert body.runs[0].element.rPr.rFonts.get(qn("w:ascii")) == "FangSong"
    # The line is the document grid's pitch (22 lines to the page), the indent two of its characters.
    assert body.paragraph_format.line_spacing == Pt(28.95)
    assert body._p.pPr.ind.get(qn("w:firstLineChars")) == "200"
    assert abs(body.paragraph_format.first_line_indent - Cm(15.6 / 28 * 2)) < Pt(0.5)

    sub = next(p for p in pars if re.match(r"^\d、“三会一课”", p.text) or re.match(r"^\d、主题党日", p.text))
    assert _east_asia(sub.runs[0]) == "楷体_GB2312" and _east_asia(sub.runs[1]) == "仿宋_GB2312"

    assert [p.text for p in pars[-2:]] == ["博望镇党委", "二〇二六年十一月二十七日"]
    assert all(p.alignment == 2 for p in pars[-2:])  # right

    text = "\n".join(p.text for p in pars)
    assert "<b>资金</b> & 场地不足" in text  # user text literally
    assert "共报送活动3次" in text

    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "— " in footer and " —" in footer


def test_docx_traditional():
    doc = docx.Document(io.BytesIO(render_docx(digest_document(sample(), "arabic", script="hant"))))
    assert doc.paragraphs[0].text == "博望鎮黨委黨建工作小結"
    assert doc.paragraphs[-1].text == "2026年11月27日"


def test_docx_empty_period():
    doc = docx.Document(io.BytesIO(render_docx(digest_document(digest()))))
    assert any("本期暂无报送记录" in p.text for p in doc.paragraphs)


# --- Excel -------------------------------------------------------------------------------------


def test_ledger_rows_and_formula_injection():
    acts = [
        Activity(1, 1, "主题党日", date(2026, 11, 5), "=HYPERLINK(\"http://x\",\"点\")", 30, 40, summary="+1", place="@会议室", host="-张三", photos=("a", "b")),
        Activity(2, 3, "支委会", date(2026, 11, 6), "学习\x07", 6, 0),
        Activity(3, 2, "支委会", date(2026, 11, 7), "撤回", 7, 7, withdrawn=True),
    ]
    data = render_ledger(UNITS, acts, [Commitment(1, 3, "=王", "修路", date(2026, 11, 20))], [PeriodNote(1, "x", problems="=1+1")], "2026年11月", start=START, end=END, today=TODAY)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:3] == [ACTIVITY_SHEET, COMMITMENT_SHEET, SUMMARY_SHEET]
    ws = wb[ACTIVITY_SHEET]
    assert ws.max_row - 2 == 2  # title, header, one row per kept activity
    assert [c.value for c in ws[2]][:4] == ["单位", "单位类型", "活动类型", "日期"]
    assert ws["A2"].font.b
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:R4"
    assert ws.column_dimensions["A"].width > 10
    row = {ws.cell(2, c).value: ws.cell(3, c) for c in range(1, 19)}
    assert row["主题"].value == "=HYPERLINK(\"http://x\",\"点\")" and row["主题"].data_type == "s"
    for col in ("主题", "摘要", "地点", "主持人"):
        assert row[col].data_type == "s" and row[col].quotePrefix
    assert row["出席率"].value == pytest.approx(0.75) and row["出席率"].number_format == "0.0%"
    assert row["日期"].value.date() == date(2026, 11, 5)
    assert (row["照片数"].value, row["记录编号"].value) == (2, "HD0001")
    assert ws.cell(4, 5).value == "学习" and ws.cell(4, 8).value is None
    for sheet in wb.worksheets:
        for cells in sheet.iter_rows():
            for cell in cells:
                assert cell.data_type != "f"
    cm = [c.value for c in wb[COMMITMENT_SHEET][3]]
    assert cm[0] == "A&B <公司> 党支部" and cm[1] == "=王" and cm[8] == "逾期"
    summary = wb[SUMMARY_SHEET]
    assert [c.value for c in summary[3]][:7] == ["山宁村党支部", "村", 40, 1, 40, 30, 0.75]
    assert summary.cell(3, 10).value == "x"  # a note's period that is no key the bot makes: shown as stored
    assert summary.cell(3, 11).value == "=1+1" and summary.cell(3, 11).data_type == "s"


def test_ledger_writes_every_row_of_a_large_period():
    """Every activity becomes a row (the speed of 60 000 rows is measured in bench/, not here)."""
    units = [Unit(i, f"第{i}村党支部", "村", 50) for i in range(1, 41)]
    kinds = load_kinds().names()
    acts = [
        Activity(i, i % 40 + 1, kinds[i % len(kinds)], date(2026, 1, 1) + timedelta(days=i % 365), f"主题{i}", 20, 30,
                 summary="学习贯彻会议精神" * 4, place="党员活动室", host="张三", recorder="李四")
        for i in range(5000)
    ]
    data = render_ledger(units, acts, [], [], "2026年", start=date(2026, 1, 1), end=date(2026, 12, 31), today=TODAY)
    # Counting rows in the sheet's XML: reading them back with openpyxl takes longer than writing.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert sheet.count(b"<row ") == 5000 + 2


# --- property: the figures in the text are the figures of the records ----------------------------

KINDS = load_kinds()
PROP_UNITS = [Unit(i, f"第{i}村党支部", "村" if i % 2 else "学校", 10 + i) for i in range(1, 7)]


def _phrase(kind):
    if kind.endswith("会"):
        return f"召开{kind}"
    if kind.endswith("课"):
        return f"上{kind}"
    return f"开展{kind}活动"


def _measure(kind):
    return "堂" if kind.endswith("课") else "次"


activity_lists = st.lists(
    st.tuples(
        st.integers(1, 7),  # unit 7 is out of scope
        st.sampled_from(KINDS.names()),
        st.integers(-3, 33),  # day offset from START; some fall outside the period
        st.integers(0, 60),
        st.integers(0, 60),
        st.booleans(),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(activity_lists)
def test_rendered_figures_match_the_records(rows):
    acts = [
        Activity(i, unit, kind, START + timedelta(days=off), "x", attended, expected, withdrawn=withdrawn and i % 3 == 0)
        for i, (unit, kind, off, attended, expected, withdrawn) in enumerate(rows, 1)
    ]
    html = render_digest_html(digest(activities=acts, units=PROP_UNITS))
    counted = [a for a in acts if not a.withdrawn and START <= a.held_on <= END and a.unit_id <= 6]
    if not counted:
        assert "本期暂无报送记录" in html
        return
    total_att = sum(a.attended for a in counted)
    if total_att:
        assert f"共报送活动{len(counted)}次，参加党员{total_att}人次" in html
    else:  # no clause states a zero count
        assert f"共报送活动{len(counted)}次。" in html
    statutory = [a for a in counted if KINDS.by_name(a.kind).is_statutory]
    for kind in KINDS.all:
        these = [a for a in counted if a.kind == kind.name]
        if not these:
            assert _phrase(kind.name) not in html.replace("“", "").replace("”", "")
            continue
        if kind.is_statutory:
            # A run of kinds with the same verb says it once: 召开支部党员大会1次、支委会2次，上党课1堂.
            assert re.search(rf"(?:{_phrase(kind.name)}|、{kind.name}){len(these)}{_measure(kind.name)}", html), kind.name
        else:
            att = sum(a.attended for a in these)
            exp = sum(a.expected for a in these)
            units = len({a.unit_id for a in these})
            sentence = re.search(re.escape(_phrase(kind.name)) + r"(\d+)次，涉及(\d+)个党组织[^，。]*(?:，参加党员(\d+)人次(?:，平均出席率([\d.]+)%)?)?", html)
            assert sentence, kind.name
            assert [int(x or 0) for x in sentence.groups()[:3]] == [len(these), units, att]
            if not att:
                assert sentence.group(3) is None and sentence.group(4) is None
                continue
            if exp:
                assert float(sentence.group(4)) == pytest.approx(round(att / exp * 100, 1), abs=0.051)
            else:
                assert sentence.group(4) is None
    if statutory:
        att = sum(a.attended for a in statutory)
        section = html.split("、“三会一课”落实情况。")[1].split("\n\n")[0]
        if att:
            assert re.search(rf"[次堂]，参加党员{att}人次", section)
        else:
            assert "参加党员" not in section


def test_docx_drops_control_characters_in_user_text():
    notes = [PeriodNote(1, "x", problems="资金\x07不足\x00 <x> & y", deeds="带头\x1b调解")]
    doc = docx.Document(io.BytesIO(render_docx(digest_document(digest(notes=notes)))))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "资金不足 <x> & y" in text and "带头调解" in text
