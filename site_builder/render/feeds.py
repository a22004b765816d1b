"""The Atom feed of revisions: every publication, correction and withdrawal this audience may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..config import SiteConfig
from .data import escape

MAX_ENTRIES = 100


def _stamp(day: dt.date) -> str:
    # Dates have no time of day; midnight in China keeps the calendar date in every reader.
    return f"{day.isoformat()}T00:00:00+08:00"


def atom_feed(site: SiteConfig, audience: str, as_of: dt.date, changes: list[dict[str, Any]]) -> bytes:
    """feed.xml; links are absolute when base_url is set, else relative to the feed."""
    base = site.base_url  # this audience's own site, or none
    feed_id = f"{site.base_url}feed.xml" if site.base_url else f"urn:sanwu:{escape(site.community)}:{audience}"
    updated = changes[0]["date"] if changes else as_of
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
        f"  <title>{escape(site.community)}三务公开 · 变更记录</title>",
        f"  <id>{escape(feed_id)}</id>",
        f"  <updated>{_stamp(updated)}</updated>",
        f"  <author><name>{escape(site.org or site.community)}</name></author>",
        f'  <link rel="alternate" href="{escape(base)}changes.html"/>',
    ]
    for c in changes[:MAX_ENTRIES]:
        summary = "；".join([f"原因：{c['reason']}"] * bool(c["reason"]) + c["lines"])
        lines += [
            "  <entry>",
            f"    <title>{escape(c['title'])}（第 {c['rev']} 版 {escape(c['action_label'])}）</title>",
            f"    <id>{escape(feed_id)}#rev-{c['seq']}</id>",
            f"    <updated>{_stamp(c['date'])}</updated>",
            f'    <link rel="alternate" href="{escape(base + c["page"])}"/>',
            f"    <summary>{escape(summary or c['action_label'])}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")
