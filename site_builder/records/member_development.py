"""member-development — 发展党员公示 (发展对象 · 拟接收预备党员 · 预备党员转正)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING, Any

from ..cnrules import WorkCalendar, fallback_warning, format_date_cn
from ..errors import Location, Problems
from ..schema import Choice, Date, F, ListOf, Month, Name, Obj, Text
from .base import NOTICE_PERIOD, Column, Record, RecordType, personal_phone

if TYPE_CHECKING:
    from ..config import SiteConfig

STAGES = ("发展对象", "拟接收预备党员", "预备党员转正")
CONVERSION = "预备党员转正"
STAGE_LEAD = {
    "发展对象": "经党支部委员会研究，拟将下列同志列为发展对象",
    "拟接收预备党员": "经党支部委员会审查，拟提交支部党员大会讨论接收下列同志为中共预备党员",
    "预备党员转正": "下列中共预备党员预备期已满，本人已提出转正申请，拟提交支部党员大会讨论其转为中共正式党员",
}

PERSON = Obj(
    {
        "name": F(Name(), True, "姓名", see="public"),
        "gender": F(Choice("男", "女"), True, "性别", see="public"),
        "born": F(Month(), True, "出生年月，如 1995-03", see="public"),
        "ethnicity": F(Text(), doc="民族", see="public"),
        "education": F(Text(), doc="学历", see="public"),
        "workplace": F(Text(), doc="工作单位及职务", see="public"),
        "applied_on": F(Date(), True, "递交入党申请书日期", see="public"),
        "activist_on": F(Date(), True, "确定为入党积极分子日期", see="public"),
        "candidate_on": F(Date(), True, "确定为发展对象日期", see="public"),
        "admitted_on": F(Date(), doc="接收为预备党员日期（支部大会通过之日）；预备党员转正必填", see="public"),
    }
)
CONTACT = Obj(
    {
        "phone": personal_phone("受理电话（手机号在公开版和党内版自动打码）", "受理电话"),
        "place": F(Text(), doc="受理地点", see="public"),
    }
)
# Date fields in the order the process runs; each must not be before the one before it.
DATE_ORDER = (
    ("applied_on", "递交入党申请书"),
    ("activist_on", "确定为入党积极分子"),
    ("candidate_on", "确定为发展对象"),
    ("admitted_on", "接收为预备党员"),
)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the 31st becomes the month's last day (2024-02-29 + 12 -> 2025-02-28)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class MemberDevelopment(RecordType):
    """A 发展党员公示: people at one stage of joining the party, noticed for at least 5 working days."""

    name = "member-development"
    label = "发展党员公示"
    area = "party"
    fields = {
        "stage": F(Choice(*STAGES), True, "阶段：发展对象 · 拟接收预备党员 · 预备党员转正", see="public"),
        "branch": F(Text(), True, "党支部，如 第一网格党支部", see="public"),
        "notice_period": F(NOTICE_PERIOD, True, "公示期 {from: 日期, to: 日期}，至少 5 个工作日", see="public"),
        "contact": F(CONTACT, doc="受理意见的电话和地点 {phone: ..., place: ...}", see="public"),
        "persons": F(ListOf(PERSON, min_items=1), True, "公示对象", see="public"),
    }
    list_keys = {"persons": "name"}
    table = "persons"
    columns = [
        Column("name", "姓名", "names"),
        Column("gender", "性别", "code"),
        Column("born", "出生年月", "code"),
        Column("ethnicity", "民族", "code"),
        Column("education", "学历", "code"),
        Column("workplace", "工作单位及职务"),
        Column("applied_on", "递交入党申请书时间", "date"),
        Column("activist_on", "确定为入党积极分子时间", "date"),
        Column("candidate_on", "确定为发展对象时间", "date"),
        Column("admitted_on", "接收为预备党员时间", "date"),
    ]
    example = """\
# 发展党员公示：每次公示一个文件。公示期至少 5 个工作日（按国家法定节假日和调休计算）。
type: member-development
title: 第一网格党支部发展对象公示
stage: 发展对象                    # 发展对象 · 拟接收预备党员 · 预备党员转正
branch: 第一网格党支部
notice_period: {from: 2026-11-09, to: 2026-11-13}   # 含首尾，至少 5 个工作日
contact: {phone: "0746-1234567", place: 社区党委办公室}  # 受理意见的电话和地点；手机号在公开版自动打码
persons:
  # 日期顺序：递交申请 applied_on ≤ 确定为积极分子 activist_on ≤ 确定为发展对象 candidate_on；
  # 积极分子培养考察满 12 个月才能确定为发展对象。
  # 预备党员转正还要填 admitted_on（接收为预备党员日期），转正公示须在预备期满 12 个月后开始。
  - {name: 王五, gender: 男, born: 1995-03, ethnicity: 汉族, education: 本科, workplace: 某某公司,
     applied_on: 2024-05-10, activist_on: 2024-09-01, candidate_on: 2025-10-08}
