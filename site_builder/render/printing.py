"""Printable PDFs: one per published record of a printable type, a bundle per month, and the registers.

Each PDF depends only on its record, its revision and the site settings — never on the build date —
so a rebuild re-renders only what changed (render/pdf.py caches by content).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import math
import pickle
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from ..errors import SanwuError
from ..project import View
from . import fingerprint, pdf
from .html import SiteContext, render_template

CACHE = ".sanwu-cache/pdf"
AS_OF_STATE = ("notice_state", "scheduled")  # a view's state on the build date, which PDFs never show


def record_pdf_path(view: View) -> str:
    """Where a record's PDF goes in the build."""
    return f"pdf/{view.id}.pdf"


def value_digest(*parts: Any) -> str:
    """sha256 of the parts by value: pickled without its memo, so that data made twice (one object shared in
    one build, equal copies in the next) gives the same digest."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True  # no back-references: the bytes follow the values, not which objects are shared
    pickler.dump(parts)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


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


WIDE_COLUMNS = 7  # a table of this many columns prints on landscape pages
# Title lines on paper: 22 pt characters in the 156 mm (portrait) or 237 mm (landscape) text block.
TITLE_CHARS = {False: 19.5, True: 30.0}
# Where a 公文 title may break: before these words, or after these ones (never inside a word such as 发展对象).
BREAK_BEFORE = re.compile(
    r"(?=关于|第[一二三四五六七八九十\d]|\d{4}年|收支明细|(?<!关于)的|公示|通知|情况|名单|名册|安排|意见|《|征集|走访|城市居民)"
)
BREAK_AFTER = re.compile(r"委员会|党支部|党委|社区|小组|办事处")


def _width(text: str) -> float:
    """Printed width in em: Chinese and full-width characters 1, Latin letters and digits about half."""
    return sum(1.0 if ord(c) > 0x2E7F else 0.55 for c in text)


def title_lines(title: str, wide: bool = False) -> list[str]:
    """A title cut into balanced lines, only between words; one line when it fits, as is when no cut fits."""
    limit = TITLE_CHARS[wide]
    fewest = max(1, math.ceil(_width(title) / limit))
    if fewest == 1:
        return [title]
    points = {m.start() for m in BREAK_BEFORE.finditer(title)} | {m.end() for m in BREAK_AFTER.finditer(title)}
    points = {p for p in points if 0 < p < len(title)}
    for count in range(fewest, fewest + 3):
        lines = _balanced_cut(title, sorted(points), count, limit)
        if lines:
            return lines
    return [title]  # no word boundary gives lines that fit: let the renderer wrap it


def _balanced_cut(title: str, points: list[int], count: int, limit: float) -> list[str] | None:
    """count lines cut at points, each within limit, each cut nearest an even share of what is left."""
    out, start = [], 0
    for line in range(1, count):
        left = count - line  # lines still to fill after this one
        target = start + (len(title) - start) / (left + 1)
        fitting = [
            p for p in points if p > start and _width(title[start:p]) <= limit and _width(title[p:]) <= limit * left
        ]
        if not fitting:
            return None
        cut = min(fitting, key=lambda p: abs(p - target))
        out.append(title[start:cut])
        start = cut
    out.append(title[start:])
    return out if _width(out[-1]) <= limit else None


def _item(ctx: SiteContext, view: View) -> dict[str, Any]:
    url = _page_url(ctx, view)
    wide = len(view.rtype.columns) >= WIDE_COLUMNS
    return {
        "view": view,
        "wide": wide,
        "title_lines": title_lines(view.title, wide),
        "revision": _revision(ctx, view),
        "qr": pdf.qr_svg(url) if ctx.site.base_url else "",
        "page_url": url,
    }


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every text in a record's data with its field path (members[3].name)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _strings(item, f"{path}[{number}]")


def check_glyphs(views: list[View], fonts: pdf.FontChoice) -> None:
    """A character no installed font has is an error naming the record, the field and the character."""
    problems = []
    for view in views:
        for path, text in _strings({**view.data, "正文": view.body or ""}, ""):
            for char in pdf.missing_glyphs(text, fonts):
                problems.append(
                    f"{view.source}: {path}: 字“{char}”（U+{ord(char):04X}）没有任何已安装的字体能打印，"
                    "PDF 中会显示为方框。请安装含此字的字体（如 fonts-noto-cjk-extra），或在该字段改用可打印的写法"
                )
    if problems:
        raise SanwuError("\n".join(problems))


def render_pdfs(project: Path, env: jinja2.Environment, ctx: SiteContext) -> dict[str, bytes]:
    """Every PDF of one audience's build: notices and registers cached by their inputs (misses typeset in
    parallel), and each month's bundle assembled from its notices' own PDFs as soon as they are done."""
    try:
        cache = pdf.PdfCache(project / CACHE, env.get_template("pdf/paper.css.j2").render())
    except pdf.PdfError as exc:
        raise SanwuError(str(exc)) from None
    check_glyphs([v for v in ctx.views if printable(v)], cache.fonts)
    author = ctx.site.org or ctx.site.community
    base = project / "content"
    basis = fingerprint.digest(fingerprint.sources(project), ctx.site, ctx.audience)
    jobs: dict[str, pdf.PlannedPdf] = {}
    by_month: dict[str, list[View]] = defaultdict(list)

    def planned(
        path: str,
        template: str,
        title: str,
        created: dt.date,
        key: str,
        context: Callable[[], dict[str, Any]],
        weight: int,
    ) -> pdf.PlannedPdf:
        # The HTML is rendered only on a cache miss: the key is made of what the HTML is made from.
        def make() -> pdf.PdfJob:
            return pdf.PdfJob(
                render_template(env, template, path, ctx, paper=True, **context()), base, title, author, created
            )

        return pdf.PlannedPdf(fingerprint.digest(basis, path, title, author, created, key), base, make, weight)

    for view in ctx.views:
        if not printable(view):
            continue
        path = record_pdf_path(view)
        state = sorted(fingerprint.view_state(view, without=AS_OF_STATE).items())  # its attributes in any order
        inputs = value_digest(state, _revision(ctx, view), _page_url(ctx, view))
        created = view.published_on or ctx.as_of
        context = functools.partial(_item, ctx, view)
        weight = len(view.body or "") + len(repr(view.data))  # how long its paper is, roughly
        jobs[path] = planned(path, "pdf/record.html", view.title, created, inputs, context, weight)
        if not view.draft and view.published_on:
            by_month[view.published_on.strftime("%Y-%m")].append(view)
    for page in ctx.extra_pages:
        if not page.printable:
            continue
        path = "pdf/" + page.path.removesuffix(".html") + ".pdf"
        content = main_content(render_template(env, page.template, page.path, ctx, page=page, **page.context))
        url = f"{ctx.site.base_url}{page.path}" if ctx.site.base_url else page.path
        qr = pdf.qr_svg(url) if ctx.site.base_url else ""
        html = render_template(env, "pdf/page.html", path, ctx, page=page, content=content, qr=qr, page_url=url)
        jobs[path] = pdf.planned(pdf.PdfJob(html, base, page.title, author, page.date or ctx.as_of))
    if not jobs:
        return {}
    bundles = [Bundle.of(ctx, month, views) for month, views in sorted(by_month.items())]
    press = pdf.Press(cache)
    for path in typesetting_order(jobs, bundles):
        press.add(path, jobs[path])
    binder = Binder(env, ctx, cache, press, basis, base, author, bundles)
    files: dict[str, bytes] = {}
    for name, data in press:
        binder.take(name, data, files)
    return {path: files[path] for path in [*jobs, *(bundle.path for bundle in bundles)]}


def typesetting_order(jobs: dict[str, pdf.PlannedPdf], bundles: list[Bundle]) -> list[str]:
    """What no bundle waits for first, then the notices month by month, so that the bundles of the months done
    are ready to keep both workers busy while the last notices finish; the longest first."""
    in_bundles = {part for bundle in bundles for part in bundle.parts}

    def longest_first(paths: Iterable[str]) -> list[str]:
        return sorted(paths, key=lambda path: -jobs[path].weight)

    loose = longest_first(path for path in jobs if path not in in_bundles)
    months = sorted(bundles, key=lambda bundle: -sum(jobs[part].weight for part in bundle.parts))
    return loose + [path for month in months for path in longest_first(month.parts)]


@dataclass
class Bundle:
    """A month's bundle: its notices, oldest first."""

    path: str
    title: str
    created: dt.date
    views: list[View]

    @classmethod
    def of(cls, ctx: SiteContext, month: str, views: list[View]) -> Bundle:
        views = sorted(views, key=lambda v: (v.published_on, v.id))
        title = f"{ctx.site.community}{int(month[:4])}年{int(month[5:])}月公开事项汇编"
        created = max(v.published_on for v in views if v.published_on)
        return cls(f"pdf/bundle/{month}.pdf", title, created, views)

    @property
    def parts(self) -> list[str]:
        """Its notices' PDF paths, in order."""
        return [record_pdf_path(view) for view in self.views]


