"""finance-ledger — 财务收支明细公示."""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..cnrules import rmb_upper
from ..errors import Problems
from ..known import pinyin
from ..schema import Date, F, ListOf, Money, Names, Obj, PeriodKind, Text, parse_period_text
from .base import Column, ExtraPage, Record, RecordType, made
from .charts import bar_chart
from .rules import Due, OnePerPeriod, Unique, WithinPeriod

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..config import SiteConfig

ZERO = Decimal("0.00")

ENTRY = Obj(
    {
        "date": F(Date(), True, "日期", see="public"),
        "voucher": F(Text(), True, "凭证号（按文字保存，007 不会变成 7）", label="凭证号", see="public"),
        "summary": F(Text(), True, "摘要", see="public"),
        "category": F(Text(), doc="类别", see="public"),
        "income": F(Money(), doc="收入金额（元，最多两位小数）", label="收入", see="public"),
        "expense": F(Money(), doc="支出金额（元，最多两位小数）", label="支出", see="public"),
        "handler": F(Names(), doc="经手人", see="public"),
        "approver": F(Names(), doc="审批人", see="public"),
        "note": F(Text(), doc="备注", see="public"),
    }
)


def plain(amount: Decimal) -> str:
    """An amount as written in error messages: 31640.00."""
    return f"{amount:.2f}"