prepared_by: 李四                  # 经办
reviewed_by: 张三                  # 审核（含保密审查）
approved_by: 王芳                  # 审批
approved_on: 2026-11-06
status: draft                     # 审批后改为 approved
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Working days of the notice, date order, the activist year and the probation year."""
        np = rec.get("notice_period")
        self._check_notice(rec, np, site, problems)
        stage = rec.get("stage")
        for i, person in enumerate(rec.get("persons", []), 1):
            path = f"persons[{i}]"
            if stage == CONVERSION and person.get("admitted_on") is None:
                rec.error(
                    problems,
                    f"{path}.admitted_on",
                    "预备党员转正公示必须填写 admitted_on（接收为预备党员日期）",
                    "a conversion notice needs admitted_on (the day the person was admitted as a probationary member)",
                )
            elif stage != CONVERSION and person.get("admitted_on") is not None:
                rec.error(
                    problems,
                    f"{path}.admitted_on",
                    f"admitted_on（接收为预备党员日期）只在“{CONVERSION}”公示中填写，本公示的阶段是“{stage}”",
                    f"admitted_on belongs in a {CONVERSION} notice only, this one is {stage}",
                )
            if not self._check_order(rec, path, person, problems):
                continue
            self._check_activist_year(rec, path, person, site.rule("activist_min_months"), problems)
            if stage == CONVERSION and person.get("admitted_on"):
                self._check_probation(rec, path, person, np, site.rule("probation_months"), problems)

    def _check_notice(self, rec: Record, np: dict[str, dt.date], site: SiteConfig, problems: Problems) -> None:
        if np["to"] < np["from"]:
            return  # reported by the common rules
        try:
            workdays = WorkCalendar(site.calendar)
        except ValueError as exc:
            problems.error(Location("content/site.yaml"), "calendar", str(exc), f"bad calendar: {exc}")
            return
        least = site.rule("member_development_notice_workdays")
        count = workdays.count_workdays(np["from"], np["to"])
        if count < least:
            span = f"{format_date_cn(np['from'])}至{format_date_cn(np['to'])}"
            rec.error(
                problems,
                "notice_period",
                f"公示期应不少于 {least} 个工作日（{span}只有 {count} 个工作日）",
                f"the notice period must last at least {least} working days ({np['from']} to {np['to']} has {count})",
            )
        for year in sorted(workdays.fallback_years):
            problems.warning(
                rec.loc("notice_period"),
                "notice_period",
                fallback_warning(year),
                f"the public holidays of {year} are unknown, so Monday to Friday count as working days; "
                f"add {year} to calendar: in site.yaml",
            )

    def _check_order(self, rec: Record, path: str, person: dict[str, Any], problems: Problems) -> bool:
        """applied ≤ activist ≤ candidate ≤ admitted; False when a pair is out of order."""
        ok = True
        steps = [(key, label, person[key]) for key, label in DATE_ORDER if person.get(key) is not None]
        for (before_key, before_label, before), (key, label, day) in zip(steps, steps[1:]):
            if day < before:
                ok = False
                rec.error(
                    problems,
                    f"{path}.{key}",
                    f"{label}的日期（{format_date_cn(day)}）早于{before_label}的日期（{format_date_cn(before)}）",
                    f"{key} ({day}) is before {before_key} ({before})",
                )
        return ok

    def _check_activist_year(
        self, rec: Record, path: str, person: dict[str, Any], months: int, problems: Problems
    ) -> None:
        activist, candidate = person["activist_on"], person["candidate_on"]
        earliest = add_months(activist, months)
        if candidate < earliest:
            rec.error(
                problems,
                f"{path}.candidate_on",
                f"入党积极分子培养考察应满 {months} 个月：{format_date_cn(activist)}确定为入党积极分子，"
                f"{format_date_cn(candidate)}确定为发展对象，最早应为{format_date_cn(earliest)}",
                f"the activist period must last {months} months: activist on {activist}, candidate on "
                f"{candidate}, earliest {earliest}",
            )

    def _check_probation(
        self,
        rec: Record,
        path: str,
        person: dict[str, Any],
        np: dict[str, dt.date],
        months: int,
        problems: Problems,
    ) -> None:
        # The 转正 notice asks members and residents about a conversion that is due: it may start
        # only once the probation is over (admitted_on + 12 months, the conversion date).
        admitted = person["admitted_on"]
        due = add_months(admitted, months)
        if np["from"] < due:
            rec.error(
                problems,
                f"{path}.admitted_on",
                f"预备期应满 {months} 个月：{format_date_cn(admitted)}接收为预备党员，{format_date_cn(due)}预备期满，"
                f"转正公示最早从这一天开始，公示期却从{format_date_cn(np['from'])}开始",
                f"the probation lasts {months} months: admitted on {admitted}, due on {due}, but the notice "
                f"starts on {np['from']}",
            )

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """The lead sentence of the stage and whether the admission column is needed."""
        persons = data.get("persons") or []
        return {
            "lead": STAGE_LEAD.get(data.get("stage", ""), ""),
            "admitted": any(isinstance(p, dict) and p.get("admitted_on") for p in persons),
        }


TYPE = MemberDevelopment()
