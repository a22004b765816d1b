"""member-pledge — 党员公开承诺: each capable member pledges 2–3 concrete things a year, 公示 on the board.

The pledges and the members' names are public (the point of a 公开承诺). At year end representatives of
the residents review (评议) whether each pledge was kept; a pledge still without a result once the year
is over (plus `rules.member_pledge_review_days`) is a finding, as is a member with fewer or more pledges
than the rules ask.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..cnrules import format_date_cn
from ..errors import Problems
from ..schema import Choice, Date, F, ListOf, Obj, PeriodKind, Text
from .base import Column, Record, RecordType
from .rules import Due, OnePerPeriod, Unique, tally

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..config import SiteConfig

RESULTS = ("已兑现", "基本兑现", "未兑现")

PLEDGE = Obj(
    {
        "content": F(Text(), True, "承诺事项（为群众办的实事、好事）", label="承诺事项", see="public"),
        "result": F(Choice(*RESULTS), doc="年底评议结果：" + "、".join(RESULTS), label="评议结果", see="public"),
        "note": F(Text(), doc="兑现情况说明", label="兑现情况", see="public"),
    }
)

MEMBER = Obj(
    {
        "name": F(Text(), True, "党员姓名", see="public"),
        "pledges": F(ListOf(PLEDGE, 1), True, "承诺事项，每人 2—3 件", label="承诺事项", see="public"),
    }
)


class MemberPledge(RecordType):
    """A branch's members' public pledges for a year, and their year-end review."""

    name = "member-pledge"
    label = "党员公开承诺"
    area = "party"
    fields = {
        "period": F(PeriodKind(), True, "承诺年度，如 2026", see="public"),
        "branch": F(Text(), True, "党支部，如 第一网格党支部", see="public"),
        "members": F(ListOf(MEMBER, 1), True, "党员及其承诺", label="党员", see="public"),
        "reviewed_on": F(Date(), doc="年底兑现评议日期", label="评议日期", see="public"),
        "reviewers": F(Text(), doc="评议人员，如 居民代表12人", label="评议人员", see="public"),
    }
    list_keys = {"members": "name"}
    rules = (Unique("members[]", "name", "党员", person=True), OnePerPeriod(("branch",)))
    due = Due("year", "member_pledge_due_days", ("branch",), after="start")
    table = "members"
    columns = [
        Column("name", "姓名"),
        Column("content", "承诺事项"),
        Column("result", "评议结果"),
        Column("note", "兑现情况"),
    ]
    example = """\
# 党员公开承诺：每个党支部每年一个文件，公示期内在公开栏张贴。
# 每名党员每年承诺为群众办 2—3 件实事；年底组织群众代表评议兑现情况，填写 result。
type: member-pledge
title: 第一网格党支部2026年党员公开承诺
period: 2026                     # 承诺年度
branch: 第一网格党支部
notice_period: {from: 2026-03-02, to: 2026-03-08}
members:
  - name: 杨卫东
    pledges:                     # result（年底评议）：已兑现 · 基本兑现 · 未兑现
      - {content: 每月走访联系户，帮助3户独居老人代购生活用品, result: 已兑现}
      - {content: 协调解决1栋屋面漏水问题, result: 基本兑现, note: 已维修，待雨季复查}
  - name: 吴婷
    pledges:
      - {content: 每季度为居民开展一次垃圾分类宣传}
      - {content: 组织青年志愿者辅导社区儿童作业}
reviewed_on: 2026-12-26          # 年底评议日期
reviewers: 居民代表12人            # 评议人员
prepared_by: 郑海涛               # 经办
approved_by: 杨卫东               # 审批
approved_on: 2026-03-01
status: draft                    # 审批后改为 approved
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Two or three pledges a member (findings)."""
        low, high = site.rule("member_pledge_min"), site.rule("member_pledge_max")
        for i, member in enumerate(rec.get("members") or [], 1):
            count = len(member["pledges"])
            if not low <= count <= high:
                rec.finding(
                    problems,
                    f"members[{i}].pledges",
                    f"{member['name']} 承诺了 {count} 件事，每名党员每年应承诺 {low}—{high} 件",
                    f"{member['name']} pledged {count} things; {low}–{high} a year are asked",
                )

    def check_all(self, recs: list[Record], catalog: Catalog, problems: Problems) -> None:
        """Pledges still without a year-end 评议 once the year is over."""
        for rec in recs:
            period = rec.period
            if rec.status == "withdrawn" or period is None:
                continue
            due = period.end + dt.timedelta(days=catalog.site.rule("member_pledge_review_days"))
            if catalog.as_of <= due:
                continue
            for i, member in enumerate(rec.get("members") or [], 1):
                open_ = [j for j, p in enumerate(member["pledges"], 1) if not p.get("result")]
                if open_:
                    rec.finding(
                        problems,
                        f"members[{i}].pledges[{open_[0]}]",
                        f"{member['name']} 的 {len(open_)} 件承诺没有年底评议结果（应于 {format_date_cn(due)} 前评议）",
                        f"{len(open_)} pledges of {member['name']} have no year-end review (due by {due})",
                    )

    def derived(self, data: dict[str, Any]) -> dict[str, Any]:
        """How many pledges were kept, partly kept, not kept or not yet reviewed."""
        pledges = [p for m in data.get("members") or [] for p in m.get("pledges") or []]
        counts = tally(pledges, "result", RESULTS)
        return {"result_counts": [*counts, ("未评议", len(pledges) - sum(n for _, n in counts))]}

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """One row per pledge (the CSV), the member's name on its first."""
        rows = []
        for member in data.get("members") or []:
            for j, pledge in enumerate(member.get("pledges") or []):
                rows.append({**pledge, "name": member["name"], "first": j == 0, "span": len(member["pledges"])})
        return {"rows": rows}


TYPE = MemberPledge()
