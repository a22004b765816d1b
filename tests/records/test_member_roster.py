"""member-roster (三册): ID numbers, unique names, certificates of mobile members, what each build shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder import pipeline
from site_builder.cnrules import id_check_digit
from tests.conftest import NOTICE, run


def id_number(first17: str) -> str:
    return first17 + id_check_digit(first17)


ID_1 = id_number("43110319681103107")  # 杨卫东, born 1968-11
ID_2 = id_number("43110319910814142")  # 吴婷, born 1991-08
ID_3 = id_number("43110219880323111")  # 石磊, born 1988-03
ID_4 = id_number("43110319901109152")  # 梁晓燕, born 1990-11
ID_5 = id_number("43110219860731133")  # 宋海波, born 1986-07
PHONES = ("13800009101", "13800009102", "13800009103", "13800009104", "13800009105")


def roster(members: str | None = None, *, kind: str = "党员名册", extra: str = "") -> str:
    """A 党员名册 with five members: two local, two 流入 and one 流出 (石磊 and 宋海波 hold a certificate)."""
    if members is None:
        members = f"""\
  - {{name: 杨卫东, gender: 男, born: 1968-11, joined_on: 1993-05-20, category: 在职, branch: 第一网格党支部,
     phone: "{PHONES[0]}", id_number: "{ID_1}", ethnicity: 汉族, education: 大专, note: 支部书记}}
  - {{name: 吴婷, gender: 女, born: 1991-08, joined_on: 2015-06-30, category: 在职, branch: 第一网格党支部,
     phone: "{PHONES[1]}", id_number: "{ID_2}"}}
  - {{name: 石磊, gender: 男, born: 1988-03, joined_on: 2013-12-20, category: 流入, branch: 第一网格党支部,
     phone: "{PHONES[2]}", id_number: "{ID_3}", flow_certificate: 湘流党证2026-011}}
  - {{name: 梁晓燕, gender: 女, born: 1990-11, joined_on: 2014-06-28, category: 流入, branch: 第一网格党支部,
     phone: "{PHONES[3]}", id_number: "{ID_4}", flow_certificate: null}}
  - {{name: 宋海波, gender: 男, born: 1986-07, joined_on: 2009-12-15, category: 流出, branch: 第二网格党支部,
     phone: "{PHONES[4]}", id_number: "{ID_5}", flow_certificate: 湘流党证2025-037}}
