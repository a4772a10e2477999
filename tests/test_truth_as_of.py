"""What the 小结, /board, reminders and escalations say is true on the day they are written.

Facts checked over random records (hypothesis) and on the three cases leaders met:
- no meeting slot that ends after the day of writing is counted as due in the 小结;
- a unit added on day D owes nothing for slots that ended before D (小结, board rows, escalations);
- every commitment counted overdue was recorded by the period's end and not kept by then;
- a period with no records and no commitments recorded by its end gives the short document.
Slots are recomputed here by brute force over days, not with the code under test.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digest.build import Digest, build_digest
from bot.digest.document import digest_document, plain_text
from bot.digest.query import owed_meetings
from bot.reminders import plan
from bot.reminders.slots import ReminderPolicy
from bot.rules.meeting_rules import load_rules
from bot.rules.periods import MONTH, QUARTER, period_containing, period_from_key
from bot.rules.workcalendar import QuietHours
from storage.models import Activity, Commitment, Unit

TZ = ZoneInfo("Asia/Shanghai")
RULES = load_rules()
KINDS = ("支委会", "党小组会", "主题党日", "支部党员大会", "党课", "组织生活会")
UNIT_KINDS = ("村", "社区", "学校", "非公企业", "社会组织")
FIRST, LAST = date(2026, 1, 1), date(2027, 3, 31)
days = st.dates(min_value=FIRST, max_value=LAST)
PERIOD_KEYS = ["2026-09", "2026-11", "2026-12", "2026-Q3", "2026-Q4", "2026", "2027-01"]


def moment(day: date) -> datetime:
    """A stored moment (UTC) on the local ``day``: 09:00 in Shanghai."""
    return datetime.combine(day, time(9), tzinfo=TZ).astimezone(UTC)


def slot_ends(every: str, start: date, end: date) -> list[date]:
    """Last days of the months / quarters / years that end in [start, end], found day by day."""
    found = []
    day = start
    while day <= end:
        tomorrow = day + timedelta(days=1)
        new_month = tomorrow.month != day.month
        if (every == "month" and new_month) or (every == "quarter" and new_month and day.month % 3 == 0) or (
            every == "year" and tomorrow.year != day.year
        ):
            found.append(day)
        day = tomorrow
    return found


def expected_due(unit_kind: str, start: date, end: date, added_on: date | None, as_of: date | None) -> dict[str, int]:
    due = {}
    for requirement in RULES.for_unit_kind(unit_kind):
        ends = slot_ends(requirement.every, start, end)
        due[requirement.activity_kind] = sum(
            1 for last in ends if (added_on is None or last >= added_on) and (as_of is None or last < as_of)
        )
    return due


def digest(units, activities, commitments, start: date, end: date, today: date, notes=()) -> Digest:
    return build_digest(
        org_name="博望镇党委",
        title=None,
        period_label="本期",
        start=start,
        end=end,
        today=today,
        units=units,
        activities=[a for a in activities if start <= a.held_on <= end],
        commitments=commitments,
        notes=list(notes),
        compliance_for=owed_meetings(RULES, activities, {}, start, end, today, TZ),
        scope_label="全镇",
        zone=TZ,
    )


@st.composite
def township(draw):
    count = draw(st.integers(1, 5))
    units = [
        Unit(i, f"第{i}村党支部", draw(st.sampled_from(UNIT_KINDS)), 20, created_at=draw(st.none() | days.map(moment)))
        for i in range(1, count + 1)
    ]
    activities = [
        Activity(n, draw(st.integers(1, count)), draw(st.sampled_from(KINDS)), draw(days), "学习", 8, 10)
        for n in range(1, draw(st.integers(0, 12)) + 1)
    ]
    return units, activities


@st.composite
def commitment_list(draw, unit_count: int = 3):
    found = []
    for n in range(1, draw(st.integers(0, 8)) + 1):
        due_on = draw(days)
        found.append(
            Commitment(
                n, draw(st.integers(1, unit_count)), None, f"承诺{n}", due_on,
                fulfilled_on=draw(st.none() | days),
                withdrawn=draw(st.booleans()),
                created_at=moment(draw(days)),
            )
        )
    return found


SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ----- the 小结 -------------------------------------------------------------------------------
@SLOW
@given(township(), st.sampled_from(PERIOD_KEYS), days)
def test_digest_counts_only_slots_over_by_the_day_of_writing_and_owed_since_a_unit_was_added(records, key, today) -> None:
    units, activities = records
    period = period_from_key(key)
    d = digest(units, activities, [], period.start, period.end, today)
    assert d.compliance is not None
    totals: dict[str, int] = {}
    for unit in units:
        added_on = unit.created_at.astimezone(TZ).date() if unit.created_at else None
        for kind, due in expected_due(unit.kind, period.start, period.end, added_on, today).items():
            totals[kind] = totals.get(kind, 0) + due
    assert {k.kind: k.due for k in d.compliance.kinds if k.due} == {k: n for k, n in totals.items() if n}
    # A unit added after the period owed it nothing: it is never named as unreported or as missing meetings.
    late = {u.id for u in units if u.created_at and u.created_at.astimezone(TZ).date() > period.end}
    assert late.isdisjoint(d.unreported_unit_ids)
    assert late.isdisjoint(m.unit.id for m in d.problems.missed_meetings)
    # While the period runs, the opening says the day its figures stand at.
    assert ("截至" in plain_text(digest_document(d))) == (today <= period.end)


@SLOW
@given(commitment_list(), st.sampled_from(PERIOD_KEYS), days)
def test_every_overdue_commitment_existed_by_the_period_end_and_was_not_kept_by_then(commitments, key, today) -> None:
    period = period_from_key(key)
    units = [Unit(i, f"第{i}村党支部", "村", 20) for i in (1, 2, 3)]
    d = digest(units, [], commitments, period.start, period.end, today)
    by_id = {c.id: c for c in commitments}
    judged = min(today, period.end)
    for cid in d.commitments.tracked_ids:
        assert by_id[cid].created_at.astimezone(TZ).date() <= period.end
    for cid in d.commitments.overdue_ids:
        c = by_id[cid]
        assert not c.withdrawn
        assert c.created_at.astimezone(TZ).date() <= period.end
        assert c.fulfilled_on is None or c.fulfilled_on > judged
        assert c.due_on <= judged
    for cid in d.commitments.fulfilled_ids:
        assert by_id[cid].fulfilled_on <= judged  # type: ignore[operator]
    assert {o.commitment_id for o in d.problems.overdue_commitments} == set(d.commitments.overdue_ids)


@SLOW
@given(township(), commitment_list(), st.sampled_from(PERIOD_KEYS), days)
def test_a_period_with_nothing_recorded_by_its_end_gives_the_short_document(records, commitments, key, today) -> None:
    units, activities = records
    period = period_from_key(key)
    outside = [a for a in activities if not period.start <= a.held_on <= period.end]
    later = [c for c in commitments if c.created_at.astimezone(TZ).date() > period.end]  # type: ignore[union-attr]
    d = digest(units, outside, later, period.start, period.end, today)
    text = plain_text(digest_document(d))
    assert d.empty and "本期暂无报送记录" in text
    assert "一、基本情况" not in text and "逾期" not in text


# ----- board rows and escalations ---------------------------------------------------------------
def timing(cycle: str = MONTH) -> plan.Timing:
    return plan.Timing(
        schedule=plan.ReportSchedule(cycle=cycle), policy=ReminderPolicy(), quiet=QuietHours(), tz=TZ, grace=timedelta(hours=24)
    )


@st.composite
def unit_records(draw):
    return [
        plan.UnitRecord(
            i,
            draw(st.sampled_from(UNIT_KINDS)),
            tuple(
                Activity(n, i, draw(st.sampled_from(KINDS)), draw(days), "学习", 8, 10)
                for n in range(draw(st.integers(0, 4)))
            ),
            frozenset(),
            draw(st.none() | days),
        )
        for i in range(1, draw(st.integers(1, 5)) + 1)
    ]


@SLOW
@given(unit_records(), st.sampled_from([MONTH, QUARTER]), days, st.integers(0, 23))
def test_board_rows_and_escalations_owe_nothing_from_before_a_unit_was_added(records, cycle, day, hour) -> None:
    now = datetime.combine(day, time(hour), tzinfo=TZ)
    t = timing(cycle)
    period = period_containing(cycle, day - timedelta(days=31))  # a period whose deadline may have passed
    times = plan.period_times(t, period)
    rows = {r.unit_id: r for r in plan.board_rows(RULES, records, times, now)}
    owing = dict(plan.overdue_units(RULES, records, times, now))
    for record in records:
        due = expected_due(record.kind, period.start, period.end, record.added_on, None)
        assert rows[record.unit_id].due == sum(due.values())
        for status in owing.get(record.unit_id, []):
            assert due[status.activity_kind] > 0
        if record.added_on is not None and record.added_on > period.end:
            assert rows[record.unit_id].due == 0 and record.unit_id not in owing


# ----- the cases leaders met ---------------------------------------------------------------------
DEMO_DAY = date(2026, 12, 1)
OLD_UNITS = [Unit(i, f"第{i}村党支部", "村", 30, created_at=moment(date(2025, 6, 1))) for i in range(1, 5)]


def test_on_1_december_this_month_owes_nothing_yet_and_says_so() -> None:
    december = period_from_key("2026-12")
    d = digest(OLD_UNITS, [], [], december.start, december.end, DEMO_DAY)
    text = plain_text(digest_document(d))
    assert d.compliance is not None and d.compliance.due == 0
    assert "应开" not in text and "尚无党组织全部按要求开展" not in text
    assert "截至12月1日" in text


def test_on_1_december_the_fourth_quarter_owes_october_and_november_only() -> None:
    q4 = period_from_key("2026-Q4")
    held = [Activity(n, unit.id, "支委会", date(2026, 10, 5), "学习", 8, 10) for n, unit in enumerate(OLD_UNITS, 1)]
    d = digest(OLD_UNITS, held, [], q4.start, q4.end, DEMO_DAY)
    assert d.compliance is not None
    due = {k.kind: k.due for k in d.compliance.kinds if k.due}
    assert due == {"支委会": 8, "党小组会": 8, "主题党日": 8}  # 4 units × October and November
    assert d.compliance.met == 4
    text = plain_text(digest_document(d))
    assert "截至12月1日" in text and "支部党员大会应开" not in text


def test_units_added_today_are_not_escalated_for_last_month() -> None:
    t = timing()
    november = plan.period_times(t, period_from_key("2026-11"))
    now = datetime(2026, 12, 1, 9, 30, tzinfo=TZ)
    new = [plan.UnitRecord(i, "村", added_on=DEMO_DAY) for i in (1, 2)]
    old = [plan.UnitRecord(3, "村", added_on=date(2026, 6, 1))]
    assert [unit_id for unit_id, _ in plan.overdue_units(RULES, [*new, *old], november, now)] == [3]
    rows = {r.unit_id: r for r in plan.board_rows(RULES, [*new, *old], november, now)}
    assert (rows[1].due, rows[1].overdue, rows[3].overdue) == (0, False, True)


def test_september_with_commitments_recorded_in_december_is_the_short_document() -> None:
    september = period_from_key("2026-09")
    recorded_today = [
        Commitment(n, 1 + n % 4, None, "为群众办实事三件", date(2026, 11, n), created_at=moment(DEMO_DAY)) for n in range(1, 14)
    ]
    d = digest(OLD_UNITS, [], recorded_today, september.start, september.end, DEMO_DAY)
    assert d.commitments.tracked == 0 and d.commitments.overdue == 0
    text = plain_text(digest_document(d))
    assert d.empty and "本期暂无报送记录" in text and "逾期" not in text
    assert "截至" not in text
    # November ended before they were recorded; December, the month they were recorded in, tracks them.
    november, december = period_from_key("2026-11"), period_from_key("2026-12")
    assert digest(OLD_UNITS, [], recorded_today, november.start, november.end, DEMO_DAY).commitments.tracked == 0
    now = digest(OLD_UNITS, [], recorded_today, december.start, december.end, DEMO_DAY).commitments
    assert (now.tracked, now.overdue) == (13, 13)


def test_commitments_are_judged_as_of_the_period_end_or_today_while_it_runs() -> None:
    november = period_from_key("2026-11")
    recorded = moment(date(2026, 10, 1))
    due_last_day = Commitment(1, 1, None, "修缮活动室", date(2026, 11, 30), created_at=recorded)
    kept_late = Commitment(2, 1, None, "硬化村道", date(2026, 11, 10), fulfilled_on=date(2026, 12, 5), created_at=recorded)
    due_after = Commitment(3, 1, None, "走访慰问", date(2026, 12, 1), created_at=recorded)
    records = [due_last_day, kept_late, due_after]
    closed = digest(OLD_UNITS, [], records, november.start, november.end, date(2026, 12, 20)).commitments
    # At the end of 30 November: the promise due that day and the one kept only in December were overdue.
    assert (closed.overdue_ids, closed.fulfilled_ids, closed.in_progress_ids) == ((2, 1), (), (3,))
    running = digest(OLD_UNITS, [], records, november.start, november.end, date(2026, 11, 30)).commitments
    # On 30 November itself the day is not over: only the promise due on the 10th is overdue.
    assert (running.overdue_ids, running.in_progress_ids) == ((2,), (1, 3))
