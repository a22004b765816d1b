"""Pages and data files rendered on every CPU this process may use, each written as soon as it is done.

Workers are forked, so they share the projected views without copying or pickling them; each takes
every n-th item and writes its files straight into the staging folder. Where forking is unsafe (a
threaded `sanwu serve`) or only one CPU is allowed, everything runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

Item = Callable[[], Iterator[tuple[str, bytes]]]  # renders one page (or a record's data files)

_ITEMS: list[Item] = []  # what forked workers render (set just before forking)
_ROOT: Path = Path()


def worker_count() -> int:
    """The CPUs this process may run on (taskset, cgroup affinity), not the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def can_fork() -> bool:
    """fork only while single-threaded: a forked thread holding a lock would deadlock the child."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def write_file(root: Path, rel: str, data: bytes) -> None:
    """Write one output file under root (paths are relative and already checked)."""
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _run_share(index: int, step: int) -> list[str]:
    paths = []
    for item in _ITEMS[index::step]:
        for rel, data in item():
            write_file(_ROOT, rel, data)
            paths.append(rel)
    return paths


def render_all(root: Path, items: list[Item]) -> list[str]:
    """Render every item and write its files under root; the paths written, sorted.

    Workers write into a scratch folder beside root; the files are then moved into root in path
    order, so root's directories list them in the same order however many workers there were
    (the search indexer reads them in directory order, and its index must be reproducible).
    """
    global _ITEMS, _ROOT
    scratch = root.with_name(root.name + "-parts")
    workers = min(worker_count(), max(1, len(items) // 50))  # a small site is not worth a fork
    _ITEMS, _ROOT = items, scratch
    try:
        if workers <= 1 or not can_fork():
            paths = _run_share(0, 1)
        else:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                shares = [pool.submit(_run_share, i, workers) for i in range(workers)]
                paths = [path for share in shares for path in share.result()]
        paths.sort()
        made: set[Path] = set()
        for rel in paths:
            target = root / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            os.replace(scratch / rel, target)
        return paths
    finally:
        _ITEMS, _ROOT = [], Path()
        shutil.rmtree(scratch, ignore_errors=True)
