"""End to end: leaders set up units and invites, secretaries join, strangers are kept out."""
from __future__ import annotations

from bot.fakeapi.harness import BotHarness, Person
from storage import people, units
from tests.conftest import LEADER_ID
from tests.reporting_helpers import join_secretary


async def test_leader_adds_unit_and_secretary_joins(harness: BotHarness, leader: Person) -> None:
    await leader.send("/addunit")
    await leader.send("山宁村党支部")
    await leader.tap("村")
    replies = await leader.send("56")
    assert "已新增单位 山宁村党支部（村，党员 56 名）" in replies[-1].visible
    [unit] = await units.list_units(harness.db)
    assert (unit.name, unit.kind, unit.member_count) == ("山宁村党支部", "村", 56)

    replies = await leader.tap("生成书记邀请")
    link = next(line for line in replies[-1].visible.splitlines() if line.startswith("https://t.me/"))
    code = link.split("start=")[1]
    assert len(code) >= 22

    secretary = harness.person(2001, "李", "梅")
    replies = await secretary.send(f"/start {code}")
    assert "李梅，您好！您已作为 山宁村党支部 的书记" in replies[-1].visible
    person = await people.get_person(harness.db, 2001)
    assert person is not None and person.unit_id == unit.id and person.role == "secretary"

    stranger = harness.person(3001, "张三")
    replies = await stranger.send(f"/start {code}")
    assert "已经被使用过" in replies[-1].visible
    assert await people.get_person(harness.db, 3001) is None


async def _invite_code(leader: Person, unit_name: str | None = None) -> str:
    """Ask the bot for an invite as the leader and return the code from the deep link."""
    await leader.send("/invite")
    if unit_name is None:
        replies = await leader.tap("邀请镇党委领导")
    else:
        await leader.tap("为某单位书记生成")
        replies = await leader.tap(unit_name)
    link = next(line for line in replies[-1].visible.splitlines() if line.startswith("https://t.me/"))
    assert link.startswith("https://t.me/dangjian_bot?start=")
    return link.split("start=")[1]


async def _add_unit(harness: BotHarness, name: str = "新城村党总支", kind: str = "村", members: int = 30) -> int:
    unit = await units.add_unit(harness.db, name, kind, members, None, harness.clock())
    return unit.id


async def test_stranger_is_refused_and_nothing_changes(harness: BotHarness) -> None:
    stranger = harness.person(3001, "张三")
    replies = await stranger.send("/start")
    assert "您还没有加入" in replies[-1].visible
    for attempt in ("/units", "你好", "/addunit"):
        replies = await stranger.send(attempt)
        assert [m.visible for m in replies] == ["您还没有加入本系统。请向镇党委负责同志索取邀请链接，点击链接即可加入。"]
    await stranger.send_photo()
    await stranger.tap_data("u:arch:1", harness.api.last_message(3001))
    assert "您还没有加入本系统" in stranger.answers()[-1]
    assert await people.get_person(harness.db, 3001) is None
    assert await units.list_units(harness.db) == []


async def test_invite_codes_unknown_used_expired(harness: BotHarness, leader: Person) -> None:
    await _add_unit(harness)
    code = await _invite_code(leader, "新城村党总支")
    visitor = harness.person(3002, "赵", "六")
    replies = await visitor.send("/start AAAAAAAAAAAAAAAAAAAAAA")
    assert "邀请链接无效" in replies[-1].visible
    replies = await visitor.send("/start <b>&")
    assert "邀请链接无效" in replies[-1].visible
    harness.clock.advance(days=7, seconds=1)
    replies = await visitor.send(f"/start {code}")
    assert "已过期" in replies[-1].visible
    assert await people.get_person(harness.db, 3002) is None


async def test_leader_invite_makes_a_leader_with_leader_menu(harness: BotHarness, leader: Person) -> None:
    code = await _invite_code(leader)
    newcomer = harness.person(1002, "陈", "镇长")
    replies = await newcomer.send(f"/start {code}")
    assert "负责同志加入" in replies[-1].visible
    person = await people.get_person(harness.db, 1002)
    assert person is not None and person.is_leader
    menu = [c["command"] for c in harness.api.commands_for({"type": "chat", "chat_id": 1002})]
    assert "units" in menu and "invite" in menu
    assert [c["command"] for c in harness.api.commands_for(None)] == ["start", "help"]