COVER, HEADS = "#cover", "#heads"  # a bundle's path with these names its cover and its running heads


@dataclass
class Binder:
    """Binds each month's bundle once its notices are done: from the cache, else its cover and running heads
    (a few small pages, queued behind the notices still waiting: they keep the workers busy while the last
    notices finish) with the notices' own PDFs joined behind them, so that a changed notice is never typeset
    twice."""

    env: jinja2.Environment
    ctx: SiteContext
    cache: pdf.PdfCache
    press: pdf.Press
    basis: str  # digest of the sources and settings every PDF depends on
    base: Path
    author: str
    bundles: list[Bundle]
    keys: dict[str, str] = field(default_factory=dict)  # bundle path -> its cache key, while it is being bound

    def __post_init__(self) -> None:
        self.of: dict[str, Bundle] = {}  # the bundle a notice, a cover or running heads is part of
        for bundle in self.bundles:
            self.of.update(dict.fromkeys([*bundle.parts, bundle.path + COVER, bundle.path + HEADS], bundle))

    def take(self, name: str, data: bytes, files: dict[str, bytes]) -> None:
        """Keep a finished document in files; bind the bundle it completes."""
        files[name] = data
        bundle = self.of.get(name)
        if bundle is None:
            return
        if name.endswith((COVER, HEADS)):
            cover, heads = files.get(bundle.path + COVER), files.get(bundle.path + HEADS)
            if cover is not None and heads is not None:
                parts = [(view.title, files[part]) for view, part in zip(bundle.views, bundle.parts)]
                files[bundle.path] = pdf.assemble(cover, heads, parts)
                self.cache.write(self.keys[bundle.path], pdf.Rendered(files[bundle.path]))
        elif all(part in files for part in bundle.parts):
            self.start(bundle, [files[part] for part in bundle.parts], files)

    def start(self, bundle: Bundle, parts: list[bytes], files: dict[str, bytes]) -> None:
        """A bundle whose notices are all done: from the cache, else its cover and heads sent to be typeset."""
        digests = [hashlib.sha256(part).hexdigest() for part in parts]
        inputs = fingerprint.digest(self.basis, bundle.path, self.author, bundle.created, digests)
        key = self.cache.key(inputs, self.base)
        found = self.cache.read(key, self.base)
        if found is not None:
            files[bundle.path] = found
            return
        self.keys[bundle.path] = key
        items = [
            {"title": v.title, "published_on": v.published_on, "pages": pdf.page_shapes(part)}
            for v, part in zip(bundle.views, parts)
        ]
        for template, tagged, name in (("pdf/bundle.html", True, COVER), ("pdf/bundle_heads.html", False, HEADS)):
            html = render_template(
                self.env, template, bundle.path, self.ctx, paper=True, title=bundle.title, items=items
            )
            job = pdf.PdfJob(html, self.base, bundle.title, self.author, bundle.created, tagged=tagged)
            self.press.add(bundle.path + name, job)


def renderer_identity() -> str:
    """What besides the documents decides the PDF bytes (WeasyPrint, libraries, fonts); empty without fonts."""
    try:
        return pdf.renderer_identity()
    except pdf.PdfError:
        return ""


def main_content(page_html: str) -> str:
    """The <main> element of a rendered web page: a register without the site's header and footer."""
    start = page_html.find("<main")
    end = page_html.rfind("</main>")
    if start < 0 or end < 0:
        return page_html
    return page_html[page_html.index(">", start) + 1 : end]
