"""The 小结 counted by SQLite is the 小结 counted from records, word for word and id for id.

``load_digest`` counts a period's activities in the database (bot/digest/counts.py,
``storage.activities.activity_tally``); ranges too long for its month bits, and every test of
the builder, count records in Python. Over random townships (units added on various days, some
archived, small branches, withdrawn records, records returned under review, 本期未开展 answers,
kinds outside the catalogue, meetings held before the period in a due slot) and random periods
and days of writing, both give equal digests — so equal documents.
"""
from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import load_settings
from bot.digest import query
from bot.digest.document import digest_document, plain_text
from bot.digest.query import Scope, load_digest
from bot.rules.activity_kinds import load_kinds
from bot.rules.periods import period_from_key
from storage import activities, bulk, reminders, reviews
from storage import units as unit_store
from storage.activities import ActivityFields
from storage.db import open_database

TZ = ZoneInfo("Asia/Shanghai")
KINDS = ("支委会", "党小组会", "主题党日", "支部党员大会", "党课", "组织生活会", "结对共建", "志愿服务", "旧活动")
UNIT_KINDS = ("村", "社区", "学校", "非公企业", "社会组织")
FIRST, LAST = date(2025, 12, 1), date(2027, 1, 31)
PERIODS = ["2026-11", "2026-12", "2026-Q4", "2026", "2027-01", "2026-W48"]

days = st.dates(min_value=FIRST, max_value=LAST)
# Most records in the last months of 2026, where most periods are: something to count and judge.
held_days = st.one_of(st.dates(min_value=date(2026, 10, 1), max_value=date(2026, 12, 31)), days)
unit_rows = st.lists(
    st.tuples(
        st.sampled_from(UNIT_KINDS),
        st.integers(3, 60),  # members: under 7 there is no committee
        st.sampled_from([None, 0, 3]),  # committee size
        st.sampled_from([None, 0, 2]),  # 党小组
        st.one_of(st.just(FIRST), days),  # added on
        st.booleans(),  # archived
    ),
    min_size=1,
    max_size=6,
)
activity_rows = st.lists(
    st.tuples(
        st.integers(0, 5), st.sampled_from(KINDS), held_days, st.integers(0, 30), st.integers(0, 30),
        st.sampled_from(["", "", "", "withdrawn", "returned"]),
    ),
    min_size=3,
    max_size=40,
)
excuse_rows = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(KINDS[:6]), st.sampled_from(["2026-10", "2026-11", "2026-12", "2026-Q4", "2026"])), max_size=4)
ranges = st.one_of(
    st.sampled_from(PERIODS).map(lambda key: (period_from_key(key).start, period_from_key(key).end)),
    st.tuples(days, days).map(sorted).map(tuple),
    st.just((date(2020, 1, 1), date(2026, 12, 31))),  # longer than the database's month bits
)


def moment(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=TZ).astimezone(UTC)


def plain_fields(n: int, kind: str, held_on: date, a: int, b: int) -> ActivityFields:  # noqa: ARG001
    return ActivityFields(kind, held_on, "主题", min(a, b), max(a, b))


async def seed_township(db, units, acts, excuses, review_on, fields_for=plain_fields) -> None:  # noqa: ANN001
    """The drawn township in ``db``: its units (some archived), activities (some withdrawn or
    returned under review), 本期未开展 answers, and review switched on or not."""
    ids = []
    for i, (kind, members, committee, groups, added, archived) in enumerate(units):
        unit = await unit_store.add_unit(db, f"第{i}党支部", kind, members, None, moment(added), committee_size=committee, group_count=groups)
        if archived:
            await unit_store.update_unit(db, unit.id, None, moment(added), archived=True)
        ids.append(unit.id)
    if review_on:
        await reviews.set_review(db, True, 1, moment(FIRST))
    for n, (unit_index, kind, held_on, a, b, state) in enumerate(acts):
        unit_id = ids[unit_index % len(ids)]
        await bulk.add_activities(db, [(unit_id, fields_for(n, kind, held_on, a, b))], 0, moment(FIRST))
        [row] = await db.fetchall("SELECT max(id) FROM activities")
        if state == "withdrawn":
            await activities.withdraw_activity(db, row[0], unit_id, 0, moment(FIRST))
        elif state == "returned":
            await reviews.add_review(db, row[0], unit_id, reviews.RETURN, "请补充", 1, moment(FIRST))
    for unit_index, kind, slot in excuses:
        await reminders.add_excuses(db, ids[unit_index % len(ids)], kind, [slot], "农忙", 0, moment(FIRST))


async def _both(units, acts, excuses, span, today, review_on) -> None:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "t.sqlite3")
        try:
            await seed_township(db, units, acts, excuses, review_on)
            start, end = span
            settings_ = load_settings({"ORG_NAME": "博望镇党委", "TIMEZONE": "Asia/Shanghai"})

            async def digest():  # noqa: ANN202
                return await load_digest(
                    db, settings_, load_kinds(), scope=Scope("all"), start=start, end=end,
                    period_label="本期", period_key=None, today=today,
                )

            counted_by_sqlite = await digest()
            by_records = query.counted_in_database
            query.counted_in_database = _none  # type: ignore[assignment]
            try:
                counted_in_python = await digest()
            finally:
                query.counted_in_database = by_records
            assert counted_by_sqlite == counted_in_python
            for internal in (False, True):
                assert plain_text(digest_document(counted_by_sqlite, internal=internal)) == plain_text(
                    digest_document(counted_in_python, internal=internal)
                )
        finally:
            await db.close()


async def _none(*_args, **_kwargs) -> None:  # noqa: ANN002, ANN003
    return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=unit_rows, acts=activity_rows, excuses=excuse_rows, span=ranges, today=held_days, review_on=st.booleans())
def test_sqlite_and_python_count_the_same_digest(units, acts, excuses, span, today, review_on) -> None:  # noqa: ANN001
    asyncio.run(_both(units, acts, excuses, span, today, review_on))
