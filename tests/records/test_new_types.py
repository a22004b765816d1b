"""The five types of 2026-11-29: pledges, contact cards, rehabilitation files, assessments, member reviews.

One site of every type's `sanwu new` example (approved) is built for all audiences with PDFs, once; the
rehabilitation files must reach no public or party output of any kind.
"""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from site_builder import pipeline
from site_builder.records import TYPES
from tests.conftest import SITE_YAML, run, write_site

NEW = ("member-pledge", "contact-card", "rehab-file", "assessment", "member-review")
AS_OF = "2027-01-20"
# Words of the rehabilitation file (sanwu new rehab-file) that no public or party output may hold.
REHAB_WORDS = ("郑宇", "康复档案 2026-001", "2026-001", "润扬广场", "郑建国", "13900000001", "下肢功能训练", "肢体残疾")
HOUSEHOLDS = ("张秀英", "刘德明", "陈桂兰", "1栋1单元101", "2栋2单元302")  # contact-card example: committee only
REVIEWED = ("连续六个月不参加组织生活", "参加组织生活不够经常")  # member-review example: notes, committee only


def approved(type_name: str) -> str:
    return TYPES.types[type_name].example.replace("status: draft", "status: approved")


def output_texts(root: Path) -> dict[str, str]:
    """Every file of a build as text: PDFs through pdftotext (and their metadata), gzip (search index) inflated."""
    texts = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        text = data.decode("utf-8", "replace")
        if path.suffix == ".pdf":
            text += subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
            text += subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        texts[path.relative_to(root).as_posix()] = text
    return texts


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("pdftotext") is None or shutil.which("git") is None:
        pytest.skip("poppler-utils and git are needed")
    files: dict[str, str | bytes] = {f"{name}.yaml": approved(name) for name in NEW}
    project = write_site(tmp_path_factory.mktemp("new") / "site", files, SITE_YAML + "rehab_summary: party\n")
    result = run(project, "build", "--audience", "all", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture(scope="module")
def texts(built: Path) -> dict[str, dict[str, str]]:
    """Every output file of each audience as text, read once."""
    return {audience: output_texts(built / "output" / audience) for audience in ("public", "party", "committee")}


def test_every_new_type_renders_in_its_audiences_and_prints(built: Path) -> None:
    lowest = {"member-pledge": "public", "contact-card": "public", "assessment": "party", "member-review": "party"}
    lowest["rehab-file"] = "committee"
    for name in NEW:
        for audience in ("public", "party", "committee"):
            page = built / f"output/{audience}/r/{name}.html"
            shown = ["public", "party", "committee"].index(audience) >= ["public", "party", "committee"].index(
                lowest[name]
            )
            assert page.is_file() == shown, (name, audience)
            assert (built / f"output/{audience}/pdf/{name}.pdf").is_file() == shown, (name, audience)
    pledge = (built / "output/public/r/member-pledge.html").read_text(encoding="utf-8")
    assert "杨卫东" in pledge and "协调解决1栋屋面漏水问题" in pledge and "基本兑现" in pledge


def test_rehabilitation_files_reach_no_public_or_party_output_of_any_kind(texts: dict[str, dict[str, str]]) -> None:
    for audience in ("public", "party"):
        files = texts[audience]
        assert "search/index.json" in files and "feed.xml" in files and "changes.html" in files
        assert any(p.endswith(".pdf") for p in files)
        leaks = [(path, word) for path, text in files.items() for word in REHAB_WORDS if word in text]
        assert leaks == [], audience
    committee = texts["committee"]
    assert all(any(word in text for text in committee.values()) for word in REHAB_WORDS)  # the test can fail
    assert "康复档案 2026-001" in committee["changes.html"] and "康复档案 2026-001" in committee["feed.xml"]


def test_party_sees_the_service_counts_site_yaml_allows_and_the_public_nothing(built: Path) -> None:
    summary = (built / "output/party/rehab-summary.html").read_text(encoding="utf-8")
    assert '<th scope="row">康复训练</th><td class="number">1</td>' in summary
    assert '<th scope="row">辅助器具</th><td class="number">1</td>' in summary
    assert not (built / "output/public/rehab-summary.html").exists()


def test_households_and_reviewed_names_stay_with_the_committee(built: Path, texts: dict[str, dict[str, str]]) -> None:
    for audience in ("public", "party"):
        files = texts[audience]
        assert [(p, w) for p, t in files.items() for w in HOUSEHOLDS if w in t] == []
        assert [(p, w) for p, t in files.items() for w in REVIEWED if w in t] == []
    card = (built / "output/public/r/contact-card.html").read_text(encoding="utf-8")
    assert "0746-1234501" in card and "联系户</dt><dd>2 户" in card  # the card and a count, never the households
    review = (built / "output/party/r/member-review.html").read_text(encoding="utf-8")
    review_data = (built / "output/party/data/member-review.json").read_text(encoding="utf-8")
    assert not any(name in review + review_data for name in ("吴婷", "冯桂英"))  # members' names
    assert '<th scope="row">不合格</th><td class="number">1 人</td>' in review
    committee = (built / "output/committee/r/contact-card.html").read_text(encoding="utf-8")
    assert all(word in committee for word in HOUSEHOLDS)


def test_diff_for_party_and_public_never_shows_a_rehabilitation_file(built: Path, tmp_path: Path) -> None:
    project = tmp_path / "repo"
    shutil.copytree(built / "content", project / "content")
    git = ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "start"], check=True)
    rehab = project / "content/rehab-file.yaml"
    rehab.write_text(
        rehab.read_text(encoding="utf-8").replace(
            "prepared_by: 王丽",
            "  - {date: 2026-11-20, kind: 入户随访, content: 郑宇复查下肢功能, by: 王丽}\nprepared_by: 王丽",
        ),
        encoding="utf-8",
    )
    for audience in ("public", "party"):
        result = run(project, "diff", "HEAD", "--audience", audience)
        assert result.exit_code == 0, result.output
        assert not any(word in result.output for word in (*REHAB_WORDS, "复查", "rehab")), result.output
    committee = run(project, "diff", "HEAD", "--audience", "committee").output
    assert "复查" in committee


