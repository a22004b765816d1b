"""Digests of what an output is made from, so an unchanged output is reused instead of made again.

A digest covers the data (pickled: exact types, values and order) and the code and templates that
turn it into bytes; anything it misses would serve a stale file, so it errs towards covering more.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent.parent


def digest(*parts: Any) -> str:
    """sha256 of the parts, pickled."""
    return hashlib.sha256(pickle.dumps(parts, protocol=5)).hexdigest()


@functools.cache
def _package_sources() -> str:
    """The package's code, templates and static files (they do not change while a process runs)."""
    h = hashlib.sha256()
    for path in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix != ".pyc"):
        h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def sources(project: Path) -> str:
    """Code, built-in templates and static files, and the project's own templates."""
    h = hashlib.sha256(_package_sources().encode())
    own = project / "templates"
    if own.is_dir():
        for path in sorted(p for p in own.rglob("*") if p.is_file()):
            h.update(path.relative_to(own).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def view_state(view: Any, without: tuple[str, ...] = ()) -> dict[str, Any]:
    """Everything a View holds (but the attributes named), its type by name."""
    # Its figures as made (not how to make them), and not its key: that digests the build date too.
    state = {key: value for key, value in vars(view).items() if key not in (*without, "made", "_extra", "key")}
    return {**state, "rtype": view.rtype.name, "extra": view.extra}
