"""End to end: a secretary reports activities from the phone — the common path, every refusal,
restarts, edits, withdrawals, other units kept out, and double taps."""
from __future__ import annotations

from datetime import date

import pytest

from bot.fakeapi.harness import BotHarness, Person
from storage import activities, dialogs
from storage.models import Unit
from tests.reporting_helpers import join_secretary

YESTERDAY = date(2026, 11, 26)


@pytest.fixture
async def secretary(harness: BotHarness) -> tuple[Person, Unit]:
    return await join_secretary(harness, 2001, "李梅", "山宁村党支部", members=9)


async def count(harness: BotHarness) -> int:
    assert harness.db is not None
    return await activities.count_activities(harness.db)


async def reach_review(p: Person, kind: str = "支委会", topic: str = "学习党的二十届四中全会精神", attended: str = "7") -> None:
    await p.send("/report")
    await p.tap(kind)
    await p.tap("昨天")
    await p.send(topic)
    await p.send(attended)
    await p.tap("跳过")
    await p.tap("跳过")


async def test_happy_path_stores_exactly_that_record(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    replies = await p.send("/report")
    assert "请选择活动类型" in replies[-1].visible
    replies = await p.tap("支委会")
    assert "支委会 是哪天开展的" in replies[-1].visible
    replies = await p.tap("昨天")
    assert "主题/议题" in replies[-1].visible
    replies = await p.send("学习党的二十届四中全会精神")
    assert "应到 9 人" in replies[-1].visible
    replies = await p.send("7")
    assert "内容摘要" in replies[-1].visible
    replies = await p.tap("跳过")
    assert "请发送活动照片" in replies[-1].visible
    replies = await p.send_photo()
    assert "已收到 1 张照片" in replies[-1].visible
    replies = await p.send_photo()
    assert "已收到 2 张照片" in replies[-1].visible
    replies = await p.tap("完成")
    review = replies[-1].visible
    assert "请核对汇报内容" in review and "实到 7 人 / 应到 9 人" in review and "照片：2 张" in review
    assert "⚠" not in review
    card = replies[-1]
    replies = await p.tap("提交")
    # One call says it: the review card itself becomes the confirmation, with the record, its
    # number and where the unit stands (the 📝 汇报活动 keyboard is persistent: nothing to resend).
    [confirmation] = replies
    assert confirmation.message_id == card.message_id and not confirmation.buttons
    assert "汇报成功，编号 HD0001" in confirmation.visible and "学习党的二十届四中全会精神" in confirmation.visible
    assert "已计入11月：本单位11月已汇报 1 项。" in confirmation.visible and "发送 /my 可查看、修改或撤回。" in confirmation.visible

    assert harness.db is not None
    [stored] = await activities.list_activities(harness.db, start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert (stored.unit_id, stored.kind, stored.held_on, stored.topic) == (unit.id, "支委会", YESTERDAY, "学习党的二十届四中全会精神")
    assert (stored.attended, stored.expected, stored.summary, stored.version, stored.withdrawn) == (7, 9, None, 1, False)
    assert list(stored.photos) == list(harness.api.files)[-2:]  # the full-size file ids of the two photos
    assert await dialogs.get_dialog(harness.db, p.user_id) is None


async def test_photos_are_the_ones_sent(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("党课")
    await p.tap("今天")
    await p.send("党课：学党史")
    await p.send("8")
    await p.send("书记讲授")
    await p.send_photo()
    await p.send_photo()
    largest = [f.file_id for f in harness.api.files.values()]
    await p.tap("完成")
    await p.tap("提交")
    assert harness.db is not None
    [stored] = await activities.list_activities(harness.db, start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert list(stored.photos) == largest[-2:]
    assert stored.summary == "书记讲授"


async def test_keyboard_button_starts_report_and_join_gives_keyboard(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    welcome = harness.api.bot_messages(p.user_id)[0]
    assert welcome.reply_keyboard == [[{"text": "📝 汇报活动"}]]
    replies = await p.send("📝 汇报活动")
    assert "请选择活动类型" in replies[-1].visible


async def test_typed_dates_are_understood(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("主题党日")
    replies = await p.send("11月20日")
    assert "主题/议题" in replies[-1].visible
    await p.send("重温入党誓词")
    await p.send("7/8")
    await p.tap("跳过")
    replies = await p.tap("跳过")
    assert "2026年11月20日（周五）" in replies[-1].visible and "实到 7 人 / 应到 8 人" in replies[-1].visible


async def test_refusals_reask_and_store_nothing(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    replies = await p.send("随便写点")
    assert "请点选下方按钮选择活动类型" in replies[-1].visible
    await p.tap("支委会")
    # Dates: in the future, too old, unreadable; the 其他日期 path too.
    replies = await p.send("11-28")
    assert "日期不能晚于今天（11月27日）" in replies[-1].visible and "是哪天开展的" in replies[-1].visible
    replies = await p.send("2026-08-01")
    assert "只能汇报最近 90 天内（2026年8月30日（周日）及以后）的活动" in replies[-1].visible
    replies = await p.send("上个月吧")
    assert "没看懂这个日期" in replies[-1].visible
    await p.tap("其他日期")
    replies = await p.send_sticker()
    assert "请直接输入文字回复" in replies[-1].visible
    replies = await p.send("2027-01-01")
    assert "日期不能晚于今天" in replies[-1].visible
    await p.send("昨天")
    # Topic: sticker, voice, location, too long, blank.
    for act in (p.send_sticker, p.send_voice, p.send_location):
        replies = await act()
        assert "请直接输入文字回复" in replies[-1].visible and "主题/议题" in replies[-1].visible
    replies = await p.send("长" * 101)
    assert "最多 100 个字" in replies[-1].visible
    await p.send("主题")
    # Attendance: not a number, negative, more than expected, more than a typed expected.
    for typed in ("七八个", "-1", "3.5"):
        replies = await p.send(typed)
        assert "应为不小于 0 的整数" in replies[-1].visible
    replies = await p.send("10")
    assert "实到人数（10）不能多于应到人数（9）" in replies[-1].visible
    replies = await p.send("6/5")
    assert "实到人数（6）不能多于应到人数（5）" in replies[-1].visible
    await p.tap("修改应到人数")
    replies = await p.send("很多")
    assert "应到人数应为不小于 0 的整数" in replies[-1].visible
    await p.send("12")
    replies = await p.send("10")
    assert "内容摘要" in replies[-1].visible
    # Summary too long; photos step refuses text and stickers.
    replies = await p.send("字" * 1001)
    assert "最多 1000 个字" in replies[-1].visible
    await p.tap("跳过")
    replies = await p.send("照片在哪")
    assert "请发送照片" in replies[-1].visible
    replies = await p.send_voice()
    assert "请发送照片" in replies[-1].visible
    assert await count(harness) == 0
    replies = await p.send("/cancel")  # five answers given: asked first
    assert "确定取消吗" in replies[-1].visible and await count(harness) == 0
    replies = await p.tap("确定取消")
    assert "已取消“活动汇报”" in replies[-1].visible
    assert await count(harness) == 0
    assert harness.db is not None and await dialogs.get_dialog(harness.db, p.user_id) is None


async def test_window_setting_is_honoured(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    await harness.restart(REPORT_WINDOW_DAYS="10")
    p, _ = secretary
    await p.send("/report")
    await p.tap("支委会")
    replies = await p.send("11-17")
    assert "只能汇报最近 10 天内（2026年11月18日（周三）及以后）" in replies[-1].visible
    replies = await p.send("11-18")
    assert "主题/议题" in replies[-1].visible
    assert await count(harness) == 0


async def test_quorum_warns_but_does_not_block(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("支部党员大会")
    await p.tap("今天")
    await p.send("选举支部委员")
    replies = await p.send("4")
    assert "⚠ 实到 4 人，不足应到人数（9 人）的一半" in replies[-1].visible
    await p.tap("跳过")
    replies = await p.tap("跳过")
    assert "⚠ 实到 4 人" in replies[-1].visible
    await p.tap("提交")
    assert await count(harness) == 1


async def test_no_quorum_warning_for_other_kinds(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await reach_review(p, kind="支委会", attended="2")
    assert "⚠" not in p.last().visible


async def test_markup_in_text_is_shown_literally(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("专题学习")
    await p.tap("昨天")
    await p.send("<b>")
    await p.send("5")
    await p.send("A&B <i>共建</i>")
    replies = await p.tap("跳过")
    review = replies[-1].visible
    assert "主题/议题：<b>" in review and "内容摘要：A&B <i>共建</i>" in review
    await p.tap("提交")
    assert harness.db is not None
    [stored] = await activities.list_activities(harness.db, start=YESTERDAY, end=YESTERDAY)
    assert (stored.topic, stored.summary) == ("<b>", "A&B <i>共建</i>")
    replies = await p.send("/my")
    assert "专题学习：<b>" in replies[-1].visible


async def test_restart_mid_report_loses_nothing(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    await p.send("/report")
    await p.tap("支委会")
    await p.tap("昨天")
    await p.send("研究发展党员工作")
    await harness.restart()
    replies = await p.send("7")
    offer = replies[-1].visible
    assert "还没填完" in offer and "支委会 · 11月26日 · 研究发展党员工作" in offer
    assert await count(harness) == 0
    replies = await p.tap("继续上次的填写")  # the "7" typed after the restart is kept and taken
    assert "内容摘要" in replies[-1].visible
    await p.tap("跳过")
    await p.send_photo()
    await p.tap("完成")
    await p.tap("提交")
    assert harness.db is not None
    [stored] = await activities.list_activities(harness.db, start=YESTERDAY, end=YESTERDAY)
    assert (stored.unit_id, stored.topic, stored.attended, stored.expected, len(stored.photos)) == (unit.id, "研究发展党员工作", 7, 9, 1)


async def test_buttons_of_the_current_card_still_work_after_restart(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("支委会")
    await harness.restart()
    replies = await p.tap("昨天")
    assert "主题/议题" in replies[-1].visible


async def test_restart_offer_can_start_over(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("支委会")
    await harness.restart()
    await p.send("hello")
    replies = await p.tap("重新开始")
    assert "请选择活动类型" in replies[-1].visible
    assert harness.db is not None
    dialog = await dialogs.get_dialog(harness.db, p.user_id)
    assert dialog is not None and "kind" not in dialog.data


async def test_report_while_draft_exists_asks_which_to_keep(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("党小组会")
    await p.tap("前天")
    replies = await p.send("📝 汇报活动")
    assert "党小组会 · 11月25日" in replies[-1].visible
    replies = await p.tap("继续上次的填写")
    assert "主题/议题" in replies[-1].visible
    await p.send("/report")
    replies = await p.tap("重新开始")
    assert "请选择活动类型" in replies[-1].visible
    # The old offer is stale now.
    first_offer = [m for m in harness.api.bot_messages(p.user_id) if any("继续上次的填写" in b["text"] for r in m.buttons for b in r)]
    assert first_offer == []  # both offers were replaced by the cards they led to
    await p.send("/commit")
    await p.tap("新增承诺")  # an empty report menu is not a draft worth asking about
    assert "这项承诺是谁作出的" in p.last().visible


async def test_double_tap_on_submit_stores_one_record(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await reach_review(p)
    review, data = p.find_button("提交")
    await p.tap_data(data, review)
    replies = await p.tap_data(data, review)
    assert replies == []
    assert p.answers()[-1] == "这条消息已失效，请重新点“汇报活动”或发送 /help。"
    assert await count(harness) == 1


async def test_concurrent_double_tap_stores_one_record(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    import asyncio

    p, _ = secretary
    await reach_review(p)
    review, data = p.find_button("提交")
    await asyncio.gather(p.tap_data(data, review), p.tap_data(data, review))
    assert await count(harness) == 1


async def test_review_edits_and_optional_fields(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await reach_review(p)
    await p.tap("✏ 修改")
    await p.tap("主题/议题")
    replies = await p.send("改过的主题")
    assert "已修改主题/议题" in replies[-1].visible and "改过的主题" in replies[-1].visible
    await p.tap("✏ 修改")
    await p.tap("日期")
    replies = await p.tap("前天")
    assert "2026年11月25日" in replies[-1].visible
    await p.tap("✏ 修改")
    await p.tap("活动类型")
    replies = await p.tap("党小组会")
    assert "活动类型：党小组会" in replies[-1].visible
    await p.tap("✏ 修改")
    await p.tap("应到人数")
    replies = await p.send("6")
    assert "应到人数已改为 6，少于已填的实到人数（7）" in replies[-1].visible
    replies = await p.send("5")
    assert "实到 5 人 / 应到 6 人" in replies[-1].visible
    await p.tap("更多信息")
    await p.tap("开始时间")
    replies = await p.send("明早")
    assert "没看懂这个时间" in replies[-1].visible
    replies = await p.send("下午2点半")
    assert "已记录开始时间" in replies[-1].visible
    await p.tap("地点")
    await p.send("村党群服务中心")
    await p.tap("主持人")
    await p.send("李梅")
    await p.tap("记录人")
    await p.send("王芳")
    await p.tap("缺席人员及原因")
    await p.send("张三（外出务工）")
    await p.tap("列席人员")
    await p.send("驻村第一书记")
    await p.tap("决议")
    replies = await p.send("同意接收刘强为预备党员")
    assert "✓ 决议" in str(replies[-1].buttons)
    replies = await p.tap("返回汇报单")
    review = replies[-1].visible
    for expected in ("14:30", "地点：村党群服务中心", "主持人：李梅", "记录人：王芳", "缺席人员及原因：张三（外出务工）", "列席人员：驻村第一书记", "决议：同意接收刘强为预备党员"):
        assert expected in review
    await p.tap("提交")
    assert harness.db is not None
    [stored] = await activities.list_activities(harness.db, start=date(2026, 11, 25), end=date(2026, 11, 25))
    assert (stored.kind, stored.topic, stored.attended, stored.expected) == ("党小组会", "改过的主题", 5, 6)
    assert (stored.start_time, stored.place, stored.host, stored.recorder) == ("14:30", "村党群服务中心", "李梅", "王芳")
    assert (stored.absentees, stored.observers, stored.resolutions) == ("张三（外出务工）", "驻村第一书记", "同意接收刘强为预备党员")


async def test_my_edit_keeps_history_and_withdraw_removes(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    await reach_review(p, topic="原来的主题")
    await p.tap("提交")
    replies = await p.send("/my")
    assert "HD0001 11月26日 支委会：原来的主题" in replies[-1].visible
    await p.tap("HD0001")
    replies = await p.tap("✏ 主题/议题")  # the card lists the fields; the one changed is saved at once
    assert "主题/议题" in replies[-1].visible and "当前：原来的主题" in replies[-1].visible
    replies = await p.send("新的主题")
    assert any("已保存对 HD0001 的修改" in m.visible for m in replies)
    assert harness.db is not None
    stored = await activities.get_activity(harness.db, 1, unit_id=unit.id)
    assert stored is not None and (stored.topic, stored.version) == ("新的主题", 2)
    [old] = await activities.list_versions(harness.db, 1, unit_id=unit.id)
    assert (old.version, old.data["topic"], old.replaced_by) == (1, "原来的主题", p.user_id)
    assert await count(harness) == 1

    await p.send("/my")
    await p.tap("HD0001")
    replies = await p.tap("撤回")
    assert "确定撤回 HD0001 吗" in replies[-1].visible
    replies = await p.tap("确认撤回")
    assert "已撤回 HD0001" in replies[-1].visible and "近 3 个月还没有汇报活动" in replies[-1].visible
    assert await activities.list_activities(harness.db, start=date(2026, 11, 1), end=date(2026, 11, 30)) == []
    [kept] = await activities.list_activities(harness.db, start=date(2026, 11, 1), end=date(2026, 11, 30), include_withdrawn=True)
    assert kept.withdrawn


async def test_my_pages_back_to_last_month(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("主题党日")
    await p.send("10月30日")
    await p.send("十月主题党日")
    await p.send("6")
    await p.tap("跳过")
    await p.tap("跳过")
    await p.tap("提交")
    replies = await p.send("/my")  # recent records, across months
    assert "最近的活动" in replies[-1].visible and "HD0001 10月30日 主题党日" in replies[-1].visible
    replies = await p.tap("上个月")
    assert "2026年10月的活动" in replies[-1].visible and "十月主题党日" in replies[-1].visible
    replies = await p.tap("HD0001")
    assert "查看照片" not in str(replies[-1].buttons)


async def test_other_units_cannot_see_or_touch(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await reach_review(p, topic="山宁村的会")
    await p.tap("提交")
    other, _ = await join_secretary(harness, 2002, "赵强", "新塘村党支部")
    replies = await other.send("/my")
    assert "山宁村的会" not in replies[-1].visible and "还没有汇报活动" in replies[-1].visible
    for forged in ("my:open:1", "my:edit:1", "my:wd:1", "my:wdok:1", "my:ph:1", "my:open:x", "my:list:../etc"):
        replies = await other.tap_data(forged)
        assert all("山宁村的会" not in m.visible for m in replies)
    # Another unit's record is not found; data that is not an id at all is a stale card.
    assert "找不到这条记录" in other.answers()[-3]
    assert other.answers()[-2] == "这条消息已失效，请重新点“汇报活动”或发送 /help。"
    # A forged dialog tap with a guessed nonce is a stale card.
    await other.tap_data("d:0:submit:")
    assert harness.db is not None
    [stored] = await activities.list_activities(harness.db, start=YESTERDAY, end=YESTERDAY)
    assert (stored.topic, stored.withdrawn, stored.version) == ("山宁村的会", False, 1)
    assert await count(harness) == 1
    # Leaders do not use the secretaries' report commands.
    leader = harness.person(1001, "王")
    await leader.send("/start")
    replies = await leader.send("/report")
    assert "没有权限" in replies[-1].visible


async def test_view_photos(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("志愿服务")
    await p.tap("今天")
    await p.send("清扫村道")
    await p.send("9")
    await p.tap("跳过")
    await p.send_photo()
    await p.tap("完成")
    await p.tap("提交")
    await p.send("/my")
    await p.tap("HD0001")
    replies = await p.tap("查看照片")
    assert [m.caption for m in replies if m.photo] == ["HD0001 的照片（共 1 张）"]


async def test_nine_photos_at_most(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("志愿服务")
    await p.tap("今天")
    await p.send("清扫村道")
    await p.send("9")
    await p.tap("跳过")
    for _ in range(8):
        await p.send_photo()
    replies = await p.send_photo()
    assert "已收到 9 张照片，达到上限" in replies[-1].visible and "请核对汇报内容" in replies[-1].visible
    replies = await p.send_photo()
    assert "请点下方按钮" in replies[-1].visible
    await p.tap("提交")
    assert harness.db is not None
    [stored] = await activities.list_activities(harness.db, start=date(2026, 11, 27), end=date(2026, 11, 27))
    assert len(stored.photos) == 9


async def test_period_note_from_report_menu(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    from storage import period_notes

    p, unit = secretary
    await p.send("/report")
    replies = await p.tap("本期小结")
    assert "2026年11月 本期小结" in replies[-1].visible
    await p.tap("存在问题")
    replies = await p.send_sticker()
    assert "请直接输入文字回复" in replies[-1].visible
    replies = await p.send("问" * 1001)
    assert "最多 1000 个字" in replies[-1].visible
    replies = await p.send("部分党员参学不积极 <少数>")
    assert "已保存“存在问题”" in replies[-1].visible and "部分党员参学不积极 <少数>" in replies[-1].visible
    await p.tap("下一步计划")
    await p.send("开展“三会一课”督查")
    await p.tap("典型事迹")
    await p.send("老党员刘大爷义务巡河 10 年")
    replies = await p.tap("完成")
    assert "本期小结已保存" in replies[-1].visible
    assert harness.db is not None
    [note] = await period_notes.list_notes(harness.db, ["2026-11"], unit_ids=[unit.id])
    assert (note.period, note.problems, note.next_plans, note.deeds) == ("2026-11", "部分党员参学不积极 <少数>", "开展“三会一课”督查", "老党员刘大爷义务巡河 10 年")
    # One per unit and period: editing again changes the same note.
    await p.send("/report")
    await p.tap("本期小结")
    await p.tap("存在问题")
    await p.tap("清空")
    notes = await period_notes.list_notes(harness.db, ["2026-11"])
    assert len(notes) == 1 and notes[0].problems is None and notes[0].deeds
