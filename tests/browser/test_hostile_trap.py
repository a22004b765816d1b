"""The hostile matrix in a real browser: its pages loaded in headless chromium with every way a payload could
act trapped. Served without the Content-Security-Policy, so an injected script would run and be caught.

Trapped by an init script before any page script runs: alert, confirm, prompt, print, window.open, fetch,
XMLHttpRequest, navigator.sendBeacon, WebSocket, EventSource, eval, Function, string timers, document.write.
Our own search script (static/search.js) may fetch its index; any other caller is a live payload. Also
counted as live: a dialog, a console error or uncaught page error, a request to any host but the test server,
and a page that navigates away by itself.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, Request

from site_builder.records import AUDIENCES
from tests.browser.conftest import PHONE
from tests.browser.test_search import wait_until_done
from tests.hostile_matrix import Matrix

# One worker runs every test of the hostile build (pytest -n: built once, not once per worker).
pytestmark = pytest.mark.xdist_group("hostile")
OURS = "/static/search.js"  # the only script that may fetch (its index and page texts)
TRAP = """
(() => {
  const live = (what, detail) => {
    try { window.__sanwuLive(what, String(detail).slice(0, 160)); } catch (e) {}
  };
  const ours = () => (new Error().stack || "").includes("__OURS__");
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = function (x) { live(name, x); return null; };
  }
  window.open = function (url) { live("window.open", url); return null; };
  const realFetch = window.fetch;
  window.fetch = function (url, init) {
    if (ours()) { return realFetch.call(this, url, init); }
    live("fetch", url);
    return Promise.reject(new TypeError("trapped"));
  };
  const realOpen = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url) {
    live("XMLHttpRequest", url);
    return realOpen.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {};
  if (navigator.sendBeacon) {
    navigator.sendBeacon = function (url) { live("sendBeacon", url); return true; };
  }
  window.WebSocket = function (url) { live("WebSocket", url); throw new Error("trapped"); };
  window.EventSource = function (url) { live("EventSource", url); throw new Error("trapped"); };
  window.eval = function (code) { live("eval", code); };
  window.Function = function () { live("Function", Array.from(arguments).join(",")); return () => {}; };
  for (const name of ["setTimeout", "setInterval"]) {
    const real = window[name];
    window[name] = function (code) {
      if (typeof code === "string") { live(name + "(string)", code); return 0; }
      return real.apply(this, arguments);
    };
  }
  document.write = function (html) { live("document.write", html); };
  document.writeln = function (html) { live("document.writeln", html); };
})();
""".replace("__OURS__", OURS)
# Strings a search box gets from people who try things: each must come back as text, never run.
QUERIES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(document.cookie)",
    "'-alert(1)-'",
    "<svg/onload=confirm(1)>",
    "{{constructor.constructor('alert(1)')()}}",
]
# All ~560 pages take minutes in a browser; loaded instead, per audience, every page but these: of the record
# pages only record 000 of each type (at the type's lowest audience, in every build it may reach; it holds 11
# batches of payloads in its fields), of the per-period and per-account pages only the first. 404.html holds no
# record and links from the site's root (/t/…), which this server does not serve.
SAMPLED = ("r", "period", "report")


class _PlainHandler(http.server.SimpleHTTPRequestHandler):
    """No Content-Security-Policy: a payload that got into a page as markup would run here."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A page left before its last byte was sent (the browser moved on) is no error; anything else is."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def hostile_served(hostile_site: Path) -> Iterator[str]:
    handler = functools.partial(_PlainHandler, directory=str(hostile_site / "output"))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class Trap:
    """A page with the traps installed; everything a payload did, one line each."""

    def __init__(self, browser: Browser, served: str) -> None:
        self.context = browser.new_context(viewport=PHONE, locale="zh-CN")
        self.served = served
        self.live: list[str] = []
        self.at = ""
        self.context.expose_function("__sanwuLive", lambda what, detail: self.hit(f"{what}({detail})"))
        self.context.add_init_script(TRAP)
        self.page: Page = self.context.new_page()
        self.page.on("dialog", lambda dialog: (self.hit(f"dialog {dialog.type}: {dialog.message}"), dialog.dismiss()))
        self.page.on("console", lambda msg: self.hit(f"console {msg.text}") if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.hit(f"page error: {exc}"))
        self.page.on("request", self.request)
        # nothing leaves the machine: requests elsewhere are counted (above) and refused here
        self.context.route(lambda url: not url.startswith(served), lambda route: route.abort())

    def hit(self, what: str) -> None:
        self.live.append(f"{self.at}: {what}")

    def request(self, request: Request) -> None:
        url = request.url
        if not url.startswith(self.served):
            self.hit(f"request to {url[:120]}")

    def load(self, path: str) -> None:
        self.at = path
        self.page.goto(self.served + path, wait_until="load")
        if self.page.url.split("#")[0] != self.served + path:
            self.hit(f"navigated to {self.page.url[:120]}")


