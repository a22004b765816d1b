"""low-income-review (低保): rules with their exact messages, and what each audience's output may hold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from site_builder.config import SiteConfig
from site_builder.project import project_data
from site_builder.records.low_income_review import TYPE
from tests.conftest import SITE_YAML, run

PATH = "juwu/dibao/2026-Q4.yaml"
SOURCE = "content/juwu/dibao/2026-Q4.yaml"

# Valid synthetic ID numbers (GB 11643 check digits computed with cnrules.id_check_digit).
ID_ZHANG = "431103196804120036"
ID_LI = "431103197509230026"
ID_WANG = "43110319490611042X"
ID_ZHAO = "431103196201280292"
ADDRESS = "3栋2单元401室甲"
REASON = "因病致贫长期透析"
NOTE = "邻里反映已核实乙"

HOUSEHOLDS = f"""\
  - {{head: 张三丰, id_number: "{ID_ZHANG}", size: 3, change: 新增, monthly_amount: 1260.00,
     address: {ADDRESS}, reason: {REASON}}}
  - {{head: 李秀英, id_number: "{ID_LI}", size: 2, change: 减发, monthly_amount: 520.00,
     address: 5栋1单元102室乙, reason: 子女就业收入增加丙}}
  - {{head: 王桂芝, id_number: "{ID_WANG}", size: 1, change: 保持, monthly_amount: 680.00, note: {NOTE}}}
  - {{head: 赵德胜, id_number: "{ID_ZHAO}", size: 2, change: 停发, reason: 家庭收入超过保障标准丁}}
