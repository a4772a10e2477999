"""End to end: /digest writes the 小结 in chat and Word, exports the 台账, and respects scope."""
from __future__ import annotations

import io
from datetime import date, datetime

from docx import Document
from openpyxl import load_workbook

from bot.fakeapi.harness import BotHarness, Person
from storage import bulk, units
from storage.activities import ActivityFields
from tests.conftest import SHANGHAI
from tests.reporting_helpers import join_unit


async def _township(harness: BotHarness) -> dict[str, int]:
    now = harness.clock()
    ids = {}
    for name, kind, members in (("山宁村党总支", "村", 40), ("新城村党总支", "村", 30), ("博望中学党支部", "学校", 20)):
        ids[name] = (await units.add_unit(harness.db, name, kind, members, None, now)).id
    await bulk.add_activities(
        harness.db,
        [
            (ids["山宁村党总支"], ActivityFields("支委会", date(2026, 11, 5), "研究发展党员工作", 7, 9)),
            (ids["山宁村党总支"], ActivityFields("主题党日", date(2026, 11, 10), "<b>学习</b> & 讨论", 30, 40)),
            (ids["新城村党总支"], ActivityFields("结对共建", date(2026, 11, 12), "与县供电公司共建", 12, 30)),
            (ids["新城村党总支"], ActivityFields("支委会", date(2026, 10, 8), "上月的会", 5, 5)),
        ],
        0,
        now,
    )
    await bulk.add_commitments(harness.db, [(ids["山宁村党总支"], None, "修缮村民活动室", date(2026, 11, 20), None, None)], 0, now)
    await bulk.add_period_notes(harness.db, [(ids["山宁村党总支"], "2026-11", "活动形式比较单一", "开展冬季走访慰问", "党员王某带头调解邻里纠纷")], 0, now)
    return ids


def _docx_paragraphs(harness: BotHarness, message) -> list[str]:  # noqa: ANN001
    stored = harness.api.files[message.document["file_id"]]
    return [p.text for p in Document(io.BytesIO(stored.content)).paragraphs if p.text.strip()]


async def test_leader_digest_for_the_township(harness: BotHarness, leader: Person) -> None:
    await _township(harness)
    await leader.send("/digest")
    await leader.tap("本月")
    replies = await leader.tap("全镇")
    chat = "\n".join(m.visible for m in replies if m.text is not None)
    assert "博望镇党委党建工作小结" in chat
    assert "一、基本情况" in chat and "二、工作开展情况" in chat and "三、下一步计划" in chat
    assert "现有基层党组织3个" in chat and "党员共90名" in chat
    assert "本期有2个党组织报送了活动记录" in chat
    assert "<b>学习</b> & 讨论" not in chat  # topics are not quoted in the summary, but nothing broke
    assert "博望中学" not in chat  # the 上报版 leaves names to the 台账
    # On the 27th no slot of November is over: no unit owes anything yet, so none is named as
    # not reporting (博望中学 is, once the month is over: test_unreported_once_the_month_is_over).
    assert "未报送活动记录" not in chat
    assert "二〇二六年十一月二十七日" in chat
    document = next(m for m in replies if m.document)
    assert document.document["file_name"] == "全镇2026年11月工作小结.docx"
    paragraphs = _docx_paragraphs(harness, document)
    assert paragraphs[0] == "博望镇党委党建工作小结" and paragraphs[-1] == "二〇二六年十一月二十七日"
    assert "一、基本情况" in paragraphs
    assert not any("博望中学" in p for p in paragraphs)

    replies = await leader.tap("内部版")
    [internal] = [m for m in replies if m.document]
    assert internal.document["file_name"] == "全镇2026年11月工作小结（内部版）.docx"
    assert not any("博望中学" in p for p in _docx_paragraphs(harness, internal))

    replies = await leader.tap("导出台账")
    [ledger] = [m for m in replies if m.document]
    stored = harness.api.files[ledger.document["file_id"]]
    sheet = load_workbook(io.BytesIO(stored.content))["活动台账"]
    topics = [sheet.cell(row, 5).value for row in range(3, sheet.max_row + 1)]
    assert sorted(topics) == sorted(["研究发展党员工作", "<b>学习</b> & 讨论", "与县供电公司共建"])


async def test_unreported_once_the_month_is_over(harness: BotHarness, leader: Person) -> None:
    await _township(harness)
    harness.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    await leader.send("/digest")
    await leader.tap("上月")
    replies = await leader.tap("全镇")
    chat = "\n".join(m.visible for m in replies if m.text is not None)
    assert "个别党组织本期未报送活动记录" in chat
    replies = await leader.tap("内部版")
    [internal] = [m for m in replies if m.document]
    paragraphs = _docx_paragraphs(harness, internal)
    # The 内部版 names the unit that did not report, under that point only.
    assert "一是活动记录报送不够及时，1个党组织本期未报送活动记录（博望中学）。" in paragraphs
    assert sum("博望中学" in p for p in paragraphs) == 1


async def test_on_the_first_of_the_month_no_unit_is_late_yet(harness: BotHarness, leader: Person) -> None:
    """At 10:00 on 1 December, 本月 has few records and no slot of December is over: nobody owed
    anything yet, so the 小结 does not say that most units did not report."""
    ids = await _township(harness)
    harness.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    await bulk.add_activities(
        harness.db, [(ids["山宁村党总支"], ActivityFields("支委会", date(2026, 12, 1), "研究年终工作", 7, 9))], 0, harness.clock()
    )
    await leader.send("/digest")
    await leader.tap("本月")
    replies = await leader.tap("全镇")
    chat = "\n".join(m.visible for m in replies if m.text is not None)
    assert "2026年12月（截至12月1日）" in chat
    assert "本期有1个党组织报送了活动记录" in chat
    assert "未报送活动记录" not in chat and "多数党组织" not in chat
    replies = await leader.tap("内部版")
    [internal] = [m for m in replies if m.document]
    paragraphs = _docx_paragraphs(harness, internal)
    assert not any("未报送活动记录" in p or "新城" in p or "博望中学" in p for p in paragraphs)