"""
    return (
        "type: member-roster\n"
        f"title: 凤凰社区{kind}\n"
        f"roster: {kind}\n"
        "org: 凤凰社区党委\n"
        "members:\n"
        f"{members}"
        f"{extra}"
        "approved_by: 王芳\n"
        "approved_on: 2026-11-02\n"
        "status: approved\n"
    )


CERTIFIED = roster().replace("flow_certificate: null", "flow_certificate: 湘流党证2026-015")


def check_lines(project: Path, *args: str) -> list[str]:
    return run(project, "check", *args).stdout.splitlines()


def findings(project: Path) -> list[tuple[str, str, str, str]]:
    checked = pipeline.check(project)
    return [(str(p.loc), p.field, p.period, p.zh) for p in checked.problems.sorted() if p.severity == "finding"]


# --- errors -------------------------------------------------------------------------------------


def test_a_complete_roster_checks_clean(site) -> None:
    project = site({"r.yaml": CERTIFIED})
    result = run(project, "check")
    assert result.exit_code == 0 and result.stdout == ""


def test_invalid_id_number_is_named_at_the_member(site) -> None:
    bad = ID_2[:17] + ("0" if ID_2[17] != "0" else "1")
    project = site({"r.yaml": CERTIFIED.replace(ID_2, bad)})
    assert check_lines(project) == [
        f"content/r.yaml:9:28: 错误: members[2].id_number: 身份证号码校验位错误：应为 {ID_2[17]}，填写的是 {bad[17]}"
    ]


def test_id_number_with_an_impossible_birth_date(site) -> None:
    bad = id_number("43110319910231142")
    project = site({"r.yaml": CERTIFIED.replace(ID_2, bad)})
    assert check_lines(project) == [
        "content/r.yaml:9:28: 错误: members[2].id_number: 身份证号码中的出生日期 19910231 无效"
    ]


def test_birth_month_must_match_the_id_number(site) -> None:
    project = site({"r.yaml": CERTIFIED.replace("born: 1991-08", "born: 1991-09")})
    assert check_lines(project) == [
        "content/r.yaml:8:27: 错误: members[2].born: 出生年月 1991-09 与身份证号码中的出生日期 19910814 不一致"
    ]


def test_duplicate_names_in_one_roster(site) -> None:
    project = site({"r.yaml": CERTIFIED.replace("name: 石磊", "name: 吴婷")})
    assert check_lines(project) == [
        "content/r.yaml:10:6: 错误: members[3].name: "
        "名册人员 吴婷 重复（members[2] 已有）；同名的人请加以区分，如 吴婷（大）"
    ]


def test_party_dates_in_order(site) -> None:
    members = "  - {name: 陈思远, gender: 男, applied_on: 2024-09-15, activist_on: 2024-03-10, category: 在职}\n"
    project = site({"r.yaml": roster(members, kind="入党积极分子名册")})
    assert check_lines(project) == [
        "content/r.yaml:6:52: 错误: members[1].activist_on: 确定为积极分子日期 2024-03-10 早于申请入党日期 2024-09-15"
    ]


def test_unknown_category_gets_a_hint(site) -> None:
    project = site({"r.yaml": CERTIFIED.replace("category: 流出", "category: 外出")})
    [line] = check_lines(project)
    assert "members[5].category: 应为 在职、离退休、下岗失业、普通居民、流入、流出 之一" in line


def test_a_roster_can_never_be_public(site) -> None:
    project = site({"r.yaml": roster(extra="audience: public\n")})
    result = run(project, "check")
    assert result.exit_code == 1
    assert "content/r.yaml:16:1: 错误: audience: 名册不得向社会公开，audience 只能是 party 或 committee" in (
        result.stdout.splitlines()
    )


def test_one_roster_of_a_kind_per_org_and_period(site) -> None:
    project = site({"a.yaml": CERTIFIED, "b.yaml": CERTIFIED})
    assert check_lines(project) == [
        "content/b.yaml:4:1: 错误: org: “凤凰社区党委党员名册”已有一份名册：content/a.yaml（只能有一份；更正请修改原记录）"
    ]
    project = site(
        {"a.yaml": CERTIFIED, "b.yaml": CERTIFIED.replace("status: approved", "period: 2025\nstatus: approved")}
    )
    assert run(project, "check").exit_code == 0


# --- 《流动党员活动证》 findings ------------------------------------------------------------------


def test_mobile_member_without_certificate(site) -> None:
    project = site({"r.yaml": roster()})
    assert findings(project) == [
        (
            "content/r.yaml:5:1",
            "members",
            "2026-11",
            "流动党员 3 人中 1 人没有《流动党员活动证》（发放率 66.7%，要求 100%）",
        ),
        ("content/r.yaml:13:61", "members[4].flow_certificate", "2026-11", "流入党员 梁晓燕 没有《流动党员活动证》"),
    ]
    assert run(project, "check").exit_code == 0
    assert run(project, "check", "--strict").exit_code == 1


def test_certificate_rate_follows_the_site_rule(site) -> None:
    site_yaml = "community: 测试社区\norg: 中共测试社区委员会\nrules: {flow_certificate_percent: 60}\n"
    project = site({"r.yaml": roster()}, site_yaml)
    assert findings(project) == []


def test_a_missing_certificate_field_counts_as_missing(site) -> None:
    project = site({"r.yaml": roster().replace(", flow_certificate: 湘流党证2025-037", "")})
    assert findings(project)[0][3] == "流动党员 3 人中 2 人没有《流动党员活动证》（发放率 33.3%，要求 100%）"


def test_certificates_concern_the_party_member_roster_only(site) -> None:
    members = "  - {name: 陈思远, gender: 男, applied_on: 2026-03-15, category: 流入}\n"
    project = site({"r.yaml": roster(members, kind="入党申请人名册")})
    assert findings(project) == []


def test_finding_period_is_the_roster_period_when_given(site) -> None:
    project = site({"r.yaml": roster(extra="period: 2026-Q4\n")})
    assert {period for _, _, period, _ in findings(project)} == {"2026-Q4"}


# --- output ---------------------------------------------------------------------------------------

PARTY_ROSTER = roster(extra="audience: party\n")
APPLICANTS = roster(
    f'  - {{name: 李明轩, gender: 男, born: 1999-03, applied_on: 2026-03-12, category: 在职, phone: "13800009201",\n'
    f'     id_number: "{id_number("43110219990316151")}", education: 本科}}\n',
    kind="入党申请人名册",
)
PERSONAL = (*PHONES, "13800009201", ID_1, ID_2, ID_3, ID_4, ID_5, "1968-11", "支部书记", "汉族", "大专")


def build_all(project: Path) -> None:
    result = run(project, "build", "--audience", "all", "--as-of", "2026-11-26", "--no-pdf")
    assert result.exit_code == 0, result.output


def every_file(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_no_phone_or_id_number_below_the_committee(site) -> None:
    project = site({"r.yaml": PARTY_ROSTER, "a.yaml": APPLICANTS, "n.md": NOTICE})
    build_all(project)
    for audience in ("public", "party"):
        files = every_file(project / "output" / audience)
        for secret in PERSONAL:
            leaked = [path for path, data in files.items() if secret.encode() in data]
            assert leaked == [], (audience, secret)
    public = b"\n".join(every_file(project / "output/public").values())
    assert "杨卫东".encode() not in public and "李明轩".encode() not in public
    committee = b"\n".join(every_file(project / "output/committee").values())
    for secret in PERSONAL:
        assert secret.encode() in committee


def test_party_sees_names_gender_branch_category_and_dates(site) -> None:
    project = site({"r.yaml": PARTY_ROSTER, "a.yaml": APPLICANTS})
    build_all(project)
    page = (project / "output/party/r/r.html").read_text(encoding="utf-8")
    for text in (
        "杨卫东",
        "梁晓燕",
        "第二网格党支部",
        "流入",
        "1993年5月20日",
        '<th scope="row">吴婷</th>',
        "湘流党证2026-011",
        "未发放",
        "流动党员 3 人，持证 2 人（发放率 66.7%）",
    ):
        assert text in page
    for text in ("联系电话", "身份证号码", "出生年月", "民族", "备注"):
        assert f'<th scope="col">{text}</th>' not in page
    assert not (project / "output/party/r/a.html").exists()  # the applicants' roster stays with the committee


def test_committee_register_table(site) -> None:
    project = site({"r.yaml": PARTY_ROSTER})
    build_all(project)
    page = (project / "output/committee/r/r.html").read_text(encoding="utf-8")
    for text in (
        '<th scope="col">序号</th>',
        '<th scope="col">身份证号码</th>',
        '<th scope="col">流动党员活动证</th>',
        ID_3,
        PHONES[0],
        "未发放",
        "流动党员 3 人，持证 2 人（发放率 66.7%）",
        "凤凰社区党员名册（共 5 人）",
    ):
        assert text in page
    csv = (project / "output/committee/data/r.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert csv[0].startswith("姓名,性别,出生年月")
    assert f"{PHONES[0]},\t{ID_1}" in csv[1]  # the tab keeps Excel from turning it into 4.31E+17


@pytest.mark.parametrize("audience", ["party", "committee"])
def test_roster_findings_on_the_compliance_page(site, audience: str) -> None:
    project = site({"r.yaml": PARTY_ROSTER})
    build_all(project)
    page = (project / "output" / audience / "compliance.html").read_text(encoding="utf-8")
    assert "流动党员 3 人中 1 人没有《流动党员活动证》（发放率 66.7%，要求 100%）" in page


def test_new_member_roster_checks(site) -> None:
    project = site({})
    assert run(project, "new", "member-roster").exit_code == 0
    result = run(project, "check")
    assert result.exit_code == 0 and result.stdout == ""
