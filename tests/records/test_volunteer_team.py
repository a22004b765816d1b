"""volunteer-team: roster and activity rules, team size, monthly service, party-member share, masking."""

from __future__ import annotations

import json
from pathlib import Path

from site_builder.records import TYPES
from tests.conftest import SITE_YAML, run

NAMES = [f"队员{n:02d}" for n in range(1, 16)]


def member_lines(names: list[str], party: int) -> str:
    """YAML lines for members; the first `party` of them are party members."""
    lines = []
    for i, name in enumerate(names):
        flag = "true" if i < party else "false"
        lines.append(f'  - {{name: {name}, party_member: {flag}, skill: 巡逻, phone: "138000010{i:02d}"}}')
    return "\n".join(lines)


def team(
    names: list[str] | None = None,
    leader: str = "队员01",
    party: int = 15,
    activities: str = "",
    extra: str = "",
    approved_on: str = "2026-11-20",
) -> str:
    """A published team record; by default 15 members and an activity of 4 hours in Sep, Oct and Nov 2026."""
    names = NAMES if names is None else names
    activities = activities or (
        "  - {date: 2026-09-12, hours: 4, content: 环境整治, participants: [队员01, 队员02]}\n"
        "  - {date: 2026-10-17, hours: 4.5, content: 敬老探访, participants: [队员03]}\n"
        "  - {date: 2026-11-08, hours: 4, content: 消防宣传, participants: [队员01, 队员04]}"
    )
    return (
        "type: volunteer-team\n"
        "title: 测试党员志愿服务队\n"
        "kind: 党员志愿者\n"
        f"leader: {leader}\n"
        f"members:\n{member_lines(names, party)}\n"
        f"activities:\n{activities}\n"
        f"{extra}"
        "approved_by: 王芳\n"
        f"approved_on: {approved_on}\n"
        "status: approved\n"
    )


def roster(count: int, kind: str = "党员名册") -> str:
    """A member-roster record with `count` members."""
    members = "\n".join(f"  - {{name: 党员{n:03d}, category: 在职}}" for n in range(count))
    return (
        "type: member-roster\n"
        f"title: 测试社区{kind}\n"
        f"roster: {kind}\n"
        "org: 测试社区党委\n"
        f"members:\n{members}\n"
        "approved_by: 王芳\n"
        "approved_on: 2026-11-01\n"
        "status: approved\n"
    )


def problems(project: Path) -> list[dict[str, object]]:
    """`sanwu check --format json`, without the location (the invalid fixtures pin locations)."""
    result = run(project, "check", "--format", "json")
    assert "Traceback" not in result.output
    return [{k: p[k] for k in ("path", "severity", "field", "message")} for p in json.loads(result.stdout or "[]")]


def only(project: Path, path: str = "content/team.yaml") -> list[tuple[object, object, object]]:
    """(severity, field, message) of the problems in one file."""
    return [(p["severity"], p["field"], p["message"]) for p in problems(project) if p["path"] == path]


# --- a clean record ---------------------------------------------------------------------------


def test_a_complete_team_has_no_problems(site) -> None:
    project = site({"team.yaml": team()})
    assert only(project) == []
    assert run(project, "check").exit_code == 0


def test_the_example_passes_check_without_errors(site) -> None:
    project = site({"new.yaml": TYPES.types["volunteer-team"].example})
    assert run(project, "check").exit_code == 0
    assert all(p["severity"] != "error" for p in problems(project))


# --- errors -----------------------------------------------------------------------------------


def test_leader_must_be_a_member(site) -> None:
    project = site({"team.yaml": team(leader="王五")})
    assert ("error", "leader", "队长 王五 不在队员名单 members 中") in only(project)
    assert run(project, "check").exit_code == 1


def test_a_member_listed_twice_is_an_error(site) -> None:
    project = site({"team.yaml": team(names=[*NAMES, "队员03"])})
    assert only(project) == [
        (
            "error",
            "members[16].name",
            "队员 队员03 重复（members[3] 已有）；同名的人请加以区分，如 队员03（大）",
        )
    ]


def test_participants_must_be_members(site) -> None:
    activities = (
        "  - {date: 2026-09-12, hours: 4, content: 环境整治, participants: [队员01, 路人甲]}\n"
        "  - {date: 2026-10-17, hours: 4, content: 敬老探访}\n"
        "  - {date: 2026-11-08, hours: 4, content: 消防宣传}"
    )
    project = site({"team.yaml": team(activities=activities)})
    assert only(project) == [
        (
            "error",
            "activities[1].participants[2]",
            "参加人 路人甲 不在本队队员名单中（请先加入 members，或改正姓名）",
        )
    ]


