"""A rebuild whose inputs are all unchanged does nothing: the output in place is already its result.

The inputs are every file under content/ (records, attachments, site.yaml), the audit trail as the
last build left it, the project's templates, sanwu's own code, templates and static files, the
git branch (it decides whether revisions are recorded), the options and the build date. They are
digested before anything is parsed; the digest and the result of the last successful build are kept
in .sanwu-cache/, together with the identity of each output folder it swapped in.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import io
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .project import View
from .records import TYPES, RecordType
from .render.fingerprint import sources

if TYPE_CHECKING:
    from .render.html import Page, SiteContext

STATE = ".sanwu-cache/last-build.pickle"
AUDIT = ("content", "_audit")


def _walk(root: Path) -> list[Path]:
    """Every file under root, sorted, without following symlinked folders."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        found += [Path(folder, name) for name in sorted(files)]
    return found


def content_digest(project: Path) -> str:
    """Every file under content/ except the audit trail, the project's templates and the git branch."""
    h = hashlib.sha256()
    audit = project.joinpath(*AUDIT)
    for folder in (project / "content", project / "templates"):
        for path in _walk(folder):
            if path.is_relative_to(audit):
                continue
            h.update(os.fsencode(path.relative_to(project)) + b"\0")
            h.update(path.read_bytes() + b"\0")
    for head in (project / ".git" / "HEAD", project / ".git"):
        if head.is_file():
            h.update(head.read_bytes())
            break
    return h.hexdigest()


