"""Every count the 小结 states, found again in the 台账 by filtering one sheet.

One quarter's records (activities held and withdrawn, commitments recorded before and after the
period, kept in it and after it, meetings excused, leaders' work in and out of the period) give the
Digest and the workbook; each figure of the text must equal the rows of the matching sheet under
the matching filter — while the quarter runs and after it is over. Also: record numbers as
secretaries see them, 本支部 as 承诺人, every monthly note of a quarter, and the print setup.
"""
from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.digest.build import Digest, build_digest
from bot.digest.excel import (
    ACTIVITY_SHEET,
    COMMITMENT_SHEET,
    LEADER_SHEET,
    MEETING_SHEET,
    SUMMARY_SHEET,
    render_ledger,
)
from bot.digest.query import meeting_rows, owed_meetings
from bot.rules.meeting_rules import load_rules
from bot.rules.periods import period_from_key
from storage.models import Activity, Commitment, LeaderActivity, PeriodNote, Unit

TZ = ZoneInfo("Asia/Shanghai")
QUARTER = period_from_key("2026-Q4")


def moment(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=TZ).astimezone(UTC)


UNITS = [
    Unit(1, "山宁村党支部", "村", 40, created_at=moment(date(2025, 6, 1))),
    Unit(2, "新城社区党总支", "社区", 60, created_at=moment(date(2025, 6, 1))),
    Unit(3, "第一小学党支部", "学校", 20, created_at=moment(date(2026, 11, 12))),  # added mid-quarter
]
ACTIVITIES = [
    Activity(1, 1, "支委会", date(2026, 10, 8), "学习", 5, 5),
    Activity(2, 1, "支委会", date(2026, 11, 6), "部署", 5, 4),
    Activity(3, 1, "主题党日", date(2026, 10, 15), "参观", 30, 40),
    Activity(4, 1, "党课", date(2026, 11, 20), "讲党课", 35, 40),
    Activity(5, 2, "支委会", date(2026, 10, 9), "学习", 7, 7),
    Activity(6, 2, "党小组会", date(2026, 12, 3), "学习", 20, 25),
    Activity(7, 2, "支委会", date(2026, 11, 9), "撤回的", 7, 7, withdrawn=True),
    Activity(8, 3, "支委会", date(2026, 12, 10), "学习", 3, 3),
    Activity(9, 3, "支部党员大会", date(2026, 9, 28), "上个季度的", 15, 20),
]
COMMITMENTS = [
    Commitment(1, 1, None, "修缮活动室", date(2026, 11, 30), created_at=moment(date(2026, 10, 1))),
    Commitment(2, 1, "王五", "硬化村道", date(2026, 11, 10), fulfilled_on=date(2027, 1, 5), created_at=moment(date(2026, 9, 1))),
    Commitment(3, 2, "李四", "走访慰问", date(2026, 12, 1), fulfilled_on=date(2026, 11, 25), created_at=moment(date(2026, 10, 2))),
    Commitment(4, 2, None, "清理河道", date(2027, 3, 1), created_at=moment(date(2026, 12, 2))),
    Commitment(5, 2, "赵六", "年后再议", date(2027, 3, 1), created_at=moment(date(2027, 1, 3))),  # recorded after
    Commitment(6, 3, "钱七", "撤了", date(2026, 11, 2), withdrawn=True, created_at=moment(date(2026, 10, 2))),
    Commitment(7, 1, "孙八", "早已办结", date(2026, 6, 1), fulfilled_on=date(2026, 5, 20), created_at=moment(date(2026, 5, 1))),
]
NOTES = [
    PeriodNote(1, "2026-10", problems="场地不足"),
    PeriodNote(1, "2026-11", next_plans="做好年终评议"),
    PeriodNote(1, "2026-12", deeds="带头调解纠纷"),
    PeriodNote(2, "2026-11", problems="经费紧张"),
]
LEADER_WORK = [
    LeaderActivity(1, 900, "讲党课", 1, date(2026, 10, 20), "学习全会精神"),
    LeaderActivity(2, 900, "调研指导", 2, date(2026, 11, 3)),
    LeaderActivity(3, 901, "调研指导", None, date(2026, 12, 8)),
    LeaderActivity(4, 901, "调研指导", 1, date(2026, 9, 30)),  # before the quarter
]
EXCUSED = {2: {("支委会", "2026-12")}}


def both(today: date) -> tuple[Digest, openpyxl.Workbook]:
    """The 小结's data and the 台账, built from the same records as the bot's loader passes them."""
    start, end = QUARTER.start, QUARTER.end
    compliance_for = owed_meetings(load_rules(), ACTIVITIES, EXCUSED, start, end, today, TZ)
    in_period = [a for a in ACTIVITIES if a.held_on >= start]
    digest = build_digest(
        org_name="博望镇党委", title=None, period_label=QUARTER.label, start=start, end=end, today=today,
        units=UNITS, activities=in_period, commitments=COMMITMENTS, leader_activities=LEADER_WORK, notes=NOTES,
        compliance_for=compliance_for, scope_label="全镇", zone=TZ,
    )
    data = render_ledger(
        UNITS, in_period, COMMITMENTS, NOTES, QUARTER.label, start=start, end=end, today=today, zone=TZ,
        meetings=meeting_rows(UNITS, compliance_for), leader_activities=LEADER_WORK,
    )
    return digest, openpyxl.load_workbook(io.BytesIO(data))


def rows(wb: openpyxl.Workbook, sheet: str) -> list[dict]:
    """A sheet's data rows as {header: value}."""
    ws = wb[sheet]
    header = [c.value for c in ws[2]]
    return [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=3)]


