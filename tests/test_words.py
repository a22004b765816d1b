"""Changes in residents' words: Chinese labels for fields, rows by what identifies them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from site_builder.audit import Change
from site_builder.records import TYPES
from site_builder.words import describe, fmt_value

LEDGER = TYPES.types["finance-ledger"]
TEAM = TYPES.types["volunteer-team"]
DATA = {
    "entries": [
        {
            "date": dt.date(2026, 10, 9),
            "voucher": "2026-10-009",
            "summary": "重阳节走访慰问",
            "expense": Decimal("275.00"),
        }
    ]
}


def test_a_ledger_row_is_named_by_its_voucher_and_summary() -> None:
    change = Change("entries[2026-10-009].expense", "changed", "257.00", "275.00")
    assert describe(change, LEDGER, DATA) == "凭证 2026-10-009（重阳节走访慰问）支出：257.00 → 275.00"


def test_status_and_audience_read_as_words() -> None:
    assert describe(Change("status", "changed", "approved", "withdrawn"), LEDGER) == "状态：已批准 → 已撤回"
    assert describe(Change("audience", "changed", "party", "public"), LEDGER) == "公开范围：党内公开 → 向社会公开"


def test_nested_fields_lists_and_booleans_use_labels() -> None:
    assert describe(Change("notice_period.to", "changed", "2026-11-20", "2026-11-22"), LEDGER) == (
        "公示期·结束日期：2026年11月20日 → 2026年11月22日"
    )
    assert (
        describe(Change("members[张三].party_member", "changed", False, True), TEAM)
        == "队员 张三 是否中共党员：否 → 是"
    )
    assert describe(Change("reviewed_by", "added", None, ["张三", "赵六"]), LEDGER) == "新增 审核人：张三、赵六"
    assert describe(Change("activities[2].hours", "changed", "2", "3"), TEAM) == "服务活动记录第 2 项 时长：2 → 3"


def test_a_row_gone_from_the_record_keeps_its_key() -> None:
    change = Change("entries[2026-10-003]", "removed", {"voucher": "2026-10-003", "expense": "10.00"}, None)
    assert describe(change, LEDGER, DATA) == "删除 凭证 2026-10-003：凭证号 2026-10-003，支出 10.00"


def test_values_as_on_the_page() -> None:
    assert fmt_value(None) == "（空）"
    assert fmt_value("1250.00") == "1,250.00"
    assert fmt_value(dt.date(2026, 11, 3)) == "2026年11月3日"
