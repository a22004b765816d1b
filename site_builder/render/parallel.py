"""Pages and data files rendered on every CPU this process may use, each written as soon as it is done.

Workers are forked, so they share the projected views without copying or pickling them; each takes
every n-th job and writes its files straight into a scratch folder. A job whose inputs are unchanged
since an earlier build (same memo key) is not rendered: its bytes come from the memo. Pages are
rendered with a placeholder where the audit chain head goes and the head is put in when they are
written, so a new revision (which moves the head on every page) re-renders only what it changed.
A file the live build already holds exactly as it would be written (same memo key, and the same
head if it shows one) is not written again: the new build gets a hard link to the live file. No
file of a build folder is ever written into once made, so the live site never changes through it.
Where forking is unsafe (a threaded `sanwu serve`) or only one CPU is allowed, everything runs in
this process.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..incremental import Live, Memo, Written
from .search import Searchable, searchable

Item = Callable[[], Iterator[tuple[str, bytes]]]  # renders one page (or a record's data files)


@dataclass
class Job:
    """One item to render, the digest of its inputs (None: not memoized), and whether search indexes it."""

    render: Item
    key: str | None = None
    search: bool = False


@dataclass
class Rendered:
    """What render_all wrote: the paths, the text and bigrams of each searched page, how many were rendered,
    which files are links to the live build's, and the files of each memoized job (for the next build)."""

    paths: list[str]
    texts: dict[str, Searchable]
    rendered: int
    linked: set[str] = field(default_factory=set)
    written: Written = field(default_factory=dict)


_JOBS: list[Job] = []  # what forked workers render (set just before forking)
_ROOT: Path = Path()
_MEMO: Memo | None = None
_FILL: tuple[bytes, bytes] = (b"", b"")  # (placeholder, what replaces it)
_LIVE: Live | None = None


def worker_count() -> int:
    """The CPUs this process may run on (taskset, cgroup affinity), not the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def can_fork() -> bool:
    """fork only while single-threaded: a forked thread holding a lock would deadlock the child."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


_MADE: set[str] = set()  # folders this process made (or found) while writing


def write_file(root: str, rel: str, data: bytes) -> None:
    """Write one output file under root (paths are relative and already checked)."""
    target = os.path.join(root, rel)
    folder = os.path.dirname(target)
    if folder not in _MADE:
        os.makedirs(folder, exist_ok=True)
        _MADE.add(folder)
    with open(target, "wb") as stream:
        stream.write(data)


def _produce(job: Job) -> tuple[list[tuple[str, bytes]], Searchable | None, bool]:
    """A job's files and searchable text: from the memo when its key is there, else rendered (and memoized)."""
    if job.key is not None and _MEMO is not None:
        found = _MEMO.get(job.key)
        if found is not None:
            return found[0], found[1], False
    files = list(job.render())
    text = searchable(files[0][1]) if job.search else None
    if job.key is not None and _MEMO is not None:
        _MEMO.put(job.key, (files, text))
    return files, text, True


def _in_live(key: str) -> tuple[list[tuple[str, bool]], set[str]]:
    """The files a job of this key wrote in the live build, and those of them it holds exactly as this build
    would write them (all, unless the chain head moved: then those that do not show it)."""
    before = _LIVE.written.get(key, []) if _LIVE else []
    moved = _LIVE is not None and _LIVE.head != _FILL[1]
    return before, {rel for rel, shows in before if not (shows and moved)}


def _run_share(index: int, step: int) -> Rendered:
    out = Rendered([], {}, 0)
    placeholder, head = _FILL
    root = str(_ROOT)
    _MADE.clear()
    for job in _JOBS[index::step]:
        before, same = _in_live(job.key) if job.key else ([], set())
        if job.key and before and len(same) == len(before) and not job.search:
            out.written[job.key] = before
            out.paths += same
            out.linked |= same
            continue  # nothing to read or write: every file is linked
        files, text, fresh = _produce(job)
        out.rendered += fresh
        for rel, data in files:
            if rel in same:
                out.linked.add(rel)
            else:
                write_file(root, rel, data.replace(placeholder, head) if placeholder else data)
            out.paths.append(rel)
        if job.key:
            out.written[job.key] = [(rel, bool(placeholder) and placeholder in data) for rel, data in files]
        if text is not None:
            out.texts[files[0][0]] = text
    return out


def _link(source: str, target: str) -> bool:
    try:
        os.link(source, target)
    except OSError:  # gone from the live build, or a file system without hard links
        return False
    return True


def render_all(
    root: Path,
    jobs: list[Job],
    memo: Memo | None = None,
    fill: tuple[bytes, bytes] = (b"", b""),
    live: Live | None = None,
) -> Rendered:
    """Render (or take from the memo) every job and write its files under root, `fill` substituted; files
    the live build holds as they would be written are linked from it.

    Workers write into a scratch folder beside root; the files are then moved (or linked) into root in
    path order, so root's directories list them in the same order however many workers there were.
    """
    global _JOBS, _ROOT, _MEMO, _FILL, _LIVE
    scratch = root.with_name(root.name + "-parts")
    workers = min(worker_count(), max(1, len(jobs) // 50))  # a small site is not worth a fork
    _JOBS, _ROOT, _MEMO, _FILL, _LIVE = jobs, scratch, memo, fill, live
    try:
        if workers <= 1 or not can_fork():
            shares = [_run_share(0, 1)]
        else:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                futures = [pool.submit(_run_share, i, workers) for i in range(workers)]
                shares = [future.result() for future in futures]
        done = Rendered(sorted(p for share in shares for p in share.paths), {}, sum(s.rendered for s in shares))
        for share in shares:
            done.texts.update(share.texts)
            done.linked |= share.linked
            done.written.update(share.written)
        made: set[str] = set()
        owners: dict[str, str] = {}  # which job wrote each file (only if a link fails)
        for rel in done.paths:
            target = os.path.join(root, rel)
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            if rel not in done.linked:
                os.replace(os.path.join(scratch, rel), target)
            elif not _link(os.path.join(live.folder if live else "", rel), target):
                owners = owners or {r: key for key, files in done.written.items() for r, _ in files}
                job = next(job for job in jobs if job.key == owners[rel])  # the live file is gone: made again
                data = dict(_produce(job)[0])[rel]
                write_file(str(root), rel, data.replace(*fill) if fill[0] else data)
        return done
    finally:
        _JOBS, _ROOT, _MEMO, _FILL, _LIVE = [], Path(), None, (b"", b""), None
        shutil.rmtree(scratch, ignore_errors=True)
