"""A rebuild whose inputs are all unchanged does nothing: the output in place is already its result.

The inputs are every file under content/ (records, attachments, site.yaml), the audit trail as the
last build left it, the project's templates, sanwu's own code, templates and static files, the
git branch (it decides whether revisions are recorded), the options and the build date. They are
digested before anything is parsed; the digest and the result of the last successful build are kept
in .sanwu-cache/, together with the identity of each output folder it swapped in.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from .render.fingerprint import sources

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


def previous(project: Path, digest: str, output: Path, audiences: list[str]) -> Any | None:
    """The last build's result if it had exactly these inputs and its output folders are still in place."""
    try:
        with open(project / STATE, "rb") as stream:
            state = pickle.load(stream)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("digest") != digest:
        return None
    ids = _output_ids(output, audiences)
    if None in ids or state.get("outputs") != ids:
        return None
    return state.get("built")


def remember(project: Path, digest: str, output: Path, audiences: list[str], built: Any) -> None:
    """Keep this build's input digest and result for the next build (written atomically)."""
    target = project / STATE
    target.parent.mkdir(parents=True, exist_ok=True)
    state = {"digest": digest, "outputs": _output_ids(output, audiences), "built": built}
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_bytes(pickle.dumps(state, protocol=5))
    os.replace(temporary, target)


def forget(project: Path) -> None:
    """Drop the remembered build (before a build that may change the output)."""
    (project / STATE).unlink(missing_ok=True)
