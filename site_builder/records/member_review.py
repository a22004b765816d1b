"""member-review — 民主评议党员: each member's grade in the branch's annual review.

Public and party see how many members got each grade; only the committee sees the names. A member
graded 不合格 needs the reason, and the branch talks with them (谈心谈话); the talk is a committee finding.
Members of the branch's 党员名册 that the review leaves out are a committee finding too.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..errors import Problems
from ..schema import Choice, Date, F, ListOf, Obj, PeriodKind, Text
from .base import Column, Record, RecordType
from .rules import Due, OnePerPeriod, Unique, tally

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..config import SiteConfig

GRADES = ("优秀", "合格", "基本合格", "不合格")

MEMBER = Obj(
    {
        "name": F(Text(), True, "党员姓名"),
        "grade": F(Choice(*GRADES), True, "评议等次：" + "、".join(GRADES)),
        "note": F(Text(), doc="评议意见；基本合格、不合格须写明原因"),
        "talk_on": F(Date(), doc="谈心谈话日期（不合格党员）"),
    }
)


class MemberReview(RecordType):
    """A branch's annual 民主评议党员 results."""

    name = "member-review"
    label = "民主评议党员结果"
    area = "party"
    default_audience = "party"
    fields = {
        "period": F(PeriodKind(), True, "评议年度，如 2026", see="public"),
        "branch": F(Text(), True, "党支部，如 第一网格党支部", see="public"),
        "held_on": F(Date(), True, "评议大会日期", label="评议日期", see="public"),
        "members": F(
            ListOf(MEMBER, 1), True, "评议结果（只有委员版显示姓名）", label="党员", see="committee", lower="count"
        ),
    }
    list_keys = {"members": "name"}
    rules = (Unique("members[]", "name", "党员", person=True), OnePerPeriod(("branch",)))
    due = Due("year", "member_review_due_days", ("branch",))
    table = "members"
    columns = [Column("name", "姓名"), Column("grade", "评议等次"), Column("note", "评议意见")]
    example = """\
# 民主评议党员结果：每个党支部每年一个文件。
# 向社会和党内公开时只显示各等次人数；党员姓名和评议意见只在委员版中显示。
type: member-review
title: 第一网格党支部2026年度民主评议党员结果
period: 2026                     # 评议年度
branch: 第一网格党支部
held_on: 2027-01-12              # 评议大会日期
members:                         # grade：优秀 · 合格 · 基本合格 · 不合格
  - {name: 杨卫东, grade: 优秀}
  - {name: 吴婷, grade: 合格}
  - {name: 郑海涛, grade: 基本合格, note: 参加组织生活不够经常}
  - {name: 冯桂英, grade: 不合格, note: 连续六个月不参加组织生活, talk_on: 2027-01-15}   # 不合格须写明原因和谈话日期
prepared_by: 郑海涛               # 经办
approved_by: 杨卫东               # 审批
approved_on: 2027-01-18
status: draft                    # 审批后改为 approved
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """基本合格 and 不合格 need the reason; a 不合格 member needs the talk (a committee finding)."""
        for i, member in enumerate(rec.get("members") or [], 1):
            if member["grade"] in ("基本合格", "不合格") and not member.get("note"):
                rec.error(
                    problems,
                    f"members[{i}].note",
                    f"{member['name']} 评为{member['grade']}，须在 note 中写明原因",
                    f"{member['name']} is graded {member['grade']}: the note must give the reason",
                )
            if member["grade"] == "不合格" and not member.get("talk_on"):
                rec.finding(
                    problems,
                    f"members[{i}]",
                    f"{member['name']} 评为不合格，还没有谈心谈话记录（talk_on）",
                    f"{member['name']} is graded 不合格 and has not been talked with yet",
                    audience="committee",
                )

    def check_all(self, recs: list[Record], catalog: Catalog, problems: Problems) -> None:
        """Members of the branch's 党员名册, in the party by the year's end, without a result (committee: names)."""
        rostered: dict[str, list[tuple[str, dt.date | None]]] = {}
        for roster in catalog.of_type("member-roster"):
            if roster.valid and roster.status != "withdrawn" and roster.get("roster") == "党员名册":
                for m in roster.get("members") or []:
                    if m.get("branch"):
                        rostered.setdefault(m["branch"], []).append((m["name"], m.get("joined_on")))
        for rec in recs:
            reviewed = {m["name"] for m in rec.get("members") or []}
            end = rec.period.end if rec.period else catalog.as_of
            left = [
                n for n, joined in rostered.get(rec.get("branch"), []) if n not in reviewed and (joined or end) <= end
            ]
            if left and rec.status != "withdrawn":
                rec.finding(
                    problems,
                    "members",
                    f"党员名册中{rec.get('branch')}的 {len(left)} 名党员没有评议结果：{'、'.join(left)}",
                    f"{len(left)} members of {rec.get('branch')} in the roster have no result: {', '.join(left)}",
                    audience="committee",
                )

    def derived(self, data: dict[str, Any]) -> dict[str, Any]:
        """How many members got each grade: what every audience sees."""
        return {"grade_counts": tally(data.get("members"), "grade", GRADES)}


TYPE = MemberReview()