class FinanceLedger(RecordType):
    """Income and expense of one account for one period, with balances that must add up."""

    name = "finance-ledger"
    label = "财务收支明细公示"
    area = "finance"
    fields = {
        "account": F(Text(), True, "账户（连续性按账户检查），如 党建经费", see="public"),
        "period": F(PeriodKind(), True, "期间，如 2026-11", see="public"),
        "opening_balance": F(Money(allow_negative=True), True, "期初余额", see="public"),
        "entries": F(ListOf(ENTRY), True, "收支明细", see="public"),
        "closing_balance": F(Money(allow_negative=True), True, "期末余额", see="public"),
        "reviewed_by": F(Names(), doc="民主理财小组 / 居务监督委员会审核人，至少一人", label="审核人", see="public"),
    }
    list_keys = {"entries": "voucher"}
    row_names = {"entries": "凭证 {voucher}（{summary}）"}
    _grouped: tuple[list[dict[str, Any]], dict[Any, list[dict[str, Any]]]] | None = None
    rules = (
        Unique("entries[]", "voucher", "凭证号", across=("account",)),
        WithinPeriod("entries[].date"),
        OnePerPeriod(("account",)),
    )
    due = Due("month", "finance_ledger_due_days", ("account",))
    table = "entries"
    columns = [
        Column("date", "日期", "date"),
        Column("voucher", "凭证号", "id"),
        Column("summary", "摘要"),
        Column("category", "类别", "code"),
        Column("income", "收入（元）", "money"),
        Column("expense", "支出（元）", "money"),
        Column("balance", "余额（元）", "money"),
        Column("handler", "经手人", "names"),
        Column("approver", "审批人", "names"),
    ]
    example = """\
# 财务收支明细公示：每个账户每个期间一个文件。金额写到分，最多两位小数。
type: finance-ledger
title: 某某社区党建经费2026年11月收支明细公示
account: 党建经费                 # 账户：连续性按账户检查
period: 2026-11                  # 期间：2026-11（月）、2026-Q4（季）
opening_balance: 12500.00        # 期初余额 = 上一期的期末余额
entries:                         # 每条明细只填 income（收入）或 expense（支出）之一
  - {date: 2026-11-03, voucher: "2026-11-001", summary: 购买党员学习资料, category: 学习教育, expense: 860.00, handler: 李四, approver: 王芳}
  - {date: 2026-11-05, voucher: "2026-11-002", summary: 街道拨付党建经费, category: 上级拨款, income: 20000.00, handler: 李四}
closing_balance: 31640.00        # 期末余额 = 期初 + 收入合计 − 支出合计
prepared_by: 李四                 # 经办
reviewed_by: [张三, 赵六]          # 民主理财小组审核，至少一人
approved_by: 王芳                 # 审批
approved_on: 2026-12-03
status: draft                    # 审批后改为 approved
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Entries, arithmetic and reviewers."""
        income = expense = ZERO
        for i, entry in enumerate(rec.get("entries", []), 1):
            if not isinstance(entry, dict):
                continue
            path = f"entries[{i}]"
            amounts = [k for k in ("income", "expense") if entry.get(k) is not None]
            if len(amounts) != 1:
                rec.error(
                    problems,
                    path,
                    "每条明细应且只应填写 income（收入）或 expense（支出）之一",
                    "each entry needs exactly one of income or expense",
                )
            for key in amounts:
                value = entry[key]
                if isinstance(value, Decimal) and value <= 0:
                    rec.error(problems, f"{path}.{key}", "金额应大于 0", "amount must be greater than 0")
            if isinstance(entry.get("income"), Decimal):
                income += entry["income"]
            if isinstance(entry.get("expense"), Decimal):
                expense += entry["expense"]
        self._check_balance(rec, income, expense, problems)
        if not rec.get("reviewed_by"):
            rec.error(
                problems,
                "reviewed_by",
                "缺少审核人：民主理财小组或居务监督委员会至少一人",
                "no reviewer: at least one member of the finance group or supervision committee",
            )

    def _check_balance(self, rec: Record, income: Decimal, expense: Decimal, problems: Problems) -> None:
        opening, closing = rec.get("opening_balance"), rec.get("closing_balance")
        if not isinstance(opening, Decimal) or not isinstance(closing, Decimal) or not rec.valid:
            return
        expected = opening + income - expense
        if closing != expected:
            rec.error(
                problems,
                "closing_balance",
                f"期末余额应为 {plain(expected)}（期初 {plain(opening)} + 收入 {plain(income)} − 支出 "
                f"{plain(expense)}），填写的是 {plain(closing)}",
                f"closing balance should be {plain(expected)} (opening {plain(opening)} + income "
                f"{plain(income)} − expense {plain(expense)}), got {plain(closing)}",
            )

    def check_all(self, recs: list[Record], catalog: Catalog, problems: Problems) -> None:
        """Per account: each opening balance continues the previous month's closing balance."""
        by_period = {(r.get("account"), r.get("period")): r for r in recs if r.status != "withdrawn"}
        for (account, period), rec in sorted(by_period.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            earlier = by_period.get((account, period.previous()))
            if earlier is not None:
                self._check_continuity(earlier, rec, problems)

    def _check_continuity(self, earlier: Record, rec: Record, problems: Problems) -> None:
        closing, opening = earlier.get("closing_balance"), rec.get("opening_balance")
        if isinstance(closing, Decimal) and isinstance(opening, Decimal) and closing != opening:
            rec.error(
                problems,
                "opening_balance",
                f"期初余额应等于上期（{earlier.get('period').label}，{earlier.path}）的期末余额 {plain(closing)}，"
                f"填写的是 {plain(opening)}",
                f"opening balance should equal the previous period's closing balance {plain(closing)} "
                f"({earlier.path}), got {plain(opening)}",
            )

    def _by_account(self, peers: list[dict[str, Any]]) -> dict[Any, list[dict[str, Any]]]:
        """Peers grouped by account, each sorted by period; grouped once per list of peers, not per ledger."""
        if self._grouped is None or self._grouped[0] is not peers:  # the list is held, so `is` is safe
            by_account: dict[Any, list[dict[str, Any]]] = defaultdict(list)
            for p in peers:
                by_account[p.get("account")].append(p)
            for items in by_account.values():
                items.sort(key=lambda p: p["period"])
            self._grouped = (peers, dict(by_account))
        return self._grouped[1]

    def view_peers(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The account's trend: its last twelve periods up to this one."""
        periods = self._by_account(peers).get(data.get("account"), [])
        upto = bisect.bisect_right(periods, data["period"], key=lambda p: p["period"])
        return periods[max(0, upto - 12) : upto]

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """Running balance, totals in figures and 大写, totals by category, charts (peers: the account's trend)."""
        balance = data["opening_balance"]
        rows = []
        for entry in data["entries"]:
            balance += (entry.get("income") or ZERO) - (entry.get("expense") or ZERO)
            rows.append({**entry, "balance": balance})
        income, expense, categories = totals(data["entries"])
        same_account = peers
        return {
            "rows": rows,
            "income": income,
            "expense": expense,
            "income_upper": rmb_upper(income),
            "expense_upper": rmb_upper(expense),
            "closing_upper": rmb_upper(data["closing_balance"]),
            "categories": categories,
            "category_chart": bar_chart(
                "按类别的收入与支出",
                [name for name, _ in categories],
                [("收入", [v["income"] for _, v in categories]), ("支出", [v["expense"] for _, v in categories])],
            ),
            "trend_chart": bar_chart(
                f"{data.get('account')}各期收支与期末余额",
                [p["period"].label for p in same_account],
                [
                    ("收入", [sum((e.get("income") or ZERO for e in p["entries"]), ZERO) for p in same_account]),
                    ("支出", [sum((e.get("expense") or ZERO for e in p["entries"]), ZERO) for p in same_account]),
                    ("期末余额", [p["closing_balance"] for p in same_account]),
                ],
            ),
        }

    def extra_pages(self, views: list[Any], audience: str) -> list[ExtraPage]:
        """The 经费使用情况 annual report of each account and year, generated from its published ledgers."""
        groups: dict[tuple[str, int], list[Any]] = defaultdict(list)
        for view in views:
            if not view.draft and not view.withdrawn:
                groups[view.data["account"], view.data["period"].start.year].append(view)
        pages = []
        for (account, year), group in sorted(groups.items()):
            path = f"report/{slug(account)}/{year}.html"
            title = f"{account}{year}年度经费使用情况"
            group.sort(key=lambda v: v.data["period"])
            make = functools.partial(annual_report, account, year, group)
            report = made(make, account, str(year), *(view.key for view in group))
            day = max(v.published_on for v in group)  # the report speaks for its latest ledger, not the build
            pages.append(
                ExtraPage(path, "reports/finance-annual.html", title, "finance", {"report": report}, True, day)
            )
        return pages


def slug(text: str) -> str:
    """党建经费 -> dangjianjingfei: a path segment for a name (a long name is cut, its hash keeps it apart)."""
    segment = re.sub(r"[^a-z0-9]+", "-", pinyin(text).lower()).strip("-") or "x"
    if len(segment) <= 60:
        return segment
    return f"{segment[:48].strip('-')}-{hashlib.sha256(text.encode('utf-8', 'replace')).hexdigest()[:8]}"


def totals(entries: list[dict[str, Any]]) -> tuple[Decimal, Decimal, list[tuple[str, dict[str, Decimal]]]]:
    """Income, expense, and both by category (largest first), of ledger entries."""
    income = expense = ZERO
    by_category: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"income": ZERO, "expense": ZERO})
    for entry in entries:
        inc, exp = entry.get("income") or ZERO, entry.get("expense") or ZERO
        income, expense = income + inc, expense + exp
        by_category[entry.get("category") or "未分类"]["income"] += inc
        by_category[entry.get("category") or "未分类"]["expense"] += exp
    categories = sorted(by_category.items(), key=lambda kv: (-(kv[1]["income"] + kv[1]["expense"]), kv[0]))
    return income, expense, categories


