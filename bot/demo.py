"""A demo township like 博望镇 (35 grassroots Party organisations, 1,730 members) for the sandbox."""
from __future__ import annotations

from datetime import datetime

from storage import units as unit_store
from storage.db import Database

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
