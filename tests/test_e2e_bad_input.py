"""End to end: bad input from outside — numbers no phone keyboard makes, invisible text, control
characters in an uploaded file, forged button data — gets a clear answer and changes nothing."""
from __future__ import annotations

import logging

import pytest

from bot.fakeapi.harness import BotHarness, Person
from storage import units
from storage.models import Unit
from tests.reporting_helpers import join_secretary

STALE = "这条消息已失效，请重新点“汇报活动”或发送 /help。"  # as a secretary reads it
LEADER_STALE = "这条消息已失效，请发送 /help 查看可用的操作。"  # leaders have no 汇报活动 button
HUGE = "99999999999999999999999"  # beyond SQLite's 64-bit integers
NOT_NUMBERS = ("9" * 5000, "²", "①")


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.ERROR)
    return caplog


def logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def everything(harness: BotHarness) -> dict[str, list[tuple]]:
    """Every row of every table: compared before and after, it proves nothing changed."""
    assert harness.db is not None
    tables = [r["name"] for r in await harness.db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {table: [tuple(row) for row in await harness.db.fetchall(f"SELECT * FROM {table}")] for table in tables}  # noqa: S608


@pytest.fixture
async def secretary(harness: BotHarness) -> tuple[Person, Unit]:
    return await join_secretary(harness, 2001, "李梅", "山宁村党支部", members=9)


async def test_numbers_no_keyboard_makes_are_refused_at_attended(
    harness: BotHarness, secretary: tuple[Person, Unit], errors: pytest.LogCaptureFixture
) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("支委会")
    await p.tap("昨天")
    await p.send("学习党章")
    before = await everything(harness)
    for bad in (*NOT_NUMBERS, "7/" + "9" * 5000, "²/9", "1e9"):
        replies = await p.send(bad)
        assert "请输入实到人数，应为不小于 0 的整数" in replies[-1].visible
        assert "应到 9 人" in replies[-1].visible  # the same question, asked again
    assert await everything(harness) == before
    assert logged_errors(errors) == []
    replies = await p.send("7")
    assert "内容摘要" in replies[-1].visible


async def test_numbers_no_keyboard_makes_are_refused_at_member_count(
    harness: BotHarness, leader: Person, errors: pytest.LogCaptureFixture
) -> None:
    await leader.send("/addunit")
    await leader.send("新联村党支部")
    await leader.tap("村")
    before = await everything(harness)
    for bad in (*NOT_NUMBERS, "1e9", "\x00"):
        replies = await leader.send(bad)
        assert "党员数应为 0 到 100000 之间的整数" in replies[-1].visible
    assert await everything(harness) == before
    assert await units.list_units(harness.db) == []
    assert logged_errors(errors) == []
    replies = await leader.send("１２")  # full-width digits are still read
    assert "已新增单位 新联村党支部（村，党员 12 名）" in replies[-1].visible


async def test_a_topic_of_only_zero_width_characters_is_refused(harness: BotHarness, secretary: tuple[Person, Unit]) -> None:
    p, _ = secretary
    await p.send("/report")
    await p.tap("支委会")
    await p.tap("昨天")
    before = await everything(harness)
    for invisible in ("\u200b", "\u200b\u200b \ufeff", "\x00\x01"):
        replies = await p.send(invisible)
        assert "内容不能为空" in replies[-1].visible and "主题/议题" in replies[-1].visible
    assert await everything(harness) == before
    # Control characters inside a real topic are dropped, and a topic keeps to one line.
    await p.send("学习\x00党章\n第一章\x0b")
    replies = await p.send("7")
    assert "内容摘要" in replies[-1].visible
    await p.tap("跳过")
    replies = await p.tap("跳过")
    assert "学习党章 第一章" in replies[-1].visible


async def test_a_unit_name_of_only_zero_width_characters_is_refused(harness: BotHarness, leader: Person) -> None:
    await leader.send("/addunit")
    replies = await leader.send("\u200b")
    assert "单位名称不能为空" in replies[-1].visible
    assert await units.list_units(harness.db) == []


async def test_csv_cells_lose_their_control_characters(harness: BotHarness, leader: Person) -> None:
    csv = "单位名称,类型,党员数\n山宁\x01村\x0b党\x1f总支\x7f,村\x01,1\x0b20\n横山村党支部,村,９\n\u200b,\u200b,\n".encode()
    await leader.send_document(csv, "units.csv")
    await leader.tap("导入全部 2 个单位")
    assert sorted((u.name, u.kind, u.member_count) for u in await units.list_units(harness.db)) == [
        ("山宁村党总支", "村", 120),
        ("横山村党支部", "村", 9),
    ]


async def test_csv_with_a_nul_is_refused_as_not_text(harness: BotHarness, leader: Person) -> None:
    """A NUL marks a binary file renamed .csv, so the reader refuses the file; cells that reach the
    check without the reader (check_rows) lose it like any control character (tests/test_user_input.py)."""
    replies = await leader.send_document("单位名称,类型,党员数\n山宁\x00村\x01党\x0b总支,村,120\n".encode(), "units.csv")
    assert "这不是文本格式的 CSV 文件" in replies[-1].visible
    assert await units.list_units(harness.db) == []


async def test_csv_with_numbers_no_keyboard_makes_imports_nothing(harness: BotHarness, leader: Person) -> None:
    rows = "".join(f"单位{n},村,{bad}\n" for n, bad in enumerate((*NOT_NUMBERS, "1e9")))
    replies = await leader.send_document(f"单位名称,类型,党员数\n{rows}".encode(), "units.csv")
    text = replies[-1].visible
    assert "有 4 行有问题" in text and "第 3 行：党员数“²”" in text and "第 4 行：党员数“①”" in text
    assert "9" * 21 not in text  # a 5,000-digit cell is quoted by its start only
    assert await units.list_units(harness.db) == []


async def _tap_each(person: Person, harness: BotHarness, forged: list[str]) -> None:
    """Tap each forged button: every tap is answered, and nothing in the database changes."""
    before = await everything(harness)
    for data in forged:
        answered = len(person.answers())
        await person.tap_data(data)
        assert len(person.answers()) == answered + 1, data
    assert await everything(harness) == before


def _ids_that_are_not(prefix: str, actions: tuple[str, ...]) -> list[str]:
    return [f"{prefix}:{action}:{bad}" for action in actions for bad in ("²", "①", HUGE, "9" * 5000, "-1", "1\x00", "")]


async def test_forged_ids_from_a_secretary_are_stale_cards(
    harness: BotHarness, secretary: tuple[Person, Unit], errors: pytest.LogCaptureFixture
) -> None:
    p, _ = secretary
    await p.send("/my")
    forged = _ids_that_are_not("my", ("open", "edit", "wd", "wdok", "ph")) + _ids_that_are_not("cm", ("open", "prog", "ful", "ph"))
    forged += [f"my:list:2026-11.{bad}" for bad in ("²", HUGE, "9" * 5000)]
    reminders = [f"r:{action}:{bad}:zbh" for action in ("go", "skip", "snz") for bad in ("²", HUGE, "9" * 5000)]
    await _tap_each(p, harness, forged + reminders)
    # A reminder's buttons have always answered bad data as a reminder that is gone.
    assert p.answers()[-len(forged) - len(reminders) :] == [STALE] * len(forged) + ["这条提醒已失效。"] * len(reminders)
    assert logged_errors(errors) == []


async def test_forged_ids_from_a_leader_are_stale_cards(
    harness: BotHarness, leader: Person, secretary: tuple[Person, Unit], errors: pytest.LogCaptureFixture
) -> None:
    await leader.send("/units")
    forged = _ids_that_are_not("u", ("open", "arch", "unarch", "ren", "page"))
    forged += [f"p:{action}:{bad}" for action in ("page", "ask", "rev") for bad in ("²", "①", HUGE, "-" + HUGE, "9" * 5000)]
    forged += [f"i:{action}:{bad}" for action in ("page", "unit") for bad in ("²", HUGE, "9" * 5000)]
    forged += [f"b:2026-11:{bad}" for bad in ("²", "①", HUGE, "9" * 5000)]
    forged += [f"x:20261101:20261130:{scope}" for scope in ("u²", "u①", f"u{HUGE}", "u" + "9" * 5000, "g²", f"g{HUGE}")]
    await _tap_each(leader, harness, forged)
    assert leader.answers()[-len(forged) :] == [LEADER_STALE] * len(forged)
    assert logged_errors(errors) == []


async def test_forged_arguments_on_a_current_card_are_asked_again(
    harness: BotHarness, leader: Person, errors: pytest.LogCaptureFixture
) -> None:
    """Even with the current card's nonce, an argument that is not a number changes nothing."""
    await leader.send("/addunit")
    await leader.send("新联村党支部")
    card, data = leader.find_button("村")
    nonce = data.split(":")[1]
    before = await everything(harness)
    for bad in ("²", "①", HUGE, "9" * 5000):
        replies = await leader.tap_data(f"d:{nonce}:kind:{bad}", card)
        assert "“新联村党支部”属于哪一类" in replies[-1].visible
    assert await everything(harness) == before
    assert logged_errors(errors) == []
