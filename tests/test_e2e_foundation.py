"""End to end: leaders set up units and invites, secretaries join, strangers are kept out."""
from __future__ import annotations

from bot.fakeapi.harness import BotHarness, Person
from storage import people, units


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
