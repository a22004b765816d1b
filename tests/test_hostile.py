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
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from site_builder.records import TYPES
from tests.conftest import REPO, run, write_site
from tests.hostile_matrix import BODY, CORPORA, SITE_YAML, Matrix, build_matrix, corpus_payloads, dump, values_at

# One worker runs every test of the hostile build (pytest -n: built once, not once per worker).
pytestmark = pytest.mark.xdist_group("hostile")
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
# Text between two tags that holds neither < nor > (escaped text, all of it) cannot be markup: dropped before
# parsing, which makes the inspection ten times faster. Style blocks keep their text (compared with ours).
TEXT_RUN = re.compile(r"(<style\b[^>]*>[^<]*)|>[^<>]+(?=<)")
# Committee-only values of the types' examples, and one planted in every build: never in a lower build.
SECRETS = ["13800000001", "13800000002", "13800000003", "430102199001010024", "13912345678"]


TEMPLATES = re.sub(
    r"\s+", "", "".join(p.read_text(encoding="utf-8") for p in (REPO / "site_builder/templates").rglob("*.*"))
)


def live_markup(html: str) -> list[str]:
    """Anything in a page that a browser would run or load from elsewhere, one line each."""
    inspector = Inspector()
    inspector.feed(TEXT_RUN.sub(lambda m: m.group(1) or ">", html))
    inspector.close()
    return inspector.bad


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


@pytest.fixture
def matrix(hostile_matrix: Matrix) -> Matrix:
    return hostile_matrix


@pytest.fixture
def built(hostile_site: Path) -> Path:
    """The output/ folder of the matrix, built once per session (tests/conftest.py)."""
    return hostile_site / "output"


def files(root: Path, pattern: str) -> list[Path]:
    return sorted(p for p in root.rglob(pattern) if p.is_file())


def test_every_payload_reaches_every_free_text_field(matrix: Matrix, built: Path) -> None:
    pairs = matrix.pairs()
    fields = sum(len(f) for f in matrix.slots.values())
    print(
        f"\nhostile matrix: {matrix.payloads} distinct payloads ({matrix.accepted} a text may hold, {matrix.names} a "
        f"name may be) × {fields} free-text fields and bodies of {len(matrix.slots)} types: {matrix.tried()} "
        f"payload×field pairs built in {len(matrix.files) - len(matrix.dropped)} records; "
        f"{matrix.refused} pairs refused by check (by rule: control characters, ID and card numbers, mobiles, "
        "not a name); tracebacks in check and build: 0"
    )
    assert matrix.dropped == set()
    assert matrix.tried() == matrix.expected()
    for rtype, slots in matrix.slots.items():
        for path, kind in slots.items():
            want = matrix.names if kind in ("name", "names") else matrix.accepted
            assert len(pairs[rtype, path]) == want, f"{rtype} {path}"
    assert matrix.payloads > 7000 and fields > 150 and len(matrix.slots) == len(TYPES.types)


def test_every_pair_reaches_the_committee_data_download(matrix: Matrix, built: Path) -> None:
    """Each record's JSON download (committee: every field) holds every payload placed in each of its fields."""
    missing = []
    for rel, fields in matrix.placed.items():
        rtype, stem = rel.removesuffix(".md").removesuffix(".yaml").split("/")
        record = json.loads((built / "committee/data" / rtype / f"{stem}.json").read_text(encoding="utf-8"))
        for path, payloads in fields.items():
            got = [record["body"]] if path == BODY else values_at(record["data"], path) or values_at(record, path)
            whole, items = "\n".join(got), set(got)
            missing += [
                f"{rel} {path}: {p[:40]!r}" for p in payloads if p.strip() not in items and p.strip() not in whole
            ]
    assert missing == [], missing[:20]


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
        bad += [f"{page.relative_to(built)}: {b}" for b in live_markup(page.read_text(encoding="utf-8"))]
    print(f"\nhostile pages: {len(pages)} pages of 3 audiences inspected, {len(bad)} live payloads")
    assert bad == []
    assert "&lt;script&gt;" in (built / "public/index.html").read_text(encoding="utf-8")  # shown as text


def text_of(path: Path) -> str:
    """A file's text as stored; a spreadsheet's is inside its zip."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return path.read_bytes().decode("utf-8", "replace")


def test_no_output_contains_the_builders_paths(hostile_site: Path, built: Path) -> None:
    """No page, download, feed, index or spreadsheet names the folder it was built in or where sanwu runs from."""
    outputs = files(built, "*")
    needles = {str(hostile_site), str(hostile_site.resolve()), str(REPO)}
    found = [f"{p.relative_to(built)}" for p in outputs if any(n in text_of(p) for n in needles)]
    kinds = {p.suffix for p in outputs}
    print(f"\nbuilder's paths: {len(outputs)} output files ({', '.join(sorted(kinds))}), {len(found)} name them")
    assert found == []
    assert {".html", ".json", ".csv", ".xlsx", ".xml", ".txt"} <= kinds


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
    found = leaks(root, text_of) + [s for t in search_texts(root) for s in SECRETS if s in t]
    print(f"\nPII leaks into the {audience} build: {len(found)} ({len(files(root, '*'))} files read)")
    assert found == []
    assert any("13800000002" in p.read_text(encoding="utf-8") for p in files(built / "committee", "*.json"))


def without(text: str, chars: set[str]) -> str:
    """A matrix record (JSON front matter) with the characters dropped; a value left empty becomes 某."""

    def drop(value: object) -> object:
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items()}
        if isinstance(value, list):
            return [drop(v) for v in value]
        return ("".join(c for c in value if c not in chars).strip() or "某") if isinstance(value, str) else value

    front, sep, body = text.removeprefix("---\n").partition("\n---\n")
    return dump(drop(json.loads(front)), str(drop(body)) if sep else None)  # type: ignore[arg-type]


def test_printed_notices_carry_payloads_as_text_only(tmp_path: Path) -> None:
    """PDFs for a sample (a notice and a ledger with every 100th payload in every field): text only, no link to run,
    no builder's path."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora not available")
    few = build_matrix(corpus_payloads(CORPORA)[::100])
    sample = {k: v for k, v in few.files.items() if k in ("notice/000.md", "finance-ledger/000.yaml")}
    assert len(sample) == 2 and len(few.files) == len(TYPES.types)  # one record per type holds them all
    args = ("build", "--no-record", "--audience", "public", "--as-of", "2026-12-31")
    refused = run(write_site(tmp_path / "first", sample, SITE_YAML), *args)
    # Characters no installed font has (Telugu, emoji) are refused by name, never printed as boxes:
    # every error of the first build is that one, and the payloads without them then print.
    errors = [line for line in refused.output.splitlines() if "content/" in line]
    unprintable = {
        chr(int(code, 16)) for code in re.findall(r"（U\+([0-9A-F]{4,6})）没有任何已安装的字体能打印", refused.output)
    }
    assert errors and all("没有任何已安装的字体能打印" in line for line in errors), errors[:5]
    printable = {k: without(v, unprintable) for k, v in sample.items()}
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
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        stored = pdf.read_bytes().decode("latin-1")
        assert not any(str(where) in seen for where in (project, REPO) for seen in (text, urls, info, stored)), pdf.name


def test_inspector_catches_what_it_looks_for() -> None:
    bad = live_markup(
        '<p>text &lt;b&gt;</p><a href=" javascript:alert(1)" onclick="x">a</a><svg onload=1></svg><img src="data:x">'
        '<script></script><style>body{}</style><img src="https://tracker.example/p.png"><!-- a > b --><p>x</p>'
    )
    assert len(bad) == 9, bad
