"""rehab-file — 残疾人社区康复档案: a rehabilitation worker's file on one disabled resident.

Health data, the most sensitive the community holds: a file is committee only (any other `audience` is an
error), so it reaches no page, download, search index, feed, history, diff or PDF of the public or party
builds. Those builds may show, at most, how many services of each kind were given over all files — and only
when site.yaml says `rehab_summary: public` (or `party`).

Every service is dated; 入户随访 at least `rules.rehab_visits_per_quarter` a quarter, from the quarter of a
file's first service to the last quarter ended by the build date (a committee finding).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from ..cnrules import check_id_number
from ..errors import Problems
from ..schema import Choice, Date, F, ListOf, Month, Obj, Text
from .base import Column, ExtraPage, Record, RecordType, audience_rank
from .rules import OnePerPeriod, periods_between, too_few

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..config import SiteConfig

DISABILITIES = ("视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾")
SERVICES = ("康复训练", "辅助器具", "入户随访", "康复指导", "转介服务", "药物救助", "其他")
VISIT = "入户随访"

PERSON = Obj(
    {
        "name": F(Text(), True, "姓名"),
        "gender": F(Choice("男", "女"), doc="性别"),
        "born": F(Month(), doc="出生年月，如 1998-05"),
        "disability": F(Choice(*DISABILITIES), True, "残疾类别：" + "、".join(DISABILITIES), label="残疾类别"),
        "level": F(Choice("一级", "二级", "三级", "四级"), doc="残疾等级", label="残疾等级"),
        "certificate": F(Text(), doc="残疾人证号（身份证号加两位），请加引号", label="残疾人证号"),
        "address": F(Text(), doc="住址", label="住址"),
        "guardian": F(Text(), doc="监护人或联系人", label="监护人"),
        "phone": F(Text(), doc="联系电话，请加引号", label="联系电话"),
    }
)

SERVICE = Obj(
    {
        "date": F(Date(), True, "服务日期"),
        "kind": F(Choice(*SERVICES), True, "服务类别：" + "、".join(SERVICES), label="服务类别"),
        "content": F(Text(), True, "服务内容", label="服务内容"),
        "aid": F(Text(), doc="配发的辅助器具，如 轮椅", label="辅助器具"),
        "by": F(Text(), doc="服务人员", label="服务人员"),
    }
)


class RehabFile(RecordType):
    """One disabled resident's community rehabilitation file."""

    name = "rehab-file"
    label = "残疾人社区康复档案"
    area = "registers"
    default_audience = "committee"
    never_public = False  # stricter than that: committee only, checked below with its own message
    fields = {
        "file_no": F(Text(), True, "档案编号，如 2026-001", label="档案编号"),
        "person": F(PERSON, True, "康复对象"),
        "needs": F(ListOf(Choice(*SERVICES)), doc="康复需求", label="康复需求"),
        "plan": F(Text(), doc="康复计划", label="康复计划"),
        "worker": F(Text(), True, "社区康复员", label="康复员"),
        "services": F(ListOf(SERVICE), doc="服务记录", label="服务记录"),
    }
    list_keys = {"services": ("date", "kind")}
    rules = (OnePerPeriod(("file_no",)),)
    table = "services"
    columns = [
        Column("date", "日期", "date"),
        Column("kind", "服务类别"),
        Column("content", "服务内容"),
        Column("aid", "辅助器具"),
        Column("by", "服务人员"),
    ]
    example = """\
# 残疾人社区康复档案：每名康复对象一个文件。含健康信息，只在委员版中显示（audience 只能是 committee）。
# 公开版和党内版最多显示各类服务的次数合计，且须在 site.yaml 中设置 rehab_summary: public 或 party。
type: rehab-file
title: 康复档案 2026-001
audience: committee
file_no: "2026-001"
person:
  name: 郑宇
  gender: 女
  born: 1998-05
  disability: 肢体残疾            # 视力 听力 言语 肢体 智力 精神 多重残疾
  level: 二级
  address: 润扬广场2栋1单元302
  guardian: 郑建国（父）
  phone: "13900000001"
needs: [康复训练, 辅助器具]
plan: 每周两次在社区康复室进行下肢功能训练，居家使用轮椅
worker: 王丽                      # 社区康复员
services:                        # kind：康复训练 辅助器具 入户随访 康复指导 转介服务 药物救助 其他
  - {date: 2026-10-12, kind: 康复训练, content: 社区康复室下肢功能训练, by: 王丽}
  - {date: 2026-10-20, kind: 辅助器具, content: 免费配发轮椅一辆, aid: 轮椅, by: 王丽}
  - {date: 2026-11-03, kind: 入户随访, content: 了解轮椅使用情况，指导家属护理, by: 王丽}
prepared_by: 王丽                 # 经办
approved_by: 杨卫东               # 审批
approved_on: 2026-11-05
status: draft                    # 审批后改为 approved
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Committee only; a 残疾人证号 is an ID number plus two digits."""
        if rec.audience != "committee":
            rec.error(
                problems,
                "audience",
                "残疾人康复档案含健康信息，只能限委员查看：audience 只能是 committee",
                "a rehabilitation file holds health data: its audience can only be committee",
            )
        certificate = (rec.get("person") or {}).get("certificate")
        if isinstance(certificate, str):
            problem = check_id_number(certificate[:18]) if len(certificate) in (18, 20) else "长度应为 20 位"
            if problem:
                rec.error(
                    problems,
                    "person.certificate",
                    f"残疾人证号不正确（前 18 位是身份证号，后 2 位是残疾类别和等级）：{problem}",
                    f"invalid disability certificate number: {problem}",
                )

    def check_all(self, recs: list[Record], catalog: Catalog, problems: Problems) -> None:
        """入户随访 at least N a quarter, for quarters ended by the build date (committee findings)."""
        need = catalog.site.rule("rehab_visits_per_quarter")
        for rec in recs:
            days = [s["date"] for s in rec.get("services") or []]
            if rec.status == "withdrawn" or not days or not need:
                continue
            visits = [s["date"] for s in rec.get("services") or [] if s["kind"] == VISIT]
            for period in periods_between(min(days), catalog.as_of, "quarter"):
                count = sum(1 for d in visits if period.contains(d))
                if count < need:
                    zh, en = too_few(count, need, "quarter", VISIT, "开展")
                    rec.finding(
                        problems, "services", f"{period.label}{zh}", en, period=period.key, audience="committee"
                    )

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """Services by date and the aids given."""
        services = sorted(data.get("services") or [], key=lambda s: s["date"])
        return {"rows": services, "aids": [s["aid"] for s in services if s.get("aid")]}

    def summary_pages(self, recs: list[Record], audience: str, catalog: Catalog) -> list[ExtraPage]:
        """Services given per kind over all published files: committee, and lower builds site.yaml allows."""
        allowed = catalog.site.rehab_summary or "committee"
        if not recs or audience_rank(audience) < audience_rank(allowed):
            return []
        shown = [r for r in recs if r.status == "approved" and r.published_on and r.published_on <= catalog.as_of]
        counts = Counter(s["kind"] for r in shown for s in r.get("services") or [])
        rows = [(kind, counts[kind]) for kind in SERVICES if counts[kind]]
        return [
            ExtraPage(
                "rehab-summary.html",
                "reports/rehab-summary.html",
                "残疾人社区康复服务统计",
                "residents",
                {"rows": rows, "files": len(shown)},
            )
        ]


TYPE = RehabFile()
