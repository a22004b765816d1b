"""Hostile input: every payload of ../shared/corpora in every free-text field of every type and in Markdown
bodies, all audiences built once, every output kind checked: nothing live, no personal data, no traceback."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import REPO, run, write_site
from tests.hostile_matrix import Matrix, build_matrix, corpus_payloads

CORPORA = REPO.parent / "shared" / "corpora"
FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "math",
    "frame",
    "frameset",
    "applet",
    "base",
    "form",
}
OUR_SVG = {"chart", "qr"}
OUR_SCRIPTS = {"pagefind/pagefind-ui.js", "static/search.js"}  # search.html only (Pagefind or our own index)
BAD_URL = re.compile(r"^\s*(javascript|vbscript|data|file)\s*:", re.I)
NUMBER = re.compile(r"-?\d+(\.\d+)?")
# Committee-only values of the types' examples, and one planted in every build: never in a lower build.
SECRETS = ["13800000001", "13800000002", "13800000003", "430102199001010024", "13912345678"]
SITE_YAML = 'community: 测试社区\norg: 中共测试社区委员会\nbase_url: https://example.org/t/\nsupervision_phone: "0746-7654321"\n'


TEMPLATES = re.sub(
    r"\s+", "", "".join(p.read_text(encoding="utf-8") for p in (REPO / "site_builder/templates").rglob("*.*"))
)


class Inspector(HTMLParser):
    """Anything in a page that a browser would run or load from elsewhere."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []
        self.style: list[str] | None = None

    def handle_data(self, data: str) -> None:
        if self.style is not None:
            self.style.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self.style is not None:
            if re.sub(r"\s+", "", "".join(self.style)) not in TEMPLATES:  # a template's own style block is ours
                self.bad.append("<style> not ours")
            self.style = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "style":
            self.style = []
            return
        src = names.get("src") or names.get("href") or ""
        if tag == "script" and any(src.endswith(ours) for ours in OUR_SCRIPTS):
            return
        if tag in FORBIDDEN_TAGS or (tag == "meta" and (names.get("http-equiv") or "").lower() == "refresh"):
            self.bad.append(f"<{tag}>")
        if tag == "svg" and (names.get("class") or "") not in OUR_SVG:
            self.bad.append("<svg> not ours")
        if tag == "img" and re.match(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", names.get("src") or "", re.I):
            self.bad.append(f"img from elsewhere {names.get('src', '')[:40]}")
        for name, value in attrs:
            if name.startswith("on"):
                self.bad.append(f"{tag} {name}=")
            if name in ("href", "src", "action", "formaction", "xlink:href", "srcset", "poster") and value:
                if BAD_URL.match(value):
                    self.bad.append(f"{tag} {name}={value[:40]}")


@pytest.fixture(scope="session")
def matrix() -> Matrix:
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora not available")
    return build_matrix(corpus_payloads(CORPORA))


@pytest.fixture(scope="session")
def built(matrix: Matrix, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The accepted payloads, built once for every audience.

    A record that breaks a rule across records (one assessment per period, a contact among the cards) whatever
    its texts say is left out, and its pairs are not counted; every type keeps records.
    """
    project = write_site(tmp_path_factory.mktemp("hostile"), dict(matrix.files), SITE_YAML)
    checked = run(project, "check")
    assert "Traceback" not in checked.output
    for line in checked.stdout.splitlines():
        if ": 错误: " in line:
            rel = line.split(":")[0].removeprefix("content/")
            if rel in matrix.files:
                (project / "content" / rel).unlink(missing_ok=True)
                matrix.tried -= matrix.per_file.pop(rel, 0)
                matrix.dropped.add(rel)
    kept = {rel.split("/")[0] for rel in matrix.files if rel not in matrix.dropped}
    assert kept == {rel.split("/")[0] for rel in matrix.files}
    result = run(project, "build", "--no-pdf", "--audience", "all", "--as-of", "2026-12-31")  # feeds list revisions
    assert result.exit_code == 0, result.output[:3000]
    return project / "output"


def files(root: Path, pattern: str) -> list[Path]:
    return sorted(p for p in root.rglob(pattern) if p.is_file())


def test_every_payload_reaches_every_free_text_field(matrix: Matrix, built: Path) -> None:
    print(
        f"\nhostile matrix: {matrix.payloads} payloads ({matrix.shapes} shapes), {matrix.slots} free-text fields "
        f"and bodies of {len({t for _, t, _ in matrix.pairs})} types; {matrix.tried} payload×field pairs built "
        f"({len(matrix.files) - len(matrix.dropped)} records; {len(matrix.dropped)} left out for cross-record rules), "
        f"{matrix.refused} refused by check"
    )
    assert matrix.payloads > 7000 and matrix.slots > 100
    assert {t for _, t, _ in matrix.pairs} >= {"notice", "finance-ledger", "meeting-record", "volunteer-team"}


def test_payloads_that_cannot_be_text_or_names_are_refused_with_an_error(matrix: Matrix, tmp_path: Path) -> None:
    project = write_site(tmp_path, dict(matrix.refused_files), SITE_YAML)
    result = run(project, "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    flagged = {line.split(":")[0] for line in result.stdout.splitlines() if ": 错误: " in line}
    assert flagged == {f"content/{name}" for name in matrix.refused_files}


def test_no_page_has_anything_live(built: Path) -> None:
    pages = files(built, "*.html")
    assert len(pages) > 300
    bad = []
    for page in pages:
        inspector = Inspector()
        inspector.feed(page.read_text(encoding="utf-8"))
        bad += [f"{page.relative_to(built)}: {b}" for b in inspector.bad]
    assert bad == []
    assert "&lt;script&gt;" in (built / "public/index.html").read_text(encoding="utf-8")  # shown as text


def test_feeds_sitemap_json_and_csv_are_well_formed_and_inert(built: Path) -> None:
    for xml in files(built, "*.xml"):
        ET.parse(xml)
    assert "&lt;script&gt;" in (built / "public/feed.xml").read_text(encoding="utf-8")  # titles of revisions
    assert (built / "public/sitemap.xml").is_file()
    for data in files(built, "*.json"):
        json.loads(data.read_text(encoding="utf-8"))
    formulas = []
    for table in files(built, "*.csv"):
        for row in csv.reader(io.StringIO(table.read_text(encoding="utf-8-sig"))):
            formulas += [c for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not NUMBER.fullmatch(c)]
            formulas = [c for c in formulas if not c.startswith("\t") or not c[1:].isdigit()]
    assert formulas == []


def search_texts(root: Path) -> list[str]:
    texts = []
    for path in files(root, "*"):
        if "pagefind" in path.parts or path.name.startswith("search"):
            raw = path.read_bytes()
            try:
                raw = gzip.decompress(raw)
            except OSError:
                pass
            texts.append(raw.decode("utf-8", "replace"))
    return texts


def leaks(root: Path, read: Callable[[Path], str]) -> list[str]:
    return [f"{p.relative_to(root)}: {s}" for p in files(root, "*") for s in SECRETS if s in read(p)]


@pytest.mark.parametrize("audience", ["public", "party"])
def test_no_committee_only_number_reaches_a_lower_build(built: Path, audience: str) -> None:
    root = built / audience
    assert leaks(root, lambda p: p.read_bytes().decode("utf-8", "replace")) == []
    assert [t for t in search_texts(root) for s in SECRETS if s in t] == []
    assert any("13800000002" in p.read_text(encoding="utf-8") for p in files(built / "committee", "*.json"))


def test_printed_notices_carry_payloads_as_text_only(matrix: Matrix, tmp_path: Path) -> None:
    """PDFs for a sample (a notice and a ledger, every payload in each): text extracted, no link to run."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    sample = {k: v for k, v in matrix.files.items() if k.endswith(("notice/000.md", "finance-ledger/000.yaml"))}
    args = ("build", "--no-record", "--audience", "public", "--as-of", "2026-12-31")
    refused = run(write_site(tmp_path / "first", sample, SITE_YAML), *args)
    # Characters no installed font has (Telugu, emoji) are refused by name, never printed as boxes:
    # every error of the first build is that one, and the payloads without them then print.
    errors = [line for line in refused.output.splitlines() if "content/" in line]
    unprintable = {
        chr(int(code, 16)) for code in re.findall(r"（U\+([0-9A-F]{4,6})）没有任何已安装的字体能打印", refused.output)
    }
    assert errors and all("没有任何已安装的字体能打印" in line for line in errors), errors[:5]
    printable = {k: "".join(c for c in v if c not in unprintable) for k, v in sample.items()}
    project = write_site(tmp_path / "second", printable, SITE_YAML)
    result = run(project, *args)
    assert result.exit_code == 0, result.output[:3000]
    pdfs = files(project / "output/public", "*.pdf")
    assert len(pdfs) >= 2
    for pdf in pdfs:
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert not any(s in text for s in SECRETS), pdf.name
        urls = subprocess.run(["pdfinfo", "-url", str(pdf)], capture_output=True, text=True).stdout
        assert not re.search(r"(?im)^\s*\d+\s+\S+\s+(javascript|vbscript|data|file):", urls), urls[:500]


def test_inspector_catches_what_it_looks_for() -> None:
    inspector = Inspector()
    inspector.feed(
        '<a href=" javascript:alert(1)" onclick="x">a</a><svg onload=1></svg><img src="data:x"><script></script>'
        '<style>body{}</style><img src="https://tracker.example/p.png">'
    )
    assert len(inspector.bad) == 9