async def test_leader_who_taps_a_secretary_invite_stays_a_leader_and_the_link_stays_good(harness: BotHarness, leader: Person) -> None:
    unit_id = await _add_unit(harness)
    code = await _invite_code(leader, "新城村党总支")
    replies = await leader.send(f"/start {code}")
    assert replies[-1].visible == "这是给单位书记的邀请链接。您是镇党委负责同志，身份不变，链接也仍然有效：请把它转给该单位的书记。"
    person = await people.get_person(harness.db, LEADER_ID)
    assert person is not None and person.is_leader and person.unit_id is None
    assert "units" in [c["command"] for c in harness.api.commands_for({"type": "chat", "chat_id": LEADER_ID})]
    replies = await leader.send("/units")
    assert "单位列表" in replies[-1].visible and leader.find_button("新城村党总支", replies[-1])

    secretary = harness.person(2001, "李梅")
    replies = await secretary.send(f"/start {code}")
    assert "您已作为 新城村党总支 的书记" in replies[-1].visible
    joined = await people.get_person(harness.db, 2001)
    assert joined is not None and joined.unit_id == unit_id


async def test_secretary_who_taps_their_own_invite_again_is_welcomed_back(harness: BotHarness, leader: Person) -> None:
    unit_id = await _add_unit(harness)
    code = await _invite_code(leader, "新城村党总支")
    secretary = harness.person(2001, "李梅")
    await secretary.send(f"/start {code}")
    replies = await secretary.send(f"/start {code}")
    assert "您已作为 新城村党总支 的书记" in replies[-1].visible and "已经被使用过" not in replies[-1].visible
    person = await people.get_person(harness.db, 2001)
    assert person is not None and person.unit_id == unit_id and person.role == "secretary"
    other = harness.person(2002, "王五")
    replies = await other.send(f"/start {code}")
    assert "已经被使用过" in replies[-1].visible
    assert await people.get_person(harness.db, 2002) is None


async def test_secretary_cannot_use_leader_commands_or_forged_buttons(harness: BotHarness, leader: Person) -> None:
    unit_id = await _add_unit(harness)
    code = await _invite_code(leader, "新城村党总支")
    secretary = harness.person(2001, "李梅")
    await secretary.send(f"/start {code}")
    menu = [c["command"] for c in harness.api.commands_for({"type": "chat", "chat_id": 2001})]
    assert "units" not in menu and "help" in menu
    replies = await secretary.send("/units")
    assert replies[-1].visible == "您没有权限进行此操作。"
    await secretary.tap_data(f"u:arch:{unit_id}")
    assert secretary.answers()[-1] == "您没有权限进行此操作。"
    await secretary.tap_data("i:leader:0")
    assert secretary.answers()[-1] == "您没有权限进行此操作。"
    unit = await units.get_unit(harness.db, unit_id)
    assert unit is not None and not unit.archived
    assert (await people.get_person(harness.db, 2001)).role == "secretary"  # type: ignore[union-attr]


async def test_group_chats_are_refused(harness: BotHarness, leader: Person) -> None:
    group = {"id": -100123, "type": "group", "title": "博望镇书记群"}
    update_id = harness.api.send_text(leader.user_id, "/units", chat=group)
    await harness.run(lambda: update_id, -100123)
    [reply] = harness.api.bot_messages(-100123)
    assert "私聊" in reply.visible
    harness.api.send_text(leader.user_id, "大家好", chat=group)
    replies = await harness.run(lambda: harness.api.send_text(leader.user_id, "收到", chat=group), -100123)
    assert replies == []


