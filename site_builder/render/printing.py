"""Printable PDFs: one per published record of a printable type, a bundle per month, and the registers.

Each PDF depends only on its record, its revision and the site settings — never on the build date —
so a rebuild re-renders only what changed (render/pdf.py caches by content).
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import jinja2

from ..errors import SanwuError
from ..project import View
from . import pdf
from .html import SiteContext, render_template

CACHE = ".sanwu-cache/pdf"


def record_pdf_path(view: View) -> str:
    """Where a record's PDF goes in the build."""
    return f"pdf/{view.id}.pdf"


def printable(view: View) -> bool:
    """Published (or previewed draft) records of printable types; withdrawn ones are not reprinted."""
    return view.rtype.printable and not view.withdrawn


def plan_paths(ctx: SiteContext) -> dict[str, str]:
    """Record id / period page / extra page -> PDF path, so pages can link before PDFs exist."""
    paths = {v.id: record_pdf_path(v) for v in ctx.views if printable(v)}
    for month in sorted(
        {v.published_on.strftime("%Y-%m") for v in ctx.views if printable(v) and not v.draft and v.published_on}
    ):
        paths[f"period/{month}.html"] = f"pdf/bundle/{month}.pdf"
    for page in ctx.extra_pages:
        if page.printable:
            paths[page.path] = "pdf/" + page.path.removesuffix(".html") + ".pdf"
    return paths


def _revision(ctx: SiteContext, view: View) -> dict[str, Any] | None:
    items = ctx.history.get(view.id)
    return items[-1] if items and not view.draft else None


def _page_url(ctx: SiteContext, view: View) -> str:
    return f"{ctx.site.base_url}{ctx.page_of(view)}" if ctx.site.base_url else ctx.page_of(view)


def _item(ctx: SiteContext, view: View) -> dict[str, Any]:
    url = _page_url(ctx, view)
    return {
        "view": view,
        "revision": _revision(ctx, view),
        "qr": pdf.qr_svg(url) if ctx.site.base_url else "",
        "page_url": url,
    }


def render_pdfs(project: Path, env: jinja2.Environment, ctx: SiteContext) -> dict[str, bytes]:
    """Every PDF of one audience's build (cached, rendered in parallel)."""
    try:
        pdf.choose_fonts()
    except pdf.PdfError as exc:
        raise SanwuError(str(exc)) from None
    author = ctx.site.org or ctx.site.community
    base = project / "content"
    jobs: dict[str, pdf.PdfJob] = {}
    by_month: dict[str, list[View]] = defaultdict(list)
    for view in ctx.views:
        if not printable(view):
            continue
        html = render_template(env, "pdf/record.html", record_pdf_path(view), ctx, **_item(ctx, view))
        created = view.published_on or ctx.as_of
        jobs[record_pdf_path(view)] = pdf.PdfJob(html, base, view.title, author, created)
        if not view.draft and view.published_on:
            by_month[view.published_on.strftime("%Y-%m")].append(view)
    for month, views in sorted(by_month.items()):
        views.sort(key=lambda v: (v.published_on, v.id))
        title = f"{ctx.site.community}{int(month[:4])}年{int(month[5:])}月公开事项汇编"
        path = f"pdf/bundle/{month}.pdf"
        html = render_template(env, "pdf/bundle.html", path, ctx, title=title, items=[_item(ctx, v) for v in views])
        jobs[path] = pdf.PdfJob(html, base, title, author, max(v.published_on for v in views if v.published_on))
    for page in ctx.extra_pages:
        if not page.printable:
            continue
        path = "pdf/" + page.path.removesuffix(".html") + ".pdf"
        content = main_content(render_template(env, page.template, page.path, ctx, page=page, **page.context))
        html = render_template(env, "pdf/page.html", path, ctx, page=page, content=content)
        jobs[path] = pdf.PdfJob(html, base, page.title, author, page.date or ctx.as_of)
    if not jobs:
        return {}
    (project / CACHE).mkdir(parents=True, exist_ok=True)
    rendered = pdf.render_cached(list(jobs.values()), project / CACHE, processes=os.cpu_count())
    return dict(zip(jobs, rendered))


def main_content(page_html: str) -> str:
    """The <main> element of a rendered web page: a register without the site's header and footer."""
    start = page_html.find("<main")
    end = page_html.rfind("</main>")
    if start < 0 or end < 0:
        return page_html
    return page_html[page_html.index(">", start) + 1 : end]
