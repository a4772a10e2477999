"""Long lists on cards, without Telegram: the newest reviews kept on a record card, the notes cut
with the fields, and /people cut into pages that each fit a message whatever the names."""
from __future__ import annotations

from datetime import date

import pytest

from bot import texts
from bot.rules.telegram_limits import MESSAGE_LIMIT, telegram_length
from handlers import long_text, people
from storage.models import LEADER, SECRETARY, Activity, Person, Unit

EMOJI = "🎉"


def test_newest_keeps_the_last_few_and_an_earlier_one_asked_for() -> None:
    assert long_text.newest([1, 2, 3, 4, 5], 3) == ([3, 4, 5], 2)
    assert long_text.newest([1, 2], 3) == ([1, 2], 0)
    assert long_text.newest([1, 2, 3, 4, 5], 2, keep=lambda n: n == 1) == ([1, 4, 5], 2)
    assert long_text.newest([], 3) == ([], 0)


def _record(**fields: str) -> Activity:
    base = dict(
        id=1, unit_id=1, kind="支委会", held_on=date(2026, 11, 26), topic="学习", attended=7, expected=9,
        summary=None, version=1,
    )
    return Activity(**{**base, **fields})  # type: ignore[arg-type]


def _render(record: Activity, notes: list[str | None]) -> str:
    return "\n".join([record.topic, record.summary or "", record.resolutions or "", *(note or "" for note in notes)])


def test_notes_are_cut_with_the_fields_longest_first() -> None:
    record = _record(topic=EMOJI * 100, summary="摘" + EMOJI * 999, resolutions="决" + EMOJI * 999)
    text, cut, notes_cut = long_text.fit_record_with_notes(_render, record, [EMOJI * 500, "短评", None, EMOJI * 500])
    assert telegram_length(text) <= long_text.CARD_LIMIT
    assert cut == ["summary", "resolutions"] and notes_cut and "短评" in text and EMOJI * 100 in text
    text, cut, notes_cut = long_text.fit_record_with_notes(_render, _record(), ["好", None])
    assert (cut, notes_cut) == ([], False) and text == _render(_record(), ["好", None])


def _group(unit: Unit | None, count: int, name: str, invites: int = 0, first_id: int = 5000) -> people.Group:
    role = SECRETARY if unit else LEADER
    crowd = [Person(first_id + n, f"{n:03d}{name}", role, unit.id if unit else None, reachable=n % 2 == 0) for n in range(count)]
    return people.Group(unit, crowd, ["2026-12-04 10:00"] * invites)


LONG_NAME = EMOJI * 64 + "长" * 64  # Telegram allows 64 characters of first name and 64 of last name
UNIT_NAME = EMOJI * 40


@pytest.mark.parametrize(
    "groups",
    [
        [_group(None, 1, "王书记"), _group(Unit(1, "山宁村党总支", "村", 300), 300, LONG_NAME)],
        [_group(None, 40, LONG_NAME, 9, 100), *(_group(Unit(i, UNIT_NAME, "村", 9, archived=True), 12, LONG_NAME, 9, 1000 * i) for i in range(1, 20))],
        [_group(None, 1, "王书记"), *(_group(Unit(i, UNIT_NAME, "村", 9), 0, "", 50) for i in range(1, 30))],
    ],
    ids=["one unit of 300 long names", "19 units of 12 long names and invites", "29 units of invites only"],
)
def test_every_people_page_fits_a_message_and_lists_everyone_once(groups: list[people.Group]) -> None:
    pages = people.cut_into_pages(groups, empty_units=999)
    for number, page in enumerate(pages):
        text = texts.say("people", "list", groups=page, page=number, pages=len(pages), empty_units=999)
        assert telegram_length(text) <= MESSAGE_LIMIT
        assert len(page) <= people.GROUPS_PER_PAGE and sum(len(b.people) for b in page) <= people.PEOPLE_PER_PAGE
    listed = [p.user_id for page in pages for block in page for p in block.people]
    assert listed == [p.user_id for g in groups for p in g.people]
    # Each group's invites are shown once, with its last run of people.
    assert sum(1 for page in pages for block in page if block.invites) == sum(1 for g in groups if g.invites)
