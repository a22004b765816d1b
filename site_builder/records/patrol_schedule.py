"""patrol-schedule — 治安巡逻排班: who patrols which night, shown as a month calendar.

Decisions where the contract is open:
- A shift is dated by its night: 下半夜 of 2026-11-03 runs from 23:30 on the 3rd to 06:00 on the 4th.
- Two shifts overlap only when they have the same date and slot. 上半夜 ends at 23:30 where 下半夜
  begins, so one person may patrol both halves of a night; that is not an overlap.
- The leader counts towards a shift's size whether or not they are also listed in `members`.
- Unstaffed nights are checked per record, over its period: nights without any shift, and, for
  a slot the record schedules at all, nights without that slot (a record of only 下半夜 shifts is
  not faulted for 上半夜, which another unit may schedule). Each kind is one finding listing the dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..cnrules import format_date_cn
from ..errors import Problems
from ..schema import Choice, Date, F, ListOf, Name, Names, Obj, PeriodKind, Text
from .base import Column, Record, RecordType, personal_phone
from .rules import Due, Unique, WithinPeriod

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..config import SiteConfig

# slot -> (starts, ends, the rule with its minimum size, whether a leader is required)
SLOTS: dict[str, tuple[str, str, str, bool]] = {
    "上半夜": ("20:00", "23:30", "patrol_first_min_members", True),
    "下半夜": ("23:30", "次日06:00", "patrol_second_min_members", False),
}
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")

SHIFT = Obj(
    {
        "date": F(Date(), True, "日期（下半夜也写当晚的日期，即开始巡逻的那一天）", see="public"),
        "slot": F(Choice(*SLOTS), True, "时段：上半夜 20:00—23:30，下半夜 23:30—次日06:00", see="public"),
        "leader": F(Name(), doc="带班领导（上半夜必填，计入人数）", see="public"),
        "unit": F(Text(), doc="值班单位", see="public"),
        "members": F(Names(), True, "巡逻队员", see="public"),
        "note": F(Text(), doc="备注", see="public"),
    }
)


def short_date(day: dt.date, first: bool) -> str:
    """2026年11月3日 for the first date of a list, then 11月4日."""
    return format_date_cn(day) if first else f"{day.month}月{day.day}日"


def date_list(days: list[dt.date]) -> str:
    """2026年11月3日、11月4日、11月10日至11月20日: a run of three or more nights as a range.

    The year is written on the first date and again only when it changes.
    """
    runs: list[list[dt.date]] = []
    for day in sorted(days):
        if runs and day - runs[-1][-1] == dt.timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    out: list[str] = []
    last_year = 0
    for run in runs:
        shown = [run[0], run[-1]] if len(run) >= 3 else run
        texts = []
        for day in shown:
            texts.append(short_date(day, day.year != last_year))
            last_year = day.year
        out.append("至".join(texts) if len(run) >= 3 else "、".join(texts))
    return "、".join(out)


def crew(shift: dict[str, Any]) -> list[str]:
    """Everyone on a shift, the leader first, each once."""
    people = [shift["leader"]] if shift.get("leader") else []
    for name in shift.get("members") or []:
        if name not in people:
            people.append(name)
    return people


def nights(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every date from start to end, inclusive."""
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


