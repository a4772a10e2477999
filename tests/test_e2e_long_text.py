"""Every field within its own limit, all of them together: the cards still reach the person (the
stand-in refuses what Telegram refuses), shortened with "…" and the full text a tap away, and the
long lists paged."""
from __future__ import annotations

from datetime import date

import pytest

from bot.fakeapi.harness import BotHarness, Person
from bot.fakeapi.html_check import utf16_length
from storage import activities, commitments, reviews
from storage.models import Unit
from tests.conftest import LEADER_ID
from tests.reporting_helpers import join_secretary
from tests.test_e2e_evidence import report_with_photos
from tests.test_e2e_review import open_record

EMOJI = "🎉"


@pytest.fixture
async def secretary(harness: BotHarness) -> tuple[Person, Unit]:
    return await join_secretary(harness, 2001, "李梅", "山宁村党支部", members=9)


def _longest(messages: list) -> int:
    return max(utf16_length(m.visible) for m in messages)


async def test_a_report_of_the_longest_fields_in_emoji_is_reviewed_and_submitted(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    topic, summary, resolutions = EMOJI * 100, "摘" + EMOJI * 999, "决" + EMOJI * 999
    await p.send("/report")
    await p.tap("支委会")
    await p.tap("昨天")
    await p.send(topic)
    await p.send("7")
    await p.send(summary)
    replies = await p.tap("跳过")  # 照片
    assert "请核对汇报内容" in replies[-1].visible
    await p.tap("更多信息")
    await p.tap("决议")
    await p.send(resolutions)
    replies = await p.tap("返回汇报单")
    review = replies[-1]
    assert "请核对汇报内容" in review.visible and "…" in review.visible
    assert utf16_length(review.visible) <= 4096
    assert topic in review.visible  # the shortest field is kept whole

    replies = await p.tap("查看全文")
    shown = "\n".join(m.visible for m in replies)
    assert summary in shown and resolutions in shown and _longest(replies) <= 4096

    replies = await p.tap("提交", review)
    assert any("汇报成功，编号 HD0001" in m.visible for m in replies)
    assert harness.db is not None
    [stored] = await activities.list_activities(harness.db, start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert (stored.topic, stored.summary, stored.resolutions) == (topic, summary, resolutions)  # stored whole

    replies = await p.send("/my")
    replies = await p.tap("HD0001")
    assert "HD0001" in replies[-1].visible and "…" in replies[-1].visible
    replies = await p.tap("查看全文")
    assert summary in "\n".join(m.visible for m in replies)


async def _new_commitment(p: Person, content: str) -> None:
    await p.send("/commit")
    await p.tap("新增承诺")
    await p.tap("本支部")
    await p.send(content)
    replies = await p.tap("本月底")
    assert "已记录承诺" in replies[-1].visible


async def test_a_commitment_with_eight_long_progress_notes_opens_and_is_fulfilled(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, unit = secretary
    content = "诺" + EMOJI * 199
    await _new_commitment(p, content)
    notes = [f"第{n}条" + EMOJI * 496 for n in range(1, 9)]
    for note in notes:
        await p.tap("添加进展")
        await p.send(note)
        replies = await p.tap("不附照片")
        assert "已添加进展" in replies[-1].visible
    assert "进展（8 条）" in replies[-1].visible

    replies = await p.send("/commit")
    replies = await p.tap("CN0001")
    card = replies[-1]
    assert "进展（8 条）" in card.visible and "…" in card.visible and utf16_length(card.visible) <= 4096
    replies = await p.tap("查看全文")
    shown = "\n".join(m.visible for m in replies)
    assert content in shown and all(note in shown for note in notes) and _longest(replies) <= 4096

    result = "成" + EMOJI * 499
    await p.tap("践诺", card)
    replies = await p.send(result)
    assert "已记录 CN0001 践诺" in replies[-1].visible
    assert harness.db is not None
    [done] = await commitments.list_commitments(harness.db, [unit.id])
    assert (done.fulfilled_on, done.result) == (date(2026, 11, 27), result)


async def test_seventeen_long_open_commitments_are_listed_in_pages(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    contents = [f"{n:02d}" + EMOJI * 198 for n in range(1, 18)]
    for content in contents:
        await _new_commitment(p, content)
    replies = await p.send("/commit")
    card = replies[-1]  # each page is shown in place of the one before
    pages = [card.visible]
    while any(b["text"] == "下一页 »" for row in card.buttons for b in row):
        await p.tap("下一页", card)
        pages.append(card.visible)
    assert len(pages) == 3
    assert "未践诺的承诺 17 项（第 1/3 页）" in pages[0]
    shown = "\n".join(pages)
    assert all(content in shown for content in contents)  # each in full, across the pages
    assert all(utf16_length(page) <= 4096 for page in pages)
    await p.tap("上一页", card)
    assert "第 2/3 页" in card.visible


async def test_a_period_note_of_three_long_fields_in_emoji_is_shown_and_kept_whole(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    from storage import period_notes

    p, unit = secretary
    texts = {"存在问题": "问" + EMOJI * 999, "下一步计划": "计" + EMOJI * 999, "典型事迹": "事" + EMOJI * 999}
    await p.send("/report")
    await p.tap("本期小结")
    for field, text in texts.items():
        await p.tap(field)
        replies = await p.send(text)
        assert f"已保存“{field}”" in replies[-1].visible and utf16_length(replies[-1].visible) <= 4096
    assert "…" in replies[-1].visible
    replies = await p.tap("查看全文")
    shown = "\n".join(m.visible for m in replies)
    assert all(text in shown for text in texts.values()) and _longest(replies) <= 4096
    replies = await p.tap("完成")
    assert "本期小结已保存" in replies[-1].visible
    assert harness.db is not None
    [note] = await period_notes.list_notes(harness.db, ["2026-11"], unit_ids=[unit.id])
    assert (note.problems, note.next_plans, note.deeds) == tuple(texts.values())


async def _comments(harness: BotHarness, unit: Unit, notes: list[str], action: str = reviews.COMMENT) -> None:
    """Keep ``notes`` with the unit's first record as the leader's reviews, as the 点评 flow does."""
    assert harness.db is not None
    for note in notes:
        assert await reviews.add_review(harness.db, 1, unit.id, action, note, LEADER_ID, harness.clock()) is not None


def _note(number: int, filler: str = "评") -> str:
    """A 点评 of the longest length allowed (500 characters), marked with its number."""
    mark = f"第{number:02d}条"
    return mark + filler * (500 - len(mark))


async def test_thirty_long_comments_show_the_newest_on_the_card_and_all_a_tap_away(
    harness: BotHarness, leader: Person, secretary: tuple[Person, Unit]
) -> None:
    p, unit = secretary
    await report_with_photos(p, 0)
    notes = [_note(n) for n in range(1, 31)]
    await _comments(harness, unit, notes[:28])
    await open_record(leader)
    for note in notes[28:]:  # the last two typed: the card shown after each still fits
        await leader.tap("点评")
        replies = await leader.send(note)
        assert "已点评，已发给该单位 1 位书记" in replies[-1].visible
    card = replies[-1]
    assert utf16_length(card.visible) <= 4096 and "<b>" not in card.visible  # the card's HTML is not escaped twice
    assert all(note in card.visible for note in notes[-3:]) and "第27条" not in card.visible
    assert "此前还有 27 条点评或审核记录，点“📄 查看全文”查看全部" in card.visible
    replies = await leader.tap("查看全文", card)
    shown = "\n".join(m.visible for m in replies)
    assert "点评与审核记录（共 30 条）" in shown and all(note in shown for note in notes)
    assert len(replies) == 5 and _longest(replies) <= 4096  # 30 notes of 500 characters: 7 to a message
    # The unit's /my card is the same card, with the same way to the whole list.
    await p.send("/my")
    replies = await p.tap("HD0001")
    assert all(note in replies[-1].visible for note in notes[-3:]) and "此前还有 27 条" in replies[-1].visible
    replies = await p.tap("查看全文")
    assert all(note in "\n".join(m.visible for m in replies) for note in notes) and _longest(replies) <= 4096
    # Another unit's 查看全文 finds nothing of this record, from either side; data that is no address is stale.
    other, other_unit = await join_secretary(harness, 2002, "赵强", "新塘村党支部")
    await other.send("/my")
    for person, forged in ((other, "my:full:1"), (leader, f"ev:full:{other_unit.id}.1."), (leader, "ev:full:²")):
        replies = await person.tap_data(forged, person.last())
        assert all("第30条" not in m.visible for m in replies)
    assert leader.answers()[-3:] == ["找不到这条记录，可能已撤回。", "找不到这条记录，可能已被撤回。", "这条消息已失效，请发送 /help 查看可用的操作。"]


async def test_an_open_return_stays_on_the_card_among_long_emoji_comments(
    harness: BotHarness, leader: Person, secretary: tuple[Person, Unit]
) -> None:
    p, unit = secretary
    summary = "摘" + EMOJI * 999
    for step in ("/report", "支委会", "昨天", EMOJI * 100, "7", summary, "跳过"):
        await (p.tap(step) if step in ("支委会", "昨天", "跳过") else p.send(step))
    replies = await p.tap("提交")
    assert any("汇报成功，编号 HD0001" in m.visible for m in replies)
    reason = "缺少会议决议" + EMOJI * 494
    await _comments(harness, unit, [reason], reviews.RETURN)
    notes = [_note(n, EMOJI) for n in range(2, 31)]
    await _comments(harness, unit, notes)
    await open_record(leader)
    card = leader.last()
    assert utf16_length(card.visible) <= 4096 and "…" in card.visible
    assert "↩ 退回" in card.visible and "（待修改）" in card.visible and "此前还有 26 条" in card.visible
    assert "第30条" in card.visible and "第27条" not in card.visible
    replies = await leader.tap("查看全文", card)
    shown = "\n".join(m.visible for m in replies)
    assert summary in shown and reason in shown and all(note in shown for note in notes)
    assert _longest(replies) <= 4096
