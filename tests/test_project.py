"""The one projection: fields declare who sees them; undeclared means committee only; findings too."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from site_builder.config import SiteConfig
from site_builder.errors import Location, Problems
from site_builder.project import project_data, visible_findings
from site_builder.records.base import COMMON, RecordType
from site_builder.schema import F, ListOf, Obj, Text
from tests.conftest import run

DAY = dt.date(2026, 11, 26)


class Undeclared(RecordType):
    """A new type whose author declared no audiences at all."""

    name = "undeclared"
    fields = {
        "contact": F(Text(), doc="联系人"),
        "people": F(ListOf(Obj({"name": F(Text()), "id_number": F(Text())})), doc="人员"),
    }


class Declared(RecordType):
    """Every way a field can be shown to lower audiences."""

    name = "declared"
    fields = {
        "phone": F(Text(), label="电话", see="committee", lower="mask"),
        "people": F(ListOf(Obj({"name": F(Text(), see="public"), "id_number": F(Text())})), label="人员", see="party"),
        "households": F(ListOf(Text()), label="户", see="committee", lower="count"),
    }


def common() -> dict[str, object]:
    return {"type": "undeclared", "title": "标题", "status": "approved", "approved_by": ["王芳"], "approved_on": DAY}


@pytest.mark.parametrize("audience", ["public", "party"])
def test_a_type_with_no_declarations_publishes_nothing_but_its_common_fields(audience: str) -> None:
    data = {**common(), "contact": "张三 13812345678", "people": [{"name": "李四", "id_number": "x"}]}
    shown = project_data(Undeclared(), data, audience, DAY, SiteConfig())
    assert shown == common()
    assert set(shown) <= set(COMMON)


def test_the_committee_sees_undeclared_fields_whole() -> None:
    data = {**common(), "contact": "张三 13812345678", "people": [{"name": "李四", "id_number": "x"}]}
    assert project_data(Undeclared(), data, "committee", DAY, SiteConfig()) == data


def test_lower_audiences_get_withheld_masked_or_counted_values() -> None:
    data = {
        "title": "t",
        "phone": "13812345678",
        "people": [{"name": "李四", "id_number": "430102199001011234"}],
        "households": ["甲", "乙", "丙"],
    }
    public = project_data(Declared(), data, "public", DAY, SiteConfig())
    party = project_data(Declared(), data, "party", DAY, SiteConfig())
    committee = project_data(Declared(), data, "committee", DAY, SiteConfig())
    assert public == {"title": "t", "phone": "138****5678", "households": 3}
    assert party == {"title": "t", "phone": "138****5678", "people": [{"name": "李四"}], "households": 3}
    assert committee == data
    committee["people"][0]["name"] = "改"
    assert data["people"][0]["name"] == "李四"  # projections never share mutable values with the record


def test_public_phones_are_never_masked() -> None:
    site = SiteConfig(public_phones=["0746-1234567", "138 1234 5678"])
    shown = project_data(Declared(), {"phone": "13812345678 / 13900001111"}, "public", DAY, site)
    assert shown["phone"] == "13812345678 / 139****1111"


def test_findings_declare_their_lowest_audience_and_the_public_sees_none() -> None:
    problems = Problems()
    where = Location("content/a.yaml", 1, 1)
    problems.finding(where, "x", "党内可见", "party", "2026-11", "party")
    problems.finding(where, "x", "仅委员", "committee", "2026-11", "committee")
    problems.error(where, "x", "错误", "error")
    items = problems.sorted()
    assert [p.zh for p in visible_findings(items, "public")] == []
    assert [p.zh for p in visible_findings(items, "party")] == ["党内可见"]
    assert sorted(p.zh for p in visible_findings(items, "committee")) == ["仅委员", "党内可见"]


MINUTES = """\
---
type: meeting-record
title: 第一支部支委会
kind: 支委会
org: 第一网格党支部
date: {date}
host: 杨卫东
recorder: 李四
attendees: [杨卫东, 李四]
topics: [研究支部工作]
approved_by: 王芳
approved_on: {date}
status: approved
---

讨论事项。
"""


def test_a_project_template_gets_only_the_findings_its_build_may_show(site) -> None:
    files: dict[str, str | bytes] = {
        f"m{n}.md": MINUTES.format(date=d) for n, d in enumerate(["2026-09-05", "2026-11-05"])
    }
    project = site(files)
    templates = Path(project) / "templates"
    templates.mkdir()
    (templates / "index.html").write_text(
        "{% for p in ctx.findings %}FINDING:{{ p.zh }}\n{% endfor %}", encoding="utf-8"
    )
    assert run(project, "build", "--no-pdf", "--audience", "all", "--as-of", "2026-11-26").exit_code == 0
    assert "FINDING" not in (project / "output/public/index.html").read_text(encoding="utf-8")
    assert "没有召开支委会" in (project / "output/party/index.html").read_text(encoding="utf-8")
