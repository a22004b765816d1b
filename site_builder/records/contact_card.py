"""contact-card — 党员服务联系卡 / 党员联系户: members' cards for residents, and the households each serves.

The card is public: the member's name, the work phone they serve on (shown whole, like a 网格员's), their
skills and the buildings they serve. The households — heads' names, addresses, notes — are committee only;
lower audiences see how many households each member serves. Each household is served by a member on a
card (an unknown member is an error); a household with no member is a committee finding, as is a member
serving more households than `rules.contact_max_households` (1—3 by the community's rule).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import Problems
from ..schema import F, ListOf, Obj, PeriodKind, Text
from .base import Column, Record, RecordType
from .rules import OnePerPeriod, Unique

if TYPE_CHECKING:
    from ..config import SiteConfig

CARD = Obj(
    {
        "member": F(Text(), True, "党员姓名", label="党员", see="public"),
        "work_phone": F(Text(), doc="服务电话（公开，请加引号）", label="服务电话", see="public"),
        "skill": F(Text(), doc="专业特长", see="public"),
        "buildings": F(ListOf(Text()), True, "服务范围（楼栋），如 [1栋, 2栋]", label="服务楼栋", see="public"),
        "duties": F(Text(), doc="服务内容，如 政策宣传、矛盾调解", label="服务内容", see="public"),
    }
)

HOUSEHOLD = Obj(
    {
        "head": F(Text(), True, "户主姓名（仅委员版可见）", label="户主"),
        "address": F(Text(), True, "住址，如 1栋1单元101（仅委员版可见）", label="住址"),
        "member": F(Text(), doc="联系党员（须在联系卡中）", label="联系党员"),
        "note": F(Text(), doc="备注，如 独居老人（仅委员版可见）", label="备注"),
    }
)


class ContactCard(RecordType):
    """One grid's 党员服务联系卡 and the households its members serve."""

    name = "contact-card"
    label = "党员服务联系卡"
    area = "party"
    fields = {
        "grid": F(Text(), True, "网格或居民区，如 第一网格", label="网格", see="public"),
        "period": F(PeriodKind(), doc="年度，如 2026", see="public"),
        "cards": F(ListOf(CARD, 1), True, "联系卡", see="public"),
        "households": F(
            ListOf(HOUSEHOLD), doc="联系户（仅委员版可见，其他版本只显示户数）", label="联系户", lower="count"
        ),
    }
    list_keys = {"cards": "member", "households": "address"}
    rules = (
        Unique("cards[]", "member", "党员", person=True),
        Unique("households[]", "address", "住址"),
        OnePerPeriod(("grid",)),
    )
    table = "cards"
    columns = [
        Column("member", "党员"),
        Column("work_phone", "服务电话"),
        Column("skill", "专业特长"),
        Column("buildings", "服务楼栋", "names"),
        Column("duties", "服务内容"),
        Column("households", "联系户数", "number"),
    ]
    example = """\
# 党员服务联系卡：每个网格一个文件。联系卡（党员、服务电话、特长、服务楼栋）向居民公开；
# 联系户的户主姓名和住址只在委员版中显示，其他版本只显示每名党员联系的户数。
type: contact-card
title: 第一网格党员服务联系卡
grid: 第一网格
period: 2026
cards:                           # 服务电话公开显示，请填写办公电话或本人同意公开的号码，并加引号
  - {member: 杨卫东, work_phone: "0746-1234501", skill: 政策咨询, buildings: [1栋, 2栋], duties: 政策宣传、矛盾调解}
  - {member: 吴婷, work_phone: "0746-1234502", skill: 青少年辅导, buildings: [3栋], duties: 帮扶困难家庭}
households:                      # 每名党员联系 1—3 户；member 须是上面联系卡中的党员
  - {head: 张秀英, address: 1栋1单元101, member: 杨卫东, note: 独居老人}
  - {head: 刘德明, address: 2栋2单元302, member: 杨卫东}
  - {head: 陈桂兰, address: 3栋1单元201, member: 吴婷, note: 低保户}
prepared_by: 郑海涛               # 经办
approved_by: 杨卫东               # 审批
approved_on: 2026-03-05
status: draft                    # 审批后改为 approved
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Each household's member is on a card; households without one and members with too many (committee)."""
        members = {card["member"] for card in rec.get("cards") or []}
        served: dict[str, int] = {}
        uncovered = []
        for i, household in enumerate(rec.get("households") or [], 1):
            member = household.get("member")
            if member is None:
                uncovered.append(household["address"])
            elif member not in members:
                rec.error(
                    problems,
                    f"households[{i}].member",
                    f"联系党员 {member} 不在联系卡 cards 中（请先为其填写联系卡，或改正姓名）",
                    f"member {member} has no card in cards",
                )
            else:
                served[member] = served.get(member, 0) + 1
        if uncovered:
            rec.finding(
                problems,
                "households",
                f"{len(uncovered)} 户没有联系党员：{'、'.join(uncovered)}",
                f"{len(uncovered)} households have no member in their care: {', '.join(uncovered)}",
                audience="committee",  # addresses: the committee's 合规 page only
            )
        most = site.rule("contact_max_households")
        for i, card in enumerate(rec.get("cards") or [], 1):
            if served.get(card["member"], 0) > most:
                rec.finding(
                    problems,
                    f"cards[{i}].member",
                    f"{card['member']} 联系了 {served[card['member']]} 户，每名党员联系 1—{most} 户",
                    f"{card['member']} serves {served[card['member']]} households, at most {most}",
                )

    def derived(self, data: dict[str, Any]) -> dict[str, Any]:
        """How many households each member serves, and how many have no member: counts every audience sees."""
        households = data.get("households") or []
        served = {card["member"]: 0 for card in data.get("cards") or []}
        for household in households:
            if household.get("member") in served:
                served[household["member"]] += 1
        return {"served": served, "uncovered": sum(1 for h in households if not h.get("member"))}

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """The cards with their household counts (the CSV)."""
        served = data.get("served") or {}
        return {"rows": [{**card, "households": served.get(card["member"], 0)} for card in data.get("cards") or []]}


TYPE = ContactCard()
