"""End to end: /people unit by unit, moving a secretary, revoking access (the person told, the
half-filled report kept with the unit), leaders told of joins, an invite as a QR code, and a
person tapping their own used invite again — with the database checked after each step."""
from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import timedelta

from bot.fakeapi.harness import BotHarness, Person
from bot.fakeapi.html_check import utf16_length
from bot.fakeapi.server import SentMessage
from bot.rules.invites import hash_code, new_code
from storage import audit, dialogs, invites, people
from storage import units as unit_store
from storage.models import SECRETARY
from tests.conftest import LEADER_ID
from tests.reporting_helpers import join_unit

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def _units(harness: BotHarness, *names: str) -> list[int]:
    assert harness.db is not None
    return [(await unit_store.add_unit(harness.db, name, "村", 20, None, harness.clock())).id for name in names]


async def _unit_card(leader: Person, name: str) -> SentMessage:
    await leader.send("/units")
    return (await leader.tap(name))[-1]


async def _half_filled_report(secretary: Person, topic: str = "学习党章") -> None:
    """A report draft with a kind, a day and a topic, not submitted."""
    await secretary.send("/report")
    await secretary.tap("支委会")
    await secretary.tap("昨天")
    await secretary.send(topic)


async def _unit_drafts(harness: BotHarness) -> list[tuple[int, int, str]]:
    assert harness.db is not None
    rows = await harness.db.fetchall("SELECT unit_id, left_by, data FROM unit_drafts ORDER BY id")
    return [(r["unit_id"], r["left_by"], json.loads(r["data"])["topic"]) for r in rows]


async def _actions(harness: BotHarness) -> list[str]:
    assert harness.db is not None
    return [e.action for e in await audit.latest(harness.db, 0, 1000)]


async def test_people_shows_each_unit_with_who_joined_and_invites_waiting(harness: BotHarness, leader: Person) -> None:
    shanning, xincheng, _ = await _units(harness, "山宁村党总支", "新城村党总支", "横山村党支部")
    await join_unit(harness, shanning, 2001, "李梅")
    await leader.send("/invite")
    await leader.tap("为某单位书记生成")
    await leader.tap("新城村党总支")
    replies = await leader.send("/people")
    text = replies[-1].visible
    assert "镇党委（1 人）" in text and "· 王书记" in text
    assert "山宁村党总支（1 人）\n· 李梅\n\n新城村党总支" in text  # her used invite no longer waits
    assert "新城村党总支（0 人）\n· 邀请待使用，2026-12-04 10:00 前有效" in text
    assert "另有 1 个单位尚无书记加入" in text and "横山村党支部" not in text
    assert leader.find_button("李梅", replies[-1]) and not any("王书记" in b["text"] for r in replies[-1].buttons for b in r)
    # Many invites for one unit keep the list short: the first three, then a count.
    for _ in range(4):
        await leader.tap("生成书记邀请", await _unit_card(leader, "新城村党总支"))
    replies = await leader.send("/people")
    assert replies[-1].visible.count("· 邀请待使用") == 3 and "· 另有 2 个邀请待使用" in replies[-1].visible
    # An expired invite is not listed.
    harness.clock.advance(days=8)
    replies = await leader.send("/people")
    assert "邀请待使用" not in replies[-1].visible and "另有 2 个单位" in replies[-1].visible
    assert xincheng


async def test_people_pages_when_many_units_have_secretaries(harness: BotHarness, leader: Person) -> None:
    ids = await _units(harness, *[f"第{i:02d}村党支部" for i in range(1, 13)])
    for number, unit_id in enumerate(ids):
        await join_unit(harness, unit_id, 2100 + number, f"书记{number:02d}")
    replies = await leader.send("/people")
    assert "第 1/2 页" in replies[-1].visible and "第01村党支部" in replies[-1].visible
    replies = await leader.tap("下一页")
    assert "第 2/2 页" in replies[-1].visible and "第12村党支部" in replies[-1].visible and "第01村党支部" not in replies[-1].visible
    assert leader.find_button("书记11", replies[-1])