@pytest.fixture(scope="module")
def trap(browser: Browser, hostile_served: str) -> Iterator[Trap]:
    t = Trap(browser, hostile_served)
    try:
        yield t
    finally:
        t.context.close()


def pages(output: Path) -> list[str]:
    """The sample of every audience's pages, as paths under output/."""
    out = []
    for audience in AUDIENCES:
        firsts: set[str] = set()
        for page in sorted((output / audience).rglob("*.html")):
            parts = page.relative_to(output / audience).parts
            record = parts[0] == "r" and page.name != "000.html"
            if record or parts[0] in SAMPLED[1:] and parts[0] in firsts or parts == ("404.html",):
                continue
            firsts.add(parts[0])
            out.append(f"{audience}/{'/'.join(parts)}")
    return out


def test_no_payload_runs_in_a_browser(hostile_site: Path, hostile_matrix: Matrix, trap: Trap) -> None:
    output = hostile_site / "output"
    loaded = pages(output)
    every_type = {rel.split("/")[0] for rel in hostile_matrix.files}
    assert {p.split("/")[2] for p in loaded if p.startswith("committee/r/")} == every_type
    for audience in AUDIENCES:
        assert any(p.startswith(f"{audience}/r/") for p in loaded), audience
    for path in loaded:
        trap.load(path)
    for query in QUERIES:
        trap.at = f"search ?q={query}"
        trap.page.goto(f"{trap.served}public/search.html?q={quote(query)}")
        wait_until_done(trap.page)
    print(f"\nbrowser trap: {len(loaded)} pages and {len(QUERIES)} searches loaded, {len(trap.live)} live payloads")
    assert trap.live == []


PLANTED = """<!doctype html><html><body><p>planted</p>
<script>alert(1); confirm(2); prompt(3); print(); fetch("/x"); var x = new XMLHttpRequest(); x.open("GET", "/y");
navigator.sendBeacon("/z"); try { new WebSocket("ws://127.0.0.1:9/"); } catch (e) {} window.open("/w"); eval("1");
setTimeout("1"); Function("return 1"); document.write("<b>x</b>");</script>
<img src="http://203.0.113.7/pixel.png"><script>throw new Error("boom")</script></body></html>"""


def test_the_trap_catches_what_it_looks_for(browser: Browser, hostile_served: str) -> None:
    planted = Trap(browser, hostile_served)
    try:
        planted.context.route(hostile_served + "planted.html", lambda route: route.fulfill(body=PLANTED))
        planted.load("planted.html")
        caught = "\n".join(planted.live)
    finally:
        planted.context.close()
    for what in (
        "alert(1)",
        "confirm(2)",
        "prompt(3)",
        "print(",
        "fetch(/x)",
        "XMLHttpRequest(/y)",
        "sendBeacon(/z)",
        "WebSocket(",
        "window.open(/w)",
        "eval(1)",
        "setTimeout(string)(1)",
        "Function(return 1)",
        "document.write(",
        "request to http://203.0.113.7/",
        "boom",
    ):
        assert what in caught, f"{what} not caught:\n{caught}"
