"""meeting-record — 三会一课 and other party meetings; the minutes are the Markdown body.

Cadence (the 合规 page) is checked per `org` over all meeting records, in check_all:

- Which rules an org must meet follows from its level, read from its name: a 党委/党总支/…委员会 holds
  党委会, 党员大会, 党课, 民主生活会 and 民主评议; a 党支部 holds 支委会, 党员大会, 党课, 组织生活会 and
  民主评议; a 党小组 holds 党小组会. Any org also gets the rule of every kind it has recorded at least
  once (a branch that writes its 党小组会 under its own name must then hold them monthly).
- Which periods: every month/quarter/half/year from the one containing the org's first meeting record
  up to the last one that has ended before the period containing the latest meeting date of *any*
  org (there is no as-of date in check_all). The period that holds the latest record is still running
  and is not judged yet; using the latest date across all orgs means an org that stops recording
  meetings altogether is still caught. The period of the org's first record is judged in full even
  if the records start half-way through it: a missing meeting then is one to enter, not to ignore.
- Drafts count (the meeting was held; its minutes await approval); withdrawn records do not.
- A finding is reported at the `org` field of the org's latest meeting record, preferring a published
  one so that the finding reaches the 合规 page, and carries the period it concerns.

The three books (会议记录簿, 学习记录簿, 民主生活会记录簿) are extra pages of the committee build only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import Problems
from ..schema import Choice, Date, F, ListOf, Name, Names, Obj, Text
from .base import ExtraPage, Record, RecordType
from .rules import Unique, periods_between, too_few

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..config import SiteConfig

KINDS = (
    "党员大会",
    "党委会",
    "支委会",
    "党小组会",
    "党课",
    "主题党日",
    "学习",
    "组织生活会",
    "民主生活会",
    "民主评议",
    "党建联席会议",
)

ABSENT = Obj(
    {
        "name": F(Name(), True, "姓名", see="party"),
        "reason": F(Text(), doc="缺席原因（必填），如 出差、病假", see="party"),
    }
)


@dataclass(frozen=True)
class Book:
    """One of the three books: which meeting kinds it collects."""

    path: str
    title: str
    kinds: tuple[str, ...]
    intro: str


BOOKS = (
    Book(
        "books/meetings.html",
        "党组织会议记录簿",
        ("党员大会", "党委会", "支委会", "党小组会", "党建联席会议", "主题党日"),
        "党员大会、党委会、支委会、党小组会、党建联席会议和主题党日的会议记录，按会议日期排列。",
    ),
    Book(
        "books/study.html",
        "党员学习记录簿",
        ("党课", "学习"),
        "党课和集中学习的记录，按日期排列。",
    ),
    Book(
        "books/democratic-life.html",
        "党组织民主生活会记录簿",
        ("组织生活会", "民主生活会", "民主评议"),
        "民主生活会、组织生活会和民主评议党员的记录，按日期排列。",
    ),
)


@dataclass(frozen=True)
class Cadence:
    """A 三会一课 rule: at least `rule` meetings of `kinds` per period of `span`."""

    rule: str  # name in config.RULES
    kinds: tuple[str, ...]
    span: str  # month | quarter | half | year
    verb: str  # 召开 / 上 / 开展
    levels: tuple[str, ...]  # org levels the rule applies to

    def label(self, level: str) -> str:
        """What the org should have held, in its own words (党委会 for a 党委, 支委会 for a branch)."""
        if self.kinds == ("党委会", "支委会"):
            return {"committee": "党委会", "branch": "支委会"}.get(level, "党委会或支委会")
        return self.kinds[0]


CADENCES = (
    Cadence("meetings_party_congress_per_quarter", ("党员大会",), "quarter", "召开", ("committee", "branch")),
    Cadence("meetings_committee_per_month", ("党委会", "支委会"), "month", "召开", ("committee", "branch")),
    Cadence("meetings_group_per_month", ("党小组会",), "month", "召开", ("group",)),
    Cadence("meetings_lecture_per_quarter", ("党课",), "quarter", "上", ("committee", "branch")),
    Cadence("meetings_org_life_per_year", ("组织生活会",), "year", "召开", ("branch",)),
    Cadence("meetings_evaluation_per_year", ("民主评议",), "year", "开展", ("committee", "branch")),
    Cadence("meetings_democratic_life_per_half", ("民主生活会",), "half", "召开", ("committee",)),
)


def org_level(org: str) -> str:
    """committee (党委, 党总支, 党工委, …委员会), branch (…支部…), group (党小组) or other."""
    if org.endswith("小组"):
        return "group"
    if "总支" in org:
        return "committee"
    if "支部" in org:
        return "branch"
    if org.endswith(("党委", "党工委", "委员会")):
        return "committee"
    return "other"


class MeetingRecord(RecordType):
    """Minutes of one meeting; the three books and the 三会一课 cadence are built over all of them."""

    name = "meeting-record"
    label = "会议记录"
    area = "party"
    default_audience = "committee"
    never_public = True
    markdown = True
    printable = False  # minutes are printed in the books, not as notices
    fields = {
        "kind": F(Choice(*KINDS), True, "会议类型：" + "、".join(KINDS), see="party"),
        "org": F(Text(), True, "召开会议的党组织，如 第一网格党支部（会议频次按组织检查）", see="party"),
        "date": F(Date(), True, "会议日期", see="party"),
        "place": F(Text(), doc="会议地点", see="party"),
        "host": F(Name(), True, "主持人", see="party"),
        "recorder": F(Name(), True, "记录人", see="party"),
        "attendees": F(Names(), True, "出席人员", see="party"),
        "absent": F(ListOf(ABSENT), doc="缺席人员及原因：[{name: 姓名, reason: 原因}]", see="party"),
        "guests": F(Names(), doc="列席人员（如街道党工委派员）", see="party"),
        "topics": F(ListOf(Text(), 1), True, "议题", see="party"),
    }
    list_keys = {"absent": "name"}
    rules = (Unique("attendees[]", label="出席人员", person=True), Unique("absent[]", "name", "缺席人员", person=True))
    example = """\
