"""HTML pages rendered straight from a SiteContext (no build): 变更记录 in pages."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from site_builder.config import SiteConfig
from site_builder.render.html import SiteContext, make_env, render_pages


def change(n: int) -> dict[str, object]:
    return {
        "seq": n,
        "rev": 1,
        "date": dt.date(2026, 11, 1),
        "action": "created",
        "action_label": "发布",
        "reason": "",
        "lines": [],
        "purged": False,
        "id": f"n{n}",
        "title": f"第{n}号通知",
        "page": f"r/n{n}.html",
    }


def test_change_log_is_paged_newest_first_with_links_both_ways(tmp_path: Path) -> None:
    changes = [change(n) for n in range(250, 0, -1)]
    ctx = SiteContext(
        SiteConfig(community="测试社区"), "public", dt.date(2026, 11, 26), [], "250:0123abcd", {}, changes
    )
    pages = {path: html.decode() for path, html in render_pages(make_env(tmp_path), ctx).items()}
    first, second, last = pages["changes.html"], pages["changes/2.html"], pages["changes/3.html"]
    assert "changes/4.html" not in pages
    assert first.count("<li>\n    <p><strong>") == 100 and "第250号通知" in first and "第150号通知" not in first
    assert 'href="changes/2.html" rel="next"' in first and 'rel="prev"' not in first
    assert re.search(r'<ol class="changes" reversed start="150">', second) and "第150号通知" in second
    assert 'href="../changes.html" rel="prev"' in second and 'href="3.html" rel="next"' in second
    assert "第 3 / 3 页" in last and last.count("<li>\n    <p><strong>") == 50 and 'rel="next"' not in last
    assert 'href="../r/n1.html"' in last