def trail_digest(project: Path) -> str:
    """The audit log's bytes and the snapshot files present (names, sizes, times)."""
    h = hashlib.sha256()
    audit = project.joinpath(*AUDIT)
    for path in _walk(audit):
        rel = os.fsencode(path.relative_to(audit))
        if path.suffix == ".json":
            stat = path.stat()
            h.update(rel + f"\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        else:
            h.update(rel + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _output_ids(output: Path, audiences: list[str]) -> list[tuple[int, int] | None]:
    ids: list[tuple[int, int] | None] = []
    for audience in audiences:
        try:
            stat = (output / audience).stat()
            ids.append((stat.st_dev, stat.st_ino))
        except OSError:
            ids.append(None)
    return ids


def inputs(project: Path, content: str, options: tuple[Any, ...]) -> str:
    """The digest of one build's inputs (content digested before the build, the trail as it is now)."""
    material = (content, trail_digest(project), sources(project), options)
    return hashlib.sha256(pickle.dumps(material, protocol=5)).hexdigest()


def _load(path: Path) -> Any | None:
    """A pickled cache file, or None when it is missing or damaged (unpickling damaged bytes can raise
    almost anything: a cache is never worth a traceback)."""
    try:
        with open(path, "rb") as stream:
            return pickle.load(stream)
    except Exception:  # noqa: BLE001 - any damage means: not cached
        return None


def previous(project: Path, digest: str, output: Path, audiences: list[str]) -> Any | None:
    """The last build's result if it had exactly these inputs and its output folders are still in place."""
    state = _load(project / STATE)
    if not isinstance(state, dict) or state.get("digest") != digest:
        return None
    ids = _output_ids(output, audiences)
    if None in ids or state.get("outputs") != ids:
        return None
    return state.get("built")


def remember(project: Path, digest: str, output: Path, audiences: list[str], built: Any) -> None:
    """Keep this build's input digest and result for the next build (written atomically)."""
    target = project / STATE
    state = {"digest": digest, "outputs": _output_ids(output, audiences), "built": built}
    temporary = target.with_name(target.name + ".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(pickle.dumps(state, protocol=5))
        os.replace(temporary, target)
    except OSError:  # the build itself succeeded: a cache that cannot be written only makes the next one slower
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def forget(project: Path) -> None:
    """Drop the remembered build (before a build that may change the output)."""
    with contextlib.suppress(OSError):  # not writable: then remember() cannot have written it either
        (project / STATE).unlink(missing_ok=True)


MEMO = ".sanwu-cache/memo"


class Memo:
    """Results kept by a digest of what they were made from: each record file typed and checked, and each
    page or data file of one audience's build rendered (its bytes, and what search keeps of it).

    Entries are named by the digest of their inputs, written whole (a temporary file, then a rename)
    and never changed; a build keeps only the entries it used.
    """

    def __init__(self, project: Path, name: str) -> None:
        self.folder = project / MEMO / name
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # a read-only project: nothing is remembered, everything is made

    def get(self, key: str) -> Any | None:
        """What is remembered under key, if anything (a damaged entry counts as nothing)."""
        found = _load(self.folder / key)
        return found if isinstance(found, tuple) and len(found) == 2 else None

    def put(self, key: str, value: tuple[Any, ...]) -> None:
        """Remember a value under key (safe from several processes at once)."""
        temporary = self.folder / f".{key}.{os.getpid()}"
        try:
            temporary.write_bytes(pickle.dumps(value, protocol=5))
            os.replace(temporary, self.folder / key)
        except OSError:
            temporary.unlink(missing_ok=True)  # a full disk costs the next build a render, nothing else

    def keep(self, keys: set[str]) -> None:
        """Drop every entry this build did not use."""
        try:
            for path in self.folder.iterdir():
                if path.name not in keys:
                    path.unlink(missing_ok=True)
        except OSError:
            pass


def _reductions(views: dict[int, str]) -> dict[Any, Any]:
    """How a page's inputs are pickled for its key: a View as its digest, a record type as its name."""
    table = copyreg.dispatch_table.copy()
    table[View] = lambda view: (str, (views.get(id(view)) or _view_digest(view),))
    for kind in {type(t) for t in TYPES.types.values()} | {RecordType}:
        table[kind] = lambda rtype: (str, (f"type:{rtype.name}",))
    return table


class Keys:
    """The memo key of every page and data file of one audience's build: a digest of what it is made from.

    A record page reads its view, its history and its PDF's path; a list reads the views it lists; every
    page reads the site settings, the audience, the build date and whether there is a chain head (never
    the head itself: it is put in when the page is written). Code and templates are in every key. A site
    with templates of its own may read anything, so each of its keys covers everything.
    """

    def __init__(self, project: Path, ctx: SiteContext) -> None:
        self.ctx = ctx
        self.views = {id(v): _view_digest(v) for v in ctx.views}
        self.table = _reductions(self.views)
        self.base = self.digest(sources(project), ctx.site, ctx.audience, ctx.as_of, ctx.audit_head is not None)
        if (project / "templates").is_dir():
            everything = (ctx.views, ctx.history, ctx.changes, ctx.pdfs, ctx.findings, ctx.extra_pages)
            self.base = self.digest(self.base, everything)

    def digest(self, *parts: Any) -> str:
        stream = io.BytesIO()
        pickler = pickle.Pickler(stream, protocol=5)
        pickler.dispatch_table = self.table  # type: ignore[assignment]
        pickler.dump(parts)
        return _sha(stream.getvalue())

    def page(self, page: Page, view: View | None) -> str | None:
        """A page's key (None when its inputs cannot be digested: it is then always rendered)."""
        pdfs = self.ctx.pdfs
        try:
            return self.digest(
                self.base, page.path, page.template, page.extra, pdfs.get(page.path), view and pdfs.get(view.id)
            )
        except (pickle.PicklingError, TypeError, AttributeError):
            return None

    def data(self, view: View) -> str:
        """A record's downloads are made from its view alone."""
        return _sha(f"{self.base}:data:{self.views.get(id(view)) or _view_digest(view)}".encode())


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _view_digest(view: View) -> str:
    return "view:" + _sha(pickle.dumps({**vars(view), "rtype": view.rtype.name}, protocol=5))
