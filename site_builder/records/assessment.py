"""assessment — 考核: grids, branches or members graded 好/中/差 in a 3:6:1 distribution, and the
目标责任状 (signed target responsibility letters) with the completion of each target.

The 3:6:1 rule, as checked: of N graded, at most round(N × 30%) are 好 and at least round(N × 10%) are 差,
rounding half up (12 grids: at most 4 好, at least 1 差; 4 grids: at most 1 好, 差 not required). Both
percentages come from site.yaml `rules:`. A distribution outside it is a finding, not an error: the
street office may approve an exception.

Grades of people are personal: members' names and grades reach the party build; the public sees the
count per grade. The letters name organisations and targets and are public with the record.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from ..cnrules import format_date_cn
from ..errors import Problems
from ..schema import Bool, Choice, Date, F, ListOf, Names, Number, Obj, PeriodKind, Text
from .base import Column, Record, RecordType
from .rules import Due, OnePerPeriod, Unique, tally

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..config import SiteConfig

GRADES = ("好", "中", "差")
SUBJECTS = ("网格", "党支部", "党员")

GRADE = Obj(
    {
        "name": F(Text(), True, "考核对象（网格、党支部或党员）", label="考核对象", see="party"),
        "score": F(Number(), doc="考核得分", label="得分", see="party"),
        "grade": F(Choice(*GRADES), True, "等次：好、中、差", label="等次", see="party"),
        "note": F(Text(), doc="备注", see="party"),
    }
)

TARGET = Obj(
    {
        "content": F(Text(), True, "目标任务", see="public"),
        "done": F(Bool(), doc="是否完成：true / false（未填写视为未完成）", label="完成情况", see="public"),
        "note": F(Text(), doc="完成情况说明", see="public"),
    }
)

LETTER = Obj(
    {
        "party": F(Text(), True, "责任状签订方，如 第一网格党支部", label="签订方", see="public"),
        "kind": F(Text(), doc="责任状名称，如 基层党建工作目标责任状", label="责任状", see="public"),
        "signed_on": F(Date(), True, "签订日期", see="public"),
        "signed_by": F(Names(), doc="签订人", see="public"),
        "targets": F(ListOf(TARGET, 1), True, "目标任务", see="public"),
    }
)


def share(total: int, percent: int) -> int:
    """round(total × percent%), halves up: the count the 3:6:1 rule allows."""
    return int((Decimal(total * percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Assessment(RecordType):
    """A year's (or half-year's) assessment results and target responsibility letters."""

    name = "assessment"
    label = "考核结果"
    area = "party"
    default_audience = "party"
    fields = {
        "period": F(PeriodKind(), True, "考核期间，如 2026 或 2026-H2", see="public"),
        "subject": F(
            Choice(*SUBJECTS), True, "考核对象类别：" + "、".join(SUBJECTS), label="考核对象类别", see="public"
        ),
        "assessed_by": F(Text(), doc="考核单位，如 某某街道党工委", label="考核单位", see="public"),
        "grades": F(
            ListOf(GRADE), doc="考核等次（好、中、差，按 3:6:1）", label="考核等次", see="party", lower="count"
        ),
        "letters": F(ListOf(LETTER), doc="目标责任状及完成情况", label="目标责任状", see="public"),
    }
    list_keys = {"grades": "name", "letters": "party"}
    rules = (
        Unique("grades[]", "name", "考核对象"),
        Unique("letters[]", "party", "签订方"),
        OnePerPeriod(("subject",)),
    )
    due = Due("year", "assessment_due_days", ("subject",))
    table = "grades"
    columns = [
        Column("name", "考核对象"),
        Column("score", "得分", "number"),
        Column("grade", "等次"),
        Column("note", "备注"),
    ]
    example = """\
