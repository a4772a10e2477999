"""The Excel 台账 read back with openpyxl: its sheets, headers, typed cells, and user text kept as text."""
import io
import re
import zipfile
from datetime import date, datetime
from xml.etree import ElementTree

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import texts
from bot.digest.excel import (
    ACTIVITY_LAYOUT,
    ACTIVITY_SHEET,
    COMMITMENT_LAYOUT,
    COMMITMENT_SHEET,
    LEADER_LAYOUT,
    LEADER_SHEET,
    MEETING_LAYOUT,
    MEETING_SHEET,
    SUMMARY_LAYOUT,
    SUMMARY_SHEET,
    render_ledger,
)
from storage.models import Activity, Commitment, PeriodNote, Unit

START, END, TODAY = date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 27)
UNITS = [Unit(1, "山宁村党支部", "村", 40), Unit(2, "新城社区党总支", "社区", 60)]


def ledger(activities=(), commitments=(), notes=(), units=UNITS):
    data = render_ledger(list(units), list(activities), list(commitments), list(notes), "2026年11月", start=START, end=END, today=TODAY)
    return data, openpyxl.load_workbook(io.BytesIO(data))


def as_excel_reads(value):
    """A cell's text as Excel shows it: openpyxl leaves Excel's _xHHHH_ escapes in inline strings."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), value)


def test_sheets_titles_and_headers_come_from_the_templates():
    _, wb = ledger()
    assert wb.sheetnames == [ACTIVITY_SHEET, COMMITMENT_SHEET, SUMMARY_SHEET, MEETING_SHEET, LEADER_SHEET] == [
        "活动台账", "承诺践诺", "本期小结", "组织生活落实", "领导指导",
    ]
    assert ACTIVITY_SHEET == texts.plain("ledger", "activities_sheet")
    assert wb.properties.title == "2026年11月台账"
    headings = (
        "2026年11月活动台账", "2026年11月承诺践诺", "2026年11月各党组织小结", "2026年11月“三会一课”等组织生活落实情况",
        "2026年11月镇领导讲党课、调研指导",
    )
    layouts = (ACTIVITY_LAYOUT, COMMITMENT_LAYOUT, SUMMARY_LAYOUT, MEETING_LAYOUT, LEADER_LAYOUT)
    assert len(wb.worksheets) == len(layouts) == len(headings)
    for ws, layout, heading in zip(wb.worksheets, layouts, headings):
        assert ws["A1"].value == heading and ws["A1"].font.b and ws["A1"].font.sz == 14
        header = [c.value for c in ws[2]]
        assert header == [name for name, _ in layout.columns]
        assert all(c.font.b for c in ws[2])
        assert ws.freeze_panes == "A3"
        # A <col> element may span neighbours of equal width; openpyxl keys it by its first letter.
        widths = {i: d.width for d in ws.column_dimensions.values() for i in range(d.min, d.max + 1)}
        for col, (_, width) in enumerate(layout.columns, start=1):
            # The file stores the width Excel displays plus the cell padding (under one character).
            assert width <= widths[col] < width + 1
    assert [c.value for c in wb[ACTIVITY_SHEET][2]] == [
        "单位", "单位类型", "活动类型", "日期", "主题", "实到", "应到", "出席率", "摘要", "开始时间", "地点", "主持人", "记录人",
        "缺席人员及原因", "列席人员", "决议", "照片数", "记录编号",
    ]
    assert [c.value for c in wb[COMMITMENT_SHEET][2]] == [
        "单位", "承诺人", "承诺内容", "承诺期限", "践诺日期", "践诺情况", "评价", "评价意见", "状态", "记录编号",
    ]
    assert [c.value for c in wb[SUMMARY_SHEET][2]] == [
        "单位", "单位类型", "党员数", "活动次数", "应到人次", "实到人次", "出席率", "承诺数", "已践诺", "小结月份", "存在问题", "下一步计划",
        "典型事迹",
    ]
    assert [c.value for c in wb[MEETING_SHEET][2]] == ["单位", "单位类型", "活动类型", "应开", "已开", "说明未开展"]
    assert [c.value for c in wb[LEADER_SHEET][2]] == ["日期", "活动类型", "单位", "内容"]


def test_empty_period_has_headers_and_a_filter_over_them():
    _, wb = ledger(units=[])
    assert len(wb.worksheets) == 5
    for ws, last in zip(wb.worksheets, "RJMFD"):
        assert ws.max_row == 2 and ws.auto_filter.ref == f"A2:{last}2"


def test_cells_are_typed():
    acts = [
        Activity(7, 2, "支委会", date(2026, 11, 9), "学习", 5, 7, photos=("p",)),
        Activity(8, 1, "主题党日", date(2026, 11, 3), "参观", 30, 40),
        Activity(9, 99, "党课", date(2026, 11, 10), "讲党课", 3, 0),  # a unit no longer listed
    ]
    commitments = [
        Commitment(4, 1, "王五", "修路", date(2026, 11, 20), fulfilled_on=date(2026, 11, 18), result="已修好"),
        Commitment(5, 2, "李四", "修桥", date(2026, 12, 20)),
        Commitment(6, 2, "赵六", "撤了", date(2026, 11, 2), withdrawn=True),
    ]
    notes = [PeriodNote(2, "2026-11", problems="场地不足\n经费紧张", next_plans="=做好年终评议")]
    _, wb = ledger(acts, commitments, notes)

    ws = wb[ACTIVITY_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert [r[17] for r in rows] == ["HD0008", "HD0007", "HD0009"]  # by date, numbered as secretaries see them
    first = ws[3]
    assert isinstance(first[3].value, datetime) and first[3].value.date() == date(2026, 11, 3)
    assert first[3].number_format == "yyyy-mm-dd"
    assert all(type(first[i].value) is int for i in (5, 6, 16))
    assert (first[5].value, first[6].value, first[16].value) == (30, 40, 0)  # 实到, 应到, 照片数
    assert type(first[7].value) is float and first[7].value == pytest.approx(0.75) and first[7].number_format == "0.0%"
    assert rows[1][:2] == ["新城社区党总支", "社区"] and rows[1][16] == 1
    assert rows[2][:2] == ["单位#99", None] and rows[2][7] is None  # no one expected: no rate

    cm = wb[COMMITMENT_SHEET]
    assert cm.max_row == 4  # the withdrawn commitment is left out
    kept = [c.value for c in cm[3]]
    assert kept[:2] == ["山宁村党支部", "王五"]
    assert [d.date() for d in kept[3:5]] == [date(2026, 11, 20), date(2026, 11, 18)]
    assert kept[8:] == ["已践诺", "CN0004"]
    assert [c.value for c in cm[4]][4] is None and cm.cell(4, 9).value == "推进中"

    summary = wb[SUMMARY_SHEET]
    assert [c.value for c in summary[4]][:9] == ["新城社区党总支", "社区", 60, 1, 7, 5, pytest.approx(5 / 7), 1, 0]  # withdrawn: not counted
    assert summary.cell(4, 10).value == "2026年11月"
    problems, plans = summary.cell(4, 11), summary.cell(4, 12)
    assert problems.value == "场地不足\n经费紧张" and problems.alignment.wrap_text and problems.alignment.vertical == "top"
    assert plans.value == "=做好年终评议" and plans.data_type == "s" and plans.quotePrefix and plans.alignment.wrap_text


HOSTILE = [
    "=HYPERLINK(\"http://x\",\"点\")",
    "=1+1",
    "+1",
    "-2",
    "@SUM(A1)",
    "\t=1",
    "a\x00b\x01c\x0bd",
    "\x00=cmd",
    "<r><t>x</t></r>",
    "<r>&</r>",
    "</c></row><row>",
    "A&B <公司>",
    "_x0041_",
    "行一\r\n行二",
    " 前后空格 ",
]


def cleaned(text):
    """What the 台账 keeps of user text: line breaks as LF, no characters XML cannot hold."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text.replace("\r\n", "\n").replace("\r", "\n"))


