"""meeting-record: attendance errors, 三会一课 cadence findings, never public, the three books."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from site_builder import pipeline
from site_builder.project import project_catalog
from site_builder.records import AUDIENCES
from site_builder.records.meeting_record import TYPE, org_level
from tests.conftest import NOTICE, run

MINUTES = "会议议定：甲乙丙丁机密纪要。"


def meeting(
    kind: str = "支委会",
    org: str = "第一网格党支部",
    date: str = "2026-11-05",
    *,
    attendees: str = "[杨卫东, 郑海涛, 冯桂英]",
    absent: str = "\n  - {name: 蒋志伟, reason: 出差}",
    host: str = "host: 杨卫东\n",
    recorder: str = "recorder: 郑海涛\n",
    extra: str = "",
    status: str = "approved",
    body: str = MINUTES,
) -> str:
    """A meeting record; keyword arguments replace one part of it."""
    return (
        "---\n"
        "type: meeting-record\n"
        f"title: {org}{date}{kind}会议记录\n"
        f"kind: {kind}\n"
        f"org: {org}\n"
        f"date: {date}\n"
        f"{host}{recorder}"
        f"attendees: {attendees}\n"
        f"absent:{absent or ' []'}\n"
        "topics: [研究换届选举筹备工作]\n"
        f"{extra}"
        "approved_by: 杨卫东\n"
        f"approved_on: {date}\n"
        f"status: {status}\n"
        "---\n\n"
        f"{body}\n"
    )


def check_lines(project: Path) -> list[str]:
    result = run(project, "check")
    return result.stdout.splitlines()


def months(org: str, kind: str, dates: list[str]) -> dict[str, str]:
    """One file per meeting."""
    return {f"m/{org}-{d}-{kind}.md": meeting(kind, org, d) for d in dates}


# --- errors -------------------------------------------------------------------------------------


def test_a_complete_meeting_checks_clean(site) -> None:
    project = site({"m.md": meeting()})
    result = run(project, "check")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_absent_without_reason(site) -> None:
    project = site({"m.md": meeting(absent="\n  - {name: 蒋志伟}")})
    assert check_lines(project) == [
        "content/m.md:11:5: 错误: absent[1].reason: 缺席人员 蒋志伟 没有填写缺席原因（reason），如 出差、病假"
    ]


def test_person_both_attending_and_absent(site) -> None:
    project = site({"m.md": meeting(absent="\n  - {name: 冯桂英, reason: 病假}")})
    assert check_lines(project) == [
        "content/m.md:11:6: 错误: absent[1].name: "
        "冯桂英 同时列在出席人员（attendees）和缺席人员（absent）中，只能填一处"
    ]


def test_same_person_absent_twice(site) -> None:
    project = site({"m.md": meeting(absent="\n  - {name: 蒋志伟, reason: 出差}\n  - {name: 蒋志伟, reason: 病假}")})
    assert check_lines(project) == [
        "content/m.md:12:6: 错误: absent[2].name: 缺席人员 蒋志伟 重复（absent[1] 已有）；同名的人请加以区分，如 蒋志伟（大）"
    ]


@pytest.mark.parametrize(("key", "line"), [("host", 2), ("recorder", 2)])
def test_host_and_recorder_are_required(site, key: str, line: int) -> None:
    project = site({"m.md": meeting(**{key: ""})})
    assert check_lines(project) == [f"content/m.md:{line}:1: 错误: {key}: 缺少必填字段"]


def test_empty_recorder_is_named(site) -> None:
    project = site({"m.md": meeting(recorder="recorder:\n")})
    assert check_lines(project) == ["content/m.md:8:10: 错误: recorder: 必填字段不能为空"]


def test_host_listed_as_absent(site) -> None:
    project = site({"m.md": meeting(attendees="[郑海涛, 冯桂英]", absent="\n  - {name: 杨卫东, reason: 病假}")})
    assert check_lines(project) == ["content/m.md:7:1: 错误: host: 主持人 杨卫东 列在缺席人员中"]


def test_attendee_written_twice(site) -> None:
    project = site({"m.md": meeting(attendees="[杨卫东, 郑海涛, 杨卫东]")})
    assert check_lines(project) == [
        "content/m.md:9:23: 错误: attendees[3]: "
        "出席人员 杨卫东 重复（attendees[1] 已有）；同名的人请加以区分，如 杨卫东（大）"
    ]


def test_no_attendees(site) -> None:
    project = site({"m.md": meeting(attendees="[]")})
    assert check_lines(project) == ["content/m.md:9:1: 错误: attendees: 出席人员不能为空"]


def test_unknown_kind_gets_a_hint(site) -> None:
    project = site({"m.md": meeting(kind="支部委员会")})
    [line] = check_lines(project)
    assert line.startswith("content/m.md:4:7: 错误: kind: 应为 党员大会、党委会、支委会") and "是不是“支委会”" in line


def test_meeting_minutes_can_never_be_public(site) -> None:
    project = site({"m.md": meeting(extra="audience: public\n")})
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/m.md:13:1: 错误: audience: 会议记录不得向社会公开，audience 只能是 party 或 committee"
    ]


def test_a_meeting_may_be_shared_with_the_party(site) -> None:
    project = site({"m.md": meeting(extra="audience: party\n")})
    assert run(project, "check").exit_code == 0


# --- cadence findings ---------------------------------------------------------------------------


def findings(project: Path, about: str = "") -> list[tuple[str, str, str]]:
    """(file, period, message) of every finding, or of those that mention `about`."""
    checked = pipeline.check(project)
    return [
        (p.loc.path, p.period, p.zh) for p in checked.problems.sorted() if p.severity == "finding" and about in p.zh
    ]


def test_monthly_committee_meeting_held_every_month_is_clean(site) -> None:
    project = site(months("第一网格党支部", "支委会", ["2026-09-10", "2026-10-09", "2026-11-05"]))
    assert findings(project, "支委会") == []


def test_missing_month_is_a_finding_with_its_period(site) -> None:
    files = months("第一网格党支部", "支委会", ["2026-09-10", "2026-11-05"])
    files["m/quarter-1.md"] = meeting("党员大会", "第一网格党支部", "2026-09-26")
    files["m/quarter-2.md"] = meeting("党课", "第一网格党支部", "2026-09-26")
    project = site(files)
    assert findings(project) == [
        (
            "content/m/第一网格党支部-2026-11-05-支委会.md",
            "2026-10",
            "第一网格党支部 2026年10月 没有召开支委会（要求每月至少 1 次）",
        )
    ]
    result = run(project, "check")
    assert result.exit_code == 0  # findings do not block
    assert result.stdout.splitlines() == [
        "content/m/第一网格党支部-2026-11-05-支委会.md:5:1: 合规提示: org: "
        "第一网格党支部 2026年10月 没有召开支委会（要求每月至少 1 次）"
    ]
    assert run(project, "check", "--strict").exit_code == 1


def test_the_running_month_is_not_judged_yet(site) -> None:
    # the latest meeting is in November: November may still get its 支委会
    files = months("第一网格党支部", "支委会", ["2026-09-10", "2026-10-09"])
    files["m/group.md"] = meeting("党员大会", "第一网格党支部", "2026-11-20")
    project = site(files)
    assert [f for f in findings(project) if "支委会" in f[2]] == []


def test_an_org_that_stops_meeting_is_still_caught(site) -> None:
    # 凤凰社区党委 met until November; the branch stopped after September
    files = months("凤凰社区党委", "党委会", ["2026-09-07", "2026-10-09", "2026-11-03"])
    files.update(months("第一网格党支部", "支委会", ["2026-09-10"]))
    project = site(files)
    assert [(period, msg) for _, period, msg in findings(project, "委会（")] == [
        ("2026-10", "第一网格党支部 2026年10月 没有召开支委会（要求每月至少 1 次）")
    ]


def test_a_committee_is_asked_for_its_own_meetings_in_its_own_words(site) -> None:
    files = months("凤凰社区党委", "党委会", ["2026-06-05", "2026-08-06"])
    files["m/lecture.md"] = meeting("党课", "凤凰社区党委", "2026-07-10")
    files["m/congress.md"] = meeting("党员大会", "凤凰社区党委", "2026-10-10")
    project = site(files)
    assert sorted((period, msg) for _, period, msg in findings(project)) == [
        ("2026-07", "凤凰社区党委 2026年7月 没有召开党委会（要求每月至少 1 次）"),
        ("2026-09", "凤凰社区党委 2026年9月 没有召开党委会（要求每月至少 1 次）"),
        ("2026-H1", "凤凰社区党委 2026年上半年 没有召开民主生活会（要求每半年至少 1 次）"),
        ("2026-Q2", "凤凰社区党委 2026年第二季度 没有上党课（要求每季度至少 1 次）"),
        ("2026-Q2", "凤凰社区党委 2026年第二季度 没有召开党员大会（要求每季度至少 1 次）"),
        ("2026-Q3", "凤凰社区党委 2026年第三季度 没有召开党员大会（要求每季度至少 1 次）"),
    ]


def test_half_year_and_yearly_rules(site) -> None:
    files = {
        "m/a.md": meeting("民主生活会", "凤凰社区党委", "2026-03-20"),
        "m/b.md": meeting("党委会", "凤凰社区党委", "2027-01-08"),
        "m/c.md": meeting("组织生活会", "第一网格党支部", "2026-12-18"),
        "m/d.md": meeting("民主评议", "第一网格党支部", "2026-12-18"),
    }
    project = site(files)
    got = {(period, msg) for _, period, msg in findings(project)}
    assert ("2026-H2", "凤凰社区党委 2026年下半年 没有召开民主生活会（要求每半年至少 1 次）") in got
    assert ("2026", "凤凰社区党委 2026年 没有开展民主评议（要求每年至少 1 次）") in got
    # held: no finding for the branch's yearly meetings; a branch holds no 民主生活会, a 党委 no 组织生活会
    assert not any("第一网格党支部 2026年 没有" in msg for _, msg in got)
    assert not any("民主生活会" in msg for _, msg in got if msg.startswith("第一网格党支部"))
    assert not any("组织生活会" in msg or "党小组会" in msg for _, msg in got)


def test_fewer_than_the_site_rule_requires(site) -> None:
    files = {
        "m/a.md": meeting("党小组会", "第一网格党支部第一党小组", "2026-09-10"),
        "m/b.md": meeting("党小组会", "第一网格党支部第一党小组", "2026-09-24"),
        "m/c.md": meeting("党小组会", "第一网格党支部第一党小组", "2026-10-15"),
        "m/d.md": meeting("党小组会", "第一网格党支部第一党小组", "2026-11-12"),
    }
    site_yaml = "community: 测试社区\norg: 中共测试社区委员会\nrules: {meetings_group_per_month: 2}\n"
    project = site(files, site_yaml)
    assert [(period, msg) for _, period, msg in findings(project)] == [
        ("2026-10", "第一网格党支部第一党小组 2026年10月 只召开了 1 次党小组会（要求每月至少 2 次）")
    ]


def test_a_branch_recording_its_group_meetings_must_hold_them_monthly(site) -> None:
    files = months("第一网格党支部", "支委会", ["2026-09-10", "2026-10-09", "2026-11-05"])
    files["m/g.md"] = meeting("党小组会", "第一网格党支部", "2026-09-17")
    project = site(files)
    assert [(period, msg) for _, period, msg in findings(project, "党小组会")] == [
        ("2026-10", "第一网格党支部 2026年10月 没有召开党小组会（要求每月至少 1 次）")
    ]


def test_withdrawn_meetings_do_not_count_and_drafts_do(site) -> None:
    files = months("第一网格党支部", "支委会", ["2026-09-10", "2026-11-05"])
    withdrawn = meeting(date="2026-10-09", status="withdrawn", extra="change_reason: 误录，该会议未召开\n")
    files["m/oct.md"] = withdrawn
    project = site(files)
    assert [period for _, period, _ in findings(project, "支委会")] == ["2026-10"]
    files["m/oct.md"] = meeting(date="2026-10-09", status="draft")
    project = site(files)
    assert findings(project, "支委会") == []


def test_the_finding_sits_on_the_latest_published_record(site) -> None:
    files = months("第一网格党支部", "支委会", ["2026-09-10", "2026-11-05"])
    files["m/draft.md"] = meeting("党课", date="2026-11-20", status="draft")
    project = site(files)
    assert {path for path, _, _ in findings(project)} == {"content/m/第一网格党支部-2026-11-05-支委会.md"}


@pytest.mark.parametrize(
    ("org", "level"),
    [
        ("凤凰社区党委", "committee"),
        ("中共凤凰社区委员会", "committee"),
        ("凤凰社区党总支", "committee"),
        ("第一网格党支部", "branch"),
        ("中共凤凰社区第一网格支部委员会", "branch"),
        ("两新组织联合党支部", "branch"),
        ("第一网格党支部第一党小组", "group"),
        ("驻区单位党建联席会", "other"),
    ],
)
def test_org_level_from_its_name(org: str, level: str) -> None:
    assert org_level(org) == level


# --- output: never below committee, the books, the 合规 page -----------------------------------------------

BOOK_FILES = {
    "m/a.md": meeting("支委会", "第一网格党支部", "2026-09-10", body="九月支委会纪要子丑寅。"),
    "m/b.md": meeting("党课", "第一网格党支部", "2026-09-26", body="党课讲稿卯辰巳。"),
    "m/c.md": meeting("民主生活会", "凤凰社区党委", "2026-10-29", body="批评与自我批评午未申。"),
    "m/d.md": meeting("支委会", "第一网格党支部", "2026-11-05", body=MINUTES),
    "m/e.md": meeting("党员大会", "第一网格党支部", "2026-09-26", body="党员大会纪要酉戌亥。"),
    "m/f.md": meeting("学习", "凤凰社区党委", "2026-11-20", body="集中学习心得甲子乙丑。"),
    "notice.md": NOTICE,
}
SECRETS = ("子丑寅", "卯辰巳", "午未申", MINUTES, "酉戌亥", "甲子乙丑", "出差", "研究换届选举筹备工作")


def build_all(project: Path) -> None:
    result = run(project, "build", "--audience", "all", "--as-of", "2026-11-26", "--no-pdf")
    assert result.exit_code == 0, result.output


def every_file(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_minutes_reach_no_public_or_party_file(site) -> None:
    project = site(BOOK_FILES)
    build_all(project)
    for audience in ("public", "party"):
        files = every_file(project / "output" / audience)
        assert files, audience
        for secret in SECRETS:
            leaked = [path for path, data in files.items() if secret.encode() in data]
            assert leaked == [], (audience, secret)
        assert not any(path.startswith("books/") for path in files)
    committee = b"\n".join(every_file(project / "output/committee").values())
    for secret in SECRETS:
        assert secret.encode() in committee


def test_committee_record_page_shows_the_meeting(site) -> None:
    project = site(BOOK_FILES)
    build_all(project)
    page = (project / "output/committee/r/m/d.html").read_text(encoding="utf-8")
    for text in (
        "支委会",
        "第一网格党支部",
        "2026年11月5日",
        "杨卫东",
        "郑海涛",
        "蒋志伟（出差）",
        "研究换届选举筹备工作",
    ):
        assert text in page
    assert re.search(r"应到</th><td>4 人</td>.*实到</th><td>3 人（缺席 1 人）", page)
    assert "<p>" + MINUTES + "</p>" in page  # the minutes, rendered from Markdown


def book_dates(html: str) -> list[str]:
    return re.findall(r'<h2 id="h-[^"]+">\d+\. (\d{4}年\d+月\d+日) ', html)


def test_the_three_books_list_their_meetings_in_date_order(site) -> None:
    project = site(BOOK_FILES)
    build_all(project)
    books = project / "output/committee/books"
    meetings = (books / "meetings.html").read_text(encoding="utf-8")
    study = (books / "study.html").read_text(encoding="utf-8")
    life = (books / "democratic-life.html").read_text(encoding="utf-8")
    assert book_dates(meetings) == ["2026年9月10日", "2026年9月26日", "2026年11月5日"]
    assert "九月支委会纪要子丑寅" in meetings and "党员大会纪要酉戌亥" in meetings and "党课讲稿" not in meetings
    assert book_dates(study) == ["2026年9月26日", "2026年11月20日"]
    assert "党课讲稿卯辰巳" in study and "集中学习心得甲子乙丑" in study
    assert book_dates(life) == ["2026年10月29日"] and "批评与自我批评午未申" in life
    assert "测试社区党组织会议记录簿" in meetings
    sheet = (project / "output/committee/static/site.css").read_text(encoding="utf-8")
    assert re.search(r"@media print \{[^@]*\.book-entry \{[^}]*break-before: page", sheet)  # a meeting a page
    for html in (meetings, study, life):
        assert 'href="../static/site.css"' in html and "<style>" not in html
    area = (project / "output/committee/area/registers.html").read_text(encoding="utf-8")
    assert 'href="../books/meetings.html"' in area and "党员学习记录簿" in area


def test_books_are_printable_pages_of_the_committee_build_only(site) -> None:
    checked = pipeline.check(site(BOOK_FILES))
    for audience in AUDIENCES:
        views = project_catalog(checked.catalog, audience, dt.date(2026, 11, 26), False, checked.site)
        books = [p for p in pipeline.extra_pages(checked.catalog, views, audience) if p.path.startswith("books/")]
        if audience != "committee":
            assert books == []
            continue
        assert [(p.path, p.title, p.area, p.printable) for p in books] == [
            ("books/meetings.html", "党组织会议记录簿", "registers", True),
            ("books/study.html", "党员学习记录簿", "registers", True),
            ("books/democratic-life.html", "党组织民主生活会记录簿", "registers", True),
        ]
    assert TYPE.extra_pages([], "committee") == []


def test_compliance_page_shows_the_missed_meeting(site) -> None:
    project = site(BOOK_FILES)
    build_all(project)
    page = (project / "output/committee/compliance.html").read_text(encoding="utf-8")
    assert "2026年10月" in page
    assert "第一网格党支部 2026年10月 没有召开支委会（要求每月至少 1 次）" in page
    party = (project / "output/party/compliance.html").read_text(encoding="utf-8")
    assert "第一网格党支部 2026年10月 没有召开支委会" in party  # a count, cleared for party members
    assert "r/" not in party.split("<main")[1].split("</main>")[0]  # but no link to committee-only minutes


def test_new_meeting_record_checks(site) -> None:
    project = site({})
    assert run(project, "new", "meeting-record").exit_code == 0
    result = run(project, "check")
    assert result.exit_code == 0 and result.stdout == ""
