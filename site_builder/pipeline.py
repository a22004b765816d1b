"""check() and build(): a short, flat list of stage calls."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from jinja2 import Environment

from . import gate, incremental, trail
from .catalog import Catalog, build_catalog, due_calendar
from .config import SiteConfig, load_config
from .errors import ContentErrors, Problems, SanwuError
from .load import load_content
from .project import View, project_catalog, visible_findings
from .records import AUDIENCES, TYPES
from .records.base import ExtraPage
from .render.data import data_paths, record_csv, record_json, record_xlsx, robots, sitemap
from .render.feeds import atom_feed
from .render.html import Page, SiteContext, make_env, plan_pages, render_page, web_stylesheet
from .render.parallel import Item, render_all
from .render.search import search_index
from .timing import dump as dump_timings
from .timing import stage
from .write import clean_debris, staged, write_files

STATIC = Path(__file__).resolve().parent / "static"
STAGING = ".sanwu-cache/staging"


@dataclass
class Checked:
    """The content, validated."""

    site: SiteConfig
    catalog: Catalog
    problems: Problems


@dataclass
class Built:
    """What a build wrote."""

    as_of: dt.date
    outputs: dict[str, int] = field(default_factory=dict)  # audience -> number of files
    problems: Problems = field(default_factory=Problems)
    recorded: int = 0  # revisions appended to the audit log


def check(project: Path, as_of: dt.date | None = None) -> Checked:
    """Load and validate everything as of the build date (default today); every problem of every file is collected."""
    problems = Problems()
    if not (project / "content").is_dir():
        raise SanwuError(f"找不到 content/ 文件夹（在 {project} 中）；新建站点请用 sanwu init")
    site = load_config(project, problems)
    with stage("load"):
        loaded = load_content(project)
    problems.extend(loaded.problems)
    with stage("validate"):
        catalog = build_catalog(loaded.records, project, site, problems, resolve_as_of(as_of, site))
    gate.scan(catalog, site, problems)
    dump_timings()
    return Checked(site, catalog, problems)


def resolve_as_of(as_of: dt.date | None, site: SiteConfig) -> dt.date:
    """--as-of, else SOURCE_DATE_EPOCH, else today in the site's time zone."""
    if as_of:
        return as_of
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (ValueError, OverflowError):
            raise SanwuError(f"SOURCE_DATE_EPOCH 应为整数秒，得到 {epoch!r}") from None
    return site.today()


def build(
    project: Path,
    audiences: list[str],
    as_of: dt.date | None = None,
    drafts: bool = False,
    strict: bool = False,
    record: bool = True,
    pdf: bool = True,
    output: Path | None = None,
) -> Built:
    """Validate, record revisions, project per audience, render, and swap each output in atomically.

    A build with drafts is a preview: it never records revisions (nor does --no-record).
    """
    if pdf:
        from .render import printing  # WeasyPrint takes seconds to import: only for builds that make PDFs
    output = output or project / "output"
    # Digested before anything is read, so an edit made while this build runs is seen by the next one.
    content = incremental.content_digest(project)
    day = resolve_as_of(as_of, load_config(project, Problems()))
    options = (audiences, day, drafts, strict, record, pdf, str(output.resolve()), pdf and printing.renderer_identity())
    unchanged = incremental.previous(project, incremental.inputs(project, content, options), output, audiences)
    if unchanged is not None:
        return replace(unchanged, recorded=0)
    incremental.forget(project)
    checked = check(project, as_of)
    recording = record and not drafts
    with stage("trail plan"):
        pending = trail.plan(project, checked.catalog, day, checked.problems, "error" if recording else "warning")
    errors = checked.problems.errors(strict)
    if errors:
        raise ContentErrors(errors)
    work = project / STAGING
    clean_debris(work)
    env = make_env(project)
    built = Built(day, problems=checked.problems)
    to_record = pending if recording else []
    # Everything is rendered first, with the chain head the new revisions will make; the log is written
    # only when all audiences rendered, and the outputs are swapped in only after that.
    with staged(output, work) as stage_folder, trail.recording(project, to_record) as new:
        entries = trail.read_entries(project) + new
        unwritten = {entry.seq: item.data for entry, item in zip(new, to_record)}
        head = trail.chain_head(entries)
        for audience in audiences:
            with stage("project"):
                views = project_catalog(checked.catalog, audience, day, drafts, checked.site)
            with stage("history"):
                history = trail.histories(project, entries, views, audience, day, checked.site, unwritten)
            ctx = SiteContext(checked.site, audience, day, views, head, history.by_id, history.changes)
            ctx.findings = visible_findings(checked.problems.sorted(), audience)
            ctx.extra_pages = extra_pages(checked.catalog, views, audience)
            if pdf:
                ctx.pdfs = printing.plan_paths(ctx)
            root = stage_folder(audience)
            with stage("html and data"):
                written = render_all(root, render_items(env, ctx))
            files = render_extras(project, checked, ctx, written)
            files["static/site.css"] = web_stylesheet(env)
            if pdf:
                with stage("pdf"):
                    files.update(printing.render_pdfs(project, env, ctx))
            with stage("write"):
                write_files(root, files)
            with stage("search"):
                record_pages = {ctx.page_of(v): root / ctx.page_of(v) for v in ctx.views}
                pages = {path: file.read_bytes() for path, file in record_pages.items() if file.is_file()}
                write_files(root, search_index(ctx, pages))
            built.outputs[audience] = len(written) + len(files)
        built.recorded = len(new)
    incremental.remember(project, incremental.inputs(project, content, options), output, audiences, built)
    dump_timings()
    return built