async def test_addunit_rejects_bad_input_and_keeps_asking(harness: BotHarness, leader: Person) -> None:
    await _add_unit(harness, "山宁村党总支")
    await leader.send("/addunit")
    replies = await leader.send("山宁村党总支")
    assert "已有名为“山宁村党总支”的单位" in replies[-1].visible
    replies = await leader.send_sticker()
    assert "请直接输入文字" in replies[-1].visible
    replies = await leader.send("甲" * 41)
    assert "最多 40 个字" in replies[-1].visible
    await leader.send("<b>新联村</b> & 党支部")
    await leader.tap("村")
    for bad in ("-3", "五十", "12.5", "100001"):
        replies = await leader.send(bad)
        assert "党员数应为 0 到 100000 之间的整数" in replies[-1].visible
    assert len(await units.list_units(harness.db)) == 1
    replies = await leader.send("12")
    assert "已新增单位 <b>新联村</b> & 党支部" in replies[-1].visible
    assert (await units.find_by_name(harness.db, "<b>新联村</b> & 党支部")) is not None


async def test_stale_card_and_cancel(harness: BotHarness, leader: Person) -> None:
    await leader.send("/addunit")
    await leader.send("丹阳村党支部")
    kind_card, community = leader.find_button("社区")
    await leader.tap("村", kind_card)
    await leader.tap_data(community, kind_card)  # a button of the card as it was: stale
    assert leader.answers()[-1] == "这条消息已失效，请发送 /help 查看可用的操作。"
    replies = await leader.send("/cancel")
    assert "已取消“新增单位”" in replies[-1].visible
    assert await units.list_units(harness.db) == []
    replies = await leader.send("20")
    assert "/help" in replies[-1].visible and "菜单中的命令" not in replies[-1].visible


async def test_a_stale_tap_is_answered_for_the_role(harness: BotHarness, leader: Person) -> None:
    """A secretary is sent back to 汇报活动; a leader and a stranger, who have no such button, to /help."""
    for_secretary = "这条消息已失效，请重新点“汇报活动”或发送 /help。"
    for_others = "这条消息已失效，请发送 /help 查看可用的操作。"
    secretary, _ = await join_secretary(harness, 2001, "李梅", "山宁村党支部")
    await secretary.send("/report")
    await secretary.tap_data("zz:old:1")  # data no handler knows: an old version's button
    assert secretary.answers()[-1] == for_secretary
    await leader.send("/units")
    await leader.tap_data("zz:old:1")
    assert leader.answers()[-1] == for_others
    stranger = harness.person(3001, "张三")
    await stranger.tap_data("zz:old:1", leader.last())  # a card of someone else's chat
    assert stranger.answers()[-1] == for_others
    await secretary.tap_data("zz:old:1", leader.last())
    assert secretary.answers()[-1] == for_secretary
    assert await people.get_person(harness.db, 3001) is None


async def test_unit_card_rename_members_archive(harness: BotHarness, leader: Person) -> None:
    unit_id = await _add_unit(harness, "詹桥村党支部", members=40)
    await _add_unit(harness, "横山村党支部", members=40)
    await leader.send("/units")
    await leader.tap("詹桥村党支部")
    await leader.tap("改名")
    replies = await leader.send("横山村党支部")
    assert "已有名为“横山村党支部”" in replies[-1].visible
    replies = await leader.send("詹桥社区党支部")
    assert "已将“詹桥村党支部”改名为 詹桥社区党支部" in replies[-1].visible
    await leader.tap("设置党员数")
    await leader.send("45")
    replies = await leader.tap("归档")
    assert "已归档" in replies[-1].visible
    unit = await units.get_unit(harness.db, unit_id)
    assert unit is not None and (unit.name, unit.member_count, unit.archived) == ("詹桥社区党支部", 45, True)
    replies = await leader.tap_data(f"i:unit:{unit_id}")
    assert "已归档，不能生成邀请" in replies[-1].visible


