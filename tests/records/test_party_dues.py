"""party-dues (党费收缴): the national rate as a finding, months inside the period, and branch totals in public."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from site_builder.config import SiteConfig
from site_builder.project import project_data
from site_builder.records.party_dues import TYPE
from tests.conftest import run

PATH = "dangwu/dangfei/2026-Q3.yaml"
SOURCE = "content/dangwu/dangfei/2026-Q3.yaml"
MEMBERS = """\
  - {name: 张建华, category: 在职, monthly_base: 5600.00, months: [7, 8, 9], amount: 252.00}
  - {name: 李淑芬, category: 离退休, monthly_base: 4200.00, months: [7, 8, 9], amount: 63.00}
  - {name: 王小明, category: 学生, months: [7, 8, 9], amount: 0.60}
  - {name: 赵国强, category: 在职, monthly_base: 12345.67, months: [8, 9], amount: 493.82}
"""
NAMES = ["张建华", "李淑芬", "王小明", "赵国强"]
BASES = ["5600.00", "4200.00", "12345.67", "5,600.00", "12,345.67"]


def record(members: str = MEMBERS, audience: str = "", period: str = "2026-Q3", branch: str = "第一网格党支部") -> str:
    return (
        "type: party-dues\n"
        "title: 第一网格党支部2026年第三季度党费收缴情况\n"
        f"period: {period}\n"
        f"branch: {branch}\n"
        f"{audience}"
        "approved_by: 王芳\n"
        "approved_on: 2026-10-12\n"
        "status: approved\n"
        "members:\n" + members
    )


def member(line: str) -> str:
    return f"  - {line}\n"


def col(line: str, text: str, nth: int = 1) -> int:
    """The 1-based column of the nth `text` in a member line written by member()."""
    index = -1
    for _ in range(nth):
        index = line.index(text, index + 1)
    return len("  - ") + index + 1


def check_lines(project: Path, *args: str) -> list[str]:
    result = run(project, "check", *args)
    assert "Traceback" not in result.output
    return result.stdout.splitlines()


# --- rules -------------------------------------------------------------------------------------


def test_amounts_at_the_national_rate_pass(site) -> None:
    assert check_lines(site({PATH: record()})) == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "{name: 张建华, category: 在职, monthly_base: 5600.00, months: [7, 8, 9], amount: 250.00}",
            "张建华应交党费 252.00 元（在职，月基数 5600.00 元 × 1.5% = 84.00 元/月 × 3 个月），填写的是 250.00 元",
        ),
        (
            "{name: 张建华, category: 在职, monthly_base: 3000.00, months: [7, 8, 9], amount: 90.00}",
            "张建华应交党费 45.00 元（在职，月基数 3000.00 元 × 0.5% = 15.00 元/月 × 3 个月），填写的是 90.00 元",
        ),
        (
            "{name: 张建华, category: 在职, monthly_base: 3000.01, months: [7], amount: 15.00}",
            "张建华应交党费 30.00 元（在职，月基数 3000.01 元 × 1% = 30.00 元/月 × 1 个月），填写的是 15.00 元",
        ),
        (
            "{name: 张建华, category: 在职, monthly_base: 10000.01, months: [7], amount: 150.00}",
            "张建华应交党费 200.00 元（在职，月基数 10000.01 元 × 2% = 200.00 元/月 × 1 个月），填写的是 150.00 元",
        ),
        (
            "{name: 李淑芬, category: 离退休, monthly_base: 6000.00, months: [7, 8], amount: 60.00}",
            "李淑芬应交党费 120.00 元（离退休，月基数 6000.00 元 × 1% = 60.00 元/月 × 2 个月），填写的是 60.00 元",
        ),
        (
            "{name: 王小明, category: 下岗失业, months: [7, 8, 9], amount: 0.50}",
            "王小明应交党费 0.60 元（下岗失业，每月 0.20 元 × 3 个月），填写的是 0.50 元",
        ),
    ],
)
def test_amount_off_the_rate_is_a_finding(site, line: str, message: str) -> None:
    project = site({PATH: record(member(line))})
    assert check_lines(project) == [f"{SOURCE}:9:{col(line, 'amount:')}: 合规提示: members[1].amount: {message}"]
    assert run(project, "check").exit_code == 0
    assert run(project, "check", "--strict").exit_code == 1


def test_finding_is_filed_under_the_period(site) -> None:
    line = "{name: 张建华, category: 在职, monthly_base: 5600.00, months: [7, 8, 9], amount: 250.00}"
    project = site({PATH: record(member(line))})
    assert run(project, "build", "--audience", "party", "--as-of", "2026-11-26", "--no-pdf").exit_code == 0
    compliance = (project / "output/party/compliance.html").read_text(encoding="utf-8")
    assert "张建华应交党费 252.00 元" in compliance and "2026年第三季度" in compliance


def test_category_without_a_national_rate_is_not_checked(site) -> None:
    line = "{name: 农民甲, category: 其他, months: [7, 8, 9], amount: 1.50}"
    assert check_lines(site({PATH: record(member(line))})) == []


@pytest.mark.parametrize("category", ["在职", "离退休"])
def test_share_of_base_categories_need_the_base(site, category: str) -> None:
    line = f"{{name: 张建华, category: {category}, months: [7, 8, 9], amount: 252.00}}"
    assert check_lines(site({PATH: record(member(line))})) == [
        f"{SOURCE}:9:5: 错误: members[1].monthly_base: {category}党员必须填写 monthly_base（月工资或离退休费基数），"
        "党费按基数的比例计算"
    ]


def test_months_outside_the_period_are_errors(site) -> None:
    line = "{name: 张建华, category: 在职, monthly_base: 5600.00, months: [6, 7, 13], amount: 252.00}"
    assert check_lines(site({PATH: record(member(line))})) == [
        f"{SOURCE}:9:{col(line, '[6') + 1}: 错误: members[1].months[1]: 月份 6 不在期间 2026年第三季度（7、8、9月）内",
        f"{SOURCE}:9:{col(line, '13')}: 错误: members[1].months[3]: 月份 13 不在期间 2026年第三季度（7、8、9月）内",
    ]


def test_monthly_period_allows_its_own_month_only(site) -> None:
    ok = "{name: 张建华, category: 在职, monthly_base: 5600.00, months: [11], amount: 84.00}"
    assert check_lines(site({PATH: record(member(ok), period="2026-11")})) == []
    bad = ok.replace("[11]", "[10]")
    lines = check_lines(site({PATH: record(member(bad), period="2026-11")}))
    where = f"{SOURCE}:9:{col(bad, '[10]') + 1}"
    assert lines == [f"{where}: 错误: members[1].months[1]: 月份 10 不在期间 2026年11月（11月）内"]


def test_a_month_listed_twice_is_an_error(site) -> None:
    line = "{name: 张建华, category: 在职, monthly_base: 5600.00, months: [7, 8, 8], amount: 168.00}"
    assert check_lines(site({PATH: record(member(line))})) == [
        f"{SOURCE}:9:{col(line, '8', 2)}: 错误: members[1].months[3]: 月份 8 重复（members[1].months[2] 已有）"
    ]


def test_one_record_per_branch_and_period(site) -> None:
    other = record().replace("title: 第一网格", "title: 重复的第一网格")
    lines = check_lines(site({PATH: record(), "dangwu/dangfei/again.yaml": other}))
    assert lines == [
        "content/dangwu/dangfei/again.yaml:3:1: 错误: period: 第一网格党支部2026年第三季度已有一份党费收缴："
        f"{SOURCE}（每期只能有一份；更正请修改原记录）"
    ]


def test_other_branch_same_period_passes(site) -> None:
    assert check_lines(site({PATH: record(), "dangwu/dangfei/b2.yaml": record(branch="第二网格党支部")})) == []


def test_public_audience_is_allowed(site) -> None:
    assert check_lines(site({PATH: record(audience="audience: public\n")})) == []


def test_example_for_sanwu_new_passes_check(site) -> None:
    project = site({})
    assert run(project, "new", "party-dues").exit_code == 0
    result = run(project, "check")
    assert result.exit_code == 0 and result.stdout == ""


# --- projection and output ---------------------------------------------------------------------


def typed() -> dict:
    return {
        "branch": "第一网格党支部",
        "members": [
            {
                "name": "张建华",
                "category": "在职",
                "monthly_base": Decimal("5600.00"),
                "months": [7, 8, 9],
                "amount": Decimal("252.00"),
            },
            {
                "name": "赵国强",
                "category": "在职",
                "monthly_base": Decimal("12345.67"),
                "months": [8, 9],
                "amount": Decimal("493.82"),
            },
        ],
    }


def test_public_projection_keeps_branch_totals_only() -> None:
    out = project_data(TYPE, typed(), "public", dt.date(2026, 11, 26), SiteConfig())
    assert "members" not in out
    assert out["totals"] == {"members": 2, "amount": Decimal("745.82"), "months": [7, 8, 9]}
    for audience in ("party", "committee"):
        assert (
            project_data(TYPE, typed(), audience, dt.date(2026, 11, 26), SiteConfig())["members"] == typed()["members"]
        )


def all_text(root: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(root.rglob("*")) if p.is_file())


def test_default_party_record_never_reaches_public(site) -> None:
    project = site({PATH: record()})
    assert run(project, "build", "--audience", "all", "--as-of", "2026-11-26", "--no-pdf").exit_code == 0
    out = project / "output"
    public = all_text(out / "public")
    assert "第一网格党支部2026年第三季度党费收缴情况" not in public
    for name in NAMES:
        assert name not in public
    for audience in ("party", "committee"):
        page = (out / audience / "r/dangwu/dangfei/2026-q3.html").read_text(encoding="utf-8")
        for text in NAMES + ["5,600.00", "12,345.67", "252.00", "7、8、9月", "在职", "离退休"]:
            assert text in page
        csv = (out / audience / "data/dangwu/dangfei/2026-q3.csv").read_text(encoding="utf-8-sig")
        assert csv.splitlines()[0] == "姓名,类别,月基数（元）,交纳月份,按标准应交（元）,实交（元）,差额（元）"
        assert "张建华,在职,5600.00,7、8、9月,252.00,252.00,0.00" in csv
        assert "王小明,学生,,7、8、9月,0.60,0.60,0.00" in csv


def test_public_record_shows_branch_totals_and_no_member(site) -> None:
    project = site({PATH: record(audience="audience: public\n")})
    assert run(project, "build", "--audience", "all", "--as-of", "2026-11-26", "--no-pdf").exit_code == 0
    out = project / "output"
    public = all_text(out / "public")
    for withheld in NAMES + BASES:
        assert withheld not in public
    page = (out / "public/r/dangwu/dangfei/2026-q3.html").read_text(encoding="utf-8")
    for shown in ("第一网格党支部", "7、8、9月", "4 人", "809.42 元", "捌佰零玖元肆角贰分"):
        assert shown in page
    csv = (out / "public/data/dangwu/dangfei/2026-q3.csv").read_text(encoding="utf-8-sig")
    assert csv.splitlines() == ["姓名,类别,月基数（元）,交纳月份,按标准应交（元）,实交（元）,差额（元）"]
    party = all_text(out / "party")
    for shown in NAMES + ["5600.00", "12345.67"]:
        assert shown in party
