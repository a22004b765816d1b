"""low-income-review — 最低生活保障审核公示 (低保).

The public and party builds see a whitelist of each household's fields, and after the notice period
(plus `low_income_retention_days`) only counts and totals (PIPL Art. 19: keep no longer than needed).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..cnrules import check_id_number, format_date_cn
from ..errors import Problems
from ..schema import Choice, F, Int, ListOf, Money, Name, Obj, PeriodKind, Text
from .base import NOTICE_PERIOD, Column, Record, RecordType
from .rules import Due

if TYPE_CHECKING:
    from ..config import SiteConfig

CHANGES = ("新增", "增发", "减发", "停发", "保持")
NEEDS_REASON = ("减发", "停发")
ZERO = Decimal("0.00")

DETAIL_LABELS = {"id_number": "身份证号码", "address": "住址", "reason": "原因", "note": "备注"}

HOUSEHOLD = Obj(
    {
        "head": F(Name(), True, "户主姓名（公开）", see="public"),
        "id_number": F(Text(), True, "户主身份证号码（仅委员版可见）"),
        "size": F(Int(minimum=1), True, "家庭人口（保障人数，公开）", see="public"),
        "change": F(Choice(*CHANGES), True, "变动类型：新增 · 增发 · 减发 · 停发 · 保持（公开）", see="public"),
        "monthly_amount": F(Money(), doc="月保障金额（元，公开）；停发可不填", see="public"),
        "address": F(Text(), doc="住址（仅委员版可见）"),
        "reason": F(Text(), doc="致贫或变动原因；减发、停发必填（仅委员版可见）"),
        "note": F(Text(), doc="备注（仅委员版可见）"),
    }
)


def as_date(value: Any) -> dt.date | None:
    """A date from typed data or from a recorded (plain JSON) snapshot."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def as_amount(value: Any) -> Decimal | None:
    """An amount from typed data (Decimal) or a recorded snapshot ("1260.00")."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except ArithmeticError:
            return None
    return None


def details_end(data: dict[str, Any], retention_days: int) -> dt.date | None:
    """The first day on which household details are no longer public (None: no notice period)."""
    np = data.get("notice_period")
    to = as_date(np.get("to")) if isinstance(np, dict) else None
    return to + dt.timedelta(days=retention_days + 1) if to else None


def summarize(households: list[Any]) -> dict[str, Any]:
    """Counts and totals by change: what stays public after the details are withdrawn."""
    by_change: dict[str, dict[str, Any]] = {
        c: {"change": c, "households": 0, "persons": 0, "monthly_total": ZERO} for c in CHANGES
    }
    for item in households:
        if not isinstance(item, dict) or item.get("change") not in by_change:
            continue
        group = by_change[item["change"]]
        group["households"] += 1
        size = item.get("size")
        group["persons"] += size if isinstance(size, int) and not isinstance(size, bool) else 0
        amount = as_amount(item.get("monthly_amount"))
        if amount is not None and item["change"] != "停发":
            group["monthly_total"] += amount
    groups = list(by_change.values())
    paid = [g for g in groups if g["change"] != "停发"]
    return {
        "households": sum(g["households"] for g in groups),
        "persons": sum(g["persons"] for g in groups),
        "paid_households": sum(g["households"] for g in paid),
        "paid_persons": sum(g["persons"] for g in paid),
        "monthly_total": sum((g["monthly_total"] for g in paid), ZERO),
        "by_change": groups,
    }


class LowIncomeReview(RecordType):
    """A 低保 review notice: households, their changes and monthly amounts."""

    name = "low-income-review"
    label = "最低生活保障审核公示"
    area = "residents"
    fields = {
        "period": F(PeriodKind(), True, "期间，如 2026-Q4", see="public"),
        "notice_period": F(NOTICE_PERIOD, True, "公示期 {from: 日期, to: 日期}，至少 7 天（含首尾）", see="public"),
        "decided_by": F(Text(), True, "审核确认机关，如 某某街道办事处", see="public"),
        "households": F(ListOf(HOUSEHOLD, min_items=1), True, "低保户", see="public"),
    }
    list_keys = {"households": "head", "summary.by_change": "change"}
    due = Due("quarter", "low_income_review_due_days", after="start")
    table = "households"
    # Public-safe columns only: the CSV of every build has these; the committee build's JSON has the rest.
    columns = [
        Column("head", "户主姓名", "names"),
        Column("size", "保障人数", "number"),
        Column("change", "变动类型", "code"),
        Column("monthly_amount", "月保障金额（元）", "money"),
    ]
    example = """\