async def test_revoke_access(harness: BotHarness, leader: Person) -> None:
    await _add_unit(harness)
    code = await _invite_code(leader, "新城村党总支")
    secretary = harness.person(2001, "李梅")
    await secretary.send(f"/start {code}")
    await leader.send("/people")
    await leader.tap("李梅")
    await leader.tap("取消权限")
    await leader.tap("确认取消")
    assert "您的权限已被取消" in harness.api.last_message(2001).visible
    person = await people.get_person(harness.db, 2001)
    assert person is not None and not person.active
    replies = await secretary.send("/help")
    assert "您还没有加入" in replies[-1].visible


CSV_GOOD = "单位名称,类型,党员数\n山宁村党总支,村,120\n博望中学党支部,学校,41\n博望机床厂党支部,非公企业,36\n".encode()
CSV_BAD = "单位名称,类型,党员数\n山宁村党总支,村,120\n博望中学党支部,学堂,41\n,村,3\n横山村党支部,村,很多\n".encode()


async def test_csv_with_bad_rows_imports_nothing_until_asked(harness: BotHarness, leader: Person) -> None:
    replies = await leader.send_document(CSV_BAD, "units.csv")
    text = replies[-1].visible
    assert "有 3 行有问题，尚未导入任何单位" in text
    assert "第 3 行：类型“学堂”无效" in text and "第 4 行：单位名称为空" in text and "第 5 行：党员数“很多”" in text
    assert await units.list_units(harness.db) == []
    replies = await leader.tap("只导入有效的 1 行")
    assert "已导入 1 个单位" in replies[-1].visible
    assert [u.name for u in await units.list_units(harness.db)] == ["山宁村党总支"]


async def test_csv_all_good_and_gbk_and_xlsx(harness: BotHarness, leader: Person) -> None:
    await leader.send_document(CSV_GOOD.decode().encode("gbk"), "units.csv")
    replies = await leader.tap("导入全部 3 个单位")
    assert "已导入 3 个单位" in replies[-1].visible
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["单位名称", "类型", "党员数"])
    sheet.append(["博望义工协会党支部", "社会组织", 10])
    buffer = io.BytesIO()
    workbook.save(buffer)
    await leader.send_document(buffer.getvalue(), "more.xlsx")
    await leader.tap("导入全部 1 个单位")
    assert len(await units.list_units(harness.db)) == 4
    replies = await leader.send_document(b"\x00\x01garbage", "units.pdf")
    assert "只支持 .csv 或 .xlsx 文件" in replies[-1].visible
    assert len(await units.list_units(harness.db)) == 4


async def test_restart_keeps_dialog(harness: BotHarness, leader: Person) -> None:
    await leader.send("/addunit")
    await leader.send("石门村党支部")
    await harness.restart()
    await leader.tap("村")
    await leader.send("52")
    assert (await units.find_by_name(harness.db, "石门村党支部")) is not None


async def test_addunit_when_the_name_was_taken_meanwhile(harness: BotHarness, leader: Person) -> None:
    await leader.send("/addunit")
    await leader.send("花园村党支部")
    await leader.tap("村")
    await units.add_unit(harness.db, "花园村党支部", "村", 47, None, harness.clock())  # another leader, meanwhile
    replies = await leader.send("50")
    assert "已有名为“花园村党支部”的单位" in replies[-1].visible
    assert "请输入单位名称" in replies[-1].visible
    assert [u.member_count for u in await units.list_units(harness.db)] == [47]


async def test_people_cache_follows_every_change(harness: BotHarness) -> None:
    """The caller is cached for the gate; joining, renaming, reachability and revocation show at once."""
    db = harness.db
    assert await people.get_person(db, 4001) is None
    await people.ensure_admins(db, frozenset({4001}), harness.clock())
    first = await people.get_person(db, 4001)
    assert first is not None and first.is_leader
    await people.set_display_name(db, 4001, "赵书记")
    assert (await people.get_person(db, 4001)).display_name == "赵书记"  # type: ignore[union-attr]
    await people.set_reachable(db, 4001, False)
    assert not (await people.get_person(db, 4001)).reachable  # type: ignore[union-attr]
    await people.revoke(db, 4001, 1001, harness.clock())
    assert not (await people.get_person(db, 4001)).active  # type: ignore[union-attr]
