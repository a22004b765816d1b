"""The only module that writes output: a staging folder, then an atomic swap.

Staging happens in a work folder beside output/ (.sanwu-cache/staging, same file system), so a
failed or killed build leaves output/ exactly as it was, with nothing added; what a SIGKILL leaves
in the work folder is removed by the next build before it starts.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def clean_debris(work: Path) -> None:
    """Remove staging folders left behind by a killed build."""
    if work.is_dir():
        for child in work.iterdir():
            if child.name.startswith((".staging-", ".old-")):
                shutil.rmtree(child, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), RENAME_EXCHANGE)
    return bool(result == 0)


def swap_in(staging: Path, final: Path) -> None:
    """Put the finished staging folder where the previous output was, in one step when possible."""
    if final.exists() and _exchange(staging, final):
        shutil.rmtree(staging)
        return
    old = staging.with_name(f".old-{final.name}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged(output: Path, work: Path) -> Iterator[Callable[[str], Path]]:
    """stage(name) gives a fresh folder (in work) for `output/name`; all of them are swapped in only
    when the whole block succeeds, so a build of several audiences changes all of them or none."""
    output.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    folders: dict[str, Path] = {}

    def stage(name: str) -> Path:
        folders[name] = Path(tempfile.mkdtemp(prefix=f".staging-{name}-", dir=work))
        return folders[name]

    # SIGTERM (a killed build) unwinds like an exception, so the staging folders are removed.
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM) if main else None
    if main and previous is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        yield stage
        for name, folder in folders.items():
            os.chmod(folder, 0o755)
            swap_in(folder, output / name)
    finally:
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)
        if main and previous is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def write_files(root: Path, files: dict[str, bytes]) -> None:
    """Write every file under root; paths are relative and already checked."""
    for rel, data in sorted(files.items()):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