async def test_move_a_secretary_to_a_unit_on_another_page(harness: BotHarness, leader: Person) -> None:
    assert harness.db is not None
    ids = await _units(harness, "山宁村党总支", *[f"第{i:02d}村党支部" for i in range(1, 23)])
    shanning, target = ids[0], ids[-1]
    secretary = await join_unit(harness, shanning, 2001, "李梅")
    await _half_filled_report(secretary)

    await leader.send("/people")
    await leader.tap("李梅")
    replies = await leader.tap("调到其他单位")
    assert "把 李梅 调到哪个单位？（第 1/2 页）" in replies[-1].visible
    assert not any("山宁村党总支" in b["text"] for r in replies[-1].buttons for b in r)  # not to where she is
    await leader.tap("下一页")
    replies = await leader.tap("第22村党支部")
    assert "确定把 李梅 从 山宁村党总支 调到 第22村党支部 吗？" in replies[-1].visible
    assert (await people.get_person(harness.db, 2001)).unit_id == shanning  # type: ignore[union-attr]
    replies = await leader.tap("确认调整")
    assert "已把 李梅 调到 第22村党支部，并已通知本人。" in replies[-1].visible

    moved = await people.get_person(harness.db, 2001)
    assert moved is not None and moved.unit_id == target and moved.is_secretary
    assert "镇党委已把您调整为 第22村党支部 的书记（原单位：山宁村党总支）" in secretary.last().visible
    # Her half-filled report stays with 山宁村党总支, not with her.
    assert await dialogs.get_dialog(harness.db, 2001) is None
    assert await _unit_drafts(harness) == [(shanning, 2001, "学习党章")]
    [entry] = [e for e in await audit.latest(harness.db, 0, 100) if e.action == "person.move"]
    assert (entry.actor_id, entry.subject, entry.detail) == (LEADER_ID, "user:2001", {"from": shanning, "to": target})
    # A second tap on the same confirmation changes nothing more.
    await leader.tap_data(f"p:mvok:2001:{target}")
    assert "无法调整" in leader.last().visible
    assert (await _actions(harness)).count("person.move") == 1


async def test_the_next_secretary_of_the_unit_continues_the_draft_left_behind(harness: BotHarness, leader: Person) -> None:
    assert harness.db is not None
    shanning, xincheng = await _units(harness, "山宁村党总支", "新城村党总支")
    secretary = await join_unit(harness, shanning, 2001, "李梅")
    await _half_filled_report(secretary, "学习二十届四中全会精神")
    await leader.send("/people")
    await leader.tap("李梅")
    await leader.tap("取消权限")
    await leader.tap("确认取消")
    assert await _unit_drafts(harness) == [(shanning, 2001, "学习二十届四中全会精神")]

    # Someone of another unit is not offered it.
    other = await join_unit(harness, xincheng, 2002, "赵六")
    replies = await other.send("/report")
    assert "李梅" not in "\n".join(m.visible for m in replies)
    assert len(await _unit_drafts(harness)) == 1

    successor = await join_unit(harness, shanning, 2003, "周七")
    replies = await successor.send("/report")
    said = "\n".join(m.visible for m in replies)
    assert "本单位有一份未完成的汇报（李梅 留下的）" in said and "学习二十届四中全会精神" in said
    assert await _unit_drafts(harness) == []
    await successor.tap("继续上次的填写")
    draft = await dialogs.get_dialog(harness.db, 2003)
    assert draft is not None and draft.data["topic"] == "学习二十届四中全会精神" and draft.data["unit_id"] == shanning


async def test_revoke_tells_the_person_and_records_it(harness: BotHarness, leader: Person) -> None:
    assert harness.db is not None
    [shanning] = await _units(harness, "山宁村党总支")
    secretary = await join_unit(harness, shanning, 2001, "李梅")
    await leader.send("/people")
    await leader.tap("李梅")
    replies = await leader.tap("取消权限")
    assert "未完成的汇报草稿会留给该单位" in replies[-1].visible
    assert (await people.get_person(harness.db, 2001)).active  # type: ignore[union-attr]
    replies = await leader.tap("确认取消")
    assert "已取消 李梅 的权限，并已通知本人。" in replies[-1].visible
    assert secretary.last().visible == "您的权限已被取消。如有疑问，请联系镇党委。"
    assert not (await people.get_person(harness.db, 2001)).active  # type: ignore[union-attr]
    assert "person.revoke" in await _actions(harness)
    replies = await secretary.send("/report")
    assert "您还没有加入" in replies[-1].visible