def test_hours_must_be_positive_and_at_most_a_day(site) -> None:
    activities = (
        "  - {date: 2026-09-12, hours: 0, content: 环境整治}\n"
        "  - {date: 2026-10-17, hours: 25, content: 敬老探访}\n"
        "  - {date: 2026-11-08, hours: 24, content: 消防宣传}"
    )
    found = only(site({"team.yaml": team(activities=activities)}))
    assert ("error", "activities[1].hours", "活动时长应大于 0 且不超过 24 小时，填写的是 0") in found
    assert ("error", "activities[2].hours", "活动时长应大于 0 且不超过 24 小时，填写的是 25") in found
    assert not any(f[1] == "activities[3].hours" for f in found)


def test_activity_dates_must_lie_in_the_period(site) -> None:
    activities = (
        "  - {date: 2026-10-17, hours: 4, content: 敬老探访}\n"
        "  - {date: 2026-11-08, hours: 4, content: 消防宣传}\n"
        "  - {date: 2027-01-05, hours: 4, content: 普法宣传}"
    )
    found = only(site({"team.yaml": team(activities=activities, extra="period: 2026-Q4\n")}))
    assert [f for f in found if f[0] == "error"] == [
        (
            "error",
            "activities[3].date",
            "日期 2027年1月5日 不在所属期间 2026年第四季度（2026年10月1日至2026年12月31日）之内",
        )
    ]


def test_unknown_kind_is_an_error_with_a_hint(site) -> None:
    project = site({"team.yaml": team().replace("kind: 党员志愿者", "kind: 青年志愿者")})
    message = "应为 党员志愿者、五老、青年、巾帼、便民服务、其他 之一，得到 “青年志愿者”；是不是“党员志愿者”？"
    assert only(project) == [("error", "kind", message)]


# --- findings ---------------------------------------------------------------------------------


def test_fewer_than_fifteen_members_is_a_finding(site) -> None:
    found = only(site({"team.yaml": team(names=NAMES[:14])}))
    assert found == [("finding", "members", "队员只有 14 人，每支志愿服务队应不少于 15 人")]


def test_team_size_comes_from_site_rules(site) -> None:
    project = site({"team.yaml": team(names=NAMES[:4])}, SITE_YAML + "rules: {volunteer_min_members: 4}\n")
    assert only(project) == []


def test_a_month_without_an_activity_is_a_finding(site) -> None:
    activities = (
        "  - {date: 2026-09-12, hours: 4, content: 环境整治}\n  - {date: 2026-11-08, hours: 4, content: 消防宣传}"
    )
    found = only(site({"team.yaml": team(activities=activities)}))
    assert found == [("finding", "activities", "2026年10月没有开展集中服务活动（每月至少一次，每次不少于 4 小时）")]


def test_a_month_with_only_short_activities_is_a_finding(site) -> None:
    activities = (
        "  - {date: 2026-09-12, hours: 4, content: 环境整治}\n"
        "  - {date: 2026-10-10, hours: 2, content: 理发}\n"
        "  - {date: 2026-10-17, hours: 3.5, content: 敬老探访}\n"
        "  - {date: 2026-11-08, hours: 4, content: 消防宣传}"
    )
    found = only(site({"team.yaml": team(activities=activities)}))
    assert found == [
        (
            "finding",
            "activities",
            "2026年10月的活动最长只有 3.5 小时，没有一次不少于 4 小时的集中服务活动",
        )
    ]


def test_the_month_of_approval_is_not_yet_due_but_earlier_months_are(site) -> None:
    activities = (
        "  - {date: 2026-09-12, hours: 4, content: 环境整治}\n  - {date: 2026-10-17, hours: 4, content: 敬老探访}"
    )
    assert only(site({"team.yaml": team(activities=activities)})) == []
    later = only(site({"team.yaml": team(activities=activities, approved_on="2026-12-05")}))
    assert later == [("finding", "activities", "2026年11月没有开展集中服务活动（每月至少一次，每次不少于 4 小时）")]


def test_months_of_the_period_before_the_first_activity_count(site) -> None:
    activities = "  - {date: 2026-11-08, hours: 4, content: 消防宣传}"
    found = only(site({"team.yaml": team(activities=activities, extra="period: 2026-Q4\n")}))
    assert found == [("finding", "activities", "2026年10月没有开展集中服务活动（每月至少一次，每次不少于 4 小时）")]


def test_the_monthly_hours_come_from_site_rules(site) -> None:
    activities = "  - {date: 2026-11-08, hours: 2, content: 消防宣传}"
    project = site({"team.yaml": team(activities=activities)}, SITE_YAML + "rules: {volunteer_min_monthly_hours: 2}\n")
    assert only(project) == []


def test_a_team_without_any_activity_is_a_finding(site) -> None:
    text = team().split("activities:")[0] + "approved_by: 王芳\napproved_on: 2026-11-20\nstatus: approved\n"
    found = only(site({"team.yaml": text}))
    assert found == [("finding", "activities", "还没有活动记录：志愿服务队每月至少开展一次不少于 4 小时的集中服务活动")]


