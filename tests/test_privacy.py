"""Privacy and inert output: personal numbers gated, names one per item, CSV/annotations/JSON safe, no paths."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from site_builder.errors import Location, Problem
from site_builder.gate import personal_numbers
from site_builder.render.data import cell
from site_builder.render.markdown import render_markdown
from tests.conftest import LEDGER, NOTICE, run

ISSUE_BODY = "联系人信息：13974461234，请核实。身份证 431102198811300070。卡号 6222021234567890128"


def found(text: str, keep: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    return [(what, masked) for _, what, masked in personal_numbers(text, keep)]


def test_the_gate_finds_the_three_numbers_of_the_issue_masked() -> None:
    assert sorted(found(ISSUE_BODY)) == [
        ("手机号码", "139****1234"),
        ("身份证号码", "4311**********0070"),
        ("银行卡号", "6222***********0128"),
    ]
    assert found("卡号 6222 0212 3456 7890 128，身份证 43110219881130007X") == [("银行卡号", "6222***********0128")]
    assert found("旧身份证 430102900101002") == [("身份证号码", "4301*******1002")]
    assert found("１３９７４４６１２３４") == [("手机号码", "139****1234")]


@pytest.mark.parametrize(
    "text",
    [
        "凭证 2026-11-003、2026-10-009",
        "支出 1,260.00 元，合计 138000000.5 元",
        "邮编 421000，办公电话 0746-1234567、(0746)8221234",
        "2026年11月26日 13:30 在 2 号楼 1302 室",
        "已打码 139****1234",
        "ID 4311021988113000701234",  # longer than any ID: a serial number
        "订单 1234567890123456",  # 16 digits failing Luhn
    ],
)
def test_no_false_alarm_on_what_notices_are_full_of(text: str) -> None:
    assert found(text) == []


def test_public_phones_and_work_phones_pass(site) -> None:
    assert found("值班 13974461234", frozenset({"13974461234"})) == []
    grid = (
        "type: grid-roster\ntitle: 网格公示\ngrids:\n"
        '  - {id: G1, name: 一网格, level: 社区网格, manager: {name: 张三, work_phone: "13974461234"}}\n'
        "approved_by: 王芳\napproved_on: 2026-11-12\nstatus: approved\n"
    )
    project = site({"g.yaml": grid})
    result = run(project, "check")
    assert result.exit_code == 0, result.output


def test_a_notice_body_with_the_three_numbers_does_not_build(site) -> None:
    project = site({"n.md": NOTICE.replace("请各位居民注意用火安全。", ISSUE_BODY)})
    result = run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    assert result.exit_code == 1
    assert "139****1234" in result.output and "13974461234" not in result.output
    assert not (project / "output").exists()


def test_committee_only_records_and_fields_are_not_gated(site) -> None:
    committee = NOTICE.replace("area: residents", "area: residents\naudience: committee").replace(
        "请各位居民注意用火安全。", ISSUE_BODY
    )
    assert run(site({"n.md": committee}), "check").exit_code == 0


def test_csv_cells_that_a_spreadsheet_would_run_are_inert_names_included() -> None:
    assert cell(["=HYPERLINK(1)", "张三"], "names") == "'=HYPERLINK(1)、张三"
    assert cell("@SUM(A1)", "names") == "'@SUM(A1)"
    assert cell("＝1+1", "text") == "'＝1+1"
    assert cell("-1+1", "text") == "'-1+1"
    assert cell(dt.date(2026, 11, 3), "date") == "2026-11-03"


def test_github_annotations_escape_what_the_runner_would_read() -> None:
    problem = Problem(Location("content/a,b:c%.md", 3, 4), "title", "第一行\n第二行 100%", "x")
    line = problem.format_github()
    assert line == "::error file=content/a%2Cb%3Ac%25.md,line=3,col=4::title: 第一行%0A第二行 100%25"


def test_check_json_prints_an_object_on_a_fatal_error(tmp_path: Path) -> None:
    result = run(tmp_path / "nowhere", "check", "--format", "json")
    assert result.exit_code == 2  # a missing content/ is a usage error
    doc = json.loads(result.stdout)
    assert "content/" in doc["fatal"] and doc["problems"] == []


def test_outside_images_are_dropped_and_links_elsewhere_open_without_referrer() -> None:
    html = render_markdown(
        "![](https://tracker.example/p.png) ![](//x.example/p.png) ![a](files/a.png) [l](https://b.example/)"
    )
    assert "tracker.example" not in html and "x.example" not in html
    assert 'src="files/a.png"' in html
    assert 'href="https://b.example/" rel="noopener noreferrer nofollow"' in html


def test_a_pdf_carries_no_link_to_the_build_folder(tmp_path: Path) -> None:
    if shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils not installed")
    from site_builder.render import pdf

    data = pdf.render_pdf(
        '<html><body><p><a href="../r/x.html">记录页面</a> <a href="https://example.org/x">网址</a></p></body></html>',
        tmp_path,
        title="t",
        author="a",
        created=dt.date(2026, 11, 26),
    )
    out = tmp_path / "x.pdf"
    out.write_bytes(data)
    urls = subprocess.run(["pdfinfo", "-url", str(out)], capture_output=True, text=True).stdout
    assert "https://example.org/x" in urls
    assert "file:" not in urls and str(tmp_path) not in urls


def test_a_meeting_with_attendees_in_one_string_is_an_error_not_a_smaller_count(site) -> None:
    minutes = (
        "---\ntype: meeting-record\ntitle: 支委会\nkind: 支委会\norg: 第一网格党支部\ndate: 2026-11-05\n"
        "host: 杨卫东\nrecorder: 李四\nattendees: [杨卫东, 李四、王五]\ntopics: [研究]\n---\n\n记录。\n"
    )
    result = run(site({"m.md": minutes}), "check")
    assert result.exit_code == 1
    assert "attendees[2]: “李四、王五”用“、”隔开了几个人的姓名：每人一项" in result.stdout


def test_ledger_fixture_still_passes(site) -> None:
    assert run(site({"l.yaml": LEDGER}), "check").exit_code == 0