async def test_secretary_sees_only_their_unit(harness: BotHarness, leader: Person) -> None:
    ids = await _township(harness)
    secretary = await join_unit(harness, ids["山宁村党总支"], 2001, "李梅")
    await secretary.send("/digest")
    replies = await secretary.tap("本月")
    chat = "\n".join(m.visible for m in replies if m.text is not None)
    assert "山宁村党总支" in chat and "新城" not in chat and "博望中学" not in chat
    assert "活动形式比较单一" in chat
    assert "本支部" in chat and "督促指导" not in chat  # written as the branch's own
    assert "内部版" not in chat  # a unit's own 小结 names nobody: no second version to offer
    await secretary.tap_data("x:20261101:20261130:all")
    assert secretary.answers()[-1] == "您没有权限进行此操作。"
    await secretary.tap_data(f"x:20261101:20261130:u{ids['新城村党总支']}")
    assert secretary.answers()[-1] == "您没有权限进行此操作。"
    assert not [m for m in harness.api.bot_messages(2001) if m.document and m.document["file_name"].endswith(".xlsx")]


async def test_scope_by_group_is_exact(harness: BotHarness, leader: Person) -> None:
    await _township(harness)
    await leader.send("/digest")
    await leader.tap("本月")
    await leader.tap("按单位类别")
    replies = await leader.tap("学校、医院等事业单位")
    chat = "\n".join(m.visible for m in replies if m.text is not None)
    assert "现有基层党组织1个" in chat and "山宁" not in chat and "新城" not in chat


async def test_plan_and_leader_work_appear_in_the_digest(harness: BotHarness, leader: Person) -> None:
    ids = await _township(harness)
    await leader.send("/plan")
    await leader.tap("本月")
    replies = await leader.send("1、开展冬训\n2. 做好年终考核")
    assert "已保存2026年11月下一步计划（2 条）" in replies[-1].visible
    await leader.send("/lead")
    await leader.tap("讲党课")
    await leader.tap("山宁村党总支")
    replies = await leader.tap("昨天")
    assert "已记录：11月26日 在山宁村党总支讲党课" in replies[-1].visible
    await leader.send("/digest")
    await leader.tap("本月")
    replies = await leader.tap("全镇")
    chat = "\n".join(m.visible for m in replies if m.text is not None)
    assert "1、开展冬训。" in chat and "2、做好年终考核。" in chat
    assert "讲党课1堂" in chat
    assert ids


async def test_a_leaders_opening_leads_the_digest_until_cleared(harness: BotHarness, leader: Person) -> None:
    await _township(harness)
    words = "今年以来，镇党委以“双向承诺”为抓手，推动全镇基层党组织建设全面进步。"
    await leader.send("/opening")
    replies = await leader.tap("本月")
    assert "尚未编写，小结使用默认开头" in replies[-1].visible
    replies = await leader.send("甲" * 501)
    assert "不超过 500 个字" in replies[-1].visible
    replies = await leader.send(words)
    assert "已保存2026年11月小结的开头" in replies[-1].visible
    await leader.send("/digest")
    await leader.tap("本月")
    replies = await leader.tap("全镇")
    chat = "\n".join(m.visible for m in replies if m.text is not None)
    assert words in chat and "围绕党建工作" not in chat
    await leader.send("/opening")
    replies = await leader.tap("本月")
    assert words in replies[-1].visible
    replies = await leader.send("清空")
    assert "恢复默认开头" in replies[-1].visible
    await leader.send("/digest")
    await leader.tap("本月")
    replies = await leader.tap("全镇")
    chat = "\n".join(m.visible for m in replies if m.text is not None)
    assert words not in chat and "2026年11月（截至11月27日），博望镇党委围绕党建工作" in chat


async def test_custom_dates_are_checked(harness: BotHarness, leader: Person) -> None:
    await _township(harness)
    await leader.send("/digest")
    await leader.tap("自定义")
    replies = await leader.send("2026-11-30 至 2026-11-01")
    assert "结束日期早于开始日期" in replies[-1].visible
    replies = await leader.send("2026-11-01 至 2026-12-31")
    assert "不能晚于今天" in replies[-1].visible
    replies = await leader.send("随便")
    assert "没看懂这两个日期" in replies[-1].visible
    await leader.send("10-1 至 11-20")
    replies = await leader.tap("全镇")
    chat = "\n".join(m.visible for m in replies if m.text is not None)
    assert "2026年10月1日至11月20日" in chat


async def test_empty_period_is_short_and_honest(harness: BotHarness, leader: Person) -> None:
    await units.add_unit(harness.db, "山宁村党总支", "村", 40, None, harness.clock())
    await leader.send("/digest")
    await leader.tap("上月")
    replies = await leader.tap("全镇")
    chat = "\n".join(m.visible for m in replies if m.text is not None)
    assert "本期暂无报送记录" in chat and "一、基本情况" not in chat


async def test_scope_one_unit_from_the_paged_list(harness: BotHarness, leader: Person) -> None:
    await _township(harness)
    await leader.send("/digest")
    await leader.tap("上月")
    await leader.tap("单个单位")
    replies = await leader.tap("新城村党总支")
    chat = "\n".join(m.visible for m in replies if m.text is not None)
    assert "新城村党总支" in chat and "山宁" not in chat
    assert "召开支委会1次" in chat  # the October meeting, the only record of 新城 last month
