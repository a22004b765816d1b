"""Browser fixtures: Debian's chromium driven by Playwright, the example community served on a free port.

One browser and one build per session. The browser is the system's /usr/bin/chromium (installed by
`bash setup.sh test`); Playwright never downloads one. axe-core comes from npm (tests/browser/package.json).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from site_builder.config import load_config
from site_builder.errors import Problems

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The policy docs/deploy.md tells a server to send; the test server sends it, so any page or search that
# needs more (an inline script or style, eval, WebAssembly, another origin) shows up as a console error.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def chromium_path() -> str:
    """The system chromium (SANWU_CHROMIUM overrides); a clear failure when it is missing."""
    path = os.environ.get("SANWU_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.fail("找不到 chromium：请运行 bash setup.sh test（apt-get install chromium）", pytrace=False)
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    public_path = "/"  # where the public site lives on its own server (the path of its base_url)

    def translate_path(self, path: str) -> str:
        """Also serve the public build at its base_url's path, as it is deployed: 404.html links from there."""
        if self.public_path != "/" and path.startswith(self.public_path):
            path = "/public/" + path.removeprefix(self.public_path)
        return super().translate_path(path)

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture(scope="session")
def served(example_site: Path) -> Iterator[str]:
    """The example community's output/ over HTTP on 127.0.0.1 (a free port); yields the base URL."""
    site = load_config(example_site, Problems())
    public_path = urlsplit(site.base_urls.get("public", "")).path or "/"
    handler = functools.partial(
        type("Handler", (_QuietHandler,), {"public_path": public_path}), directory=str(example_site / "output")
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless chromium for the whole session."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh 390 px page; console errors and failed requests are collected in page.problems."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.problems = problems  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8") + "\n;undefined"


def axe_violations(page: Page) -> list[str]:
    """axe-core's violations on the loaded page, one line each (rule, impact, first targets)."""
    if not AXE.is_file():
        pytest.fail("找不到 axe-core：请运行 bash setup.sh test（npm ci --prefix tests/browser）", pytrace=False)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())  # evaluated by the driver, so the page's CSP still forbids inline scripts
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for violation in result["violations"]:
        targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {', '.join(targets)}")
    return lines


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


SMALLEST_CHART_TEXT = """
() => Math.min(Infinity, ...Array.from(document.querySelectorAll("svg.chart text"), (t) =>
  parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))
"""


def smallest_chart_text(page: Page) -> float:
    """The smallest chart label on the page in CSS pixels as drawn (infinity when there is no chart)."""
    return float(page.evaluate(SMALLEST_CHART_TEXT))


BROKEN_WORDS = """
() => Array.from(document.querySelectorAll("th, td"), (cell) => {
  const text = cell.textContent.trim();
  if (text.length < 2 || text.length > 4 || /\\s/.test(text)) return null;
  const range = document.createRange();
  range.selectNodeContents(cell);
  const lines = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
  return lines.size > 1 ? `${text}（${lines.size} 行）` : null;
}).filter(Boolean)
"""


def broken_short_cells(page: Page) -> list[str]:
    """Table cells of two to four characters that the layout breaks over several lines (类 / 别)."""
    return [str(cell) for cell in page.evaluate(BROKEN_WORDS)]
