"""Shared set-up for the reporting end-to-end tests: a unit and its secretary, joined by invite."""
from __future__ import annotations

from datetime import timedelta

from bot.fakeapi.harness import BotHarness, Person
from bot.rules.invites import hash_code, new_code
from storage import invites
from storage import units as unit_store
from storage.models import SECRETARY, Unit


async def join_unit(harness: BotHarness, unit_id: int, user_id: int, name: str) -> Person:
    """Let ``name`` join the existing unit ``unit_id`` as its secretary through an invite link."""
    assert harness.db is not None
    code = new_code()
    await invites.create_invite(harness.db, hash_code(code), SECRETARY, unit_id, 1, harness.clock(), timedelta(days=7))
    person = harness.person(user_id, name)
    replies = await person.send(f"/start {code}")
    assert "书记" in replies[-1].visible
    return person


async def join_secretary(
    harness: BotHarness, user_id: int, name: str, unit_name: str, members: int = 9, committee_size: int | None = -1
) -> tuple[Person, Unit]:
    """Create ``unit_name`` with ``members`` members and let ``name`` join it through an invite link.

    The unit states a committee of ``committee_size``; by default (-1) as many as its members, so
    a 支委会's 应到 defaults to the membership the report tests check."""
    assert harness.db is not None
    committee = members if committee_size == -1 else committee_size
    unit = await unit_store.add_unit(harness.db, unit_name, "村", members, None, harness.clock(), committee_size=committee)
    return await join_unit(harness, unit.id, user_id, name), unit