# 最低生活保障审核公示（低保）：每个期间一个文件。
# 向社会公开的只有：户主姓名、保障人数、变动类型、月保障金额。
# 身份证号码、住址、原因只在委员版中出现；公示期结束后，公开页面只保留户数、人数和金额合计。
type: low-income-review
title: 某某社区2026年第四季度最低生活保障审核公示
period: 2026-Q4                   # 期间
notice_period: {from: 2026-11-10, to: 2026-11-16}   # 公示期（含首尾），至少 7 天
decided_by: 某某街道办事处          # 审核确认机关
households:
  # change（变动类型）：新增 · 增发 · 减发 · 停发 · 保持
  # monthly_amount（月保障金额，元）：停发可不填；reason（原因）：减发、停发必填
  # id_number 请加引号，按文字保存；最后一位校验码和出生日期会被检查
  - {head: 张三, id_number: "431103196804120036", size: 3, change: 新增, monthly_amount: 1260.00,
     address: 3栋2单元401, reason: 因病致贫}
  - {head: 李秀英, id_number: "431103197509230026", size: 2, change: 减发, monthly_amount: 520.00,
     address: 5栋1单元102, reason: 子女就业，家庭收入增加}
prepared_by: 李四                  # 经办
reviewed_by: 赵六                  # 审核（含保密审查）
approved_by: 王芳                  # 审批
approved_on: 2026-11-09
status: draft                     # 审批后改为 approved
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Notice length, ID numbers, reasons and amounts."""
        np = rec.get("notice_period")
        self._check_notice(rec, np, site.rule("low_income_notice_days"), problems)
        seen: dict[str, int] = {}
        for i, item in enumerate(rec.get("households", []), 1):
            path = f"households[{i}]"
            number = item["id_number"]
            reason = check_id_number(number, np["from"])
            if reason:
                rec.error(
                    problems,
                    f"{path}.id_number",
                    reason,
                    "invalid ID number: wrong GB 11643 check digit, birth date or length",
                )
            elif number.upper() in seen:
                first = seen[number.upper()]
                rec.error(
                    problems,
                    f"{path}.id_number",
                    f"身份证号码与 households[{first}] 重复",
                    f"same ID number as households[{first}]",
                )
            else:
                seen[number.upper()] = i
            change = item["change"]
            if change in NEEDS_REASON and not item.get("reason"):
                rec.error(
                    problems,
                    f"{path}.reason",
                    f"变动类型为“{change}”时必须填写 reason（{change}原因）",
                    f"a household marked {change} needs a reason",
                )
            if change != "停发" and item.get("monthly_amount") is None:
                rec.error(
                    problems,
                    f"{path}.monthly_amount",
                    f"变动类型为“{change}”时必须填写 monthly_amount（月保障金额），只有停发可以不填",
                    f"a household marked {change} needs a monthly_amount (only 停发 may omit it)",
                )

    def _check_notice(self, rec: Record, np: dict[str, dt.date], least: int, problems: Problems) -> None:
        days = (np["to"] - np["from"]).days + 1
        if 0 < days < least:
            span = f"{format_date_cn(np['from'])}至{format_date_cn(np['to'])}"
            rec.error(
                problems,
                "notice_period",
                f"公示期应不少于 {least} 天（{span}只有 {days} 天）",
                f"the notice period must last at least {least} days ({np['from']} to {np['to']} is {days})",
            )

    def derived(self, data: dict[str, Any]) -> dict[str, Any]:
        """The totals by change, over every household."""
        return {"summary": summarize(data.get("households") or [])}

    def restrict(
        self, shown: dict[str, Any], data: dict[str, Any], audience: str, as_of: dt.date, site: SiteConfig
    ) -> dict[str, Any]:
        """Below the committee, the households' details go once the retention after the 公示 has passed."""
        end = details_end(data, site.rule("low_income_retention_days"))
        if audience == "committee" or end is None or as_of < end:
            return shown
        shown["details_removed_on"] = end
        shown.pop("households", None)
        shown.pop("attachments", None)  # a scan of the posted notice would show the names again
        return shown

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """The totals by change that occur, and which detail columns this build's data has."""
        households = data.get("households") or []
        summary = data.get("summary") or summarize(households)
        present = {k for item in households if isinstance(item, dict) for k in item}
        return {
            "summary": summary,
            "groups": [g for g in summary["by_change"] if g["households"]],
            "detail_columns": [(k, label) for k, label in DETAIL_LABELS.items() if k in present],
        }


TYPE = LowIncomeReview()