def assert_kept_as_text(data, wb, written):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith(".xml"):
                ElementTree.fromstring(archive.read(name))  # every part is well-formed XML
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    ws = wb[ACTIVITY_SHEET]
    for row, text in enumerate(written, start=3):
        cell = ws.cell(row, 5)
        assert as_excel_reads(cell.value or "") == cleaned(text)
        if cell.value is not None:
            assert cell.data_type == "s"
            assert cell.quotePrefix == cell.value.startswith(("=", "+", "-", "@", "\t"))


def test_user_text_cannot_break_the_file_or_become_a_formula():
    acts = [Activity(i, 1, "支委会", date(2026, 11, 5), text, 1, 1, place=text) for i, text in enumerate(HOSTILE, 1)]
    commitments = [Commitment(1, 1, "=王", "\x01修路", date(2026, 11, 20), evaluation_comment="<r>好</r>")]
    notes = [PeriodNote(1, "2026-11", problems="=1+1\x0b", deeds="<r>x</r>")]
    data, wb = ledger(acts, commitments, notes)
    assert_kept_as_text(data, wb, HOSTILE)
    assert wb[ACTIVITY_SHEET].cell(3, 5).value == "=HYPERLINK(\"http://x\",\"点\")"
    assert wb[ACTIVITY_SHEET].cell(9, 5).value == "abcd"
    assert wb[ACTIVITY_SHEET].cell(11, 11).value == "<r><t>x</t></r>"  # 地点
    assert [c.value for c in wb[COMMITMENT_SHEET][3]][1:3] == ["=王", "修路"]
    assert wb[COMMITMENT_SHEET].cell(3, 8).value == "<r>好</r>"
    note = wb[SUMMARY_SHEET]
    assert (note.cell(3, 11).value, note.cell(3, 13).value) == ("=1+1", "<r>x</r>")
    assert note.cell(3, 11).quotePrefix and note.cell(3, 13).alignment.wrap_text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=30), min_size=1, max_size=12))
def test_any_text_reads_back_as_itself(written):
    acts = [Activity(i, 1, "支委会", date(2026, 11, 5), text, 1, 1) for i, text in enumerate(written, 1)]
    data, wb = ledger(acts)
    assert_kept_as_text(data, wb, written)


def test_every_field_a_secretary_fills_in_has_a_column():
    from storage.models import ACTIVITY_FIELDS

    act = Activity(
        1, 1, "支部党员大会", date(2026, 11, 5), "换届选举", 30, 32, summary="选举新一届支委", start_time="14:30", place="村部",
        host="李梅", recorder="王五", absentees="张三（外出务工）", observers="镇组织委员", resolutions="选举产生新一届支部委员会",
    )
    _, wb = ledger([act], [], [])
    ws = wb[ACTIVITY_SHEET]
    row = {ws.cell(2, c).value: ws.cell(3, c).value for c in range(1, ws.max_column + 1)}
    labels = {f.name: texts.plain("ledger", f"column_{f.name}") for f in ACTIVITY_FIELDS}
    assert set(labels.values()) <= set(row)
    assert {name: row[label] for name, label in labels.items() if name != "held_on"} == {
        f.name: getattr(act, f.name) for f in ACTIVITY_FIELDS if f.name != "held_on"
    }
    assert row[labels["held_on"]].date() == act.held_on
