"""sanwu serve: drafts shown, nothing recorded, pages reload after a rebuild, output/ untouched."""

from __future__ import annotations

import threading
import urllib.request

from site_builder import serve
from tests.conftest import NOTICE

DRAFT = NOTICE.replace("title: 关于冬季消防安全的通知", "title: 草稿通知甲").replace(
    "status: approved", "status: draft"
)


def test_preview_serves_drafts_reloads_and_records_nothing(site) -> None:
    project = site({"n.md": NOTICE, "d.md": DRAFT})
    preview = serve.Preview(project, "public", None, pdf=False)
    assert preview.rebuild(lambda text: None)
    server = serve.make_server(preview, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        page = urllib.request.urlopen(f"{base}/r/d.html", timeout=10).read().decode("utf-8")
        assert "草稿通知甲" in page and serve.RELOAD_PATH in page
        events = urllib.request.urlopen(f"{base}{serve.RELOAD_PATH}", timeout=10)
        (project / "content/d.md").write_text(DRAFT.replace("草稿通知甲", "草稿通知乙"), encoding="utf-8")
        assert preview.rebuild(lambda text: None)
        assert events.readline() == b"data: reload\n"  # the open page is told to reload
        page = urllib.request.urlopen(f"{base}/r/d.html", timeout=10).read().decode("utf-8")
        assert "草稿通知乙" in page
    finally:
        server.shutdown()
        server.server_close()
    assert not (project / "content/_audit").exists()
    assert not (project / "output").exists()
    assert serve.RELOAD_PATH.encode() not in (preview.root / "r/d.html").read_bytes()  # files stay clean


def test_preview_keeps_last_good_build_on_errors(site) -> None:
    project = site({"n.md": NOTICE})
    preview = serve.Preview(project, "public", None, pdf=False)
    assert preview.rebuild(lambda text: None)
    (project / "content/n.md").write_text(NOTICE.replace("area: residents", "area: 居务"), encoding="utf-8")
    messages: list[str] = []
    assert not preview.rebuild(messages.append)
    assert "content/n.md:4:7: 错误: area" in "\n".join(messages)
    assert (preview.root / "r/n.html").is_file()
    assert preview.generation == 1