@pytest.fixture
def check(site):  # type: ignore[no-untyped-def]
    def run_check(files: dict[str, str], as_of: str = AS_OF, site_yaml: str = SITE_YAML) -> list[tuple[str, str, str]]:
        checked = pipeline.check(site(files, site_yaml), dt.date.fromisoformat(as_of))
        assert [p.format() for p in checked.problems.errors()] == []
        return [(p.field, p.audience, p.zh) for p in checked.problems.sorted() if p.severity == "finding"]

    return run_check


def test_pledges_two_or_three_a_member_and_reviewed_once_the_year_is_over(check) -> None:  # type: ignore[no-untyped-def]
    one = approved("member-pledge").replace(
        "      - {content: 协调解决1栋屋面漏水问题, result: 基本兑现, note: 已维修，待雨季复查}\n", ""
    )
    assert check({"p.yaml": one}, "2026-12-31") == [
        ("members[1].pledges", "party", "杨卫东 承诺了 1 件事，每名党员每年应承诺 2—3 件")
    ]
    late = check({"p.yaml": approved("member-pledge")}, "2027-01-01")
    assert late == [
        ("members[2].pledges[1]", "party", "吴婷 的 2 件承诺没有年底评议结果（应于 2026年12月31日 前评议）")
    ]


def test_households_in_no_members_care_are_a_committee_finding(check) -> None:  # type: ignore[no-untyped-def]
    card = approved("contact-card").replace(
        "  - {head: 陈桂兰, address: 3栋1单元201, member: 吴婷, note: 低保户}",
        "  - {head: 陈桂兰, address: 3栋1单元201, note: 低保户}",
    )
    assert check({"c.yaml": card}) == [("households", "committee", "1 户没有联系党员：3栋1单元201")]


def test_assessment_3_6_1_with_its_rounding(check) -> None:  # type: ignore[no-untyped-def]
    def grades(good: int, middle: int, poor: int) -> str:
        rows = [("好", good), ("中", middle), ("差", poor)]
        items = [f"  - {{name: 第{n}网格, grade: {g}}}" for g, k in rows for n in range(k)]
        names = iter(range(1, 100))
        items = [item.replace("第", f"第{next(names)}-", 1) for item in items]
        text = approved("assessment")
        start, end = text.index("grades:"), text.index("letters:")
        return text[:start] + "grades:\n" + "\n".join(items) + "\n" + text[end:]

    assert check({"a.yaml": grades(4, 7, 1)}, "2026-12-31") == []  # 12: 4 好 (3.6 → 4), 1 差 (1.2 → 1)
    assert check({"a.yaml": grades(5, 6, 1)}, "2026-12-31") == [
        (
            "grades",
            "party",
            "评为“好”的有 5 个，超过比例（12 个考核对象按 3:6:1：“好”不超过 30%（4 个），“差”不少于 10%（1 个），四舍五入取整）",
        )
    ]
    assert check({"a.yaml": grades(1, 3, 0)}, "2026-12-31") == []  # 4: 1 好 (1.2 → 1), 差 not required (0.4 → 0)
    unfinished = check({"a.yaml": grades(1, 3, 0)}, "2027-01-01")
    assert unfinished == [
        (
            "letters[1].targets",
            "party",
            "第一网格党支部的目标责任状（2026年1月15日签订）有 1 项目标未完成：发展党员1名",
        )
    ]


def test_member_review_finds_roster_members_without_a_result_for_the_committee(check) -> None:  # type: ignore[no-untyped-def]
    roster = TYPES.types["member-roster"].example.replace("status: draft", "status: approved")
    review = approved("member-review")
    found = check({"roster.yaml": roster, "review.yaml": review})
    assert ("members", "committee", "党员名册中第一网格党支部的 2 名党员没有评议结果：张三、李梅") in found


def test_rehab_visits_each_quarter_until_the_build_date(check) -> None:  # type: ignore[no-untyped-def]
    text = approved("rehab-file")
    assert check({"r.yaml": text}, "2026-12-31") == []
    assert check({"r.yaml": text}, "2027-01-01") == []  # 2026年第四季度: the visit of 2026-11-03
    no_visit = text.replace("kind: 入户随访", "kind: 康复指导")
    assert check({"r.yaml": no_visit}, "2027-01-01") == [
        ("services", "committee", "2026年第四季度没有开展入户随访（要求每季度至少 1 次）")
    ]
