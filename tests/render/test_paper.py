"""Paper as a resident sees it on the 公开栏: every glyph of every PDF inside the text block, no name split.

Measured with poppler's pdftotext -bbox-layout on the example community (every audience) and on a stress
site: a 250-entry ledger with long summaries, a 30-person 发展党员 list, rare-character names.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_AS_OF, run, write_site

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")

MM = 72 / 25.4
# print.css: portrait 37/26/35/28 mm (top/right/bottom/left), landscape (@page wide) 26/30/28/30 mm
MARGINS = {"portrait": (37, 26, 35, 28), "landscape": (26, 30, 28, 30)}
TOLERANCE = 1.0  # pt: glyph boxes may reach a hair past the line box
PAGE_NUMBER = re.compile(r"—\s*\d+\s*—|\d+|—")
BUNDLE_HEAD = re.compile(r"汇编第\s*\d+\s*件（共\s*\d+\s*件）")

SURNAMES = ["欧阳", "司马", "诸葛", "上官", "令狐", "皇甫", "慕容", "东方", "尉迟", "公孙"]
GIVEN = ["䶮", "喆", "堃", "玥珺", "彧", "芃", "龑", "赟", "燚", "垚", "犇淼", "鑫", "㛃", "璟", "翀"]
STRESS_NAMES = [SURNAMES[i % 10] + GIVEN[i % 15] + ("" if i < 15 else GIVEN[(i + 3) % 15][0]) for i in range(30)]
LONG_SUMMARY = "购买社区党员活动室使用的学习资料、文具、饮用水及宣传横幅等物品（第{n}批次，含运费和安装调试服务）"


@dataclass
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Page:
    width: float
    height: float
    lines: list[list[Word]]


def read_pages(pdf: Path) -> list[Page]:
    """Every page's lines of words with their boxes (pdftotext -bbox-layout)."""
    xhtml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = []
    for page_match in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xhtml, re.S):
        lines = []
        for line in re.finditer(r"<line [^>]*>(.*?)</line>", page_match.group(3), re.S):
            words = [
                Word(unescape(m.group(5)), *(float(m.group(i)) for i in range(1, 5)))
                for m in re.finditer(
                    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', line.group(1)
                )
            ]
            lines.append(words)
        pages.append(Page(float(page_match.group(1)), float(page_match.group(2)), lines))
    return pages


def outside_text_block(pdf: Path) -> list[str]:
    """Words outside the text block, except the page number below it and a bundle's running head above it."""
    problems = []
    for number, page in enumerate(read_pages(pdf), 1):
        top, right, bottom, left = MARGINS["landscape" if page.width > page.height else "portrait"]
        box = (left * MM - TOLERANCE, top * MM - TOLERANCE, page.width - right * MM + TOLERANCE)
        floor = page.height - bottom * MM + TOLERANCE
        for line in page.lines:
            text = "".join(w.text for w in line)
            if line and line[0].y0 >= floor and PAGE_NUMBER.fullmatch(text):
                continue
            if line and line[-1].y1 <= box[1] and BUNDLE_HEAD.fullmatch(text):
                continue
            for word in line:
                if word.x0 < box[0] or word.y0 < box[1] or word.x1 > box[2] or word.y1 > floor:
                    problems.append(f"{pdf.name} p.{number}: “{word.text}” at ({word.x0:.0f}, {word.y0:.0f})")
                    break
    return problems


def line_texts(pdf: Path) -> list[str]:
    return ["".join(w.text for w in line) for page in read_pages(pdf) for line in page.lines]


def stress_files() -> dict[str, str]:
    entries = "".join(
        f'  - {{date: 2026-10-{1 + n % 28:02d}, voucher: "2026-10-{n + 1:03d}", summary: {LONG_SUMMARY.format(n=n + 1)}, '
        f"category: {['学习教育', '党员活动', '阵地建设', '慰问帮扶'][n % 4]}, expense: 100.00, "
        f"handler: {STRESS_NAMES[n % 30]}, approver: {STRESS_NAMES[(n + 7) % 30]}}}\n"
        for n in range(250)
    )
    ledger = (
        "type: finance-ledger\ntitle: 压力社区党建经费2026年10月收支明细公示\naccount: 党建经费\nperiod: 2026-10\n"
        f"opening_balance: 50000.00\nentries:\n{entries}closing_balance: 25000.00\n"
        "prepared_by: 欧阳䶮\nreviewed_by: [司马玥珺, 诸葛彧]\napproved_by: 上官喆\napproved_on: 2026-11-05\nstatus: approved\n"
    )
    persons = "".join(
        f"  - {{name: {name}, gender: {'男女'[i % 2]}, born: 199{i % 10}-0{1 + i % 9}, ethnicity: 汉族, education: 大学本科, "
        f"workplace: 某某科技有限公司软件开发部工程师, applied_on: 2024-03-18, activist_on: 2024-06-28, candidate_on: 2026-11-13}}\n"
        for i, name in enumerate(STRESS_NAMES)
    )
    development = (
        "type: member-development\ntitle: 中共压力社区第一网格支部委员会关于发展对象的公示\nstage: 发展对象\n"
        "branch: 第一网格党支部\nnotice_period: {from: 2026-11-23, to: 2026-11-27}\n"
        f"persons:\n{persons}prepared_by: 欧阳䶮\nreviewed_by: [司马玥珺]\napproved_by: 上官喆\napproved_on: 2026-11-19\n"
        "status: approved\n"
    )
    return {"财务/2026-10.yaml": ledger, "党务/发展对象.yaml": development}


