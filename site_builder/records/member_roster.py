"""member-roster — 三册: 入党申请人名册 · 入党积极分子名册 · 党员名册. Never public.

The committee sees every field. A roster marked `audience: party` shows party members only
the name, gender, branch, category, the dates of the party process (joined_on, applied_on,
activist_on) and the 《流动党员活动证》 of mobile members: birth month, phone, ID number,
ethnicity, education and notes are withheld from the data itself, so they reach no page,
download, history or PDF of that build. The certificate stays visible to the party because
its findings (who has none) are listed on the party build's 合规 page anyway.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from ..cnrules import check_id_number
from ..errors import Problems
from ..schema import Choice, Date, F, ListOf, Month, Name, Obj, Text
from .base import Column, Record, RecordType
from .rules import OnePerPeriod, Unique

if TYPE_CHECKING:
    from ..config import SiteConfig

ROSTERS = ("入党申请人名册", "入党积极分子名册", "党员名册")
CATEGORIES = ("在职", "离退休", "下岗失业", "普通居民", "流入", "流出")
FLOWING = ("流入", "流出")
STEPS = (("applied_on", "申请入党"), ("activist_on", "确定为积极分子"), ("joined_on", "入党"))

MEMBER = Obj(
    {
        "name": F(Name(), True, "姓名（名册内不得重名；同名请加以区分）", see="party"),
        "gender": F(Choice("男", "女"), doc="性别", see="party"),
        "born": F(Month(), doc="出生年月，如 1968-04"),
        "ethnicity": F(Text(), doc="民族"),
        "education": F(Text(), doc="学历"),
        "joined_on": F(Date(), doc="入党日期（党员名册）", see="party"),
        "applied_on": F(Date(), doc="递交入党申请书日期", see="party"),
        "activist_on": F(Date(), doc="确定为入党积极分子日期", see="party"),
        "category": F(Choice(*CATEGORIES), doc="人员类别：" + "、".join(CATEGORIES), see="party"),
        "branch": F(Text(), doc="所在党支部", see="party"),
        "phone": F(Text(), doc="联系电话（仅委员版可见）"),
        "id_number": F(Text(), doc="身份证号码（仅委员版可见）"),
        "flow_certificate": F(Text(), doc="《流动党员活动证》编号；流入、流出党员必填，未发放写 null", see="party"),
        "note": F(Text(), doc="备注"),
    }
)


def rate_text(part: int, whole: int) -> str:
    """66.7% — one decimal, rounded half up."""
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}%"


class MemberRoster(RecordType):
    """A register of people in the party's pipeline: applicants, activists or members."""

    name = "member-roster"
    label = "名册"
    area = "registers"
    default_audience = "committee"
    never_public = True
    fields = {
        "roster": F(Choice(*ROSTERS), True, "名册：" + "、".join(ROSTERS), see="party"),
        "org": F(Text(), True, "党组织，如 凤凰社区党委", see="party"),
        "members": F(ListOf(MEMBER), True, "名册人员", see="party"),
    }
    list_keys = {"members": "name"}
    # one roster of each kind per org and period, so counts of members are unambiguous
    rules = (Unique("members[]", "name", "名册人员", person=True), OnePerPeriod(("org", "roster")))
    table = "members"
    columns = [
        Column("name", "姓名", "names"),
        Column("gender", "性别", "code"),
        Column("born", "出生年月", "code"),
        Column("ethnicity", "民族", "code"),
        Column("education", "学历", "code"),
        Column("applied_on", "申请入党日期", "date"),
        Column("activist_on", "确定为积极分子日期", "date"),
        Column("joined_on", "入党日期", "date"),
        Column("category", "人员类别", "code"),
        Column("branch", "所在支部"),
        Column("phone", "联系电话", "id"),
        Column("id_number", "身份证号码", "id"),
        Column("flow_certificate", "流动党员活动证"),
        Column("note", "备注"),
    ]
    example = """\
# 三册之一：入党申请人名册、入党积极分子名册或党员名册。只在委员版中显示，不得向社会公开。
# 标记 audience: party 时，党内版只显示姓名、性别、支部、类别、入党各阶段日期和活动证。
type: member-roster
title: 凤凰社区党委党员名册
roster: 党员名册                  # 入党申请人名册 · 入党积极分子名册 · 党员名册
org: 凤凰社区党委
members:                         # 名册内姓名不得重复
  - {name: 张三, gender: 男, born: 1968-04, joined_on: 1995-07-01, category: 离退休, branch: 第一网格党支部,
     phone: "13800138001", id_number: "43110219680415001X", flow_certificate: null}
  - {name: 李梅, gender: 女, born: 1990-09, joined_on: 2016-06-28, category: 流出, branch: 第一网格党支部,
     phone: "13800138002", id_number: "431102199009120026", flow_certificate: "湘流党证2026-008"}
# category：在职 · 离退休 · 下岗失业 · 普通居民 · 流入 · 流出
# 流入、流出党员须有《流动党员活动证》（flow_certificate 写证件编号），要求发放率 100%
# 入党申请人、积极分子另填 applied_on（递交申请日期）、activist_on（确定为积极分子日期）
prepared_by: 李四                 # 经办
approved_by: 王芳                 # 审批
approved_on: 2026-11-20
status: draft                    # 审批后改为 approved
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """ID numbers, names that must be unique, birth month against the ID, dates in order; certificates."""
        for i, member in enumerate(rec.get("members", []), 1):
            self._check_member(rec, f"members[{i}]", member, problems)
        if rec.get("roster") == "党员名册":
            self._check_certificates(rec, problems, site)

    def _check_member(self, rec: Record, path: str, member: dict[str, Any], problems: Problems) -> None:
        id_number = member.get("id_number")
        if id_number is not None:
            reason = check_id_number(id_number)
            if reason:
                rec.error(problems, f"{path}.id_number", reason, f"invalid ID number: {reason}")
            elif member.get("born") and member["born"] != f"{id_number[6:10]}-{id_number[10:12]}":
                rec.error(
                    problems,
                    f"{path}.born",
                    f"出生年月 {member['born']} 与身份证号码中的出生日期 {id_number[6:14]} 不一致",
                    f"birth month {member['born']} does not match the ID number's birth date {id_number[6:14]}",
                )
        dated = [(k, zh, member[k]) for k, zh in STEPS if member.get(k)]
        for (_, zh_a, a), (key_b, zh_b, b) in zip(dated, dated[1:]):
            if b < a:
                rec.error(
                    problems,
                    f"{path}.{key_b}",
                    f"{zh_b}日期 {b} 早于{zh_a}日期 {a}",
                    f"{key_b} {b} is before the earlier step's date {a}",
                )

    def _check_certificates(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """《流动党员活动证》: every 流入/流出 member should hold one (rules.flow_certificate_percent)."""
        flowing = [(i, m) for i, m in enumerate(rec.get("members", []), 1) if m.get("category") in FLOWING]
        missing = [(i, m) for i, m in flowing if not m.get("flow_certificate")]
        if not missing:
            return
        required = site.rule("flow_certificate_percent")
        held = len(flowing) - len(missing)
        if Decimal(held) * 100 >= Decimal(required) * len(flowing):
            return
        period = self._finding_period(rec)
        rate = rate_text(held, len(flowing))
        rec.finding(
            problems,
            "members",
            f"流动党员 {len(flowing)} 人中 {len(missing)} 人没有《流动党员活动证》（发放率 {rate}，要求 {required}%）",
            f"{len(missing)} of {len(flowing)} mobile party members have no activity certificate "
            f"(rate {rate}, {required}% required)",
            period=period,
            audience="party",  # a count without names
        )
        for i, member in missing:
            rec.finding(
                problems,
                f"members[{i}].flow_certificate",
                f"{member['category']}党员 {member['name']} 没有《流动党员活动证》",
                f"mobile party member {member['name']} ({member['category']}) has no activity certificate",
                period=period,
            )

    @staticmethod
    def _finding_period(rec: Record) -> str:
        """The roster's period, else the month it was published in (a roster is a standing register)."""
        if rec.period:
            return rec.period.key
        day = rec.published_on
        return f"{day.year}-{day.month:02d}" if day else ""

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """Counts by branch, category and gender; which columns have anything to show; certificates."""
        members = data.get("members", [])
        by_branch: dict[str, int] = defaultdict(int)
        for m in members:
            by_branch[m.get("branch") or "未填写"] += 1
        flowing = [m for m in members if m.get("category") in FLOWING]
        held = sum(1 for m in flowing if m.get("flow_certificate"))
        return {
            "total": len(members),
            "by_branch": sorted(by_branch.items()),
            "by_category": [(c, n) for c in CATEGORIES if (n := sum(m.get("category") == c for m in members))],
            "by_gender": sorted(Counter(m["gender"] for m in members if m.get("gender")).items()),
            "shown": self._shown_columns(members, len(by_branch)),
            "flowing": len(flowing),
            "certified": held,
            "certified_rate": rate_text(held, len(flowing)) if flowing else "",
        }

    def _shown_columns(self, members: list[dict[str, Any]], branches: int) -> list[Column]:
        """Columns with something to show; one branch for all is said once above the table."""
        hidden = {"flow_certificate"}  # the template's own column: it also says who has none
        if branches == 1:
            hidden.add("branch")
        return [c for c in self.columns if c.key not in hidden and any(m.get(c.key) for m in members)]


TYPE = MemberRoster()