async def test_leaders_are_told_when_someone_joins(harness: BotHarness, leader: Person) -> None:
    [shanning] = await _units(harness, "山宁村党总支")
    await leader.send("/invite")
    replies = await leader.tap("邀请镇党委领导")
    code = next(line for line in replies[-1].visible.splitlines() if "start=" in line).split("start=")[1]
    deputy = harness.person(1002, "陈", "镇长")
    await deputy.send(f"/start {code}")
    assert "陈镇长 已通过邀请加入镇党委" in leader.last().visible
    assert "已通过邀请加入" not in deputy.last().visible  # the newcomer is welcomed, not notified

    await join_unit(harness, shanning, 2001, "李梅")
    for boss in (leader, deputy):
        assert boss.last().visible == "李梅 已通过邀请加入，成为 山宁村党总支 的书记。"
    replies = await leader.tap("人员列表", leader.last())
    assert "山宁村党总支（1 人）\n· 李梅" in replies[-1].visible
    # A refused attempt tells nobody.
    before = len(harness.api.bot_messages(LEADER_ID))
    await harness.person(3001, "张三").send(f"/start {code}")
    assert len(harness.api.bot_messages(LEADER_ID)) == before


async def test_invite_as_a_qr_code_photo(harness: BotHarness, leader: Person) -> None:
    assert harness.db is not None
    [shanning] = await _units(harness, "山宁村党总支")
    await leader.send("/invite")
    await leader.tap("为某单位书记生成")
    card = (await leader.tap("山宁村党总支"))[-1]
    code = next(line for line in card.visible.splitlines() if "start=" in line).split("start=")[1]
    replies = await leader.tap("二维码", card)
    [photo] = [m for m in replies if m.photo]
    assert "<b>山宁村党总支</b> 书记邀请二维码" in photo.caption and "2026-12-04 10:00 前有效" in photo.caption
    stored = harness.api.files[photo.photo[0]["file_id"]]
    assert stored.content.startswith(PNG_SIGNATURE)
    assert "invite.qr" in await _actions(harness)

    # Once used, the code gives no picture; nor does a forged or garbled one.
    await harness.person(2001, "李梅").send(f"/start {code}")
    for data in (f"i:qr:{code}", "i:qr:AAAAAAAAAAAAAAAAAAAAAA", "i:qr:<b>", "i:qr:"):
        sent = len(harness.api.bot_messages(LEADER_ID))
        await leader.tap_data(data, card)
        assert leader.answers()[-1] == "这个邀请已被使用或已过期，请重新生成。"
        assert len(harness.api.bot_messages(LEADER_ID)) == sent


async def test_own_used_invite_again_says_already_joined(harness: BotHarness, leader: Person) -> None:
    [shanning] = await _units(harness, "山宁村党总支")
    await leader.send("/invite")
    await leader.tap("为某单位书记生成")
    card = (await leader.tap("山宁村党总支"))[-1]
    code = next(line for line in card.visible.splitlines() if "start=" in line).split("start=")[1]
    secretary = harness.person(2001, "李梅")
    await secretary.send(f"/start {code}")
    replies = await secretary.send(f"/start {code}")
    assert replies[-1].visible.startswith("您已经通过这个邀请加入了，无需再次点击。")
    assert "已经被使用过" not in replies[-1].visible
    # Revoked since: told so, not that the link is used, and still nobody.
    await leader.send("/people")
    await leader.tap("李梅")
    await leader.tap("取消权限")
    await leader.tap("确认取消")
    replies = await secretary.send(f"/start {code}")
    assert replies[-1].visible == "您的权限已被取消。如有疑问，请联系镇党委。"
    assert harness.db is not None and not (await people.get_person(harness.db, 2001)).active  # type: ignore[union-attr]
    assert shanning


