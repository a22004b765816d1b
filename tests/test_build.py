"""Building: audiences, drafts, scheduling, atomic swaps, byte-identical rebuilds, links that resolve."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from site_builder import write
from site_builder.records import TYPES
from tests.conftest import LEDGER, NOTICE, run

SECRET = (
    NOTICE.replace("title: 关于冬季消防安全的通知", "title: 委员会内部事项甲乙丙")
    .replace("area: residents", "area: party\naudience: committee")
    .replace("请各位居民注意用火安全。", "内部讨论的机密内容丁戊己。")
)
PARTY = NOTICE.replace("title: 关于冬季消防安全的通知", "title: 党内通报庚辛壬").replace(
    "area: residents", "area: party\naudience: party"
)
DRAFT = NOTICE.replace("title: 关于冬季消防安全的通知", "title: 草稿通知子丑寅").replace(
    "status: approved", "status: draft"
)
LATER = NOTICE.replace("title: 关于冬季消防安全的通知", "title: 定时通知卯辰巳").replace(
    "status: approved", "status: approved\npublished_on: 2026-12-01"
)

FILES = {
    "caiwu/2026-11.yaml": LEDGER,
    "notice.md": NOTICE,
    "secret.md": SECRET,
    "party.md": PARTY,
    "draft.md": DRAFT,
    "later.md": LATER,
}


def tree(root: Path) -> dict[str, bytes]:
    """Every file as it is served: output/<audience>/… (through the links), without output/.builds."""
    tops = [top for top in sorted(root.iterdir()) if not top.name.startswith(".")] if root.name == "output" else [root]
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for top in tops for p in sorted(top.rglob("*")) if p.is_file()
    }


def debris(project: Path) -> list[str]:
    """What a build leaves beside the live one: build folders not live, staging folders, half-made pointers."""
    out = project / "output"
    live = os.readlink(out / ".current")
    builds = [f".builds/{p.name}" for p in (out / ".builds").iterdir() if f".builds/{p.name}" != live]
    return builds + [p.name for p in out.iterdir() if p.name.startswith((".current.", ".staging-"))]


def all_text(root: Path) -> str:
    return "\n".join(data.decode("utf-8", "replace") for data in tree(root).values())


def test_each_audience_sees_only_what_it_may(site) -> None:
    project = site(FILES)
    assert run(project, "build", "--no-pdf", "--audience", "all", "--as-of", "2026-11-26").exit_code == 0
    public, party, committee = (all_text(project / "output" / a) for a in ("public", "party", "committee"))
    assert "委员会内部事项甲乙丙" not in public and "丁戊己" not in public
    assert "委员会内部事项甲乙丙" not in party and "丁戊己" not in party
    assert "丁戊己" in committee
    assert "党内通报庚辛壬" not in public and "党内通报庚辛壬" in party
    for text in (public, party, committee):
        assert "草稿通知子丑寅" not in text
        assert "定时通知卯辰巳" not in text
    assert "noindex" not in public and "noindex" in party and "noindex" in committee
    assert (project / "output/public/sitemap.xml").exists()
    assert not (project / "output/party/sitemap.xml").exists()


def test_drafts_flag_shows_drafts_watermarked(site) -> None:
    project = site(FILES)
    assert run(project, "build", "--no-pdf", "--drafts", "--as-of", "2026-11-26").exit_code == 0
    page = (project / "output/public/r/draft.html").read_text(encoding="utf-8")
    assert "草稿通知子丑寅" in page and "草稿" in page and "is-draft" in page
    assert "定时公开" in (project / "output/public/r/later.html").read_text(encoding="utf-8")


def test_scheduled_record_appears_on_its_day(site) -> None:
    project = site(FILES)
    run(project, "build", "--no-pdf", "--as-of", "2026-12-01")
    assert (project / "output/public/r/later.html").exists()


def test_ledger_page_shows_what_a_resident_checks(site) -> None:
    project = site(FILES)
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    page = (project / "output/public/r/caiwu/2026-11.html").read_text(encoding="utf-8")
    for text in (
        "31,640.00",
        "叁万壹仟陆佰肆拾元整",
        "贰万元整",
        "捌佰陆拾元整",
        "11,640.00",
        "11月3日",
        "学习教育",
        "<svg",
        'lang="zh-CN"',
    ):
        assert text in page
    csv = (project / "output/public/data/caiwu/2026-11.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")
    assert "2026-11-001,购买党员学习资料,学习教育,,860.00,11640.00" in csv.decode("utf-8-sig")


def test_notice_period_state(site) -> None:
    noticing = NOTICE.replace("status: approved", "status: approved\nnotice_period: {from: 2026-11-20, to: 2026-11-26}")
    project = site({"n.md": noticing})
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    assert "公示中" in (project / "output/public/index.html").read_text(encoding="utf-8")
    run(project, "build", "--no-pdf", "--as-of", "2026-11-27")
    page = (project / "output/public/r/n.html").read_text(encoding="utf-8")
    assert "已结束" in page and "公示中" not in page


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def broken_links(root: Path) -> tuple[list[str], int]:
    """Every href/src of every page: a file of the build (and an id on it), or tel:/mailto:."""
    parsed = {}
    for page in sorted(root.rglob("*.html")):
        if page.name == "404.html":
            continue  # shown at any depth, so its links start from base_url's path: tests/test_deploy.py follows them
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        parsed[page.resolve()] = parser
    broken, count = [], 0
    for page, parser in parsed.items():
        for link in parser.links:
            if link.startswith(("tel:", "mailto:")):
                continue
            count += 1
            path, _, fragment = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            if re.match(r"[a-z]+:|//", link) or not target.is_file():
                broken.append(f"{page}: {link}")
            elif fragment and target in parsed and fragment not in parsed[target].ids:
                broken.append(f"{page}: {link} (no such id)")
    return broken, count


def test_every_link_resolves_and_nothing_is_external(site) -> None:
    project = site(FILES)
    run(project, "build", "--no-pdf", "--audience", "all", "--as-of", "2026-11-26")
    broken, count = broken_links(project / "output")
    assert broken == [] and count > 50


def build_in_subprocess(project: Path, seed: str, lang: str) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "LANG": lang, "LC_ALL": lang, "TZ": "America/New_York"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "site_builder",
            "-C",
            str(project),
            "build",
            "--audience",
            "all",
            "--as-of",
            "2026-11-26",
            "--no-pdf",
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    return tree(project / "output")


def test_rebuilds_are_byte_identical_whatever_the_folder_seed_or_locale(site, tmp_path: Path) -> None:
    project = site(FILES)
    first = build_in_subprocess(project, "1", "C.UTF-8")
    other = tmp_path / "elsewhere" / "deeper"
    shutil.copytree(project / "content", other / "content")
    second = build_in_subprocess(other, "2", "zh_CN.UTF-8")
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_source_date_epoch_fixes_today(site, monkeypatch: pytest.MonkeyPatch) -> None:
    project = site(FILES)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01 UTC
    run(project, "build")
    assert "2026年12月1日" in (project / "output/public/index.html").read_text(encoding="utf-8")


def fingerprint(root: Path) -> str:
    return hashlib.sha256(repr(tree(root)).encode()).hexdigest()


def test_failed_build_leaves_previous_output_and_no_debris(site, monkeypatch: pytest.MonkeyPatch) -> None:
    project = site(FILES)
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    before = fingerprint(project / "output")
    (project / "content/notice.md").write_text(NOTICE.replace("请各位", "新的内容"), encoding="utf-8")

    def explode(root: Path, files: dict[str, bytes]) -> None:
        (root / "half-written.html").write_text("partial")
        raise OSError("disk full")

    monkeypatch.setattr("site_builder.pipeline.write_files", explode)
    result = run(project, "build", "--no-pdf", "--as-of", "2026-11-26", "--no-record")
    assert result.exit_code == 1 and "错误: 无法读写文件" in result.output and "Traceback" not in result.output
    assert fingerprint(project / "output") == before
    assert debris(project) == []


def test_content_error_leaves_previous_output(site) -> None:
    project = site(FILES)
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    before = fingerprint(project / "output")
    (project / "content/caiwu/2026-11.yaml").write_text(LEDGER.replace("31640.00", "1.00"), encoding="utf-8")
    result = run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    assert result.exit_code == 1 and "期末余额应为 31640.00" in result.output
    assert fingerprint(project / "output") == before


def test_killed_build_leaves_previous_output(site) -> None:
    project = site(FILES)
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    before = fingerprint(project / "output")
    # A build killed half-way through writing: simulate with a child that is SIGKILLed inside write_files.
    code = (
        "import os, signal, sys\n"
        "import site_builder.pipeline as p\n"
        "real = p.write_files\n"
        "def dying(root, files):\n"
        "    real(root, dict(list(files.items())[:3]))\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "p.write_files = dying\n"
        "from site_builder.cli import main\n"
        f"main(['-C', {str(project)!r}, 'build', '--as-of', '2026-11-26'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert proc.returncode == -9
    assert fingerprint(project / "output") == before  # what is served is untouched
    assert debris(project)  # the half-written build folder is not live ...
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    assert debris(project) == []  # ... and the next build removes it
    assert fingerprint(project / "output") == before


def test_a_failing_audience_changes_no_output_and_records_nothing(site, monkeypatch: pytest.MonkeyPatch) -> None:
    project = site(FILES)
    run(project, "build", "--no-pdf", "--audience", "all", "--as-of", "2026-11-26")
    before = fingerprint(project / "output")
    log = (project / "content/_audit/log.jsonl").read_bytes()
    changed = NOTICE.replace("请各位居民", "请全体居民").replace(
        "status: approved", "status: approved\nchange_reason: 措辞"
    )
    (project / "content/notice.md").write_text(changed, encoding="utf-8")
    real = write.write_files

    def committee_fails(root: Path, files: dict[str, bytes]) -> None:
        if "committee" in root.name:
            raise OSError("disk full")
        real(root, files)

    monkeypatch.setattr("site_builder.pipeline.write_files", committee_fails)
    assert run(project, "build", "--no-pdf", "--audience", "all", "--as-of", "2026-11-27").exit_code == 1
    assert fingerprint(project / "output") == before  # public and party were not swapped in either
    assert (project / "content/_audit/log.jsonl").read_bytes() == log  # and the correction was not recorded


def test_init_creates_a_site_that_builds(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from site_builder.cli import main

    target = tmp_path / "new"
    result = CliRunner().invoke(main, ["init", str(target), "--community", "桃源社区"])
    assert result.exit_code == 0
    assert (target / "templates").is_dir() and "output/" in (target / ".gitignore").read_text()
    assert run(target, "check").exit_code == 0
    assert run(target, "build", "--no-pdf", "--as-of", "2026-11-26").exit_code == 0
    assert "桃源社区" in (target / "output/public/index.html").read_text(encoding="utf-8")
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 2  # never overwrites


@pytest.mark.parametrize("type_name", TYPES.names())
def test_new_writes_a_record_that_checks(site, type_name: str) -> None:
    project = site({})
    result = run(project, "new", type_name)
    assert result.exit_code == 0
    written = next((project / "content").glob("new-*"))
    assert "#" in written.read_text(encoding="utf-8")  # commented for the person filling it in
    assert run(project, "check").exit_code == 0
    assert run(project, "new", type_name).exit_code == 2  # never overwrites


def test_template_override_and_broken_template(site) -> None:
    project = site({"n.md": NOTICE})
    (project / "templates/types").mkdir(parents=True)
    (project / "templates/types/notice.html").write_text("<div class=mine>{{ view.title }}</div>", encoding="utf-8")
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-26").exit_code == 0
    assert "class=mine" in (project / "output/public/r/n.html").read_text(encoding="utf-8")
    (project / "templates/types/notice.html").write_text("{% if %}", encoding="utf-8")
    result = run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    assert result.exit_code == 1 and "types/notice.html:1" in result.output


def search_index_text(root: Path) -> str:
    """Everything the search index of a build holds: page titles and each page's indexed text."""
    index = (root / "search/index.json").read_text(encoding="utf-8")
    return index + "".join(p.read_text(encoding="utf-8") for p in sorted((root / "search/text").glob("*.txt")))


