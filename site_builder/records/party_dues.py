"""party-dues — 党费收缴: what each member of a branch paid for which months, against the national rate."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..cnrules import expected_dues, expected_monthly_dues
from ..errors import Problems
from ..schema import Choice, F, Int, ListOf, Money, Name, Obj, Period, PeriodKind, Text
from .base import Column, Record, RecordType
from .rules import Due, OnePerPeriod, Unique

if TYPE_CHECKING:
    from ..config import SiteConfig

ZERO = Decimal("0.00")
# 在职 and 离退休 pay a share of their monthly base; 学生, 下岗失业 and 低保 a flat 0.20 a month
# (中组发〔2008〕3号). 其他: no national rate (e.g. 农民党员 0.20–1.00), the amount is not checked.
CATEGORIES = ("在职", "离退休", "学生", "下岗失业", "低保", "其他")
BASED = ("在职", "离退休")

MEMBER = Obj(
    {
        "name": F(Name(), True, "姓名", see="party"),
        "category": F(Choice(*CATEGORIES), True, "类别：在职 · 离退休 · 学生 · 下岗失业 · 低保 · 其他", see="party"),
        "monthly_base": F(Money(), doc="月工资（离退休费）基数，元；在职、离退休必填", see="party"),
        "months": F(ListOf(Int(minimum=1), min_items=1), True, "交纳的月份，如 [7, 8, 9]，须在期间之内", see="party"),
        "amount": F(Money(), True, "实交金额（元）", see="party"),
        "note": F(Text(), doc="备注", see="party"),
    }
)


def plain(amount: Decimal) -> str:
    """An amount as written in messages: 252.00."""
    return f"{amount:.2f}"


def percent(rate: Decimal) -> str:
    """0.015 -> 1.5%."""
    return f"{(rate * 100).normalize():f}%"


def months_label(months: list[int]) -> str:
    """[7, 8, 9] -> 7、8、9月."""
    return "、".join(str(m) for m in months) + "月" if months else ""


def period_months(period: Period) -> list[int]:
    """The month numbers a period covers (all periods lie within one year)."""
    return list(range(period.start.month, period.end.month + 1))


def expected_text(category: str, base: Decimal | None, months: int) -> tuple[Decimal, str] | None:
    """The expected dues and how they follow from the rate, or None when there is no national rate."""
    if category in BASED:
        if base is None:
            return None
        monthly = expected_monthly_dues(category, base)
        total = expected_dues(category, base, months)
        if monthly is None or total is None:
            return None
        if not base:
            return total, f"{category}，月基数 0.00 元"
        # cnrules keeps the brackets; the rate (a multiple of 0.5%) is recovered from the monthly amount.
        rate = percent((monthly / base).quantize(Decimal("0.001")))
        return total, f"{category}，月基数 {plain(base)} 元 × {rate} = {plain(monthly)} 元/月 × {months} 个月"
    monthly = expected_monthly_dues(category, ZERO)
    total = expected_dues(category, ZERO, months)
    if monthly is None or total is None:
        return None
    return total, f"{category}，每月 {plain(monthly)} 元 × {months} 个月"


class PartyDues(RecordType):
    """A branch's party dues for a period."""

    name = "party-dues"
    label = "党费收缴"
    area = "party"
    default_audience = "party"
    fields = {
        "period": F(PeriodKind(), True, "期间，如 2026-Q3", see="public"),
        "branch": F(Text(), True, "党支部，如 第一网格党支部", see="public"),
        "members": F(ListOf(MEMBER, min_items=1), True, "党员交纳明细", see="party"),
    }
    list_keys = {"members": "name"}
    due = Due("quarter", "party_dues_due_days", ("branch",))
    rules = (Unique("members[].months[]", label="月份"), OnePerPeriod(("branch",)))
    table = "members"
    columns = [
        Column("name", "姓名"),
        Column("category", "类别"),
        Column("monthly_base", "月基数（元）", "money"),
        Column("months_label", "交纳月份"),
        Column("expected", "按标准应交（元）", "money"),
        Column("amount", "实交（元）", "money"),
        Column("difference", "差额（元）", "money"),
    ]
    example = """\
# 党费收缴：每个党支部每个期间一个文件。默认党内公开（audience: party）；
# 改为 audience: public 时，公开版只显示支部合计（人数、金额、月份），不显示姓名和基数。
type: party-dues
title: 第一网格党支部2026年第三季度党费收缴情况
period: 2026-Q3                   # 期间
branch: 第一网格党支部
members:
  # category（类别）：在职 · 离退休 · 学生 · 下岗失业 · 低保 · 其他
  # 标准：在职 3000 元以下 0.5%、3000–5000 元 1%、5000–10000 元 1.5%、10000 元以上 2%；
  #       离退休 5000 元以下 0.5%、以上 1%；学生、下岗失业、低保每月 0.20 元。
  # monthly_base：月工资（离退休费）基数，在职、离退休必填；months：交纳的月份，须在期间之内
  - {name: 张三, category: 在职, monthly_base: 5600.00, months: [7, 8, 9], amount: 252.00}
  - {name: 李四, category: 离退休, monthly_base: 4200.00, months: [7, 8, 9], amount: 63.00}
  - {name: 王五, category: 下岗失业, months: [7, 8, 9], amount: 0.60}
prepared_by: 李四                  # 经办
reviewed_by: 张三                  # 审核
approved_by: 王芳                  # 审批
approved_on: 2026-10-12
status: draft                     # 审批后改为 approved
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Months inside the period, bases where the rate needs one, amounts against the rate."""
        period = rec.get("period")
        allowed = period_months(period)
        for i, member in enumerate(rec.get("members", []), 1):
            path = f"members[{i}]"
            months = member["months"]
            for j, month in enumerate(months, 1):
                if month not in allowed:
                    rec.error(
                        problems,
                        f"{path}.months[{j}]",
                        f"月份 {month} 不在期间 {period.label}（{months_label(allowed)}）内",
                        f"month {month} is outside the period {period.key}",
                    )
            category, base = member["category"], member.get("monthly_base")
            if category in BASED and base is None:
                rec.error(
                    problems,
                    f"{path}.monthly_base",
                    f"{category}党员必须填写 monthly_base（月工资或离退休费基数），党费按基数的比例计算",
                    f"a {category} member needs monthly_base: the dues are a share of it",
                )
                continue
            self._check_amount(rec, path, member, len(set(months)), problems)

    def _check_amount(self, rec: Record, path: str, member: dict[str, Any], months: int, problems: Problems) -> None:
        expected = expected_text(member["category"], member.get("monthly_base"), months)
        if expected is None:
            return
        total, how = expected
        if member["amount"] != total:
            rec.finding(
                problems,
                f"{path}.amount",
                f"{member['name']}应交党费 {plain(total)} 元（{how}），填写的是 {plain(member['amount'])} 元",
                f"{member['name']} should pay {plain(total)} ({how}), got {plain(member['amount'])}",
            )

    def derived(self, data: dict[str, Any]) -> dict[str, Any]:
        """The branch totals, which a public build shows without the members."""
        return {"totals": totals(data.get("members") or [])}

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """Rows with the expected amount and the difference; totals; members by category."""
        rows = []
        by_category: dict[str, dict[str, Any]] = defaultdict(lambda: {"members": 0, "amount": ZERO})
        expected_total = ZERO
        for member in data.get("members") or []:
            months = member.get("months") or []
            expected = expected_text(member["category"], member.get("monthly_base"), len(set(months)))
            row = {**member, "months_label": months_label(months)}
            if expected is not None:
                row["expected"] = expected[0]
                row["difference"] = member["amount"] - expected[0]
                expected_total += expected[0]
            rows.append(row)
            group = by_category[member["category"]]
            group["members"] += 1
            group["amount"] += member["amount"]
        return {
            "rows": rows,
            "expected_total": expected_total,
            "categories": [(c, by_category[c]) for c in CATEGORIES if c in by_category],
            "shortfall": [r for r in rows if r.get("difference")],
        }


def totals(members: list[Any]) -> dict[str, Any]:
    """Branch totals: what a public rendering shows."""
    amount = ZERO
    months: set[int] = set()
    for member in members:
        if not isinstance(member, dict):
            continue
        value = member.get("amount")
        amount += value if isinstance(value, Decimal) else Decimal(str(value or "0"))
        months |= {m for m in member.get("months") or [] if isinstance(m, int)}
    return {"members": len(members), "amount": amount, "months": sorted(months)}


TYPE = PartyDues()
