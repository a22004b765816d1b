"""What is due when: 逾期未公开 findings as of the build date, the 定期公开 calendar, and the rule vocabulary."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from site_builder import pipeline
from site_builder.records.rules import each, lists
from tests.conftest import LEDGER, REPO, run

JAN_20 = dt.date(2027, 1, 20)


def overdue(project: Path, as_of: dt.date) -> list[str]:
    """The 逾期未公开 findings of a check as of a day, message only."""
    problems = pipeline.check(project, as_of).problems.sorted()
    return [p.zh.split("：")[0] for p in problems if p.severity == "finding" and "逾期未公开" in p.zh]


@pytest.fixture(scope="module")
def example_2027(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example community built for party and committee as of 2027-01-20 (nothing recorded)."""
    project = tmp_path_factory.mktemp("due") / "site"
    shutil.copytree(REPO / "content", project / "content")
    result = run(project, "build", "--audience", "all", "--as-of", "2027-01-20", "--no-pdf", "--no-record")
    assert result.exit_code == 0, result.output
    return project


def test_building_as_of_2027_01_20_lists_every_overdue_disclosure() -> None:
    assert overdue(REPO, JAN_20) == [
        "两新组织联合党支部 党费收缴（2026年第四季度）逾期未公开",
        "党建经费 财务收支明细公示（2026年11月）逾期未公开",  # the November ledger is only reviewed
        "党建经费 财务收支明细公示（2026年12月）逾期未公开",
        "社区服务群众专项经费 财务收支明细公示（2026年11月）逾期未公开",
        "社区服务群众专项经费 财务收支明细公示（2026年12月）逾期未公开",
        "治安巡逻排班（2026年12月）逾期未公开",
        "治安巡逻排班（2027年1月）逾期未公开",
        "凤凰社区“五老”志愿服务队服务活动（2026年12月）逾期未公开",
        "凤凰社区党员志愿服务队服务活动（2026年12月）逾期未公开",
    ]
    assert overdue(REPO, dt.date(2026, 11, 26)) == []  # nothing was due yet


def test_an_overdue_finding_says_since_when() -> None:
    problems = pipeline.check(REPO, JAN_20).problems.sorted()
    [ledger] = [p for p in problems if "服务群众专项经费 财务收支明细公示（2026年12月）" in p.zh]
    assert ledger.zh.endswith("应于 2027年1月10日 前公开，截至 2027年1月20日 已逾期 10 天")
    assert (ledger.loc.path, ledger.field, ledger.period) == (
        "content/财务/服务群众经费/2026-10.yaml",
        "period",
        "2026-12",
    )


def test_calendar_shows_due_done_and_late_to_party_and_committee_only(example_2027: Path) -> None:
    party = (example_2027 / "output/party/calendar.html").read_text(encoding="utf-8")
    assert "<h2>党建经费 财务收支明细公示</h2>" in party
    assert party.count("<strong>逾期未公开</strong>") == 9
    assert "<dd>9 期</dd>" in party  # the summary counts the same
    assert "按时公开" in party and "待公开" in party  # 2027年1月's ledger is due on 2027年2月10日
    assert "2027年2月10日" in party
    assert (example_2027 / "output/committee/calendar.html").is_file()
    assert not (example_2027 / "output/public/calendar.html").exists()
    compliance = (example_2027 / "output/party/compliance.html").read_text(encoding="utf-8")
    assert "治安巡逻排班（2027年1月）逾期未公开" in compliance and 'href="calendar.html"' in compliance


def ledger(period: str, opening: str, approved: str = "2026-11-20", status: str = "approved") -> str:
    day = f"{period}-03"
    closing = Decimal(opening) + Decimal("0.01") - 860
    return (
        LEDGER.replace("period: 2026-11", f"period: {period}")
        .replace("opening_balance: 12500.00", f"opening_balance: {opening}")
        .replace("closing_balance: 31640.00", f"closing_balance: {closing}")
        .replace("date: 2026-11-03", f"date: {day}")
        .replace("date: 2026-11-05", f"date: {day}")
        .replace('"2026-11-00', f'"{period}-00')
        .replace("income: 20000.00", "income: 0.01")
        .replace("approved_on: 2026-11-20", f"approved_on: {approved}")
        .replace("status: approved", f"status: {status}")
    )


def test_a_gap_between_two_disclosures_is_overdue_and_drafts_disclose_nothing(site) -> None:
    files = {
        "a.yaml": ledger("2026-08", "1000.00", "2026-09-05"),
        "b.yaml": ledger("2026-10", "1000.00", "2026-11-05"),
        "c.yaml": ledger("2026-11", "1000.00", status="draft"),
    }
    assert sorted(overdue(site(files), dt.date(2026, 12, 11))) == [
        "党建经费 财务收支明细公示（2026年11月）逾期未公开",
        "党建经费 财务收支明细公示（2026年9月）逾期未公开",
    ]


def test_deadline_comes_from_site_rules_and_a_series_starts_with_its_first_disclosure(site) -> None:
    later = "community: 测试社区\norg: 中共测试社区委员会\nrules: {finance_ledger_due_days: 20}\n"
    project = site({"a.yaml": ledger("2026-10", "1000.00", "2026-11-05")}, later)
    assert overdue(project, dt.date(2026, 12, 20)) == []
    assert overdue(project, dt.date(2026, 12, 21)) == ["党建经费 财务收支明细公示（2026年11月）逾期未公开"]
    drafts_only = site({"a.yaml": ledger("2026-10", "1000.00", status="draft")})
    assert overdue(drafts_only, JAN_20) == []


def test_a_late_disclosure_shows_as_late_on_the_calendar(site) -> None:
    project = site(
        {"a.yaml": ledger("2026-10", "1000.00", "2026-11-05"), "b.yaml": ledger("2026-11", "140.01", "2026-12-15")}
    )
    assert run(project, "build", "--audience", "party", "--as-of", "2026-12-20", "--no-pdf").exit_code == 0
    calendar = (project / "output/party/calendar.html").read_text(encoding="utf-8")
    assert calendar.count("逾期公开") == 1 and "2026年12月15日" in calendar and "逾期未公开</strong>" not in calendar


def test_paths_name_every_item() -> None:
    data = {"members": [{"name": "甲", "months": [7, 8]}, {"name": "乙"}, {"name": "丙", "months": [9]}]}
    assert list(each(data, "members[].name")) == [
        ("members[1].name", "甲"),
        ("members[2].name", "乙"),
        ("members[3].name", "丙"),
    ]
    assert list(each(data, "members[].months[]")) == [
        ("members[1].months[1]", 7),
        ("members[1].months[2]", 8),
        ("members[3].months[1]", 9),
    ]
    assert [path for path, _ in lists(data, "members[].months[]")] == ["members[1].months", "members[3].months"]
    assert list(each({"members": None}, "members[].name")) == []


def test_one_record_per_key_and_period_and_withdrawn_records_make_room(site) -> None:
    first = ledger("2026-10", "1000.00", "2026-11-05")
    again = first.replace('"2026-10-00', '"2026-10-10')
    result = run(site({"a.yaml": first, "b.yaml": again}), "check")
    assert (
        "content/b.yaml:4:1: 错误: period: 党建经费2026年10月已有一份财务收支明细公示：content/a.yaml" in result.stdout
    )
    withdrawn = first.replace("status: approved", "status: withdrawn\nchange_reason: 重复公示")
    assert "已有一份" not in run(site({"a.yaml": withdrawn, "b.yaml": again}), "check").stdout