def test_search_index_per_audience(site) -> None:
    project = site(FILES)
    run(project, "build", "--no-pdf", "--audience", "all", "--as-of", "2026-11-26")
    public = search_index_text(project / "output/public")
    party = search_index_text(project / "output/party")
    assert "关于冬季消防安全的通知" in public and "党建经费2026年11月收支明细公示" in public
    assert "购买党员学习资料" in public and "31,640.00" not in public  # the words of a ledger, not its figures
    assert "党内通报庚辛壬" not in public and "党内通报庚辛壬" in party
    assert "丁戊己" not in party
    assert (project / "output/public/search.html").exists()


def test_compliance_page_shows_cleared_findings_only(site) -> None:
    minutes = """\
    ---
    type: meeting-record
    title: 第一支部支委会
    kind: 支委会
    org: 第一网格党支部
    date: {date}
    host: 杨卫东
    recorder: 李四
    attendees: [杨卫东, 李四]
    topics: [研究支部工作]
    approved_by: 王芳
    approved_on: {date}
    status: approved
    ---

    讨论机密事项甲乙丙。
    """
    project = site({f"m{n}.md": minutes.format(date=d) for n, d in enumerate(["2026-09-05", "2026-11-05"])})
    assert run(project, "build", "--no-pdf", "--audience", "all", "--as-of", "2026-11-26").exit_code == 0
    party = (project / "output/party/compliance.html").read_text(encoding="utf-8")
    assert "第一网格党支部 2026年10月 没有召开支委会" in party and "甲乙丙" not in party
    assert "第一网格党支部 2026年10月 没有召开支委会" in (project / "output/committee/compliance.html").read_text(
        encoding="utf-8"
    )
    assert not (project / "output/public/compliance.html").exists()


def test_schema_command_writes_one_json_schema_per_type(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from site_builder.cli import main

    result = CliRunner().invoke(main, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0
    ledger = json.loads((tmp_path / "finance-ledger.schema.json").read_text(encoding="utf-8"))
    assert ledger["properties"]["type"] == {"const": "finance-ledger", "description": "记录类型"}
    assert {"account", "opening_balance", "entries", "closing_balance"} <= set(ledger["required"])
    entry = ledger["properties"]["entries"]["items"]
    assert entry["additionalProperties"] is False and "voucher" in entry["required"]
    assert len(list(tmp_path.glob("*.schema.json"))) == len(TYPES.names())


def test_csv_cells_cannot_run_or_be_mangled_by_excel() -> None:
    from site_builder.render.data import cell

    assert cell('=HYPERLINK("http://evil","x")', "text").startswith("'=")
    assert cell("@SUM(A1)", "text") == "'@SUM(A1)"
    assert cell("430102199001010024", "text") == "\t430102199001010024"
    assert cell("007", "text") == "\t007"
    assert cell("2026-11-001", "text") == "2026-11-001"
    from decimal import Decimal

    assert cell(Decimal("-12.50"), "money") == "-12.50"