async def test_forged_people_buttons_change_nothing(harness: BotHarness, leader: Person) -> None:
    assert harness.db is not None
    shanning, xincheng, archived = await _units(harness, "山宁村党总支", "新城村党总支", "旧村党支部")
    await unit_store.update_unit(harness.db, archived, LEADER_ID, harness.clock(), archived=True)
    await join_unit(harness, shanning, 2001, "李梅")
    await leader.send("/people")
    card = leader.last()
    for data in ("p:mv:abc:0", "p:to:2001:x", "p:mvok:2001", "p:nope:2001", "p:who:2001:9", "p:rev:-", f"p:mvok:2001:{xincheng}:1"):
        await leader.tap_data(data, card)
        assert leader.answers()[-1] == "这条消息已失效，请发送 /help 查看可用的操作。", data
    for data in (f"p:mvok:2001:{archived}", "p:mvok:2001:999999", f"p:mvok:2001:{shanning}", f"p:to:2001:{archived}"):
        await leader.tap_data(data, card)
        assert "无法调整" in leader.last().visible, data
    await leader.tap_data(f"p:mvok:{LEADER_ID}:{xincheng}", card)
    assert leader.last().visible == "不能调整或取消自己的权限。"
    await leader.tap_data(f"p:mvok:999:{xincheng}", card)
    assert "此人不在名单中" in leader.last().visible
    person = await people.get_person(harness.db, 2001)
    assert person is not None and person.unit_id == shanning and person.active
    assert "person.move" not in await _actions(harness)


async def test_moving_a_leader_is_refused(harness: BotHarness, leader: Person) -> None:
    assert harness.db is not None
    [unit_id] = await _units(harness, "山宁村党总支")
    await people.ensure_admins(harness.db, frozenset({1002}), harness.clock())
    await leader.send("/people")
    replies = await leader.tap("1002")
    assert not any("调到其他单位" in b["text"] for r in replies[-1].buttons for b in r)
    await leader.tap_data(f"p:mvok:1002:{unit_id}")
    assert leader.last().visible == "镇党委负责同志不属于某个单位，无需调整。"
    assert (await people.get_person(harness.db, 1002)).unit_id is None  # type: ignore[union-attr]


async def test_secretaries_and_strangers_cannot_manage_people(harness: BotHarness, leader: Person) -> None:
    assert harness.db is not None
    shanning, xincheng = await _units(harness, "山宁村党总支", "新城村党总支")
    secretary = await join_unit(harness, shanning, 2001, "李梅")
    colleague = await join_unit(harness, shanning, 2002, "赵六")
    replies = await secretary.send("/people")
    assert replies[-1].visible == "您没有权限进行此操作。"
    for data in (f"p:mvok:2002:{xincheng}", "p:rev:2002", "p:who:2002", "p:page:0", "i:qr:AAAAAAAAAAAAAAAAAAAAAA"):
        await secretary.tap_data(data)
        assert secretary.answers()[-1] == "您没有权限进行此操作。", data
    stranger = harness.person(3001, "张三")
    await stranger.send("/start")
    for data in (f"p:mvok:2002:{xincheng}", "p:rev:2002"):
        await stranger.tap_data(data)
        assert "您还没有加入本系统" in stranger.answers()[-1]
    for user_id in (2001, 2002):
        person = await people.get_person(harness.db, user_id)
        assert person is not None and person.unit_id == shanning and person.active
    assert colleague and not {"person.move", "person.revoke"} & set(await _actions(harness))


async def test_leader_learns_when_the_person_could_not_be_told(harness: BotHarness, leader: Person) -> None:
    assert harness.db is not None
    shanning, xincheng = await _units(harness, "山宁村党总支", "新城村党总支")
    await join_unit(harness, shanning, 2001, "李梅")
    harness.api.block_bot(2001)
    await leader.send("/people")
    await leader.tap("李梅")
    await leader.tap("调到其他单位")
    await leader.tap("新城村党总支")
    replies = await leader.tap("确认调整")
    assert "已把 李梅 调到 新城村党总支，但通知没能送达本人" in replies[-1].visible
    assert (await people.get_person(harness.db, 2001)).unit_id == xincheng  # type: ignore[union-attr]
    await leader.send("/people")
    await leader.tap("李梅")
    await leader.tap("取消权限")
    replies = await leader.tap("确认取消")
    assert "已取消 李梅 的权限，但通知没能送达本人" in replies[-1].visible
    assert not (await people.get_person(harness.db, 2001)).active  # type: ignore[union-attr]


