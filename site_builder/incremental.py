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
import importlib.util
import io
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import jinja2.bccache

from . import known
from .project import View
from .records import TYPES, RecordType
from .records.base import ExtraPage, Made
from .render.fingerprint import sources, view_state

if TYPE_CHECKING:
    from .render.html import Page, SiteContext

CACHE_DIR = ".sanwu-cache"
STATE = f"{CACHE_DIR}/last-build.pickle"
AUDIT = ("content", "_audit")


def _walk(root: Path, skip: str = "") -> Iterator[tuple[str, str]]:
    """(path relative to root, full path) of every file under root, sorted, without following symlinked
    folders; the folder `skip` (relative to root) left out."""
    for folder, dirs, files in os.walk(root):
        here = os.path.relpath(folder, root)
        prefix = "" if here == "." else here.replace(os.sep, "/") + "/"
        dirs[:] = sorted(d for d in dirs if prefix + d != skip)
        for name in sorted(files):
            yield prefix + name, os.path.join(folder, name)


def _read(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def content_digest(project: Path) -> str:
    """Every file under content/ except the audit trail, the project's templates and the git branch."""
    h = hashlib.sha256()
    for folder in ("content", "templates"):
        for rel, path in _walk(project / folder, "/".join(AUDIT[1:]) if folder == AUDIT[0] else ""):
            h.update(os.fsencode(f"{folder}/{rel}") + b"\0")
            h.update(_read(path) + b"\0")
    for head in (project / ".git" / "HEAD", project / ".git"):
        if head.is_file():
            h.update(head.read_bytes())
            break
    return h.hexdigest()


def trail_digest(project: Path) -> str:
    """The audit log's bytes and the snapshot files present (names, sizes, times)."""
    h = hashlib.sha256()
    for rel, path in _walk(project.joinpath(*AUDIT)):
        if rel.endswith(".json"):
            stat = os.stat(path)
            h.update(os.fsencode(rel) + f"\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        else:
            h.update(os.fsencode(rel) + b"\0" + _read(path) + b"\0")
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


def _load(path: Path | str) -> Any | None:
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
    _write_atomically(project / STATE, {"digest": digest, "outputs": _output_ids(output, audiences), "built": built})


def _write_atomically(target: Path, value: Any) -> None:
    """Pickle value to target through a temporary file (several processes may write at once)."""
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(pickle.dumps(value, protocol=5))
        os.replace(temporary, target)
    except OSError:  # the build itself succeeded: a cache that cannot be written only makes the next one slower
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def kept(project: Path, name: str) -> Any | None:
    """A value kept in the memo folder under name by keep() (None: none, or damaged)."""
    return _load(project / MEMO / name)


def keep(project: Path, name: str, value: Any) -> None:
    """Keep a value for the next build (written atomically; a cache that cannot be written is skipped)."""
    _write_atomically(project / MEMO / name, value)


def forget(project: Path) -> None:
    """Drop the remembered build (before a build that may change the output)."""
    with contextlib.suppress(OSError):  # not writable: then remember() cannot have written it either
        (project / STATE).unlink(missing_ok=True)


MEMO = f"{CACHE_DIR}/memo"
KNOWN = f"{MEMO}/known.pickle"


@contextlib.contextmanager
def known_results(project: Path) -> Iterator[None]:
    """known's results as the last build left them, and the new ones kept for the next (if the block succeeds)."""
    version = _sha(pickle.dumps((sources(project), [_version(name) for name in ("cn2an", "pypinyin")])))
    state = _load(project / KNOWN)
    if isinstance(state, tuple) and len(state) == 2 and state[0] == version:
        known.load(state[1])
    yield
    if known.ADDED[0]:
        _write_atomically(project / KNOWN, (version, known.RESULTS))
        known.ADDED[0] = 0


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between builds (each under a digest of its source); a cache that cannot be
    written is only a template compiled again next time."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def template_cache(project: Path) -> jinja2.BytecodeCache | None:
    """Where a build's environment keeps compiled templates (None: the project is read-only)."""
    folder = project / CACHE_DIR / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _TemplateCache(str(folder))


def _version(package: str) -> list[str]:
    """The installed package's metadata folders (their names hold its version), found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        return []
    return sorted(p.name for p in Path(spec.origin).parent.parent.glob(f"{package}-*.*-info"))


Written = dict[str, list[tuple[str, bool]]]  # memo key -> each file its job wrote, and whether it shows the head


@dataclass
class Live:
    """What the live build of an audience holds: its folder, the chain head its pages show, and the files each
    memoized job wrote there (a later build links those it would write the same instead of writing them)."""

    folder: str
    head: bytes
    written: Written


def _identity(folder: Path) -> tuple[str, int, int] | None:
    """A folder as it is now: where it really is, and which folder it is (each build swaps in a new one)."""
    try:
        real = os.path.realpath(folder)
        stat = os.stat(real)
    except OSError:
        return None
    return real, stat.st_dev, stat.st_ino


def live_files(project: Path, folder: Path) -> Live | None:
    """What the live output folder holds, if the last build's account of it is about the folder now in place."""
    found = _load(project / MEMO / f"written-{folder.name}.pickle")
    if isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], Live):
        identity = _identity(folder)
        if identity is not None and found[0] == identity:
            return found[1]
    return None