@pytest.mark.parametrize("today", [date(2026, 11, 20), date(2027, 1, 10)], ids=["running", "over"])
def test_every_count_of_the_digest_is_the_rows_of_a_sheet(today):
    digest, wb = both(today)

    held = rows(wb, ACTIVITY_SHEET)
    assert len(held) == digest.activity_count == 7
    assert {r["记录编号"] for r in held} == {f"HD{i:04d}" for i in digest.activity_ids}
    for kind in digest.kinds:
        assert sum(r["活动类型"] == kind.kind for r in held) == kind.count
        assert sum(r["实到"] for r in held if r["活动类型"] == kind.kind) == kind.attended
        assert sum(r["应到"] for r in held if r["活动类型"] == kind.kind) == kind.expected
    assert len({r["单位"] for r in held}) == digest.reporting_count

    promised = rows(wb, COMMITMENT_SHEET)
    c = digest.commitments
    assert len(promised) == c.tracked
    assert {r["记录编号"] for r in promised} == {f"CN{i:04d}" for i in c.tracked_ids}
    assert sum(r["状态"] == "已践诺" for r in promised) == c.fulfilled
    assert sum(r["状态"] == "逾期" for r in promised) == c.overdue
    assert sum(r["状态"] == "推进中" for r in promised) == c.in_progress

    summary = rows(wb, SUMMARY_SHEET)
    assert sum(r["活动次数"] or 0 for r in summary) == digest.activity_count
    assert sum(r["承诺数"] or 0 for r in summary) == c.tracked
    assert sum(r["已践诺"] or 0 for r in summary) == c.fulfilled

    meetings = rows(wb, MEETING_SHEET)
    assert digest.compliance is not None and digest.compliance.kinds
    for kind in digest.compliance.kinds:
        assert sum(r["应开"] for r in meetings if r["活动类型"] == kind.kind) == kind.due
        assert sum(r["已开"] for r in meetings if r["活动类型"] == kind.kind) == kind.held
    statutory = {k.kind for k in digest.compliance.kinds if k.statutory}
    assert sum(r["应开"] for r in meetings if r["活动类型"] in statutory) == digest.compliance.due
    assert sum(r["已开"] for r in meetings if r["活动类型"] in statutory) == digest.compliance.held

    led = rows(wb, LEADER_SHEET)
    assert digest.leader_work.any
    assert len(led) == sum(len(ids) for _, ids in digest.leader_work.by_kind)
    assert Counter(r["活动类型"] for r in led) == Counter({kind: len(ids) for kind, ids in digest.leader_work.by_kind})


def test_the_quarter_is_judged_as_the_text_judges_it():
    _, wb = both(date(2027, 1, 10))
    state = {r["记录编号"]: r["状态"] for r in rows(wb, COMMITMENT_SHEET)}
    # Kept in January: overdue at the quarter's end. Recorded in January, withdrawn, or kept and
    # due before the quarter: not the quarter's.
    assert state == {"CN0001": "逾期", "CN0002": "逾期", "CN0003": "已践诺", "CN0004": "推进中"}
    meetings = {(r["单位"], r["活动类型"]): (r["应开"], r["已开"], r["说明未开展"]) for r in rows(wb, MEETING_SHEET)}
    assert meetings[("新城社区党总支", "支委会")] == (3, 1, 1)
    # Added on 12 November: owes the slots that ended from then on, November's and December's.
    assert meetings[("第一小学党支部", "支委会")] == (2, 1, 0)


def test_a_unit_s_own_commitment_reads_本支部():
    _, wb = both(date(2027, 1, 10))
    made_by = {r["记录编号"]: r["承诺人"] for r in rows(wb, COMMITMENT_SHEET)}
    assert made_by["CN0001"] == made_by["CN0004"] == "本支部"
    assert made_by["CN0002"] == "王五"


def test_record_numbers_read_as_secretaries_see_them():
    _, wb = both(date(2027, 1, 10))
    assert [r["记录编号"] for r in rows(wb, ACTIVITY_SHEET)][:3] == ["HD0001", "HD0005", "HD0003"]  # by date
    assert all(isinstance(r["记录编号"], str) and r["记录编号"].startswith("CN") for r in rows(wb, COMMITMENT_SHEET))


def test_every_monthly_note_of_a_quarter_is_listed():
    _, wb = both(date(2027, 1, 10))
    summary = rows(wb, SUMMARY_SHEET)
    of_unit = [r for r in summary if r["单位"] == "山宁村党支部"]
    assert [r["小结月份"] for r in of_unit] == ["2026年10月", "2026年11月", "2026年12月"]
    assert [(r["存在问题"], r["下一步计划"], r["典型事迹"]) for r in of_unit] == [
        ("场地不足", None, None), (None, "做好年终评议", None), (None, None, "带头调解纠纷"),
    ]
    # The unit's figures are on its first row only, so a column's sum is the quarter's total.
    assert of_unit[0]["活动次数"] == 4 and of_unit[1]["活动次数"] is None and of_unit[2]["承诺数"] is None
    assert [r["单位"] for r in summary] == ["山宁村党支部"] * 3 + ["新城社区党总支", "第一小学党支部"]
    assert summary[-1]["小结月份"] is None  # no note: one row, figures only


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_on_every_page():
    _, wb = both(date(2027, 1, 10))
    assert len(wb.worksheets) == 5
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # fitToWidth is left out of the file when it is 1, the schema's default (ECMA-376 CT_PageSetup);
        # fitToHeight 0 means as many pages down as it takes.
        assert ws.page_setup.fitToWidth in (None, 1) and int(ws.page_setup.fitToHeight) == 0
        assert ws.print_title_rows == "$1:$2"  # the title and the header