# 考核结果：每类考核对象每个考核期一个文件。等次按 3:6:1 确定（好不超过 30%，差不少于 10%，四舍五入取整）。
# 目标责任状：年初签订，逐项填写完成情况（done: true / false）。
type: assessment
title: 凤凰社区2026年度网格党建工作考核结果
period: 2026                     # 考核期间：2026（年度）或 2026-H2（半年）
subject: 网格                     # 网格 · 党支部 · 党员（党员的姓名和等次只在党内公开）
assessed_by: 中共凤凰社区委员会
grades:                          # 等次：好 · 中 · 差
  - {name: 第一网格, score: 95, grade: 好}
  - {name: 第二网格, score: 88, grade: 中}
  - {name: 第三网格, score: 86, grade: 中}
  - {name: 第四网格, score: 72, grade: 差}
letters:
  - party: 第一网格党支部
    kind: 基层党建工作目标责任状
    signed_on: 2026-01-15
    signed_by: [杨卫东]
    targets:
      - {content: 全年开展主题党日活动不少于12次, done: true}
      - {content: 发展党员1名, done: false, note: 发展对象已确定，2027年接收}
prepared_by: 郑海涛               # 经办
approved_by: 杨卫东               # 审批
approved_on: 2027-01-10
status: draft                    # 审批后改为 approved
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """The 3:6:1 distribution (a finding), stated with its rounding."""
        grades = rec.get("grades") or []
        if not grades:
            return
        total = len(grades)
        counts = dict(tally(grades, "grade", GRADES))
        good_pct, poor_pct = site.rule("assessment_good_percent"), site.rule("assessment_poor_percent")
        most_good, least_poor = share(total, good_pct), share(total, poor_pct)
        rule = f"{total} 个考核对象按 3:6:1：“好”不超过 {good_pct}%（{most_good} 个），“差”不少于 {poor_pct}%（{least_poor} 个），四舍五入取整"
        if counts["好"] > most_good:
            rec.finding(
                problems,
                "grades",
                f"评为“好”的有 {counts['好']} 个，超过比例（{rule}）",
                f"{counts['好']} graded 好, at most {most_good} allowed",
            )
        if counts["差"] < least_poor:
            rec.finding(
                problems,
                "grades",
                f"评为“差”的只有 {counts['差']} 个，低于比例（{rule}）",
                f"{counts['差']} graded 差, at least {least_poor} required",
            )

    def check_all(self, recs: list[Record], catalog: Catalog, problems: Problems) -> None:
        """Targets not completed once the period is over."""
        for rec in recs:
            if rec.status == "withdrawn" or rec.period is None or catalog.as_of <= rec.period.end:
                continue
            for i, letter in enumerate(rec.get("letters") or [], 1):
                open_ = [t["content"] for t in letter["targets"] if not t.get("done")]
                if open_:
                    rec.finding(
                        problems,
                        f"letters[{i}].targets",
                        f"{letter['party']}的目标责任状（{format_date_cn(letter['signed_on'])}签订）有 {len(open_)} 项目标未完成：{'；'.join(open_)}",
                        f"{len(open_)} targets of {letter['party']} are not completed",
                    )

    def restrict(
        self, shown: dict[str, Any], data: dict[str, Any], audience: str, as_of: dt.date, site: SiteConfig
    ) -> dict[str, Any]:
        """Grades of grids and branches are no one's personal data: every audience of the record sees them."""
        if data.get("subject") != "党员" and isinstance(data.get("grades"), list):
            shown["grades"] = [dict(g) for g in data["grades"]]
        return shown

    def derived(self, data: dict[str, Any]) -> dict[str, Any]:
        """Counts per grade (every audience), and each letter's completion."""
        return {"grade_counts": tally(data.get("grades"), "grade", GRADES)}

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """Each letter's completion: done of total and the rate."""
        letters = []
        for letter in data.get("letters") or []:
            done = sum(1 for t in letter["targets"] if t.get("done"))
            total = len(letter["targets"])
            letters.append({**letter, "done_count": done, "total": total, "rate": f"{done * 100 // total}%"})
        grades = data.get("grades")
        rows = (
            sorted(grades, key=lambda g: (GRADES.index(g["grade"]), -(g.get("score") or 0)))
            if isinstance(grades, list)
            else []
        )
        return {"letters": letters, "rows": rows}


TYPE = Assessment()
