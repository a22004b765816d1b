"""HTML pages from projected Views: home, areas, periods, records; every link relative."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from ..cnrules import format_date_cn, format_money, rmb_upper
from ..config import SiteConfig
from ..errors import Problem, SanwuError
from ..project import View
from ..records import AREAS
from ..records.base import AUDIENCE_LABEL, ExtraPage
from ..schema import parse_period_text
from .markdown import render_markdown

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PACKAGE_STATIC = Path(__file__).resolve().parent.parent / "static"
CHANGES_PER_PAGE = 100  # one page of 10,000 records' history would be megabytes on a phone
BUILD_LABEL = {"public": "", "party": "党内版", "committee": "委员版"}


@dataclass
class SiteContext:
    """What every page of one audience's build shares."""

    site: SiteConfig
    audience: str
    as_of: dt.date
    views: list[View]
    audit_head: str | None = None
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    pdfs: dict[str, str] = field(default_factory=dict)  # record id or page path -> pdf path
    findings: list[Problem] = field(default_factory=list)
    extra_pages: list[ExtraPage] = field(default_factory=list)

    def page_of(self, view: View) -> str:
        """A record page's path inside the build."""
        return f"r/{view.id}.html"


def make_env(project: Path) -> jinja2.Environment:
    """Project templates/ first (overrides), then the built-in ones; autoescape on."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(str(project / "templates")), jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES))]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        date_cn=lambda d: format_date_cn(d) if d else "",
        date_md=lambda d: f"{d.month}月{d.day}日" if d else "",
        money=lambda v: format_money(v) if isinstance(v, Decimal) else ("" if v is None else v),
        upper=lambda v: rmb_upper(v) if isinstance(v, Decimal) else "",
        names=lambda v: "、".join(v) if isinstance(v, list) else ("" if v is None else v),
        markdown=lambda text: Markup(render_markdown(text or "")),
        period_label=lambda key: parse_period_text(key).label if key else "其他",
    )
    env.globals.update(AREAS=AREAS, AUDIENCE_LABEL=AUDIENCE_LABEL, template_css=lambda: Markup(template_css(env)))
    return env


def template_css(env: jinja2.Environment) -> str:
    """The stylesheets that live beside the templates (types/*.css, books/*.css), in name order."""
    assert env.loader is not None
    return "".join(env.loader.get_source(env, name)[0] for name in env.list_templates(extensions=["css"]))


def web_stylesheet(env: jinja2.Environment) -> bytes:
    """static/site.css as served: the site sheet, then the types' and books' own rules (no <style> in pages)."""
    return ((PACKAGE_STATIC / "site.css").read_text(encoding="utf-8") + template_css(env)).encode("utf-8")


def relative(page: str, target: str) -> str:
    """A link from one page to another path of the same build."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


@dataclass
class Page:
    """One HTML page to render: where it goes, its template and what that template gets besides ctx."""

    path: str
    template: str
    extra: dict[str, Any] = field(default_factory=dict)


def render_pages(env: jinja2.Environment, ctx: SiteContext) -> dict[str, bytes]:
    """Every HTML page of the build, by path."""
    return {page.path: render_page(env, ctx, page) for page in plan_pages(ctx)}


def render_page(env: jinja2.Environment, ctx: SiteContext, page: Page) -> bytes:
    """One planned page, as UTF-8."""
    return render_template(env, page.template, page.path, ctx, **page.extra).encode("utf-8")


def plan_pages(ctx: SiteContext) -> list[Page]:
    """Every HTML page of the build: the lists first, then one page per record."""
    pages: list[Page] = []

    def add(path: str, template: str, **extra: Any) -> None:
        pages.append(Page(path, template, extra))

    published = [v for v in ctx.views if not v.draft]
    by_area: dict[str, list[View]] = defaultdict(list)
    by_period: dict[str, list[View]] = defaultdict(list)
    for view in ctx.views:
        by_area[view.area].append(view)
        if view.period:
            by_period[view.period.key].append(view)
    periods = sorted(by_period, reverse=True)
    noticing = sorted(
        (v for v in published if v.notice_state == "公示中"),
        key=lambda v: (v.notice_period["to"], v.id),  # type: ignore[index]
    )
    add(
        "index.html",
        "index.html",
        noticing=noticing,
        latest={area: newest(by_area.get(area, []))[:5] for area in AREAS},
        periods=periods,
    )
    for area, label in AREAS.items():
        groups = group_by_period(by_area.get(area, []))
        extras = [p for p in ctx.extra_pages if p.area == area]
        add(f"area/{area}.html", "area.html", area=area, label=label, groups=groups, extras=extras)
    for extra in ctx.extra_pages:
        add(extra.path, extra.template, page=extra, **extra.context)
    if ctx.audience != "public":
        add("compliance.html", "compliance.html", groups=findings_by_period(ctx))
    for key in periods:
        views = by_period[key]
        add(
            f"period/{key}.html",
            "period.html",
            period=views[0].period,
            by_area={a: newest([v for v in views if v.area == a]) for a in AREAS},
        )
    for view in ctx.views:
        add(ctx.page_of(view), "record.html", view=view, history=ctx.history.get(view.id, []))
    for pager in change_pages(len(ctx.changes)):
        add(
            pager["path"],
            "changes.html",
            changes=ctx.changes[pager["offset"] : pager["offset"] + CHANGES_PER_PAGE],
            pager=pager,
        )
    add("search.html", "search.html")
    return pages


def change_pages(total: int) -> list[dict[str, Any]]:
    """变更记录 in pages of CHANGES_PER_PAGE, newest first: changes.html, then changes/2.html, …"""
    count = max(1, -(-total // CHANGES_PER_PAGE))
    paths = ["changes.html"] + [f"changes/{n}.html" for n in range(2, count + 1)]
    return [
        {
            "path": path,
            "page": n,
            "pages": count,
            "offset": (n - 1) * CHANGES_PER_PAGE,
            "start": total - (n - 1) * CHANGES_PER_PAGE,  # the first item's number (the list counts down)
            "newer": paths[n - 2] if n > 1 else None,
            "older": paths[n] if n < count else None,
        }
        for n, path in enumerate(paths, 1)
    ]


def render_template(env: jinja2.Environment, template: str, path: str, ctx: SiteContext, **extra: Any) -> str:
    """Render one page; a broken (user-overridden) template is a clear error, not a traceback."""
    url = extra.pop("url", None) or (lambda target: relative(path, target))
    try:
        return env.get_template(template).render(
            ctx=ctx,
            site=ctx.site,
            audience=ctx.audience,
            build_label=BUILD_LABEL[ctx.audience],
            as_of=ctx.as_of,
            url=url,
            page_path=path,
            **extra,
        )
    except jinja2.TemplateSyntaxError as exc:
        raise SanwuError(f"模板 {exc.filename or exc.name}:{exc.lineno} 有语法错误：{exc.message}") from None
    except jinja2.TemplateError as exc:
        raise SanwuError(f"渲染 {path} 时模板 {template} 出错：{exc}") from None


def render_not_found(env: jinja2.Environment, ctx: SiteContext) -> bytes:
    """404.html, which the server sends for a missing address at any depth: its links start from the path
    of the site's address (/fenghuang/static/site.css), so the page keeps its style and its links work
    wherever it is shown. Without base_url they are relative, right only for missing pages at the top."""
    root = urlsplit(ctx.site.base_url).path if ctx.site.base_url else ""
    url = (lambda target: root + target) if root else None
    return render_template(env, "404.html", "404.html", ctx, url=url).encode("utf-8")


def findings_by_period(ctx: SiteContext) -> list[tuple[str, list[tuple[Problem, View | None]]]]:
    """The build's findings (already only those its audience may see), newest period first, with their pages."""
    by_source = {v.source: v for v in ctx.views}
    groups: dict[str, list[tuple[Problem, View | None]]] = defaultdict(list)
    for problem in ctx.findings:
        groups[problem.period].append((problem, by_source.get(problem.loc.path)))
    return [(key, groups[key]) for key in sorted(groups, reverse=True)]


def newest(views: list[View]) -> list[View]:
    """Most recently published first."""
    return sorted(views, key=lambda v: (v.published_on or dt.date.min, v.id), reverse=True)


def group_by_period(views: list[View]) -> list[tuple[str, list[View]]]:
    """Views grouped by period label, newest period first."""
    groups: dict[Any, list[View]] = defaultdict(list)
    for view in views:
        groups[view.period].append(view)
    ordered = sorted(
        groups, key=lambda p: (p is not None, p.start if p else dt.date.min, p.key if p else ""), reverse=True
    )
    return [(p.label if p else "其他", newest(groups[p])) for p in ordered]
