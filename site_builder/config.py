"""site.yaml: declared options with defaults and docs."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import Location, Problems
from .load import decode, parse_yaml
from .schema import INVALID, Choice, Conv, Date, F, Int, ListOf, Obj, Text

# Every numeric rule of the record types, with its default (national rules or the community's own).
RULES: dict[str, tuple[int, str]] = {
    "low_income_notice_days": (7, "低保公示期最少天数（日历日）"),
    "low_income_retention_days": (0, "低保公示期结束后公开页面保留个人明细的天数"),
    "member_development_notice_workdays": (5, "发展党员公示期最少工作日"),
    "activist_min_months": (12, "入党积极分子培养考察期最少月数"),
    "probation_months": (12, "预备期月数"),
    "volunteer_min_members": (15, "志愿服务队最少人数"),
    "volunteer_min_monthly_hours": (4, "志愿服务队每月至少一次活动的时长（小时）"),
    "volunteer_party_share_percent": (50, "党员志愿者占党员总数的最低比例（%）"),
    "patrol_first_min_members": (5, "上半夜巡逻最少人数"),
    "patrol_second_min_members": (4, "下半夜巡逻最少人数"),
    "meetings_party_congress_per_quarter": (1, "党员大会每季度最少次数"),
    "meetings_committee_per_month": (1, "党委会/支委会每月最少次数"),
    "meetings_group_per_month": (1, "党小组会每月最少次数"),
    "meetings_lecture_per_quarter": (1, "党课每季度最少次数"),
    "meetings_org_life_per_year": (1, "组织生活会每年最少次数"),
    "meetings_evaluation_per_year": (1, "民主评议每年最少次数"),
    "meetings_democratic_life_per_half": (1, "民主生活会每半年最少次数"),
    "flow_certificate_percent": (100, "《流动党员活动证》发放率要求（%）"),
    "finance_ledger_due_days": (10, "月度收支明细最迟在次月几日前公开（期间结束后的天数）"),
    "party_dues_due_days": (10, "党费收缴情况最迟在期间结束后几天内公开"),
    "patrol_schedule_due_days": (0, "巡逻排班最迟在当月开始后几天内公开（0：当月1日前）"),
    "volunteer_activity_due_days": (10, "志愿服务队每月活动最迟在次月几日前记录公开"),
    "low_income_review_due_days": (45, "低保审核公示最迟在每季度开始后几天内公开"),
    "member_review_due_days": (90, "民主评议党员结果最迟在评议年度结束后几天内公开"),
    "member_pledge_due_days": (90, "党员公开承诺最迟在每年开始后几天内公示"),
    "member_pledge_min": (2, "每名党员每年最少承诺事项数"),
    "member_pledge_max": (3, "每名党员每年最多承诺事项数"),
    "member_pledge_review_days": (0, "承诺兑现评议最迟在年度结束后几天内完成"),
    "contact_max_households": (3, "每名党员最多联系的户数"),
    "rehab_visits_per_quarter": (1, "康复对象每季度最少入户随访次数"),
    "assessment_due_days": (60, "年度考核结果最迟在考核年度结束后几天内公开"),
    "assessment_good_percent": (30, "考核“好”等次最高比例（%）"),
    "assessment_poor_percent": (10, "考核“差”等次最低比例（%）"),
}

SITE_FIELDS: dict[str, F] = {
    "community": F(Text(), True, "社区名称"),
    "org": F(Text(), True, "发布单位（每份公告的落款）"),
    "parent_org": F(Text(), doc="上级党组织"),
    "base_url": F(Text(), doc="网站地址，用于二维码、订阅和站点地图"),
    "supervision_phone": F(Text(), doc="监督电话"),
    "public_phones": F(ListOf(Text()), doc="对外服务的电话（办公座机、网格员工作手机等），各版本照常显示、不打码"),
    "address": F(Text(), doc="地址"),
    "timezone": F(Text(), doc="时区，默认 Asia/Shanghai"),
    "rehab_summary": F(
        Choice("public", "party"),
        doc="残疾人康复服务统计（各类服务的次数合计）最低在哪个版本显示：public 或 party；不填则只在委员版显示",
    ),
    "rules": F(Obj({k: F(Int(maximum=36500), doc=d) for k, (_, d) in RULES.items()}), doc="规则数值覆盖"),
}

YEAR_DAYS = Obj({"holidays": F(ListOf(Date())), "workdays": F(ListOf(Date()))})


@dataclass
class SiteConfig:
    """The community's settings."""

    community: str = "社区"
    org: str = ""
    parent_org: str = ""
    base_url: str = ""
    supervision_phone: str = ""
    public_phones: list[str] = field(default_factory=list)
    address: str = ""
    timezone: str = "Asia/Shanghai"
    rehab_summary: str = ""  # the lowest build that shows the rehabilitation services' counts (committee when empty)
    rules: dict[str, int] = field(default_factory=lambda: {k: v for k, (v, _) in RULES.items()})
    calendar: dict[int, dict[str, list[dt.date]]] = field(default_factory=dict)

    def rule(self, name: str) -> int:
        """A numeric rule, overridden or default."""
        return self.rules[name]

    def today(self) -> dt.date:
        """Today in the site's time zone."""
        return dt.datetime.now(ZoneInfo(self.timezone)).date()


