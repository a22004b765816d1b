"""volunteer-team — 志愿服务队: roster, activities, monthly service and the party-member share.

Which months must have an activity: from the start of the record's period (without a period: the
month of its first activity) to the later of the month of its last activity and the last month
that had ended by its 公开日期 (published_on, else approved_on) — never beyond the period's end.
A record without either date is checked to the end of its period (or to its last activity).
So a roster approved on 2026-11-20 is not faulted for an unfinished November without activities,
nor for December.

Other decisions where the contract is open:
- A participant who is not on the roster is an error, like a leader who is not: the activity
  list is the team's 服务记实, and a name not on the roster is nearly always a typo.
- Party-member volunteers are the distinct names with `party_member: true` across all teams not
  withdrawn; the community's party members are the distinct names in all valid 党员名册 records
  (member-roster) not withdrawn. Without a 党员名册 there is nothing to compare and no finding.
  The finding is attached to the first 党员志愿者 team (else the first team), field `members`.
- Team-wide findings concern the record's period, else the month it was published in.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..cnrules import format_date_cn
from ..errors import Problems
from ..schema import Bool, Choice, Date, F, ListOf, Name, Names, Number, Obj, Text, parse_period_text
from .base import Column, Record, RecordType, personal_phone, work_phone
from .rules import Due, Series, Unique, WithinPeriod, period_of

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..config import SiteConfig

KINDS = ("党员志愿者", "五老", "青年", "巾帼", "便民服务", "其他")
MAX_HOURS = Decimal(24)
ROSTER_TYPE = "member-roster"
PARTY_ROSTER = "党员名册"

MEMBER = Obj(
    {
        "name": F(Name(), True, "姓名（队内不重复；同名的请加以区分）", see="public"),
        "party_member": F(Bool(), doc="是否中共党员（含预备党员）：true / false", see="public"),
        "skill": F(Text(), doc="特长或服务项目，如 治安巡逻、理发、家电维修", see="public"),
        "phone": personal_phone("个人手机号，请加引号；公开版和党内版自动打码为 138****8000"),
        "work_phone": work_phone("工作电话（如队长对居民公开的号码，照常显示），请加引号"),
        "note": F(Text(), doc="备注", see="public"),
    }
)

ACTIVITY = Obj(
    {
        "date": F(Date(), True, "活动日期", see="public"),
        "hours": F(Number(), True, "时长（小时，可写 2.5）", see="public"),
        "content": F(Text(), True, "活动内容", see="public"),
        "place": F(Text(), doc="地点", see="public"),
        "participants": F(Names(), doc="参加队员（须在队员名单中）", see="public"),
    }
)


def month_key(day: dt.date) -> str:
    """2026-11."""
    return f"{day.year}-{day.month:02d}"


def month_keys(first: dt.date, last: dt.date) -> list[str]:
    """Every month from first's to last's, inclusive."""
    keys = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        keys.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def hours_text(hours: Decimal) -> str:
    """4 rather than 4.0; 2.5 stays 2.5."""
    return format(hours.normalize(), "f")


def checked_months(rec: Record) -> list[str]:
    """The months that must each have an activity (see the module docstring)."""
    days = [a["date"] for a in rec.get("activities") or [] if isinstance(a, dict)]
    period = rec.period
    start = period.start if period else (min(days) if days else None)
    if start is None:
        return []
    ends = [max(days)] if days else []
    reference = rec.published_on
    if reference is not None:
        ends.append(reference.replace(day=1) - dt.timedelta(days=1))
    elif period:
        ends.append(period.end)
    if not ends:
        return []
    end = min(max(ends), period.end) if period else max(ends)
    return month_keys(start, end) if end >= start else []


def finding_period(rec: Record) -> str:
    """The period a team-wide finding concerns: the record's, else the month it was published in."""
    if rec.period:
        return rec.period.key
    return month_key(rec.published_on) if rec.published_on else ""


