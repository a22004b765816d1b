"""member-development (发展党员公示): working days with 调休, the process dates, and the public masking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from site_builder.config import SiteConfig
from site_builder.project import project_data
from site_builder.records.member_development import TYPE, add_months
from tests.conftest import SITE_YAML, run

PATH = "dangwu/fazhan.yaml"
SOURCE = "content/dangwu/fazhan.yaml"
PERSON = (
    "{name: 王五, gender: 男, born: 1995-03, ethnicity: 汉族, education: 本科, workplace: 某某公司, "
    "applied_on: 2024-05-10, activist_on: 2024-09-01, candidate_on: 2025-10-08}"
)
CONVERTING = (
    "{name: 赵敏, gender: 女, born: 1998-07, applied_on: 2023-05-10, activist_on: 2023-09-01, "
    "candidate_on: 2024-10-08, admitted_on: 2025-11-06}"
)


def record(
    notice: str = "{from: 2026-11-09, to: 2026-11-13}",
    persons: str = PERSON,
    stage: str = "发展对象",
    contact: str = '{phone: "0746-1234567", place: 社区党委办公室}',
) -> str:
    return (
        "type: member-development\n"
        "title: 第一网格党支部发展党员公示\n"
        f"stage: {stage}\n"
        "branch: 第一网格党支部\n"
        f"notice_period: {notice}\n"
        f"contact: {contact}\n"
        "approved_by: 王芳\n"
        "approved_on: 2026-01-05\n"
        "status: approved\n"
        "persons:\n"
        f"  - {persons}\n"
    )


def check_lines(project: Path) -> list[str]:
    result = run(project, "check")
    assert "Traceback" not in result.output
    return result.stdout.splitlines()


def notice_error(start: str, end: str, count: int, least: int = 5) -> str:
    return f"{SOURCE}:5:1: 错误: notice_period: 公示期应不少于 {least} 个工作日（{start}至{end}只有 {count} 个工作日）"


# --- the notice period in working days ---------------------------------------------------------


def test_five_working_days_pass(site) -> None:
    assert check_lines(site({PATH: record()})) == []


def test_four_working_days_fail(site) -> None:
    lines = check_lines(site({PATH: record("{from: 2026-11-09, to: 2026-11-12}")}))
    assert lines == [notice_error("2026年11月9日", "2026年11月12日", 4)]


def test_national_day_2026_counts_holidays_and_the_make_up_saturday(site) -> None:
    # 10月1日至7日放假；10月10日（星期六）上班。
    lines = check_lines(site({PATH: record("{from: 2026-09-29, to: 2026-10-09}")}))
    assert lines == [notice_error("2026年9月29日", "2026年10月9日", 4)]
    assert check_lines(site({PATH: record("{from: 2026-09-29, to: 2026-10-10}")})) == []


def test_spring_festival_2026(site) -> None:
    # 2月15日至23日放假；2月14日（星期六）上班：12、13、14、24日只有 4 个工作日。
    lines = check_lines(site({PATH: record("{from: 2026-02-12, to: 2026-02-24}")}))
    assert lines == [notice_error("2026年2月12日", "2026年2月24日", 4)]
    assert check_lines(site({PATH: record("{from: 2026-02-12, to: 2026-02-25}")})) == []


def test_workdays_come_from_site_rules(site) -> None:
    site_yaml = SITE_YAML + "rules: {member_development_notice_workdays: 3}\n"
    assert check_lines(site({PATH: record("{from: 2026-11-09, to: 2026-11-11}")}, site_yaml)) == []
    lines = check_lines(site({PATH: record("{from: 2026-11-09, to: 2026-11-10}")}, site_yaml))
    assert lines == [notice_error("2026年11月9日", "2026年11月10日", 2, least=3)]


def test_unknown_year_falls_back_to_weekdays_with_a_warning(site) -> None:
    project = site({PATH: record("{from: 2027-03-01, to: 2027-03-05}")})
    result = run(project, "check")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{SOURCE}:5:1: 警告: notice_period: 2027 年的法定节假日未知，按周一至周五计算工作日；"
        "可在 site.yaml 的 calendar 中补充"
    ]


def test_site_calendar_supplies_an_unknown_year(site) -> None:
    site_yaml = SITE_YAML + "calendar:\n  2027:\n    holidays: [2027-03-03]\n    workdays: [2027-03-06]\n"
    assert check_lines(site({PATH: record("{from: 2027-03-01, to: 2027-03-06}")}, site_yaml)) == []
    lines = check_lines(site({PATH: record("{from: 2027-03-01, to: 2027-03-05}")}, site_yaml))
    assert lines == [notice_error("2027年3月1日", "2027年3月5日", 4)]


def test_bad_site_calendar_is_an_error_not_a_traceback(site) -> None:
    site_yaml = SITE_YAML + "calendar:\n  2027:\n    holidays: [2026-10-01]\n"
    result = run(site({PATH: record()}, site_yaml), "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "content/site.yaml:7:16: 错误: calendar.2027.holidays[1]: 2026-10-01 不在 2027 年" in result.stdout


# --- the process dates -------------------------------------------------------------------------


def test_activist_before_application_is_out_of_order(site) -> None:
    lines = check_lines(
        site({PATH: record(persons=PERSON.replace("activist_on: 2024-09-01", "activist_on: 2024-04-01"))})
    )
    assert len(lines) == 1
    assert lines[0].endswith(
        "错误: persons[1].activist_on: "
        "确定为入党积极分子的日期（2024年4月1日）早于递交入党申请书的日期（2024年5月10日）"
    )


def test_candidate_before_activist_is_out_of_order_only(site) -> None:
    lines = check_lines(
        site({PATH: record(persons=PERSON.replace("candidate_on: 2025-10-08", "candidate_on: 2024-08-08"))})
    )
    assert len(lines) == 1
    assert lines[0].endswith(
        "错误: persons[1].candidate_on: "
        "确定为发展对象的日期（2024年8月8日）早于确定为入党积极分子的日期（2024年9月1日）"
    )


def test_same_day_steps_are_in_order(site) -> None:
    person = PERSON.replace("activist_on: 2024-09-01", "activist_on: 2024-05-10")
    person = person.replace("candidate_on: 2025-10-08", "candidate_on: 2025-05-10")
    assert check_lines(site({PATH: record(persons=person)})) == []


def test_activist_period_of_a_full_year_passes_a_day_less_fails(site) -> None:
    exactly = PERSON.replace("candidate_on: 2025-10-08", "candidate_on: 2025-09-01")
    assert check_lines(site({PATH: record(persons=exactly)})) == []
    short = PERSON.replace("candidate_on: 2025-10-08", "candidate_on: 2025-08-31")
    lines = check_lines(site({PATH: record(persons=short)}))
    assert len(lines) == 1
    assert lines[0].endswith(
        "错误: persons[1].candidate_on: 入党积极分子培养考察应满 12 个月：2024年9月1日确定为入党积极分子，"
        "2025年8月31日确定为发展对象，最早应为2025年9月1日"
    )


def test_activist_months_come_from_site_rules(site) -> None:
    short = PERSON.replace("candidate_on: 2025-10-08", "candidate_on: 2025-08-31")
    assert check_lines(site({PATH: record(persons=short)}, SITE_YAML + "rules: {activist_min_months: 6}\n")) == []


def test_conversion_after_a_full_probation_passes(site) -> None:
    text = record("{from: 2026-11-09, to: 2026-11-13}", CONVERTING, stage="预备党员转正")
    assert check_lines(site({PATH: text})) == []
    on_the_day = record("{from: 2026-11-06, to: 2026-11-12}", CONVERTING, stage="预备党员转正")
    assert check_lines(site({PATH: on_the_day})) == []


def test_conversion_noticed_before_the_probation_ends_fails(site) -> None:
    text = record("{from: 2026-11-02, to: 2026-11-06}", CONVERTING, stage="预备党员转正")
    lines = check_lines(site({PATH: text}))
    assert len(lines) == 1
    assert lines[0].endswith(
        "错误: persons[1].admitted_on: 预备期应满 12 个月：2025年11月6日接收为预备党员，2026年11月6日预备期满，"
        "转正公示最早从这一天开始，公示期却从2026年11月2日开始"
    )


def test_conversion_needs_the_admission_date(site) -> None:
    lines = check_lines(site({PATH: record(persons=PERSON, stage="预备党员转正")}))
    assert len(lines) == 1
    assert lines[0].endswith("错误: persons[1].admitted_on: 预备党员转正公示必须填写 admitted_on（接收为预备党员日期）")


def test_admission_date_only_in_a_conversion(site) -> None:
    lines = check_lines(site({PATH: record(persons=CONVERTING, stage="拟接收预备党员")}))
    assert len(lines) == 1
    assert lines[0].endswith(
        "错误: persons[1].admitted_on: admitted_on（接收为预备党员日期）只在“预备党员转正”公示中填写，"
        "本公示的阶段是“拟接收预备党员”"
    )


def test_admission_before_candidate_is_out_of_order(site) -> None:
    person = CONVERTING.replace("admitted_on: 2025-11-06", "admitted_on: 2024-10-01")
    lines = check_lines(site({PATH: record("{from: 2026-11-09, to: 2026-11-13}", person, stage="预备党员转正")}))
    assert len(lines) == 1
    expected = "persons[1].admitted_on: 接收为预备党员的日期（2024年10月1日）早于确定为发展对象的日期（2024年10月8日）"
    assert expected in lines[0]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2024, 9, 1), 12, dt.date(2025, 9, 1)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
        (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def test_example_for_sanwu_new_passes_check(site) -> None:
    project = site({})
    assert run(project, "new", "member-development").exit_code == 0
    result = run(project, "check")
    assert result.exit_code == 0 and result.stdout == ""


# --- projection and output ---------------------------------------------------------------------


def test_public_and_party_mask_a_mobile_contact_only() -> None:
    data = {"contact": {"phone": "13812345678", "place": "办公室"}, "persons": []}
    for audience in ("public", "party"):
        assert (
            project_data(TYPE, data, audience, dt.date(2026, 11, 9), SiteConfig())["contact"]["phone"] == "138****5678"
        )
    assert data["contact"]["phone"] == "13812345678"
    assert (
        project_data(TYPE, data, "committee", dt.date(2026, 11, 9), SiteConfig())["contact"]["phone"] == "13812345678"
    )
    landline = {"contact": {"phone": "0746-1234567"}}
    assert (
        project_data(TYPE, landline, "public", dt.date(2026, 11, 9), SiteConfig())["contact"]["phone"] == "0746-1234567"
    )


def all_text(root: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(root.rglob("*")) if p.is_file())


def test_each_audience_sees_the_notice_and_only_the_committee_sees_a_mobile_whole(site) -> None:
    text = record(contact='{phone: "13812345678", place: 社区党委办公室}')
    project = site({PATH: text})
    result = run(project, "build", "--audience", "all", "--as-of", "2026-11-10", "--no-pdf")
    assert result.exit_code == 0, result.output
    out = project / "output"
    for audience in ("public", "party"):
        text = all_text(out / audience)
        assert "13812345678" not in text and "138****5678" in text
    assert "13812345678" in all_text(out / "committee")
    page = (out / "public/r/dangwu/fazhan.html").read_text(encoding="utf-8")
    for shown in (
        "王五",
        "1995年3月",
        "汉族",
        "本科",
        "某某公司",
        "2024年5月10日",
        "2024年9月1日",
        "2025年10月8日",
        "公示中",
        "第一网格党支部",
        "社区党委办公室",
    ):
        assert shown in page
    assert "接收为预备党员时间" not in page  # no admission column outside a conversion
    assert 'href="tel:138****5678"' not in page
    csv = (out / "public/data/dangwu/fazhan.csv").read_text(encoding="utf-8-sig")
    assert "王五,男,1995-03,汉族,本科,某某公司,2024-05-10,2024-09-01,2025-10-08," in csv


def test_conversion_page_shows_the_admission_date(site) -> None:
    project = site({PATH: record("{from: 2026-11-09, to: 2026-11-13}", CONVERTING, stage="预备党员转正")})
    assert run(project, "build", "--as-of", "2026-11-10", "--no-pdf").exit_code == 0
    page = (project / "output/public/r/dangwu/fazhan.html").read_text(encoding="utf-8")
    assert "接收为预备党员时间" in page and "2025年11月6日" in page and "转为中共正式党员" in page
