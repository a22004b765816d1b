"""`sanwu serve`: a local preview with drafts, rebuilt on every change, pages reloading themselves.

It builds into .sanwu-cache/serve/ (never output/) and never records revisions. The reload script is
added to pages as they are served, so the built files stay exactly what `sanwu build` would write.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import pipeline
from .errors import ContentErrors, SanwuError

PREVIEW = ".sanwu-cache/serve"
RELOAD_PATH = "/__sanwu_reload"
RELOAD_SCRIPT = (
    f'<script>new EventSource("{RELOAD_PATH}").onmessage = function () {{ location.reload(); }};</script>'
).encode()


class Preview:
    """The previewed site: rebuilds on demand and tells waiting pages when a new build is ready."""

    def __init__(self, project: Path, audience: str, as_of: dt.date | None, pdf: bool):
        self.project = project
        self.audience = audience
        self.as_of = as_of
        self.pdf = pdf
        self.generation = 0
        self.changed = threading.Condition()

    @property
    def root(self) -> Path:
        """The folder being served."""
        return self.project / PREVIEW / self.audience

    def rebuild(self, report: Callable[[str], None] = print) -> bool:
        """Build again (drafts shown, nothing recorded); on errors keep the last good build."""
        try:
            pipeline.build(
                self.project,
                [self.audience],
                self.as_of,
                drafts=True,
                record=False,
                pdf=self.pdf,
                output=self.project / PREVIEW,
            )
        except ContentErrors as exc:
            report("\n".join(p.format() for p in exc.problems))
            report(f"预览未更新：{len(exc.problems)} 个错误")
            return False
        except SanwuError as exc:
            report(f"预览未更新：{exc}")
            return False
        with self.changed:
            self.generation += 1
            self.changed.notify_all()
        return True

    def wait_for_change(self, seen: int, timeout: float) -> int:
        """Block until a build newer than `seen` (or the timeout); returns the current generation."""
        with self.changed:
            self.changed.wait_for(lambda: self.generation > seen, timeout)
            return self.generation


class Handler(SimpleHTTPRequestHandler):
    """Serves the preview folder; HTML pages get the reload script; /__sanwu_reload streams events."""

    preview: Preview

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == RELOAD_PATH:
            self._events()
            return
        if self.path.split("?")[0].endswith((".html", "/")):
            self._html()
            return
        super().do_GET()

    def _html(self) -> None:
        path = Path(self.translate_path(self.path.split("?")[0]))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            self.send_error(404, "没有这个页面")
            return
        body = path.read_bytes().replace(b"</body>", RELOAD_SCRIPT + b"</body>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = self.preview.generation
        try:
            while True:
                now = self.preview.wait_for_change(seen, timeout=15)
                message = b"data: reload\n\n" if now > seen else b": keep-alive\n\n"
                self.wfile.write(message)
                self.wfile.flush()
                seen = now
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the terminal is for build messages."""


def make_server(preview: Preview, port: int, bind: str = "127.0.0.1") -> ThreadingHTTPServer:
    """An HTTP server on `bind` (default 127.0.0.1: only this computer) serving the preview."""
    handler = functools.partial(type("PreviewHandler", (Handler,), {"preview": preview}), directory=str(preview.root))
    server = ThreadingHTTPServer((bind, port), handler)
    server.daemon_threads = True
    return server


def watch(preview: Preview, stop: threading.Event, report: Callable[[str], None] = print) -> None:
    """Rebuild whenever content/ or templates/ change, until stop is set."""
    from watchfiles import watch as watch_paths

    paths = [p for p in (preview.project / "content", preview.project / "templates") if p.is_dir()]

    def wanted(change: object, path: str) -> bool:
        return "/_audit/" not in path and "/." not in path  # our own writes are not edits

    for _changes in watch_paths(*paths, watch_filter=wanted, stop_event=stop):
        if preview.rebuild(report):
            report("已更新预览")