class PatrolSchedule(RecordType):
    """A period's night patrol shifts."""

    name = "patrol-schedule"
    label = "治安巡逻排班"
    area = "teams"
    fields = {
        "period": F(PeriodKind(), True, "排班期间，一般为一个月，如 2026-11", see="public"),
        "region": F(Text(), doc="巡逻区域，如 凤凰社区、四方井社区联合巡逻区域", see="public"),
        "duty_phone": personal_phone(
            "值班电话（手机号在公开版和党内版打码；对外值班号码请列入 site.yaml 的 public_phones）", "值班电话"
        ),
        "shifts": F(ListOf(SHIFT, 1), True, "班次", see="public"),
    }
    list_keys = {"shifts": ("date", "slot")}
    due = Due("month", "patrol_schedule_due_days", after="start")
    rules = (WithinPeriod("shifts[].date"), Unique("shifts[]", ("date", "slot"), "班次"))
    table = "shifts"
    columns = [
        Column("date", "日期", "date"),
        Column("weekday", "星期"),
        Column("slot", "时段"),
        Column("time", "时间"),
        Column("leader", "带班领导"),
        Column("unit", "值班单位"),
        Column("members", "巡逻队员", "names"),
        Column("count", "人数", "number"),
    ]
    example = """\
# 治安巡逻排班：每月一个文件。每晚分上半夜（20:00—23:30）和下半夜（23:30—次日06:00）两个班次。
# 上半夜不少于 5 人、须有带班领导；下半夜不少于 4 人（人数可在 site.yaml 的 rules 中调整）。
# 带班领导计入人数；下半夜写当晚的日期（11月1日的下半夜即 11月1日23:30 至 11月2日06:00）。
type: patrol-schedule
title: 某某社区2026年11月治安巡逻排班表
period: 2026-11                  # 排班月份；当月每一晚都应排班，漏排的日期会列为合规提示
region: 某某社区巡逻区域            # 巡逻区域（可不填）
duty_phone: "0746-1234567"       # 值班电话，请加引号
shifts:
  - {date: 2026-11-01, slot: 上半夜, leader: 刘强, unit: 县直某单位, members: [刘强, 陈明, 杨洋, 赵磊, 孙伟]}
  - {date: 2026-11-01, slot: 下半夜, leader: 钱国庆, members: [钱国庆, 周建华, 吴建军, 郑小平]}
  # ……11月2日至30日依次排班
prepared_by: 李四                 # 经办
approved_by: 王芳                 # 审批
status: draft                    # 审批后改为 approved，并填写 approved_on
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Leaders, shift sizes and nights without a shift."""
        for i, shift in enumerate(rec.get("shifts") or [], 1):
            when = f"{format_date_cn(shift['date'])}{shift['slot']}"
            self._check_shift(rec, f"shifts[{i}]", when, shift, site, problems)
        self._check_nights(rec, problems)

    def _check_shift(
        self, rec: Record, path: str, when: str, shift: dict[str, Any], site: SiteConfig, problems: Problems
    ) -> None:
        _, _, rule, needs_leader = SLOTS[shift["slot"]]
        if needs_leader and not shift.get("leader"):
            rec.error(
                problems,
                f"{path}.leader",
                f"{when}巡逻须有一名带班领导，请填写 leader",
                f"the {shift['slot']} shift of {shift['date']} needs a leader",
            )
        listed: dict[str, int] = {}
        for j, name in enumerate(shift.get("members") or [], 1):
            if name in listed:
                rec.finding(
                    problems,
                    f"{path}.members[{j}]",
                    f"{name} 在{when}班次中列了两次（members 第 {listed[name]} 个和第 {j} 个）",
                    f"{name} is listed twice in the {shift['slot']} shift of {shift['date']}",
                )
            else:
                listed[name] = j
        size, minimum = len(crew(shift)), site.rule(rule)
        if size < minimum:
            rec.finding(
                problems,
                f"{path}.members",
                f"{when}巡逻只有 {size} 人（含带班领导），应不少于 {minimum} 人",
                f"the {shift['slot']} shift of {shift['date']} has {size} people (leader included); "
                f"at least {minimum} are required",
            )

    def _check_nights(self, rec: Record, problems: Problems) -> None:
        period = rec.get("period")
        slots_by_night: dict[dt.date, set[str]] = defaultdict(set)
        for shift in rec.get("shifts") or []:
            slots_by_night[shift["date"]].add(shift["slot"])
        used = {slot for slots in slots_by_night.values() for slot in slots}
        every = nights(period.start, period.end)
        empty = [d for d in every if not slots_by_night.get(d)]
        if empty:
            rec.finding(
                problems,
                "shifts",
                f"{date_list(empty)} 没有排班",
                f"no shift on {', '.join(d.isoformat() for d in empty)}",
            )
        for slot in SLOTS:
            missing = [d for d in every if slots_by_night.get(d) and slot not in slots_by_night[d]]
            if slot in used and missing:
                rec.finding(
                    problems,
                    "shifts",
                    f"{date_list(missing)} 没有排{slot}班次",
                    f"no {slot} shift on {', '.join(d.isoformat() for d in missing)}",
                )

    def check_all(self, recs: list[Record], catalog: Catalog, problems: Problems) -> None:
        """One person in shifts of two records at the same date and slot."""
        taken: dict[tuple[dt.date, str], list[tuple[Record, set[str]]]] = defaultdict(list)
        for rec in recs:
            if rec.status == "withdrawn":
                continue
            for i, shift in enumerate(rec.get("shifts") or [], 1):
                key = (shift["date"], shift["slot"])
                people = crew(shift)
                for other, other_people in taken[key]:
                    if other is rec:
                        continue
                    for name in people:
                        if name in other_people:
                            rec.finding(
                                problems,
                                f"shifts[{i}].members",
                                f"{name} 同时排在 {other.path} 的{format_date_cn(key[0])}{key[1]}班次，"
                                "同一时段不能在两处巡逻",
                                f"{name} is also on the {key[1]} shift of {key[0]} in {other.path}",
                            )
                taken[key].append((rec, set(people)))

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """A Monday-first calendar per month of the period, the sorted shift table and shifts per person."""
        order = list(SLOTS)
        shifts = sorted(data.get("shifts") or [], key=lambda s: (s["date"], order.index(s["slot"])))
        rows = []
        by_day: dict[dt.date, dict[str, dict[str, Any]]] = defaultdict(dict)
        per_person: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(order, 0))
        for shift in shifts:
            start, end, _, _ = SLOTS[shift["slot"]]
            people = crew(shift)
            row = {
                **shift,
                "weekday": "星期" + WEEKDAYS[shift["date"].weekday()],
                "time": f"{start}—{end}",
                "count": len(people),
            }
            rows.append(row)
            by_day[shift["date"]][shift["slot"]] = row
            for name in people:
                per_person[name][shift["slot"]] += 1
        period = data["period"]
        months = []
        for year, month in month_span(period.start, period.end):
            weeks = []
            for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
                weeks.append([day_cell(day, month, period, by_day) for day in week])
            months.append({"label": f"{year}年{month}月", "weeks": weeks})
        every = nights(period.start, period.end)
        return {
            "rows": rows,
            "months": months,
            "weekdays": WEEKDAYS,
            "slots": [
                {"name": slot, "time": f"{s}—{e}", "rule": rule, "leader_required": lead}
                for slot, (s, e, rule, lead) in SLOTS.items()
            ],
            "empty_nights": [d for d in every if d not in by_day],
            "people": sorted(per_person.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])),
        }


def month_span(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """(year, month) for every month from start to end."""
    out = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def day_cell(
    day: dt.date, month: int, period: Any, by_day: dict[dt.date, dict[str, dict[str, Any]]]
) -> dict[str, Any] | None:
    """One calendar cell: None outside the month; otherwise the day's shifts and whether it is covered."""
    if day.month != month:
        return None
    shifts = by_day.get(day, {})
    in_period = period.contains(day)
    state = "full" if len(shifts) == len(SLOTS) else ("partial" if shifts else "empty")
    return {
        "date": day,
        "day": day.day,
        "in_period": in_period,
        "state": state if in_period else "outside",
        "slots": [(slot, shifts.get(slot)) for slot in SLOTS],
    }


TYPE = PatrolSchedule()
