"""Every hostile string of ../shared/corpora, in any field or body, comes out of every output inert."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from tests.conftest import LEDGER, REPO, run

CORPORA = REPO.parent / "shared" / "corpora"
FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "style",
    "math",
    "frame",
    "frameset",
    "applet",
    "base",
    "form",
    "meta-refresh",
}
OUR_SVG = {"chart", "qr"}
BAD_URL = re.compile(r"^\s*(javascript|vbscript|data|file)\s*:", re.I)


def payloads() -> list[str]:
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora not available")
    lines = []
    for name in ("xss-payloadbox.txt", "xss-html5sec.txt"):
        lines += (CORPORA / name).read_text(encoding="utf-8", errors="replace").splitlines()
    lines += [
        s for s in json.loads((CORPORA / "naughty-strings.json").read_text(encoding="utf-8")) if isinstance(s, str)
    ]
    return [line for line in lines if line.strip()]


OUR_SCRIPTS = {"static/search.js"}  # search.html only


class Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and any((names.get("src") or "").endswith(ours) for ours in OUR_SCRIPTS):
            return
        if tag in FORBIDDEN_TAGS or (tag == "meta" and (names.get("http-equiv") or "").lower() == "refresh"):
            self.bad.append(f"<{tag}>")
        if tag == "svg" and (names.get("class") or "") not in OUR_SVG:
            self.bad.append("<svg> not ours")
        for name, value in attrs:
            if name.startswith("on"):
                self.bad.append(f"{tag} {name}=")
            if (
                name in ("href", "src", "action", "formaction", "xlink:href", "srcset", "poster")
                and value
                and BAD_URL.match(value)
            ):
                self.bad.append(f"{tag} {name}={value[:40]}")


def yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def hostile_site(items: list[str]) -> dict[str, str]:
    files = {}
    chunk = 150
    for n in range(0, len(items), chunk):
        part = items[n : n + chunk]
        title = yaml_string(part[0][:200])
        body = "\n\n".join(part)
        files[f"n{n:05d}.md"] = (
            f"---\ntype: notice\ntitle: {title}\narea: residents\napproved_by: {yaml_string(part[1][:100])}\n"
            f"approved_on: 2026-11-10\nstatus: approved\ntags: [{yaml_string(part[2][:100])}]\n---\n\n{body}\n"
        )
    entries = "".join(
        f"  - {{date: 2026-11-03, voucher: {yaml_string(f'V{i}')}, summary: {yaml_string(p[:300])}, "
        f"category: {yaml_string(p[:50])}, expense: 1.00, handler: {yaml_string(p[:40])}}}\n"
        for i, p in enumerate(items[:300])
    )
    ledger = LEDGER.replace("entries:\n", "entries:\n" + entries).replace("31640.00", f"{31640 - 300}.00")
    files["ledger.yaml"] = ledger
    return files


def test_hostile_strings_come_out_inert(site) -> None:
    items = payloads()
    assert len(items) > 6000
    project = site(hostile_site(items))
    result = run(project, "build", "--no-pdf", "--audience", "all", "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.output[:2000]
    out = project / "output"
    pages = list(out.rglob("*.html"))
    assert len(pages) > 40
    bad = []
    for page in pages:
        inspector = Inspector()
        inspector.feed(page.read_text(encoding="utf-8"))
        bad += [f"{page.relative_to(out)}: {b}" for b in inspector.bad]
    assert bad == []
    for feed in out.rglob("*.xml"):
        ET.parse(feed)  # well-formed: every payload escaped
    for data in out.rglob("*.json"):
        json.loads(data.read_text(encoding="utf-8"))
    # the payloads are shown as text, not dropped: a resident sees what was typed
    assert "&lt;script&gt;" in (out / "public/r/n00000.html").read_text(encoding="utf-8")


def test_inspector_catches_what_it_looks_for() -> None:
    inspector = Inspector()
    inspector.feed(
        '<a href=" javascript:alert(1)" onclick="x">a</a><svg onload=1></svg><img src="data:x"><script></script>'
    )
    assert len(inspector.bad) == 6