STRESS_SITE = """\
community: 压力社区
org: 中共压力社区委员会
base_url: https://example.org/stress/
supervision_phone: "0746-7654321"
"""


@pytest.fixture(scope="module")
def stress_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = write_site(tmp_path_factory.mktemp("stress") / "site", stress_files(), STRESS_SITE)
    result = run(project, "build", "--as-of", EXAMPLE_AS_OF)
    assert result.exit_code == 0, result.output
    return project


def all_pdfs(output: Path) -> list[Path]:
    return sorted(output.rglob("*.pdf"))


def test_every_glyph_of_the_example_community_is_inside_the_text_block(example_site: Path) -> None:
    pdfs = all_pdfs(example_site / "output")
    assert len(pdfs) > 40
    problems = [line for pdf in pdfs for line in outside_text_block(pdf)]
    assert problems == [], "\n".join(problems[:40])


def headings(build: Path) -> set[str]:
    """The headings and table titles of one audience's pages (the PDFs print the same fragments)."""
    found = set()
    for page in build.rglob("*.html"):
        for match in re.finditer(r"<(h[2-4]|caption)\b[^>]*>(.*?)</\1>", page.read_text(encoding="utf-8"), re.S):
            text = re.sub(r"\s+", "", unescape(re.sub(r"<[^>]+>", "", match.group(2))))
            found.add(text)
    return found - {""}


def pages_ending_with_a_heading(build: Path) -> list[str]:
    """Pages whose last printed line (page number aside) is a heading or a table's title."""
    heads, ending = headings(build), []
    for pdf in all_pdfs(build):
        for number, page in enumerate(read_pages(pdf), 1):
            lines = sorted((min(w.y0 for w in line), "".join(w.text for w in line)) for line in page.lines if line)
            texts = [t for _, t in lines if not PAGE_NUMBER.fullmatch(t)]  # top to bottom
            if texts and texts[-1] in heads:
                ending.append(f"{pdf.relative_to(build)} page {number}: {texts[-1]}")
    return ending


def test_no_page_ends_with_a_heading_or_a_tables_title(example_site: Path, stress_site: Path) -> None:
    """A heading or a table's title always has its first lines or rows below it on the same page."""
    builds = [example_site / "output" / audience for audience in ("public", "party", "committee")]
    assert sum(len(all_pdfs(b)) for b in builds) > 40
    ending = [line for build in [*builds, stress_site / "output/public"] for line in pages_ending_with_a_heading(build)]
    assert ending == [], "\n".join(ending)


def test_stress_site_fits_the_paper_and_splits_no_name(stress_site: Path) -> None:
    pdfs = all_pdfs(stress_site / "output/public")
    problems = [line for pdf in pdfs for line in outside_text_block(pdf)]
    assert problems == [], "\n".join(problems[:40])
    ledger = stress_site / "output/public/pdf/caiwu/2026-10.pdf"
    lines = line_texts(ledger)
    for name in STRESS_NAMES:
        assert any(name in line for line in lines), f"{name} split across lines in the ledger"
    development = next(p for p in pdfs if "fazhan" in p.name or "发展" in p.name or "dangwu" in p.as_posix())
    lines = line_texts(development)
    for name in STRESS_NAMES:
        assert any(name in line for line in lines), f"{name} split across lines in the 发展对象 list"
    # every column of the 250 rows is printed: the balance of the last row and each handler
    text = "\n".join(line_texts(ledger))
    assert "25,000.00" in text and "本期合计" in text


def test_a_character_no_font_has_is_an_error_naming_record_field_and_character(site) -> None:
    files = stress_files()
    files["党务/发展对象.yaml"] = files["党务/发展对象.yaml"].replace(STRESS_NAMES[3], "公孙\U0002a6d6")
    project = site(files)
    result = run(project, "build", "--as-of", EXAMPLE_AS_OF)
    assert result.exit_code != 0
    assert "党务/发展对象.yaml: persons[3].name: 字“\U0002a6d6”（U+2A6D6）" in result.output
    assert not (project / "output/public").exists()


def test_titles_break_only_between_words_into_balanced_lines() -> None:
    from site_builder.render.printing import TITLE_CHARS, title_lines

    assert title_lines("第一网格公示牌") == ["第一网格公示牌"]
    assert title_lines("中共凤凰社区第一网格支部委员会关于发展对象的公示") == [
        "中共凤凰社区第一网格支部委员会",
        "关于发展对象的公示",
    ]
    long = "关于开展2026年度流动党员信息核查和《流动党员活动证》查验工作的通知"
    lines = title_lines(long)
    assert "".join(lines) == long and len(lines) == 2 and lines[1].startswith("《")
    assert all(len(line) <= TITLE_CHARS[False] + 2 for line in lines)