# --- the party-member share (cross-record) ----------------------------------------------------


def test_party_volunteers_below_half_of_the_party_members_is_a_finding(site) -> None:
    project = site({"team.yaml": team(party=4), "roster.yaml": roster(10)})
    assert only(project) == [
        (
            "finding",
            "members",
            "党员志愿者共 4 人，不足社区党员总数 10 人的 50%（应不少于 5 人；党员总数取自党员名册，"
            "党员志愿者按各志愿服务队中 party_member 为 true 的不同姓名计）",
        )
    ]


def test_party_volunteers_at_half_of_the_party_members_is_enough(site) -> None:
    assert only(site({"team.yaml": team(party=5), "roster.yaml": roster(10)})) == []


def test_party_volunteers_are_counted_once_across_teams(site) -> None:
    # Two teams share 队员01..04; with 队员05 only in the second, there are 5 distinct party volunteers.
    second = team(names=[*NAMES[:4], *NAMES[4:5], *[f"乙{n}" for n in range(10)]], party=5)
    files = {"team.yaml": team(party=4), "team2.yaml": second.replace("测试党员", "第二"), "roster.yaml": roster(10)}
    assert only(site(files)) == [] and only(site(files), "content/team2.yaml") == []
    files["roster.yaml"] = roster(11)
    assert any("党员志愿者共 5 人，不足社区党员总数 11 人的 50%" in str(f[2]) for f in only(site(files)))


def test_without_a_party_member_roster_there_is_no_share_finding(site) -> None:
    assert only(site({"team.yaml": team(party=0)})) == []
    assert only(site({"team.yaml": team(party=0), "roster.yaml": roster(10, "入党积极分子名册")})) == []


def test_the_share_comes_from_site_rules(site) -> None:
    files = {"team.yaml": team(party=4), "roster.yaml": roster(10)}
    assert only(site(files, SITE_YAML + "rules: {volunteer_party_share_percent: 40}\n")) == []


# --- output per audience ----------------------------------------------------------------------


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_mobile_numbers_are_masked_in_every_public_and_party_file_and_full_for_the_committee(site) -> None:
    project = site({"duiwu/team.yaml": team()})
    result = run(project, "build", "--audience", "all", "--as-of", "2026-11-26", "--no-pdf")
    assert result.exit_code == 0, result.output
    full, masked = b"13800001003", b"138****1003"
    for audience in ("public", "party"):
        files = files_under(project / "output" / audience)
        assert [name for name, data in files.items() if full in data] == []
        assert masked in files["r/duiwu/team.html"] and masked in files["data/duiwu/team.csv"]
        assert masked in files["data/duiwu/team.json"]
    committee = files_under(project / "output" / "committee")
    assert full in committee["r/duiwu/team.html"] and full in committee["data/duiwu/team.csv"]
    assert full in committee["data/duiwu/team.json"]


def test_the_page_shows_members_activities_and_monthly_hours(site) -> None:
    project = site({"duiwu/team.yaml": team()})
    assert run(project, "build", "--as-of", "2026-11-26", "--no-pdf").exit_code == 0
    page = (project / "output/public/r/duiwu/team.html").read_text(encoding="utf-8")
    assert "队员名单" in page and "15 人（其中党员 15 人）" in page
    assert "每月服务时长" in page and "2026年10月" in page and "达标" in page
    assert "活动记录" in page and "敬老探访" in page
    assert '<th scope="col">服务时长（小时）</th>' in page
    csv = (project / "output/public/data/duiwu/team.csv").read_bytes().decode("utf-8-sig")
    assert csv.splitlines()[0] == "姓名,党员,特长,联系电话,参加活动（次）,服务时长（小时）"
    assert csv.splitlines()[1] == "队员01,是,巡逻,138****1000,2,8"


def test_a_changed_phone_reaches_the_public_history_only_masked(site) -> None:
    project = site({"duiwu/team.yaml": team()})
    assert run(project, "build", "--audience", "all", "--as-of", "2026-11-26", "--no-pdf").exit_code == 0
    path = project / "content/duiwu/team.yaml"
    text = path.read_text(encoding="utf-8").replace('"13800001003"', '"13800009999"')
    path.write_text(text + "change_reason: 队员更换手机号\n", encoding="utf-8")
    result = run(project, "build", "--audience", "all", "--as-of", "2026-11-27", "--no-pdf")
    assert result.exit_code == 0, result.output
    public = files_under(project / "output" / "public")
    party = files_under(project / "output" / "party")
    for full in (b"13800001003", b"13800009999"):
        assert [name for name, data in public.items() if full in data] == []
        assert [name for name, data in party.items() if full in data] == []
    page = public["r/duiwu/team.html"].decode("utf-8")
    assert "队员更换手机号" in page and "138****9999" in page
    assert b"13800009999" in (project / "output/committee/r/duiwu/team.html").read_bytes()
