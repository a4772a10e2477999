"""Invite codes and the unit-list file check (pure logic)."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from bot.rules.invites import deep_link, hash_code, looks_like_code, new_code
from bot.rules.unit_import import UnitRow, UnreadableFile, check_units


def test_invite_codes_are_long_random_and_link_safe() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert looks_like_code(code) and len(code) >= 22  # 16 bytes = 128 bits
    code = next(iter(codes))
    assert hash_code(code) != code and len(hash_code(code)) == 64
    assert deep_link("dangjian_bot", code) == f"https://t.me/dangjian_bot?start={code}"
    assert not looks_like_code("short") and not looks_like_code("<script>alert(1)</script>xx")


def test_check_reports_every_bad_row_with_reason() -> None:
    content = (
        "名称,类型,党员数\n"
        "山宁村党总支,村,120\n"
        "山宁村党总支,村,120\n"
        "新城村党总支,镇,30\n"
        "东城村党总支,村,-1\n"
        "已有的单位,村,10\n"
        + "长" * 41 + ",村,1\n"
    ).encode()
    check = check_units(content, "u.csv", existing_names={"已有的单位"})
    assert check.good == [(2, UnitRow("山宁村党总支", "村", 120))]
    reasons = dict(check.bad)
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert "重复" in reasons[3] and "类型“镇”无效" in reasons[4] and "党员数" in reasons[5]
    assert "已存在" in reasons[6] and "40" in reasons[7]
    assert not check.all_good


def test_missing_header_and_empty_file() -> None:
    with pytest.raises(UnreadableFile, match="表头缺少列"):
        check_units("a,b,c\n1,2,3\n".encode(), "u.csv", set())
    with pytest.raises(UnreadableFile, match="空"):
        check_units(b"\n\n", "u.csv", set())
    with pytest.raises(UnreadableFile, match="xlsx"):
        check_units(b"not a zip", "u.xlsx", set())


def test_english_headers_tabs_and_xlsx_numbers() -> None:
    check = check_units("name\tkind\tmembers\n博望商会党支部\t社会组织\t14\n".encode("utf-8-sig"), "u.txt", set())
    assert check.all_good and check.good[0][1].member_count == 14
    workbook = Workbook()
    workbook.active.append(["单位名称", "类型", "党员数"])
    workbook.active.append(["博望中学党支部", "学校", 41.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    check = check_units(buffer.getvalue(), "u.xlsx", set())
    assert check.good == [(2, UnitRow("博望中学党支部", "学校", 41))]
