"""check() and build(): a short, flat list of stage calls."""

from __future__ import annotations

import datetime as dt
import errno
import functools
import gc
import os
import pickle
import posixpath
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from jinja2 import Environment

from . import audit, gate, gitinfo, incremental, trail
from .catalog import Catalog, Locations, build_catalog, check_record, due_calendar, make_record
from .config import PLACEHOLDER_URL, SiteConfig, load_config
from .errors import ContentErrors, Location, Problem, Problems, SanwuError, UsageError
from .load import find_files, load_record_file
from .project import View, project_catalog, visible_findings
from .records import AUDIENCES, TYPES, Record
from .records.base import ExtraPage
from .render.data import data_paths, record_csv, record_json, record_xlsx, robots, sitemap
from .render.feeds import atom_feed
from .render.fingerprint import digest, sources
from .render.html import (
    Page,
    SiteContext,
    make_env,
    plan_pages,
    render_not_found,
    render_page,
    web_stylesheet,
)
from .render.parallel import Job, can_fork, render_all, worker_count
from .render.search import text_paths, write_search_index
from .timing import dump as dump_timings
from .timing import stage
from .write import clean_debris, committing, staged, write_files

STATIC = Path(__file__).resolve().parent / "static"
CACHE = ".sanwu-cache"
STAGING = f"{CACHE}/staging"  # where older versions staged; only cleaned now
HEAD_MARK = "\ue000审计链\ue001"  # where the chain head goes in a page (private-use marks no record holds)


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
    not_recorded: str = ""  # why pending revisions were shown as 待发布 instead of recorded
    output_label: str = "output"
    rendered: int = 0  # pages and data files rendered (the others were unchanged and taken from the memo)


T = TypeVar("T")
Progress = Callable[[str, int, int], None]  # (what is being done, steps done, steps in all)


def check(project: Path, as_of: dt.date | None = None) -> Checked:
    """Load and validate everything as of the build date (default today); every problem of every file is collected."""
    problems = Problems()
    if not (project / "content").is_dir():
        raise UsageError(f"找不到 content/ 文件夹（在 {project} 中）；新建站点请用 sanwu init")
    site = load_config(project, problems)
    with incremental.known_results(project):
        with stage("load"):
            records, keys = read_records(project, site, problems)
        with stage("validate"):
            catalog = build_catalog(records, project, site, problems, resolve_as_of(as_of, site))
    catalog.keys = keys
    dump_timings()
    return Checked(site, catalog, problems)


def read_records(project: Path, site: SiteConfig, problems: Problems) -> tuple[list[Record], dict[str, str]]:
    """Every record file parsed, typed and checked on its own (its type's rules, the personal-data gate),
    and each file's key by its path.

    What a file gives depends only on its path and bytes, the settings and sanwu itself, so it is kept
    in the memo under a digest of those (its key): an unchanged file is not parsed again.
    """
    memo = incremental.Memo(project, "records")
    settings = digest(sources(project), site)
    used: dict[str, str] = {}
    records = []
    content = project / "content"
    with cycles_uncollected():
        for name in find_files(content):
            rel, path = f"content/{name}", os.path.join(content, name)
            with open(path, "rb") as stream:
                data = stream.read()
            key = digest(settings, rel, data)
            used[rel] = key
            found = memo.get(key)
            if found is None:
                own = Problems()
                raw = load_record_file(Path(path), rel, own, data)
                rec = make_record(raw, own) if raw else None
                if rec is not None:
                    check_record(rec, own, site)
                    gate.scan_record(rec, site, own)
                    rec.locs = Locations(rec.locs)  # kept compactly
                found = (rec, own.items)
                memo.put(key, found)
            rec, found_problems = found
            problems.items.extend(found_problems)
            if rec is not None:
                records.append(rec)
    memo.keep(set(used.values()))
    return records, used