class VolunteerTeam(RecordType):
    """A volunteer team: who is in it, what it did, and whether it meets the community's rules."""

    name = "volunteer-team"
    label = "志愿服务队"
    area = "teams"
    fields = {
        "kind": F(Choice(*KINDS), True, "队伍类别：" + "、".join(KINDS), see="public"),
        "leader": F(Name(), True, "队长（须在队员名单中）", see="public"),
        "members": F(ListOf(MEMBER, 1), True, "队员", see="public"),
        "activities": F(ListOf(ACTIVITY), doc="服务活动记录", see="public"),
    }
    list_keys = {"members": "name", "activities": ("date", "content")}
    due = Due("month", "volunteer_activity_due_days")
    rules = (Unique("members[]", "name", "队员", person=True), WithinPeriod("activities[].date"))
    table = "members"
    columns = [
        Column("name", "姓名"),
        Column("party", "党员"),
        Column("skill", "特长"),
        Column("phone", "联系电话"),
        Column("activity_count", "参加活动（次）", "number"),
        Column("hours", "服务时长（小时）", "number"),
    ]
    example = """\
# 志愿服务队：每支队伍一个文件，队员和活动记录都写在这里。
# 每队不少于 15 人；每月至少开展一次不少于 4 小时的集中服务活动（数字可在 site.yaml 的 rules 中调整）。
type: volunteer-team
title: 某某社区党员志愿服务队
kind: 党员志愿者                  # 党员志愿者、五老、青年、巾帼、便民服务、其他
leader: 张三                      # 队长，须在下面的队员名单中
members:                         # 手机号请加引号；公开版自动打码（138****0001），党内版显示全号
  - {name: 张三, party_member: true, skill: 治安巡逻, phone: "13800000001"}
  - {name: 李四, party_member: true, skill: 政策宣传, phone: "13800000002"}
  - {name: 王五, party_member: false, skill: 家电维修, phone: "13800000003"}
  # ……共不少于 15 人
activities:                      # 参加队员须在队员名单中；hours 为小时数
  - {date: 2026-10-17, hours: 4, content: 小区环境卫生整治, place: 文化广场, participants: [张三, 李四, 王五]}
  - {date: 2026-11-08, hours: 4, content: 冬季消防安全入户宣传, participants: [张三, 李四]}
prepared_by: 李四                 # 经办
approved_by: 王芳                 # 审批
status: draft                    # 审批后改为 approved，并填写 approved_on
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Roster, leader, activities, team size and monthly service."""
        members = rec.get("members") or []
        names = {m["name"] for m in members}
        leader = rec.get("leader")
        if leader and leader not in names:
            rec.error(
                problems,
                "leader",
                f"队长 {leader} 不在队员名单 members 中",
                f"leader {leader} is not in the member list",
            )
        self._check_activities(rec, names, problems)
        minimum = site.rule("volunteer_min_members")
        if len(names) < minimum:
            rec.finding(
                problems,
                "members",
                f"队员只有 {len(names)} 人，每支志愿服务队应不少于 {minimum} 人",
                f"the team has only {len(names)} members; at least {minimum} are required",
                period=finding_period(rec),
            )
        self._check_months(rec, site.rule("volunteer_min_monthly_hours"), problems)

    def _check_activities(self, rec: Record, names: set[str], problems: Problems) -> None:
        for i, activity in enumerate(rec.get("activities") or [], 1):
            path = f"activities[{i}]"
            hours = activity["hours"]
            if not 0 < hours <= MAX_HOURS:
                rec.error(
                    problems,
                    f"{path}.hours",
                    f"活动时长应大于 0 且不超过 24 小时，填写的是 {hours_text(hours)}",
                    f"hours must be more than 0 and at most 24, got {hours_text(hours)}",
                )
            for j, person in enumerate(activity.get("participants") or [], 1):
                if person not in names:
                    rec.error(
                        problems,
                        f"{path}.participants[{j}]",
                        f"参加人 {person} 不在本队队员名单中（请先加入 members，或改正姓名）",
                        f"participant {person} is not a member of this team (add them to members or fix the name)",
                    )

    def _check_months(self, rec: Record, min_hours: int, problems: Problems) -> None:
        longest: dict[str, Decimal] = {}
        for activity in rec.get("activities") or []:
            key = month_key(activity["date"])
            longest[key] = max(longest.get(key, Decimal(0)), activity["hours"])
        months = checked_months(rec)
        if not months and not rec.get("activities") and not rec.period:
            rec.finding(
                problems,
                "activities",
                f"还没有活动记录：志愿服务队每月至少开展一次不少于 {min_hours} 小时的集中服务活动",
                f"no activities recorded: the team must serve at least once a month for {min_hours} hours or more",
                period=finding_period(rec),
            )
        for key in months:
            label = parse_period_text(key).label
            if key not in longest:
                rec.finding(
                    problems,
                    "activities",
                    f"{label}没有开展集中服务活动（每月至少一次，每次不少于 {min_hours} 小时）",
                    f"no activity in {key} (at least one a month of {min_hours} hours or more)",
                    period=key,
                )
            elif longest[key] < min_hours:
                rec.finding(
                    problems,
                    "activities",
                    f"{label}的活动最长只有 {hours_text(longest[key])} 小时，"
                    f"没有一次不少于 {min_hours} 小时的集中服务活动",
                    f"in {key} the longest activity was {hours_text(longest[key])} hours; "
                    f"one of at least {min_hours} hours is required",
                    period=key,
                )

    def check_all(self, recs: list[Record], catalog: Catalog, problems: Problems) -> None:
        """Party-member volunteers against the community's party members (from the 党员名册)."""
        teams = [r for r in recs if r.status != "withdrawn"]
        party_members = self._party_members(catalog)
        if not teams or not party_members:
            return
        volunteers = {m["name"] for r in teams for m in r.get("members") or [] if m.get("party_member")}
        percent = catalog.site.rule("volunteer_party_share_percent")
        if len(volunteers) * 100 >= len(party_members) * percent:
            return
        need = -(-len(party_members) * percent // 100)
        target = next((r for r in teams if r.get("kind") == "党员志愿者"), teams[0])
        target.finding(
            problems,
            "members",
            f"党员志愿者共 {len(volunteers)} 人，不足社区党员总数 {len(party_members)} 人的 {percent}%"
            f"（应不少于 {need} 人；党员总数取自党员名册，"
            "党员志愿者按各志愿服务队中 party_member 为 true 的不同姓名计）",
            f"{len(volunteers)} party-member volunteers is below {percent}% of the community's "
            f"{len(party_members)} party members (at least {need} needed)",
            period=finding_period(target),
        )

    def series(self, recs: list[Record], as_of: dt.date) -> list[Series]:
        """Each published team's monthly activity, from the month it was published (earlier months: check())."""
        out = []
        for rec in recs:
            published = rec.published_on
            if rec.status != "approved" or published is None or published > as_of:
                continue
            series = Series(f"{rec.title}服务活动", "month", self.due, rec, first=period_of(published, "month"))  # type: ignore[arg-type]
            for activity in sorted(rec.get("activities") or [], key=lambda a: a["date"]):
                series.done.setdefault(month_key(activity["date"]), (activity["date"], rec.id))
            out.append(series)
        return out

    @staticmethod
    def _party_members(catalog: Catalog) -> set[str]:
        """Distinct names in the valid, not withdrawn 党员名册 records; empty when there is none."""
        names: set[str] = set()
        for rec in catalog.of_type(ROSTER_TYPE):
            if not rec.valid or rec.status == "withdrawn" or rec.get("roster") != PARTY_ROSTER:
                continue
            for member in rec.get("members") or []:
                if isinstance(member, dict) and isinstance(member.get("name"), str):
                    names.add(member["name"])
        return names

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """Members with their service hours, activities by date, and hours by month."""
        per_person: dict[str, list[Decimal]] = defaultdict(list)
        by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
        activities = sorted(data.get("activities") or [], key=lambda a: a["date"])
        for activity in activities:
            by_month[month_key(activity["date"])].append(activity)
            for person in activity.get("participants") or []:
                per_person[person].append(activity["hours"])
        rows = [
            {
                **member,
                "phone": member.get("work_phone") or member.get("phone"),
                "party": "是" if member.get("party_member") else "",
                "activity_count": len(per_person[member["name"]]),
                "hours": sum(per_person[member["name"]], Decimal(0)),
            }
            for member in data.get("members") or []
        ]
        months = []
        if activities:
            for key in month_keys(activities[0]["date"], activities[-1]["date"]):
                items = by_month.get(key, [])
                months.append(
                    {
                        "key": key,
                        "label": parse_period_text(key).label,
                        "count": len(items),
                        "hours": sum((a["hours"] for a in items), Decimal(0)),
                        "person_hours": sum((a["hours"] * len(a.get("participants") or []) for a in items), Decimal(0)),
                        "longest": max((a["hours"] for a in items), default=Decimal(0)),
                    }
                )
        return {
            "rows": rows,
            "party_count": sum(1 for r in rows if r["party"]),
            "activities": [{**a, "date_cn": format_date_cn(a["date"])} for a in activities],
            "months": months,
            "total_hours": sum((a["hours"] for a in activities), Decimal(0)),
        }


TYPE = VolunteerTeam()
