"""patrol-schedule: dates, duplicates, leaders, sizes, unstaffed nights, overlaps, the calendar, masking."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from site_builder.records import TYPES
from tests.conftest import SITE_YAML, run

FIRST = ["甲一", "甲二", "甲三", "甲四", "甲五"]
SECOND = ["乙一", "乙二", "乙三", "乙四"]


def shift(day: dt.date, slot: str, members: list[str], leader: str | None = None, extra: str = "") -> str:
    lead = f"leader: {leader}, " if leader else ""
    return f"  - {{date: {day}, slot: {slot}, {lead}unit: 县直某单位, members: [{', '.join(members)}]{extra}}}"


def november(skip: tuple[int, ...] = (), skip_second: tuple[int, ...] = ()) -> list[str]:
    """Both shifts of every night of November 2026, except the nights (or 下半夜) to skip."""
    lines = []
    for n in range(1, 31):
        day = dt.date(2026, 11, n)
        if n in skip:
            continue
        lines.append(shift(day, "上半夜", FIRST, leader="甲一"))
        if n not in skip_second:
            lines.append(shift(day, "下半夜", SECOND))
    return lines


def schedule(lines: list[str] | None = None, extra: str = "", title: str = "测试社区2026年11月治安巡逻排班表") -> str:
    lines = november() if lines is None else lines
    return (
        "type: patrol-schedule\n"
        f"title: {title}\n"
        "period: 2026-11\n"
        f"{extra}"
        "shifts:\n" + "\n".join(lines) + "\n"
        "approved_by: 王芳\n"
        "approved_on: 2026-10-28\n"
        "status: approved\n"
    )


def only(project: Path, path: str = "content/p.yaml") -> list[tuple[object, object, object]]:
    """(severity, field, message) of the problems `sanwu check` reports in one file."""
    result = run(project, "check", "--format", "json")
    assert "Traceback" not in result.output
    return [(p["severity"], p["field"], p["message"]) for p in json.loads(result.stdout or "[]") if p["path"] == path]


def replace_line(lines: list[str], n: int, text: str) -> list[str]:
    return [*lines[:n], text, *lines[n + 1 :]]


def test_a_fully_staffed_month_has_no_problems(site) -> None:
    project = site({"p.yaml": schedule()})
    assert only(project) == []
    assert run(project, "check").exit_code == 0


def test_the_example_passes_check_without_errors(site) -> None:
    project = site({"new.yaml": TYPES.types["patrol-schedule"].example})
    result = run(project, "check", "--format", "json")
    assert result.exit_code == 0
    assert all(p["severity"] != "error" for p in json.loads(result.stdout))


# --- errors -----------------------------------------------------------------------------------


def test_a_shift_outside_the_period_is_an_error(site) -> None:
    lines = [*november(), shift(dt.date(2026, 12, 1), "上半夜", FIRST, leader="甲一")]
    assert only(site({"p.yaml": schedule(lines)})) == [
        ("error", "shifts[61].date", "日期 2026年12月1日 不在所属期间 2026年11月（2026年11月1日至2026年11月30日）之内")
    ]


def test_two_shifts_of_the_same_night_and_slot_are_an_error(site) -> None:
    lines = [*november(), shift(dt.date(2026, 11, 3), "下半夜", ["丙一", "丙二", "丙三", "丙四"])]
    assert only(site({"p.yaml": schedule(lines)})) == [
        ("error", "shifts[61]", "班次 2026年11月3日 下半夜 重复（shifts[6] 已有）")
    ]


def test_the_first_half_needs_a_leader_the_second_does_not(site) -> None:
    lines = replace_line(november(), 0, shift(dt.date(2026, 11, 1), "上半夜", FIRST))
    assert only(site({"p.yaml": schedule(lines)})) == [
        ("error", "shifts[1].leader", "2026年11月1日上半夜巡逻须有一名带班领导，请填写 leader")
    ]
    assert "leader" not in november()[1]  # 下半夜 without a leader is fine (see the clean month above)


def test_an_unknown_slot_is_an_error_with_a_hint(site) -> None:
    lines = replace_line(november(), 1, shift(dt.date(2026, 11, 1), "后半夜", SECOND))
    assert only(site({"p.yaml": schedule(lines)})) == [
        ("error", "shifts[2].slot", "应为 上半夜、下半夜 之一，得到 “后半夜”；是不是“下半夜”？")
    ]


# --- findings ---------------------------------------------------------------------------------


def test_nights_without_any_shift_are_one_finding_naming_the_dates(site) -> None:
    found = only(site({"p.yaml": schedule(november(skip=(3, 4, 10, 11, 12, 13)))}))
    assert found == [("finding", "shifts", "2026年11月3日、11月4日、11月10日至11月13日 没有排班")]


def test_nights_missing_one_slot_are_named_too(site) -> None:
    found = only(site({"p.yaml": schedule(november(skip_second=(7,)))}))
    assert found == [("finding", "shifts", "2026年11月7日 没有排下半夜班次")]


def test_a_record_of_only_second_half_shifts_is_not_faulted_for_the_first_half(site) -> None:
    lines = [shift(dt.date(2026, 11, n), "下半夜", SECOND) for n in range(1, 31)]
    assert only(site({"p.yaml": schedule(lines)})) == []


def test_a_shift_short_of_members_is_a_finding(site) -> None:
    lines = replace_line(november(), 0, shift(dt.date(2026, 11, 1), "上半夜", FIRST[:4], leader="甲一"))
    lines = replace_line(lines, 1, shift(dt.date(2026, 11, 1), "下半夜", SECOND[:3]))
    assert only(site({"p.yaml": schedule(lines)})) == [
        ("finding", "shifts[1].members", "2026年11月1日上半夜巡逻只有 4 人（含带班领导），应不少于 5 人"),
        ("finding", "shifts[2].members", "2026年11月1日下半夜巡逻只有 3 人（含带班领导），应不少于 4 人"),
    ]


def test_a_leader_not_listed_among_the_members_counts(site) -> None:
    lines = replace_line(november(), 0, shift(dt.date(2026, 11, 1), "上半夜", FIRST[1:], leader="甲一"))
    assert only(site({"p.yaml": schedule(lines)})) == []


def test_shift_sizes_come_from_site_rules(site) -> None:
    lines = replace_line(november(), 1, shift(dt.date(2026, 11, 1), "下半夜", SECOND[:3]))
    rules = SITE_YAML + "rules: {patrol_second_min_members: 3, patrol_first_min_members: 6}\n"
    found = only(site({"p.yaml": schedule(lines)}, rules))
    assert ("finding", "shifts[1].members", "2026年11月1日上半夜巡逻只有 5 人（含带班领导），应不少于 6 人") in found
    assert not any(f[1] == "shifts[2].members" for f in found)


def test_a_person_listed_twice_in_one_shift_is_a_finding(site) -> None:
    lines = replace_line(november(), 1, shift(dt.date(2026, 11, 1), "下半夜", [*SECOND, "乙二"]))
    assert only(site({"p.yaml": schedule(lines)})) == [
        ("finding", "shifts[2].members[5]", "乙二 在2026年11月1日下半夜班次中列了两次（members 第 2 个和第 5 个）")
    ]


def test_one_person_in_the_same_slot_of_two_records_is_a_finding(site) -> None:
    other = schedule(
        [shift(dt.date(2026, 11, 5), "上半夜", ["丁一", "丁二", "丁三", "丁四", "甲三"], leader="丁一")],
        extra="region: 另一巡逻区域\n",
    )
    found = only(site({"p.yaml": schedule(), "q.yaml": other}), "content/q.yaml")
    assert (
        "finding",
        "shifts[1].members",
        "甲三 同时排在 content/p.yaml 的2026年11月5日上半夜班次，同一时段不能在两处巡逻",
    ) in found


def test_both_halves_of_one_night_do_not_overlap(site) -> None:
    lines = [
        shift(dt.date(2026, 11, n), slot, ["戊一", "戊二", "戊三", "戊四", "戊五"], leader="戊一")
        for n in range(1, 31)
        for slot in ("上半夜", "下半夜")
    ]
    assert only(site({"p.yaml": schedule(lines)})) == []


# --- output -----------------------------------------------------------------------------------


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def build(project: Path) -> None:
    result = run(project, "build", "--audience", "all", "--as-of", "2026-11-26", "--no-pdf")
    assert result.exit_code == 0, result.output


def test_calendar_has_monday_first_weeks_and_marks_a_night_without_shifts(site) -> None:
    project = site({"xunluo/2026-11.yaml": schedule(november(skip=(14,)))})
    build(project)
    page = (project / "output/public/r/xunluo/2026-11.html").read_text(encoding="utf-8")
    start = page.index('<table class="patrol-calendar">')
    calendar = page[start : page.index("</table>", start)]
    headers = re.findall(r'<th scope="col">(?:<span class="weekend">)?(星期.)', calendar)
    assert headers == ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
    weeks = re.findall(r"<tr>(.*?)</tr>", calendar, re.S)[1:]
    assert len(weeks) == 6  # 2026-11-01 is a Sunday: the first week is six blanks and the 1st
    first_week = re.findall(r"<td[^>]*>", weeks[0])
    assert first_week[:6] == ['<td class="cal-blank">'] * 6 and "1日" in weeks[0]
    cell = re.search(
        r'<td class="cal-day cal-empty">\s*<span class="cal-date">14日</span>\s*<strong[^>]*>未排班</strong>', page
    )
    assert cell is not None
    assert page.count('class="cal-day cal-empty"') == 1
    assert re.search(r'<span class="cal-date">15日</span>\s*<ul class="cal-shifts">', page)
    assert "1 晚：2026年11月14日" in page
    assert '甲一<span class="cal-count">5人</span>' in page


def test_the_full_table_and_csv_list_every_shift_in_order(site) -> None:
    project = site({"xunluo/2026-11.yaml": schedule(november(skip=(14,)))})
    build(project)
    csv = (project / "output/public/data/xunluo/2026-11.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert csv[0] == "日期,星期,时段,时间,带班领导,值班单位,巡逻队员,人数"
    assert csv[1] == "2026-11-01,星期日,上半夜,20:00—23:30,甲一,县直某单位,甲一、甲二、甲三、甲四、甲五,5"
    assert csv[2] == "2026-11-01,星期日,下半夜,23:30—次日06:00,,县直某单位,乙一、乙二、乙三、乙四,4"
    assert len(csv) == 1 + 58


def test_a_mobile_duty_phone_is_masked_in_every_public_and_party_file_and_full_for_the_committee(site) -> None:
    project = site({"xunluo/2026-11.yaml": schedule(extra='duty_phone: "13800005678"\n')})
    build(project)
    full = b"13800005678"
    for audience in ("public", "party"):
        files = files_under(project / "output" / audience)
        assert [name for name, data in files.items() if full in data] == []
        assert b"138****5678" in files["r/xunluo/2026-11.html"] and b"138****5678" in files["data/xunluo/2026-11.json"]
    committee = files_under(project / "output" / "committee")
    assert full in committee["r/xunluo/2026-11.html"] and full in committee["data/xunluo/2026-11.json"]


def test_a_duty_phone_listed_in_public_phones_is_shown_whole(site) -> None:
    project = site({"xunluo/2026-11.yaml": schedule(extra='duty_phone: "13800005678"\n')})
    config = project / "content/site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + 'public_phones: ["138-0000-5678"]\n', encoding="utf-8")
    build(project)
    assert "13800005678" in (project / "output/public/r/xunluo/2026-11.html").read_text(encoding="utf-8")


def test_a_landline_duty_phone_stays_public(site) -> None:
    project = site({"xunluo/2026-11.yaml": schedule(extra='duty_phone: "0746-1234511"\n')})
    build(project)
    assert "0746-1234511" in (project / "output/public/r/xunluo/2026-11.html").read_text(encoding="utf-8")