@contextmanager
def cycles_uncollected() -> Iterator[None]:
    """Loading makes many objects and no garbage: the cycle collector's repeated scans of them would cost
    a third of the time, then and in every later stage. They are collected by reference counting only."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def check_all(project: Path, as_of: dt.date | None = None, strict: bool = False) -> Checked:
    """Everything `build` would refuse, computed against the recorded trail, writing nothing."""
    checked = check(project, as_of)
    day = checked.catalog.as_of
    trail.plan(project, checked.catalog, day, checked.problems, "error")
    check_settings(project, checked.site, checked.problems, strict)
    return checked


def check_settings(project: Path, site: SiteConfig, problems: Problems, strict: bool) -> None:
    """Settings left at their placeholders, and private output tracked by git."""
    report = problems.error if strict else problems.warning
    for audience, url in site.base_urls.items():
        if url == PLACEHOLDER_URL:
            where = "base_url" if len(site.base_urls) == 1 else f"base_url.{audience}"
            report(
                Location("content/site.yaml"),
                where,
                f"网址还是 sanwu init 写入的示例 {url}：请改成本社区网站的地址（二维码和订阅链接都用它）",
                f"base_url is still the placeholder {url}",
            )
    counts: dict[str, int] = {}
    for path in gitinfo.tracked_private(project):
        folder = private_folder(path)
        counts[folder] = counts.get(folder, 0) + 1
    for folder, count in sorted(counts.items()):
        report(
            Location(f"{folder}/"),
            "",
            f"{folder}/ 中有 {count} 个文件被 git 跟踪，可能含有个人信息或非公开内容："
            f"运行 git rm -r --cached {folder}，并确认 .gitignore 含 output/ 和 .sanwu-cache/",
            "tracked by git and may hold private data; git rm --cached it and ignore it",
        )


def private_folder(path: str) -> str:
    """The folder a tracked private file is reported under: output/, .sanwu-cache/, or its party/committee build."""
    parts = path.split("/")
    if parts[0] in ("output", ".sanwu-cache"):
        return parts[0]
    for i, part in enumerate(parts[:-1]):
        if part in ("party", "committee"):
            return "/".join(parts[: i + 1])
    return posixpath.dirname(path) or path


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


def parse_base_urls(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """--base-url URL (the public site) or AUDIENCE=URL, each ending in /."""
    urls = {}
    for value in values:
        audience, sep, url = value.partition("=")
        if not sep or audience not in AUDIENCES:
            audience, url = "public", value
        if not url.startswith(("https://", "http://")):
            raise UsageError(f"--base-url 应以 https:// 开头，得到 {value!r}")
        urls[audience] = url if url.endswith("/") else url + "/"
    return urls


def build(
    project: Path,
    audiences: list[str],
    as_of: dt.date | None = None,
    drafts: bool = False,
    strict: bool = False,
    record: bool | None = True,
    pdf: bool = True,
    output: Path | None = None,
    base_urls: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> Built:
    """Validate, record revisions, project per audience, render, and swap all outputs in at once.

    record=None records only on the publishing branch; elsewhere the revisions show as 待发布.
    A build with drafts is a preview: it never records revisions and refuses nothing for them.
    """
    report = progress or (lambda label, done, total: None)
    if pdf:
        from .render import printing  # WeasyPrint takes seconds to import: only for builds that make PDFs
    output = output or project / "output"
    # Digested before anything is read, so an edit made while this build runs is seen by the next one.
    content = incremental.content_digest(project)
    day = resolve_as_of(as_of, load_config(project, Problems()))
    where = gitinfo.current_branch(project)
    urls = sorted((base_urls or {}).items())
    identity = pdf and printing.renderer_identity()
    options = (audiences, day, drafts, strict, record, pdf, str(output.resolve()), urls, where, identity)
    unchanged = incremental.previous(project, incremental.inputs(project, content, options), output, audiences)
    if isinstance(unchanged, Built):
        return replace(unchanged, recorded=0, rendered=0)
    incremental.forget(project)
    checked = check(project, as_of)
    checked.site.base_urls.update(base_urls or {})
    recording, why_not = decide_recording(project, checked.site, record, drafts)
    preview = drafts or record is False
    severity = "warning" if preview else "error"
    # The trail is planned on the other CPU while the first audience is projected: neither reads what the other makes.
    planned = in_background(functools.partial(_plan, checked, project, day, severity))
    with stage("project"):
        first = audiences[0]
        projected = {first: project_catalog(checked.catalog, first, day, drafts, checked.site.for_audience(first))}
    with stage("trail plan"):
        pending, found = planned()
    checked.problems.items.extend(found)
    check_settings(project, checked.site, checked.problems, strict)
    errors = checked.problems.errors(strict)
    if errors:
        raise ContentErrors(errors)
    work = project / STAGING
    clean_debris(work)
    env = make_env(project)
    env.bytecode_cache = incremental.template_cache(project)
    built = Built(day, problems=checked.problems, output_label=_label(project, output))
    if pending and not recording:
        built.not_recorded = why_not
    to_record = pending if recording else []
    steps, done = len(audiences) * (3 if pdf else 2), 0
    accounts: dict[str, tuple[bytes, incremental.Written]] = {}  # what each audience's new folder holds
    try:
        # Everything is rendered first, with the chain head the new revisions will make; the log is written
        # only when all audiences rendered, and all audiences are switched in only after that.
        with staged(output) as stage_folder, trail.recording(project, to_record) as new:
            recorded = trail.read_entries(project)
            entries = recorded + new
            shown = pending if not recording and not drafts else to_record
            waiting = [] if recording or drafts else trail.preview(recorded, shown)
            unwritten = {entry.seq: item.data for entry, item in zip(new or waiting, shown)}
            head = trail.chain_head(entries)
            for audience in audiences:
                label = AUDIENCE_LABEL[audience]
                report(f"{label}：页面", done, steps)
                site = checked.site.for_audience(audience)
                with stage("project"):
                    views = projected.pop(audience, None)
                    if views is None:
                        views = project_catalog(checked.catalog, audience, day, drafts, site)
                with stage("history"):
                    history = trail.histories(project, entries + waiting, views, audience, day, site, unwritten)
                trail.mark_pending(history, entries[-1].seq if entries else 0)
                ctx = SiteContext(site, audience, day, views, head, history.by_id, history.changes)
                ctx.findings = visible_findings(checked.problems.sorted(), audience)
                with incremental.known_results(project):  # 大写 amounts and pinyin of the books and reports
                    ctx.extra_pages = extra_pages(checked.catalog, views, audience)
                if pdf:
                    ctx.pdfs = printing.plan_paths(ctx)
                root = stage_folder(audience)
                with stage("html and data"):
                    memo = incremental.Memo(project, audience)
                    marked = replace(ctx, audit_head=HEAD_MARK if head else None)  # the head goes in as written
                    jobs = render_jobs(env, marked, incremental.Keys(project, marked))
                    live = incremental.live_files(project, output / audience)
                    fill = (HEAD_MARK.encode(), (head or "").encode())
                    written = render_all(root, jobs, memo, fill, live)
                    accounts[audience] = (fill[1], written.written)
                    memo.keep({job.key for job in jobs if job.key})
                built.rendered += written.rendered
                files = render_extras(project, checked, ctx, written.paths)
                files["404.html"] = render_not_found(env, ctx)
                files["static/site.css"] = web_stylesheet(env)
                done += 1
                if pdf:
                    report(f"{label}：PDF", done, steps)
                    with stage("pdf"):
                        files.update(printing.render_pdfs(project, env, ctx))
                    done += 1
                report(f"{label}：写入和搜索索引", done, steps)
                with stage("write"):
                    write_files(root, files)
                with stage("search"):
                    write_search_index(root, ctx, written.grams)
                done += 1
                built.outputs[audience] = len(written.paths) + len(files)
            report("切换到新版本", done, steps)
            committing()  # the audit log is written next, then all audiences switch: not to be cut short
            built.recorded = len(new)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            shutil.rmtree(project / CACHE, ignore_errors=True)  # a cache must not keep the disk full
        raise
    for audience, account in accounts.items():
        incremental.remember_files(project, output / audience, *account)
    incremental.remember(project, incremental.inputs(project, content, options), output, audiences, built)
    dump_timings()
    return built


AUDIENCE_LABEL = {"public": "公开版", "party": "党员版", "committee": "两委版"}


def _plan(checked: Checked, project: Path, day: dt.date, severity: str) -> tuple[list[audit.Pending], list[Problem]]:
    """trail.plan: the revisions to record, and the problems it adds to those already found."""
    problems = Problems(list(checked.problems.items))
    pending = trail.plan(project, checked.catalog, day, problems, severity)
    return pending, problems.items[len(checked.problems.items) :]


def in_background(work: Callable[[], T]) -> Callable[[], T]:
    """Start work in a forked copy of this process and return a function that waits for its result.

    Where forking is unsafe or only one CPU is allowed, the work is done here and now. If the copy fails in
    any way, the work is done again here, so its error is raised as it would have been without the copy."""
    if worker_count() < 2 or not can_fork():
        result = work()
        return lambda: result
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: send the result, or nothing, and leave without running any exit handler
        try:
            os.close(read)
            with os.fdopen(write, "wb") as stream:
                pickle.dump(work(), stream, protocol=5)
        finally:
            os._exit(0)
    os.close(write)

    def wait() -> T:
        try:
            with os.fdopen(read, "rb") as stream:
                result: T = pickle.load(stream)
        except Exception:  # noqa: BLE001 - the copy failed: the work is done again, here
            result = work()
        finally:
            os.waitpid(pid, 0)
        return result

    return wait


def _label(project: Path, output: Path) -> str:
    """output/ as the user knows it: relative to the site when inside it."""
    try:
        return output.relative_to(project).as_posix()
    except ValueError:
        return str(output)


def decide_recording(project: Path, site: SiteConfig, record: bool | None, drafts: bool) -> tuple[bool, str]:
    """Whether this build records revisions, and if it does not, the one line that says why."""
    if drafts:
        return False, ""
    if record is not None:
        return record, "本次构建未记入审计（--no-record）：新的修订在页面上显示为“待发布”。"
    branch = gitinfo.current_branch(project)
    if branch is None:
        return True, ""  # not in git: the folder is the record
    wanted = site.publish_branch or gitinfo.default_branch(project)
    if branch == wanted:
        return True, ""
    where = f"分支 {branch}" if branch else "未在任何分支上（detached HEAD）"
    return False, (
        f"当前在{where}，不是发布分支 {wanted}：本次构建不记入审计，新的修订在页面上显示为“待发布”；"
        f"合并到 {wanted} 后在那里构建才会记录（或加 --record）。"
    )


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


def render_jobs(env: Environment, ctx: SiteContext, keys: incremental.Keys) -> list[Job]:
    """Every HTML page as a job to render in parallel; a record's page and its downloads (JSON, CSV, .xlsx) are
    one job, so the figures both read are made once, by one worker."""
    record_pages = {ctx.page_of(view): view for view in ctx.views}
    pages = plan_pages(ctx)
    texts = text_paths(ctx, {page.path for page in pages})
    jobs = []
    for page in pages:
        view = record_pages.get(page.path)
        if view is None:
            jobs.append(Job(functools.partial(_page, env, ctx, page), keys.page(page)))
        else:
            key = keys.page(page, view)
            key = key and f"{key}:{keys.data(view)}"
            jobs.append(Job(functools.partial(_record, env, ctx, page, view), key, texts[page.path]))
    return jobs


def _page(env: Environment, ctx: SiteContext, page: Page) -> Iterator[tuple[str, bytes]]:
    yield page.path, render_page(env, ctx, page)


def _record(env: Environment, ctx: SiteContext, page: Page, view: View) -> Iterator[tuple[str, bytes]]:
    """A record's page (first: it is what search reads), then its downloads. The figures they read are let go
    after them: a worker rendering 5,000 ledgers would otherwise hold them all (90 MB at 10,000 records)."""
    yield from _page(env, ctx, page)
    yield from render_data(view)
    view.forget_extra()


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
    files["robots.txt"] = robots(public, ctx.site.base_url)
    files["feed.xml"] = atom_feed(ctx.site, ctx.audience, ctx.as_of, ctx.changes)
    if public and ctx.site.base_url:
        files["sitemap.xml"] = sitemap(ctx.site.base_url, [p for p in pages if p.endswith(".html") and p != "404.html"])
    return files


def expand_audiences(choice: str) -> list[str]:
    """--audience all means every audience."""
    return list(AUDIENCES) if choice == "all" else [choice]