"""
WITHHELD = [
    ID_ZHANG,
    ID_LI,
    ID_WANG,
    ID_ZHAO,
    ADDRESS,
    "5栋1单元102室乙",
    REASON,
    "子女就业收入增加丙",
    NOTE,
    "家庭收入超过保障标准丁",
]
HEADS = ["张三丰", "李秀英", "王桂芝", "赵德胜"]


def record(
    households: str = HOUSEHOLDS,
    notice: str = "{from: 2026-11-10, to: 2026-11-16}",
    extra: str = "",
) -> str:
    return (
        "type: low-income-review\n"
        "title: 测试社区2026年第四季度最低生活保障审核公示\n"
        "period: 2026-Q4\n"
        f"notice_period: {notice}\n"
        "decided_by: 某某街道办事处\n"
        "approved_by: 王芳\n"
        "approved_on: 2026-11-09\n"
        "status: approved\n"
        f"{extra}"
        "households:\n" + households
    )


def one(line: str) -> str:
    """A household list of one line."""
    return f"  - {line}\n"


def check_lines(project: Path) -> list[str]:
    result = run(project, "check")
    assert "Traceback" not in result.output
    return result.stdout.splitlines()


def all_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def leaks(root: Path, values: list[str]) -> list[tuple[str, str]]:
    """(file, value) for every withheld value found in any file under root, as UTF-8 bytes."""
    found = []
    for name, data in all_bytes(root).items():
        for value in values:
            if value.encode("utf-8") in data:
                found.append((name, value))
    return found


# --- rules -------------------------------------------------------------------------------------


def test_valid_record_passes(site) -> None:
    assert check_lines(site({PATH: record()})) == []


def test_notice_of_seven_days_passes_and_six_fails(site) -> None:
    assert check_lines(site({PATH: record(notice="{from: 2026-11-10, to: 2026-11-16}")})) == []
    lines = check_lines(site({PATH: record(notice="{from: 2026-11-10, to: 2026-11-15}")}))
    assert lines == [
        f"{SOURCE}:4:1: 错误: notice_period: 公示期应不少于 7 天（2026年11月10日至2026年11月15日只有 6 天）"
    ]


def test_notice_days_come_from_site_rules(site) -> None:
    site_yaml = SITE_YAML + "rules: {low_income_notice_days: 5}\n"
    assert check_lines(site({PATH: record(notice="{from: 2026-11-10, to: 2026-11-14}")}, site_yaml)) == []
    lines = check_lines(site({PATH: record(notice="{from: 2026-11-10, to: 2026-11-13}")}, site_yaml))
    assert lines[0].endswith("公示期应不少于 5 天（2026年11月10日至2026年11月13日只有 4 天）")


def test_missing_notice_period_is_an_error(site) -> None:
    text = record().replace("notice_period: {from: 2026-11-10, to: 2026-11-16}\n", "")
    assert check_lines(site({PATH: text})) == [f"{SOURCE}:1:1: 错误: notice_period: 缺少必填字段"]


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("430102199001011234", "身份证号码校验位错误：应为 8，填写的是 4"),
        ("431103199002300011", "身份证号码中的出生日期 19900230 无效"),
        ("43110319900101123", "身份证号码应为 18 位（最后一位可为 X）"),
        ("431103202612010018", "身份证号码中的出生日期 20261201 无效：晚于 2026年11月10日"),
    ],
)
def test_invalid_id_number(site, number: str, message: str) -> None:
    text = record(one(f'{{head: 张三, id_number: "{number}", size: 1, change: 保持, monthly_amount: 620.00}}'))
    assert check_lines(site({PATH: text})) == [f"{SOURCE}:10:16: 错误: households[1].id_number: {message}"]


def test_id_number_with_lowercase_x_is_valid(site) -> None:
    text = record(
        one(f'{{head: 王桂芝, id_number: "{ID_WANG.lower()}", size: 1, change: 保持, monthly_amount: 680.00}}')
    )
    assert check_lines(site({PATH: text})) == []


def test_same_id_number_twice(site) -> None:
    text = record(
        one(f'{{head: 张三, id_number: "{ID_ZHANG}", size: 3, change: 新增, monthly_amount: 1260.00}}')
        + one(f'{{head: 张山, id_number: "{ID_ZHANG}", size: 3, change: 保持, monthly_amount: 1260.00}}')
    )
    assert check_lines(site({PATH: text})) == [
        f"{SOURCE}:11:16: 错误: households[2].id_number: 身份证号码与 households[1] 重复"
    ]


@pytest.mark.parametrize("change", ["减发", "停发"])
def test_reduction_and_stop_need_a_reason(site, change: str) -> None:
    line = f'{{head: 张三, id_number: "{ID_ZHANG}", size: 3, change: {change}, monthly_amount: 690.00}}'
    assert check_lines(site({PATH: record(one(line))})) == [
        f"{SOURCE}:10:5: 错误: households[1].reason: 变动类型为“{change}”时必须填写 reason（{change}原因）"
    ]
    with_reason = line.replace("}", ", reason: 家庭收入增加}")
    assert check_lines(site({PATH: record(one(with_reason))})) == []


@pytest.mark.parametrize("change", ["新增", "增发", "减发", "保持"])
def test_amount_required_unless_stopped(site, change: str) -> None:
    line = f'{{head: 张三, id_number: "{ID_ZHANG}", size: 3, change: {change}, reason: 说明}}'
    assert check_lines(site({PATH: record(one(line))})) == [
        f"{SOURCE}:10:5: 错误: households[1].monthly_amount: 变动类型为“{change}”时必须填写 monthly_amount"
        "（月保障金额），只有停发可以不填"
    ]


def test_stopped_household_without_amount_passes(site) -> None:
    line = f'{{head: 张三, id_number: "{ID_ZHANG}", size: 3, change: 停发, reason: 收入超过标准}}'
    assert check_lines(site({PATH: record(one(line))})) == []


def test_unknown_change_gets_a_hint(site) -> None:
    line = f'{{head: 张三, id_number: "{ID_ZHANG}", size: 3, change: 新增加, monthly_amount: 1260.00}}'
    lines = check_lines(site({PATH: record(one(line))}))
    assert len(lines) == 1 and "households[1].change" in lines[0] and "是不是“新增”" in lines[0]


def test_example_for_sanwu_new_passes_check(site) -> None:
    project = site({})
    assert run(project, "new", "low-income-review").exit_code == 0
    result = run(project, "check")
    assert result.exit_code == 0 and result.stdout == ""


# --- projection (unit) -------------------------------------------------------------------------


def typed(**np: dt.date) -> dict:
    return {
        "title": "低保",
        "notice_period": np or {"from": dt.date(2026, 11, 10), "to": dt.date(2026, 11, 16)},
        "decided_by": "某某街道办事处",
        "households": [
            {
                "head": "张三",
                "id_number": ID_ZHANG,
                "size": 3,
                "change": "新增",
                "monthly_amount": Decimal("1260.00"),
                "address": ADDRESS,
                "reason": REASON,
                "note": NOTE,
            },
            {"head": "赵德胜", "id_number": ID_ZHAO, "size": 2, "change": "停发", "reason": "收入超标"},
        ],
    }


@pytest.mark.parametrize("audience", ["public", "party"])
def test_projection_keeps_only_declared_public_household_fields(audience: str) -> None:
    data = typed()
    out = project_data(TYPE, data, audience, dt.date(2026, 11, 12), SiteConfig())
    assert [set(h) for h in out["households"]] == [
        {"head", "size", "change", "monthly_amount"},
        {"head", "size", "change"},
    ]
    assert out["households"][0]["head"] == "张三"
    assert "id_number" in data["households"][0]  # a new dict: the record itself is untouched
    out["households"][0]["head"] = "改"
    assert data["households"][0]["head"] == "张三"


def test_committee_projection_keeps_everything() -> None:
    out = project_data(TYPE, typed(), "committee", dt.date(2027, 6, 1), SiteConfig())
    assert out["households"][0]["id_number"] == ID_ZHANG
    assert out["households"][0]["note"] == NOTE


@pytest.mark.parametrize("audience", ["public", "party"])
def test_households_dropped_after_notice_period(audience: str) -> None:
    site = SiteConfig()
    assert "households" in project_data(TYPE, typed(), audience, dt.date(2026, 11, 16), site)
    out = project_data(TYPE, typed(), audience, dt.date(2026, 11, 17), site)
    assert "households" not in out
    assert out["details_removed_on"] == dt.date(2026, 11, 17)
    summary = out["summary"]
    assert (summary["households"], summary["persons"], summary["monthly_total"]) == (2, 5, Decimal("1260.00"))
    assert (summary["paid_households"], summary["paid_persons"]) == (1, 3)
    by_change = {g["change"]: (g["households"], g["persons"]) for g in summary["by_change"]}
    assert by_change == {"新增": (1, 3), "增发": (0, 0), "减发": (0, 0), "停发": (1, 2), "保持": (0, 0)}


def test_retention_days_extend_the_details() -> None:
    site = SiteConfig()
    site.rules["low_income_retention_days"] = 3
    assert "households" in project_data(TYPE, typed(), "public", dt.date(2026, 11, 19), site)
    assert "households" not in project_data(TYPE, typed(), "public", dt.date(2026, 11, 20), site)


# --- builds ------------------------------------------------------------------------------------


def test_withheld_fields_reach_no_public_or_party_file(site) -> None:
    project = site({PATH: record()})
    result = run(project, "build", "--audience", "all", "--as-of", "2026-11-12", "--no-pdf")
    assert result.exit_code == 0, result.output
    out = project / "output"
    for audience in ("public", "party"):
        assert leaks(out / audience, WITHHELD) == []
        # Only the four public columns, and the heads are shown while the notice runs.
        page = (out / audience / "r/juwu/dibao/2026-q4.html").read_text(encoding="utf-8")
        for head in HEADS:
            assert head in page
        assert "公示中" in page and "0746-7654321" in page and "某某街道办事处" in page
        csv = (out / audience / "data/juwu/dibao/2026-q4.csv").read_text(encoding="utf-8-sig")
        assert csv.splitlines()[0] == "户主姓名,保障人数,变动类型,月保障金额（元）"
        assert "张三丰,3,新增,1260.00" in csv
    assert leaks(out / "committee", WITHHELD) != []
    committee = (out / "committee/r/juwu/dibao/2026-q4.html").read_text(encoding="utf-8")
    for value in WITHHELD:
        assert value in committee
    assert ID_ZHANG in (out / "committee/data/juwu/dibao/2026-q4.json").read_text(encoding="utf-8")


def test_after_the_notice_period_public_page_keeps_only_totals(site) -> None:
    project = site({PATH: record()})
    result = run(project, "build", "--audience", "all", "--as-of", "2026-11-17", "--no-pdf")
    assert result.exit_code == 0, result.output
    out = project / "output"
    for audience in ("public", "party"):
        assert leaks(out / audience, WITHHELD + HEADS) == []
        page = (out / audience / "r/juwu/dibao/2026-q4.html").read_text(encoding="utf-8")
        assert "已结束" in page and "个人信息保护法" in page and "2026年11月17日" in page
        assert "本期公示共 4 户 8 人" in page
        assert "享受低保 3 户 6 人，月保障金额合计 2,460.00 元" in page
        assert "贰仟肆佰陆拾元整" in page
    committee = (out / "committee/r/juwu/dibao/2026-q4.html").read_text(encoding="utf-8")
    for value in HEADS + [ID_ZHANG, ADDRESS]:
        assert value in committee


def test_revision_history_is_projected_like_the_page(site) -> None:
    project = site({PATH: record()})
    assert run(project, "build", "--audience", "all", "--as-of", "2026-11-10", "--no-pdf").exit_code == 0
    moved = "8栋1单元101室戊"
    changed = record(notice="{from: 2026-11-12, to: 2026-11-18}", extra="change_reason: 户主搬迁，更正住址和金额\n")
    changed = changed.replace(ADDRESS, moved).replace("1260.00", "1300.00")
    (project / "content" / PATH).write_text(changed, encoding="utf-8")
    result = run(project, "build", "--audience", "all", "--as-of", "2026-11-12", "--no-pdf")
    assert result.exit_code == 0, result.output
    out = project / "output"
    for audience in ("public", "party"):
        assert leaks(out / audience, WITHHELD + [moved]) == []
        page = (out / audience / "r/juwu/dibao/2026-q4.html").read_text(encoding="utf-8")
        assert "低保户 张三丰 月保障金额：1,260.00 → 1,300.00" in page
    committee = (out / "committee/r/juwu/dibao/2026-q4.html").read_text(encoding="utf-8")
    assert f"低保户 张三丰 住址：{ADDRESS} → {moved}" in committee


def test_attachments_are_withdrawn_with_the_details(site) -> None:
    project = site({PATH: record(extra="attachments: [juwu/dibao/notice-photo.txt]\n")})
    (project / "content/juwu/dibao/notice-photo.txt").write_text("张三丰 李秀英 公示栏照片", encoding="utf-8")
    assert run(project, "build", "--audience", "all", "--as-of", "2026-11-16", "--no-pdf").exit_code == 0
    assert (project / "output/public/files/juwu/dibao/notice-photo.txt").exists()
    assert run(project, "build", "--audience", "all", "--as-of", "2026-11-17", "--no-pdf").exit_code == 0
    for audience in ("public", "party"):
        assert leaks(project / "output" / audience, HEADS) == []
        assert not (project / "output" / audience / "files/juwu/dibao/notice-photo.txt").exists()
    assert (project / "output/committee/files/juwu/dibao/notice-photo.txt").exists()