def extra_pages(catalog: Catalog, views: list[View], audience: str) -> list[ExtraPage]:
    """Each type's pages over all its records (books, calendars, trees); party and committee: the 定期公开 calendar."""
    pages = []
    for rtype in TYPES.types.values():
        pages += rtype.extra_pages([v for v in views if v.rtype is rtype], audience)
        pages += rtype.summary_pages([r for r in catalog.of_type(rtype.name) if r.valid], audience, catalog)
    if audience != "public":
        series = due_calendar(catalog)
        counts = Counter(row["state"] for s in series for row in s["rows"])
        context = {"series": series, "counts": counts}
        pages.append(ExtraPage("calendar.html", "calendar.html", "定期公开日历", "registers", context))
    return pages


def render_items(env: Environment, ctx: SiteContext) -> list[Item]:
    """Every HTML page, and every record's downloads (JSON, CSV, .xlsx), as items to render in parallel."""
    items: list[Item] = [functools.partial(_page, env, ctx, page) for page in plan_pages(ctx)]
    return items + [functools.partial(render_data, view) for view in ctx.views]


def _page(env: Environment, ctx: SiteContext, page: Page) -> Iterator[tuple[str, bytes]]:
    yield page.path, render_page(env, ctx, page)


def render_data(view: View) -> Iterator[tuple[str, bytes]]:
    """A record's downloads: JSON, and its table as CSV and .xlsx."""
    paths = data_paths(view)
    yield paths["json"], record_json(view)
    if "csv" in paths:
        yield paths["csv"], record_csv(view)
        yield paths["xlsx"], record_xlsx(view)


def render_extras(project: Path, checked: Checked, ctx: SiteContext, pages: list[str]) -> dict[str, bytes]:
    """Stylesheet, attachments of visible records, robots.txt and (public only) the sitemap."""
    web = [p for p in sorted(STATIC.glob("*")) if p.is_file() and p.name != "print.css"]  # print.css is for PDFs
    files = {f"static/{p.name}": p.read_bytes() for p in web}
    for view in ctx.views:
        for name in view.data.get("attachments", []):
            files[f"files/{name}"] = (project / "content" / name).read_bytes()
    public = ctx.audience == "public"
    files["robots.txt"] = robots(public, checked.site.base_url)
    files["feed.xml"] = atom_feed(checked.site, ctx.audience, ctx.as_of, ctx.changes)
    if public and checked.site.base_url:
        files["sitemap.xml"] = sitemap(checked.site.base_url, [p for p in pages if p.endswith(".html")])
    return files


def expand_audiences(choice: str) -> list[str]:
    """--audience all means every audience."""
    return list(AUDIENCES) if choice == "all" else [choice]