async def _crowd(harness: BotHarness, unit_id: int, count: int, name: Callable[[int], str], first_id: int = 5000) -> dict[int, str]:
    """``count`` secretaries joined to one unit through invites, as storage keeps them: user id → name."""
    assert harness.db is not None
    joined = {}
    for n in range(count):
        code = new_code()
        await invites.create_invite(harness.db, hash_code(code), SECRETARY, unit_id, LEADER_ID, harness.clock(), timedelta(days=7))
        result = await invites.redeem_invite(harness.db, hash_code(code), first_id + n, name(n), harness.clock())
        assert result.person is not None
        joined[first_id + n] = name(n)
    return joined


async def _every_page(leader: Person) -> list[SentMessage]:
    """/people and every page after it, through 下一页 (each page as it was: the card is edited in place)."""
    shown = [copy.deepcopy((await leader.send("/people"))[-1])]
    while any("下一页" in b["text"] for row in shown[-1].buttons for b in row):
        shown.append(copy.deepcopy((await leader.tap("下一页"))[-1]))
    return shown


def _named_buttons(page: SentMessage) -> dict[int, str]:
    """The people a page's buttons open: user id → the name on the button."""
    return {int(b["callback_data"].split(":")[2]): b["text"].removeprefix("👤 ") for row in page.buttons for b in row if b["callback_data"].startswith("p:who:")}


async def test_one_unit_of_three_hundred_long_names_is_paged_within_the_unit(harness: BotHarness, leader: Person) -> None:
    assert harness.db is not None
    crowded, other = await _units(harness, "山宁村党总支", "新城村党总支")
    crowd = await _crowd(harness, crowded, 300, lambda n: f"{n:03d}号" + "🎉" * 60 + "长" * 60)
    await join_unit(harness, other, 2001, "李梅")
    await people.set_reachable(harness.db, 5299, False)
    pages = await _every_page(leader)
    assert len(pages) > 10 and all(utf16_length(page.visible) <= 4096 for page in pages)
    assert all(f"（第 {i}/{len(pages)} 页）" in page.visible for i, page in enumerate(pages, 1))
    # Everyone is listed once, on the page whose buttons open them, and the unit's runs are numbered.
    listed = [user_id for page in pages for user_id in _named_buttons(page)]
    assert sorted(listed) == sorted([*crowd, 2001])
    for page in pages:
        for user_id, name in _named_buttons(page).items():
            assert f"· {name}" in page.visible
    assert "山宁村党总支（300 人，本页第 1–" in pages[0].visible
    assert all("山宁村党总支（300 人，本页第" in page.visible and "（续）" in page.visible for page in pages[1:-1])
    assert "新城村党总支（1 人）\n· 李梅" in pages[-1].visible and "（无法送达）" in pages[-2].visible + pages[-1].visible
    # A name on a later page opens that person, in their unit.
    last_of_crowd = next(p for p in reversed(pages) if 5299 in _named_buttons(p))
    replies = await leader.tap_data("p:who:5299", last_of_crowd)
    assert "299号" in replies[-1].visible and "山宁村党总支 书记" in replies[-1].visible


async def test_pages_of_short_names_hold_thirty_people_and_stale_pages_are_safe(harness: BotHarness, leader: Person) -> None:
    assert harness.db is not None
    [crowded] = await _units(harness, "山宁村党总支")
    await _crowd(harness, crowded, 300, lambda n: f"书记{n:03d}")
    pages = await _every_page(leader)
    assert len(pages) == 11 and all(len(_named_buttons(page)) <= 30 for page in pages)  # the leader's own name has no button
    assert [len(_named_buttons(page)) for page in pages[1:-1]] == [30] * 9
    # A page number from an older, longer list shows the last page; one that is not a number changes nothing.
    first = (await leader.send("/people"))[-1]
    replies = await leader.tap_data("p:page:999", first)
    assert "（第 11/11 页）" in replies[-1].visible
    await leader.tap_data("p:page:²", first)
    assert leader.answers()[-1] == "这条消息已失效，请发送 /help 查看可用的操作。"
    # A name on a page shown before the person was revoked opens nothing.
    await people.revoke(harness.db, 5000, LEADER_ID, harness.clock())
    replies = await leader.tap_data("p:who:5000", pages[0])
    assert "此人不在名单中" in replies[-1].visible