---
# 会议记录（三会一课等）：上面是信息块，下面 --- 之后是会议记录正文（Markdown）。
# 会议记录只在委员版中显示，不得向社会公开（audience 只能是 committee 或 party）。
type: meeting-record
title: 第一网格党支部2026年11月支委会会议记录
kind: 支委会                     # 党员大会 党委会 支委会 党小组会 党课 主题党日 学习
                                 # 组织生活会 民主生活会 民主评议 党建联席会议
org: 第一网格党支部                # 召开会议的党组织；会议频次按组织检查
date: 2026-11-05
place: 社区党群服务中心二楼党员活动室
host: 杨卫东                      # 主持人
recorder: 郑海涛                  # 记录人
attendees: [杨卫东, 郑海涛, 蒋志伟, 冯桂英]   # 出席人员
absent:                          # 缺席人员，每人须写明原因；无人缺席时删除
  - {name: 吴婷, reason: 参加街道网格员培训}
topics:                          # 议题
  - 研究支部委员会换届选举筹备工作
  - 讨论11月主题党日活动分工
prepared_by: 郑海涛               # 经办
approved_by: 杨卫东               # 审批（支部书记签字）
approved_on: 2026-11-06
status: draft                    # 审批后改为 approved
---

## 一、研究支部委员会换届选举筹备工作

杨卫东同志通报了社区党委关于换届选举的批复……

## 二、讨论11月主题党日活动分工

……

会议决定：……
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Attendance: someone present and absent at once, absence without a reason, names twice."""
        attendees = rec.get("attendees", [])
        if not attendees:
            rec.error(problems, "attendees", "出席人员不能为空", "the meeting needs at least one attendee")
        seen = set(attendees)
        absent_seen: set[str] = set()
        for i, item in enumerate(rec.get("absent", []), 1):
            path, name = f"absent[{i}]", item["name"]
            if not item.get("reason"):
                rec.error(
                    problems,
                    f"{path}.reason",
                    f"缺席人员 {name} 没有填写缺席原因（reason），如 出差、病假",
                    f"absent member {name} has no reason",
                )
            if name in seen:
                rec.error(
                    problems,
                    f"{path}.name",
                    f"{name} 同时列在出席人员（attendees）和缺席人员（absent）中，只能填一处",
                    f"{name} is listed both as attending and as absent",
                )
            absent_seen.add(name)
        for key, zh in (("host", "主持人"), ("recorder", "记录人")):
            if rec.get(key) in absent_seen:
                rec.error(
                    problems,
                    key,
                    f"{zh} {rec.get(key)} 列在缺席人员中",
                    f"the {key} {rec.get(key)} is listed as absent",
                )

    def check_all(self, recs: list[Record], catalog: Catalog, problems: Problems) -> None:
        """三会一课 cadence per org and period (see the module docstring for which periods count)."""
        held = [r for r in recs if r.status != "withdrawn"]
        if not held:
            return
        running = max(r.get("date") for r in held)
        by_org: dict[str, list[Record]] = defaultdict(list)
        for rec in held:
            by_org[rec.get("org")].append(rec)
        for org, items in sorted(by_org.items()):
            self._check_org(org, items, running, catalog.site, problems)

    def _check_org(self, org: str, items: list[Record], running: dt.date, site: SiteConfig, problems: Problems) -> None:
        level = org_level(org)
        kinds_held = {r.get("kind") for r in items}
        first = min(r.get("date") for r in items)
        anchor = max(items, key=lambda r: (r.published, r.get("date"), r.path))
        for cadence in CADENCES:
            if level not in cadence.levels and not kinds_held & set(cadence.kinds):
                continue
            need = site.rule(cadence.rule)
            label = cadence.label(level)
            for period in periods_between(first, running, cadence.span):
                count = sum(1 for r in items if r.get("kind") in cadence.kinds and period.contains(r.get("date")))
                if count >= need:
                    continue
                did, en = too_few(count, need, cadence.span, label, cadence.verb)
                anchor.finding(
                    problems,
                    "org",
                    f"{org} {period.label} {did}",
                    f"{org} {period.key}: {en}",
                    period=period.key,
                    audience="party",  # counts of meetings, no minutes and no names: party members may see it
                )

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """Attendance figures: 应到, 实到, 缺席."""
        present, absent = len(data.get("attendees", [])), len(data.get("absent", []))
        return {"present": present, "absent": absent, "expected": present + absent}

    def extra_pages(self, views: list[Any], audience: str) -> list[ExtraPage]:
        """The three books (会议记录簿, 学习记录簿, 民主生活会记录簿), committee build only, printable."""
        if audience != "committee" or not views:
            return []
        ordered = sorted(views, key=lambda v: (v.data["date"], v.data["org"], v.data["kind"], v.id))
        return [
            ExtraPage(
                path=book.path,
                template="books/meeting-book.html",
                title=book.title,
                area="registers",
                context={
                    "book": book,
                    "entries": [v for v in ordered if v.data["kind"] in book.kinds],
                },
                printable=True,
            )
            for book in BOOKS
        ]


TYPE = MeetingRecord()