def annual_report(account: str, year: int, views: list[Any]) -> dict[str, Any]:
    """One account's year from its ledgers (views, by period): opening, totals by category and month, closing,
    大写, missing months."""
    ledgers = [{**view.data, "id": view.id, "published_on": view.published_on} for view in views]
    income, expense, categories = totals([e for ledger in ledgers for e in ledger["entries"]])
    by_month: dict[int, dict[str, Any]] = {}
    for ledger in ledgers:
        for entry in ledger["entries"]:
            month = by_month.setdefault(entry["date"].month, {"income": ZERO, "expense": ZERO})
            month["income"] += entry.get("income") or ZERO
            month["expense"] += entry.get("expense") or ZERO
        for m in range(ledger["period"].start.month, ledger["period"].end.month + 1):
            by_month.setdefault(m, {"income": ZERO, "expense": ZERO})["ledger"] = ledger
        by_month[ledger["period"].end.month]["closing"] = ledger["closing_balance"]
    opening, closing = ledgers[0]["opening_balance"], ledgers[-1]["closing_balance"]
    months = [{"month": m, "label": f"{m}月", **by_month.get(m, {})} for m in range(1, 13)]
    missing = [parse_period_text(f"{year}-{m:02d}") for m in range(1, 13) if "ledger" not in by_month.get(m, {})]
    shown = [m for m in months if "ledger" in m]
    return {
        "account": account,
        "year": year,
        "ledgers": ledgers,
        "opening": opening,
        "income": income,
        "expense": expense,
        "closing": closing,
        "computed": opening + income - expense,
        "upper": {
            k: rmb_upper(v)
            for k, v in (("opening", opening), ("income", income), ("expense", expense), ("closing", closing))
        },
        "categories": categories,
        "months": months,
        "missing": missing,
        "first": ledgers[0]["period"],
        "last": ledgers[-1]["period"],
        "chart": bar_chart(
            f"{account}{year}年各月收支与期末余额",
            [m["label"] for m in shown],
            [
                ("收入", [m["income"] for m in shown]),
                ("支出", [m["expense"] for m in shown]),
                ("期末余额", [m.get("closing", ZERO) for m in shown]),
            ],
        ),
    }


TYPE = FinanceLedger()
