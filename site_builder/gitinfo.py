"""What git says about the site's folder: the branch, and which files it tracks. Outside git, nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PRIVATE_SUFFIXES = (".pdf", ".json", ".csv", ".xlsx", ".html")


def git(project: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    """Run git in the project; None when git is not installed."""
    try:
        return subprocess.run(["git", "-C", str(project), *args], capture_output=True, check=False)
    except (FileNotFoundError, NotADirectoryError):
        return None


def current_branch(project: Path) -> str | None:
    """The checked-out branch; "" on a detached HEAD; None outside git."""
    done = git(project, "symbolic-ref", "--short", "-q", "HEAD")
    if done is None or done.returncode not in (0, 1):
        return None
    if done.returncode == 1:
        inside = git(project, "rev-parse", "--is-inside-work-tree")
        return "" if inside is not None and inside.returncode == 0 else None
    return done.stdout.decode("utf-8", "replace").strip()


def default_branch(project: Path) -> str:
    """The publishing branch when site.yaml names none: main, else master."""
    for name in ("main", "master"):
        done = git(project, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}")
        if done is not None and done.returncode == 0:
            return name
    return "master" if current_branch(project) == "master" else "main"


def tracked_private(project: Path) -> list[str]:
    """Tracked files that should never be in git: output/, .sanwu-cache/, and party or committee builds.

    sanwu's own repository is a project too (its example community in content/): the expected builds of its
    test sites, of invented people, are kept in git on purpose (tests/fixtures/) and are not reported."""
    done = git(project, "ls-files", "-z", "--full-name", "--", ".")
    if done is None or done.returncode != 0:
        return []
    prefix = git(project, "rev-parse", "--show-prefix")
    base = prefix.stdout.decode().strip() if prefix is not None and prefix.returncode == 0 else ""
    found = []
    for name in done.stdout.decode("utf-8", "replace").split("\0"):
        rel = name[len(base) :] if base and name.startswith(base) else name
        parts = rel.split("/")
        private_build = {"party", "committee"} & set(parts[:-1]) and rel.endswith(PRIVATE_SUFFIXES)
        own_tests = parts[:2] == ["tests", "fixtures"]
        if rel and (
            parts[0] in ("output", ".sanwu-cache") or (parts[0] != "content" and private_build and not own_tests)
        ):
            found.append(rel)
    return found


MERGE_DRIVER = "sanwu-audit"
ATTRIBUTES = f"content/_audit/log.jsonl merge={MERGE_DRIVER}\n"


def register_merge_driver(project: Path) -> bool:
    """Tell this clone's git how to merge the audit log (git keeps drivers out of the repository); False outside git."""
    if current_branch(project) is None:
        return False
    command = f'"{Path(sys.executable).as_posix()}" -m site_builder audit merge-driver %O %A %B'
    for key, value in (("name", "sanwu 审计记录：重新接链合并"), ("driver", command)):
        done = git(project, "config", "--local", f"merge.{MERGE_DRIVER}.{key}", value)
        if done is None or done.returncode != 0:
            return False
    return True


def rebasing(project: Path) -> bool:
    """Whether a rebase is under way (then git's "ours" is the upstream side and "theirs" the local one)."""
    for name in ("rebase-merge", "rebase-apply"):
        done = git(project, "rev-parse", "--git-path", name)
        if done is not None and done.returncode == 0:
            path = Path(done.stdout.decode().strip())
            if (path if path.is_absolute() else project / path).exists():
                return True
    return False