def remember_files(project: Path, folder: Path, head: bytes, written: Written) -> None:
    """An account of what the output folder just swapped in holds, for the next build."""
    identity = _identity(folder)
    if identity is not None:
        account = (identity, Live(identity[0], head, written))
        _write_atomically(project / MEMO / f"written-{folder.name}.pickle", account)


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
        found = _load(os.path.join(self.folder, key))
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
        self.extras: dict[int, str] = {}
        self.table = self._reductions()
        self.base = self.digest(sources(project), ctx.site, ctx.audience, ctx.as_of, ctx.audit_head is not None)
        if (project / "templates").is_dir():
            everything = (ctx.views, ctx.history, ctx.changes, ctx.pdfs, ctx.findings, ctx.extra_pages)
            self.base = self.digest(self.base, everything)

    def _reductions(self) -> dict[Any, Any]:
        """How a page's inputs are pickled for its key: a View or an ExtraPage as its digest (each made once),
        a record type as its name."""
        table = copyreg.dispatch_table.copy()
        table[View] = lambda view: (str, (self.views.get(id(view)) or _view_digest(view),))
        table[ExtraPage] = lambda page: (str, (self._extra_digest(page),))
        table[Made] = lambda context: (str, (f"made:{context.inputs_digest}",))
        for kind in {type(t) for t in TYPES.types.values()} | {RecordType}:
            table[kind] = lambda rtype: (str, (f"type:{rtype.name}",))
        return table

    def _extra_digest(self, page: ExtraPage) -> str:
        found = self.extras.get(id(page))
        if found is None:
            found = self.extras[id(page)] = "extra:" + self.digest(*vars(page).items())
        return found

    def digest(self, *parts: Any) -> str:
        stream = io.BytesIO()
        pickler = pickle.Pickler(stream, protocol=5)
        pickler.dispatch_table = self.table  # type: ignore[assignment]
        pickler.dump(parts)
        return _sha(stream.getvalue())

    def page(self, page: Page, view: View | None = None) -> str | None:
        """A page's key (None when its inputs cannot be digested: it is then always rendered)."""
        pdfs, extra = self.ctx.pdfs, page.extra
        of = extra.get("page")
        if isinstance(of, ExtraPage) and extra == {"page": of, **of.context}:
            extra = {"page": of}  # an extra page's own page: its context is in the ExtraPage's digest
        try:
            return self.digest(
                self.base, page.path, page.template, extra, pdfs.get(page.path), view and pdfs.get(view.id)
            )
        except (pickle.PicklingError, TypeError, AttributeError):
            return None

    def data(self, view: View) -> str:
        """A record's downloads are made from its view alone."""
        return _sha(f"{self.base}:data:{self.views.get(id(view)) or _view_digest(view)}".encode())


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _view_digest(view: View) -> str:
    """The view's key (a digest of its inputs), else a digest of all it holds."""
    return "view:" + (view.key or _sha(pickle.dumps(view_state(view), protocol=5)))
