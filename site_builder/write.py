"""The only module that writes output: a versioned build folder, then one switch for all audiences.

    output/.builds/<build>/<audience>/   every build writes a new folder (audiences not built this
                                         time are carried over from the live build as hard links)
    output/.current -> .builds/<build>   the pointer: replaced in one rename, so all audiences switch
                                         together, and a kill at any moment leaves the old site or the new
    output/<audience> -> .current/<audience>   what people serve, rsync and open; never changes

Build folders that the pointer does not name are debris of a killed build (or the previous build) and
are removed by the next build. Where symbolic links cannot be made (Windows without the right to),
each output/<audience> is a real folder swapped in by renames, one audience after another.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BUILDS = ".builds"
POINTER = ".current"
STAGING_PREFIX = ".staging-"


def symlinks_work(folder: Path) -> bool:
    """Whether symbolic links can be made here (not on Windows without Developer Mode)."""
    probe = folder / f".probe-{secrets.token_hex(4)}"
    try:
        os.symlink(POINTER, probe)
    except (OSError, NotImplementedError):
        return False
    probe.unlink()
    return True


def clean_debris(work: Path) -> None:
    """Remove staging folders left behind by a killed build (older versions staged in .sanwu-cache/)."""
    if work.is_dir():
        for child in work.iterdir():
            if child.name.startswith((STAGING_PREFIX, ".old-")):
                shutil.rmtree(child, ignore_errors=True)


def live_build(output: Path) -> Path | None:
    """The build folder the pointer names, if any."""
    try:
        target = os.readlink(output / POINTER)
    except OSError:
        return None
    return output / target


def clean_builds(output: Path) -> None:
    """Remove every build folder but the live one, and any half-made pointer."""
    live = live_build(output)
    builds = output / BUILDS
    if builds.is_dir():
        for child in builds.iterdir():
            if live is None or child.name != live.name:
                shutil.rmtree(child, ignore_errors=True)
    for child in output.glob(f"{POINTER}.*"):
        child.unlink(missing_ok=True)
    clean_debris(output)


def _carry_over(live: Path | None, folder: Path, built: set[str]) -> None:
    """Audiences not built this time keep their live files (hard links: no copying, no extra space)."""
    if live is None or not live.is_dir():
        return
    for old in live.iterdir():
        if old.is_dir() and old.name not in built:
            try:
                shutil.copytree(old, folder / old.name, copy_function=os.link, symlinks=True)
            except OSError:
                shutil.rmtree(folder / old.name, ignore_errors=True)
                shutil.copytree(old, folder / old.name, symlinks=True)


def switch(output: Path, folder: Path) -> None:
    """Make `folder` (in output/.builds) the live build: one rename of the pointer."""
    temp = output / f"{POINTER}.{secrets.token_hex(4)}"
    os.symlink(f"{BUILDS}/{folder.name}", temp)
    os.replace(temp, output / POINTER)
    for audience in sorted(p.name for p in folder.iterdir() if p.is_dir()):
        link = output / audience
        if link.is_symlink():
            continue
        if link.exists():  # an output/<audience> folder of an older sanwu: moved away once
            os.replace(link, output / BUILDS / f".old-{audience}-{secrets.token_hex(4)}")
        os.symlink(f"{POINTER}/{audience}", link)


def swap_in(staging: Path, final: Path) -> None:
    """Portable: put a finished folder where the previous one was, by renames."""
    old = staging.with_name(f".old-{final.name}-{secrets.token_hex(4)}")
    if final.is_symlink():
        final.unlink()
    elif final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged(output: Path) -> Iterator[Callable[[str], Path]]:
    """stage(name) gives a fresh folder for `output/name`; all of them go live together, only when the
    whole block succeeds, so a build of several audiences changes all of them or none."""
    output.mkdir(parents=True, exist_ok=True)
    linked = symlinks_work(output)
    if linked:
        clean_builds(output)
        builds = output / BUILDS
        builds.mkdir(exist_ok=True)
        folder = builds / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
    else:
        clean_debris(output)
        folder = output / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
    names: list[str] = []

    def stage(name: str) -> Path:
        names.append(name)
        (folder / name).mkdir()
        return folder / name

    # SIGTERM and Ctrl-C stop the build at once, workers included, and remove the new folder. Unwinding would
    # wait for the PDF workers to finish their pages; only the commit (audit log, switch) is let finish.
    # The handler is in place before the folder exists, so no moment leaves it behind.
    main = threading.current_thread() is threading.main_thread()
    defaults: dict[int, Any] = {signal.SIGTERM: signal.SIG_DFL, signal.SIGINT: signal.default_int_handler}
    replaced = [s for s, default in defaults.items() if main and signal.getsignal(s) is default]
    _BUILD.update(folder=folder, committing=False)
    for signum in replaced:
        signal.signal(signum, _interrupt)
    folder.mkdir()
    try:
        yield stage
        _BUILD["committing"] = True
        for name in names:
            os.chmod(folder / name, 0o755)
        if linked:
            _carry_over(live_build(output), folder, set(names))
            final = folder.with_name(folder.name.removeprefix(STAGING_PREFIX))
            os.replace(folder, final)
            folder = final
            switch(output, folder)
            clean_builds(output)
        else:
            for name in names:
                swap_in(folder / name, output / name)
    finally:
        if not linked or live_build(output) != folder:
            shutil.rmtree(folder, ignore_errors=True)
        _BUILD.update(folder=None, committing=False)
        for signum in replaced:
            signal.signal(signum, defaults[signum])


_BUILD: dict[str, Any] = {"folder": None, "committing": False}  # the build in progress, for _interrupt
INTERRUPTED = "已中断：构建已停止，原有的 output/ 未改动，审计记录未写入。"


def committing() -> None:
    """From here on the build records and switches: a signal no longer stops it (that takes a moment)."""
    _BUILD["committing"] = True


def _interrupt(signum: int, frame: object) -> None:
    if _BUILD["committing"]:
        return  # the audit log and the switch are written whole; the build ends in a moment anyway
    for child in multiprocessing.active_children():
        child.kill()
    if _BUILD["folder"] is not None:
        shutil.rmtree(_BUILD["folder"], ignore_errors=True)
    os.write(2, f"\n{INTERRUPTED}\n".encode())
    os._exit(130)


def write_files(root: Path, files: dict[str, bytes]) -> None:
    """Write every file under root; paths are relative and already checked. A file already there is replaced,
    never written into: it may be a hard link to the live build's."""
    for rel, data in sorted(files.items()):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        target.write_bytes(data)
