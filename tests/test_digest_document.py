"""The 小结's document model: typed blocks, and the renderings that all come from them."""
from __future__ import annotations

import io
from datetime import date
from html.parser import HTMLParser

import docx
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digest.chat import block_html, chat_messages, render_html, telegram_length
from bot.digest.document import Block, BlockKind, Run, digest_document, plain_text
from bot.digest.word import render_docx
from storage.models import Commitment, PeriodNote, Unit
from tests.test_digest_render import UNITS
from tests.test_digest_golden import small_digest
from tests.test_digest_render import assert_valid_html, digest, sample, sample_activities

K = BlockKind


class _Text(HTMLParser):
    """The text of one HTML paragraph, entities decoded, tags dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html_text(paragraph: str) -> str:
    parser = _Text()
    parser.feed(paragraph)
    parser.close()
    return "".join(parser.parts)


def _docx_paragraphs(content: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def test_block_kinds_of_the_small_township_in_order() -> None:
    blocks = digest_document(small_digest())
    assert [b.kind for b in blocks] == [
        K.TITLE, K.OPENING,
        K.HEADING_1, K.PARAGRAPH,
        K.HEADING_1, K.HEADING_2, K.HEADING_2, K.HEADING_2, K.HEADING_2, K.HEADING_2, K.HEADING_2,
        K.PARAGRAPH, K.PARAGRAPH, K.PARAGRAPH, K.PARAGRAPH,  # 存在主要问题: 一是 … 四是
        K.HEADING_1, K.PARAGRAPH, K.ITEM, K.ITEM,
        K.SIGNATURE, K.DATE,
    ]
    section = blocks[5]
    assert section.runs[0] == Run("1、“三会一课”落实情况。", bold=True)
    assert not section.runs[1].bold and section.runs[1].text.startswith("本期各党组织共召开支部党员大会1次")
    assert [b.text for b in blocks if b.kind is K.HEADING_1] == ["一、基本情况", "二、工作开展情况", "三、下一步计划"]
    assert [b.text for b in blocks if b.kind is K.ITEM] == ["1、开展冬训（山宁）。", "2、做好年终党员评议（山宁、新城）。"]
    assert blocks[-2].text == "博望镇党委" and blocks[-1].text == "二〇二七年一月四日"


def test_an_empty_period_has_no_sections() -> None:
    assert [b.kind for b in digest_document(digest())] == [K.TITLE, K.OPENING, K.SIGNATURE, K.DATE]


def test_a_leaders_plan_is_items_without_a_lead_in() -> None:
    blocks = digest_document(sample())
    plan = blocks[[b.text for b in blocks].index("三、下一步计划") + 1 : -2]
    assert [(b.kind, b.text) for b in plan] == [
        (K.ITEM, "1、开展“双向承诺”活动。"),
        (K.ITEM, "2、认真做好资料归档 & <整理>。"),
    ]


def test_traditional_script_keeps_the_blocks() -> None:
    hans, hant = digest_document(small_digest()), digest_document(small_digest(), "arabic", "hant")
    assert [(b.kind, [r.bold for r in b.runs]) for b in hant] == [(b.kind, [r.bold for r in b.runs]) for b in hans]
    assert hant[0].text == "博望鎮黨委黨建工作小結" and hant[-1].text == "2027年1月4日"


def test_chat_word_and_text_say_the_same_sentences() -> None:
    for d in (small_digest(), sample(), digest()):
        blocks = digest_document(d)
        sentences = [b.text for b in blocks]
        assert [_html_text(p) for p in render_html(blocks).split("\n\n")] == sentences
        assert _docx_paragraphs(render_docx(blocks)) == sentences
        assert plain_text(blocks).split("\n\n") == sentences


def _many_blocks() -> list[Block]:
    plan = [f"第{i}项计划：" + "认真组织党员学习&讨论<要点>，" * 8 for i in range(60)]
    return digest_document(digest(activities=sample_activities(), leader_plan=plan))


def test_messages_carry_whole_blocks_within_the_limit() -> None:
    blocks = _many_blocks()
    messages = chat_messages(blocks)
    assert len(messages) > 1
    assert all(telegram_length(m) <= 4096 for m in messages)
    # Every block fits a message, so none is cut: the messages are the blocks, in order.
    assert [p for m in messages for p in m.split("\n\n")] == [block_html(b) for b in blocks]
    for m in messages:
        assert_valid_html(m)


blocks_strategy = st.lists(
    st.builds(
        Block,
        st.sampled_from(list(BlockKind)),
        st.lists(st.builds(Run, st.text("甲乙。，&<> a\U0001f600", min_size=1, max_size=120), st.booleans()), min_size=1, max_size=3).map(tuple),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(blocks_strategy, st.integers(40, 400))
def test_splitting_never_cuts_a_block_that_fits(blocks: list[Block], limit: int) -> None:
    messages = chat_messages(blocks, limit)
    assert all(telegram_length(m) <= limit for m in messages)
    paragraphs = [p for m in messages for p in m.split("\n\n")]
    fitting = [block_html(b) for b in blocks if telegram_length(block_html(b)) <= limit]
    assert all(p in paragraphs for p in fitting)
    # Nothing lost and nothing added: the pieces put together are the text of the blocks.
    assert "".join(_html_text(p) for p in paragraphs) == "".join(b.text for b in blocks)
    for m in messages:
        assert_valid_html(m)


def test_user_text_is_escaped_in_html_and_safe_in_word() -> None:
    units = [Unit(1, "A&B <公司>\x07党支部", "非公企业", 8), Unit(2, "山宁村党支部", "村", 40)]
    notes = [PeriodNote(1, "2026-11", problems="<script>alert(1)</script> & \x00资金\x1b不足", deeds="&amp; 救人\x0c")]
    commitments = [Commitment(1, 1, "王\x08五", "修<路>", date(2026, 11, 20))]
    d = digest(units=units, activities=sample_activities(), notes=notes, commitments=commitments)
    blocks = digest_document(d, internal=True)  # the 内部版 quotes the overdue commitment
    text = plain_text(blocks)
    assert not any(ord(c) < 0x20 and c != "\n" for c in text)

    html = render_html(blocks)
    assert_valid_html(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 资金不足" in html
    assert "&amp;amp; 救人" in html and "修&lt;路&gt;" in html and "王五" in html
    assert "<script>" not in html

    paragraphs = "\n".join(_docx_paragraphs(render_docx(blocks)))
    assert "<script>alert(1)</script> & 资金不足" in paragraphs
    assert "&amp; 救人" in paragraphs and "王五承诺“修<路>”" in paragraphs


def test_the_default_opening_names_the_campaign_once_and_the_period_once() -> None:
    for campaign, named in (("", "党建工作"), ("“双向承诺”", "“双向承诺”工作")):
        blocks = digest_document(digest(sample_activities(), campaign=campaign))
        opening = next(b.text for b in blocks if b.kind is K.OPENING)
        assert opening.count(named) == 1 and opening.count("2026年11月") == 1
        assert "报送" not in opening


def test_a_leaders_opening_replaces_the_default_except_in_a_units_own_and_an_empty_one() -> None:
    words = "今年以来，镇党委以“双向承诺”为抓手，推动基层党组织建设全面进步。"
    blocks = digest_document(digest(sample_activities(), opening=words))
    assert [b.text for b in blocks if b.kind is K.OPENING] == [words]
    own = digest_document(digest(sample_activities(), units=UNITS[:1], opening=words, unit_scope=True))
    assert words not in plain_text(own) and "本支部" in next(b.text for b in own if b.kind is K.OPENING)
    empty = digest_document(digest(opening=words))
    assert words not in plain_text(empty) and "暂无" in plain_text(empty)
