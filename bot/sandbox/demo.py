"""A demo township like 博望镇 (35 grassroots Party organisations, 1,730 members) for the sandbox,
and plausible records for it (also used by the benchmarks)."""
from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from storage import activities, bulk
from storage import units as unit_store
from storage.activities import ActivityFields
from storage.db import Database
from storage.models import Unit

# (name, kind, members). 15 village/community, 8 school/hospital, 8 “两新”, 4 机关 organisations.
DEMO_UNITS: tuple[tuple[str, str, int], ...] = (
    ("山宁村党总支", "村", 120), ("新城村党总支", "村", 110), ("新联村党支部", "村", 64),
    ("东城村党总支", "村", 125), ("博望村党总支", "村", 120), ("丹阳村党支部", "村", 57),
    ("薛津村党支部", "村", 61), ("詹桥村党支部", "村", 49), ("新市村党总支", "村", 105),
    ("横山村党支部", "村", 58), ("石门村党支部", "村", 52), ("花园村党支部", "村", 47),
    ("杨村村党支部", "村", 55), ("博望社区党总支", "社区", 130), ("新博社区党支部", "社区", 62),
    ("博望中心学校党总支", "学校", 68), ("博望中学党支部", "学校", 41), ("丹阳中学党支部", "学校", 33),
    ("新市小学党支部", "学校", 21), ("横山小学党支部", "学校", 18), ("博望幼儿园党支部", "学校", 12),
    ("博望镇卫生院党支部", "医院", 39), ("新市卫生院党支部", "医院", 17),
    ("博望机床厂党支部", "非公企业", 36), ("丹阳刃模具公司党支部", "非公企业", 22), ("新联纺织公司党支部", "非公企业", 15),
    ("东城建材公司党支部", "非公企业", 12), ("博望物流公司党支部", "非公企业", 9), ("新城电子公司党支部", "非公企业", 11),
    ("博望商会党支部", "社会组织", 14), ("博望义工协会党支部", "社会组织", 10),
    ("镇机关第一党支部", "机关", 48), ("镇机关第二党支部", "机关", 45), ("镇财政所党支部", "机关", 19), ("镇派出所党支部", "机关", 25),
)


async def seed_demo_township(db: Database, now: datetime) -> int:
    """Add the demo units if the database has none; returns how many were added."""
    if await unit_store.list_units(db, include_archived=True):
        return 0
    return await unit_store.add_units(db, list(DEMO_UNITS), None, now)


# Topics a branch might record, per kind; the demo and the benchmarks draw from them.
_TOPICS = {
    "支委会": ("研究发展党员工作", "研究本月党费收缴", "讨论冬季安全生产", "研究困难党员帮扶"),
    "党小组会": ("学习党章", "交流学习体会", "讨论村级事务"),
    "主题党日": ("重温入党誓词", "参观红色教育基地", "环境整治志愿活动"),
    "党课": ("学习党的二十届四中全会精神", "书记讲党课：为民服务", "党史学习"),
    "支部党员大会": ("接收预备党员", "选举支委", "通报半年工作"),
    "结对共建": ("与县供电公司结对共建", "与镇卫生院共建义诊"),
    "走访慰问": ("走访慰问老党员", "慰问困难群众"),
    "志愿服务": ("防汛值守", "文明创建志愿服务"),
}
_PROBLEMS = ("活动形式比较单一", "部分流动党员参加组织生活不够经常", "学习深度不够，结合实际不紧")
_PLANS = ("开展冬季走访慰问", "做好年终党员评议", "加强流动党员管理", "推进村级阵地建设")
_DEEDS = ("党员带头调解邻里纠纷", "党员志愿者连续值守防汛一线", "党员致富能手带动群众增收")


def demo_records(
    units: Sequence[Unit], start: date, end: date, seed: int = 2026, per_unit_month: int = 5
) -> tuple[list[tuple[int, ActivityFields]], list[tuple[int, str | None, str, date, date | None, str | None]], list[tuple[int, str, str | None, str | None, str | None]]]:
    """Plausible activities, commitments and period notes for ``units`` between ``start`` and ``end``.

    Deterministic for a seed. About one unit in eight reports nothing, so the 小结 has gaps to name.
    """
    rng = random.Random(seed)
    kinds = list(_TOPICS)
    activities: list[tuple[int, ActivityFields]] = []
    commitments: list[tuple[int, str | None, str, date, date | None, str | None]] = []
    notes: list[tuple[int, str, str | None, str | None, str | None]] = []
    days = (end - start).days + 1
    months = sorted({(start + timedelta(days=d)).strftime("%Y-%m") for d in range(days)})
    for unit in units:
        if rng.random() < 0.125:
            continue
        for _ in range(max(1, round(per_unit_month * days / 30))):
            kind = rng.choice(kinds)
            expected = max(unit.member_count, 1)
            attended = max(0, min(expected, round(expected * rng.uniform(0.45, 1.0))))
            held_on = start + timedelta(days=rng.randrange(days))
            activities.append((unit.id, ActivityFields(kind, held_on, rng.choice(_TOPICS[kind]), attended, expected)))
        due = start + timedelta(days=rng.randrange(days))
        done = due - timedelta(days=rng.randrange(5)) if rng.random() < 0.6 else None
        commitments.append((unit.id, None, rng.choice(("修缮党员活动室", "为群众办实事三件", "完善村规民约")), due, done, "已完成" if done else None))
        for month in months:
            if rng.random() < 0.4:
                notes.append((unit.id, month, rng.choice(_PROBLEMS), rng.choice(_PLANS), rng.choice(_DEEDS) if rng.random() < 0.5 else None))
    return activities, commitments, notes


async def seed_demo_records(db: Database, today: date, now: datetime) -> int:
    """Two months of demo records for the sandbox, if it has none yet; returns activities added."""
    if await activities.count_activities(db):
        return 0
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    acts, commits, notes = demo_records(await unit_store.list_units(db), start, today)
    await bulk.add_activities(db, acts, 0, now)
    await bulk.add_commitments(db, commits, 0, now)
    await bulk.add_period_notes(db, notes, 0, now)
    return len(acts)