def load_config(project: Path, problems: Problems) -> SiteConfig:
    """Read content/site.yaml; every problem is reported, defaults fill the rest."""
    rel = "content/site.yaml"
    path = project / rel
    config = SiteConfig()
    if not path.is_file():
        problems.error(Location(rel), "", "缺少站点配置文件 content/site.yaml", "content/site.yaml is missing")
        return config
    text = decode(path.read_bytes(), rel, problems)
    root = parse_yaml(text.replace("\r\n", "\n"), rel, problems) if text is not None else None
    if root is None or not isinstance(root.value, dict):
        return config
    calendar_node = root.value.pop("calendar", None)
    conv = Conv(problems)
    values = Obj(SITE_FIELDS).convert(root, "", conv)
    if values is INVALID:
        return config
    for key, value in values.items():
        if value is INVALID:
            continue
        if key == "rules":
            config.rules.update({k: v for k, v in value.items() if v is not INVALID})
        else:
            setattr(config, key, value)
    if config.base_url and not config.base_url.endswith("/"):
        config.base_url += "/"
    if config.base_url and not re.match(r"https?://", config.base_url):
        problems.error(conv.locs["base_url"], "base_url", "网址应以 https:// 开头", "base_url must start with https://")
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.error(
            conv.locs.get("timezone", Location(rel)), "timezone", f"未知时区 {config.timezone}", "unknown time zone"
        )
        config.timezone = "Asia/Shanghai"
    if calendar_node is not None:
        config.calendar = _calendar(calendar_node, conv)
    return config


def _calendar(node: Any, conv: Conv) -> dict[int, dict[str, list[dt.date]]]:
    """calendar: {2027: {holidays: [...], workdays: [...]}}, each date in its year and in one list only."""
    if not isinstance(node.value, dict):
        conv.bad(node, "calendar", "calendar 应为“年份: {holidays: [...], workdays: [...]}”", "bad calendar")
        return {}
    years = {}
    for year_text, days in node.value.items():
        where = f"calendar.{year_text}"
        if not re.fullmatch(r"\d{4}", year_text):
            conv.bad(days, where, "年份应为四位数字", "year must have four digits")
            continue
        value = YEAR_DAYS.convert(days, where, conv)
        if value is INVALID:
            continue
        year = int(year_text)
        lists: dict[str, list[dt.date]] = {}
        for kind in ("holidays", "workdays"):
            listed = value.get(kind) if isinstance(value.get(kind), list) else []
            lists[kind] = []
            for i, day in enumerate(listed, 1):
                path = f"{where}.{kind}[{i}]"
                if day is INVALID:
                    continue
                if day.year != year:
                    conv.problems.error(
                        conv.locs.get(path, days.where), path, f"{day} 不在 {year} 年", f"{day} is not in {year}"
                    )
                elif kind == "workdays" and day in lists["holidays"]:
                    conv.problems.error(
                        conv.locs.get(path, days.where),
                        path,
                        f"{day} 同时列为假日和工作日",
                        f"{day} is both a holiday and a workday",
                    )
                else:
                    lists[kind].append(day)
        years[year] = lists
    return years
