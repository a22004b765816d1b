"""`sanwu diff`: field-level changes between two git revisions of the content, for reviewers."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import audit
from .errors import SanwuError, UsageError
from .pipeline import check, resolve_as_of
from .project import project_plain
from .records import TYPES, RecordType
from .records.base import audience_rank
from .trail import keys_of
from .words import describe, fmt_value, where


@dataclass
class RecordDiff:
    """One record's changes between the two sides."""

    id: str
    title: str
    path: str
    kind: str  # added | removed | changed
    changes: list[audit.Change]
    rtype: RecordType | None = None
    data: dict[str, Any] | None = None  # the newer side as the audience sees it: names rows in change lists


def _git(project: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(project), *args], capture_output=True, check=True)
    except FileNotFoundError:
        raise SanwuError("找不到 git 命令，请先安装 git") from None
    except subprocess.CalledProcessError as exc:
        raise SanwuError(f"git {' '.join(args)} 失败：{exc.stderr.decode('utf-8', 'replace').strip()}") from None
    return done.stdout


def export_revision(project: Path, rev: str, target: Path) -> Path:
    """The content/ folder of a git revision, written under target."""
    if rev.startswith("-"):
        raise UsageError(f"无效的版本：{rev}（版本不能以 - 开头）")
    try:
        top = Path(_git(project, "rev-parse", "--show-toplevel").decode().strip())
        _git(project, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except SanwuError:
        raise UsageError(f"未知的 git 版本：{rev}（用 git log 查看可用的版本，或确认站点在 git 仓库中）") from None
    prefix = project.resolve().relative_to(top.resolve()).as_posix()
    path = f"{prefix}/content" if prefix != "." else "content"
    data = _git(project, "archive", "--format=tar", rev, "--", path)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(target, filter="data")
    return target / prefix if prefix != "." else target


def snapshot(project: Path, audience: str) -> dict[str, tuple[str, str, str, dict[str, Any]]]:
    """id -> (type, title, path, data) of every valid record, as `audience` may see it."""
    checked = check(project)
    as_of = resolve_as_of(None, checked.site)
    out = {}
    for r in checked.catalog.records:
        if not r.valid or audience_rank(r.audience) > audience_rank(audience):
            continue
        data = project_plain(r.rtype, r.data, r.body, audience, as_of, checked.site)
        out[r.id] = (r.rtype.name, r.title, r.path, data)
    return out


def diff_revisions(project: Path, rev_a: str, rev_b: str | None, audience: str = "committee") -> list[RecordDiff]:
    """Changes from rev_a to rev_b (default: the working tree), record by record, as `audience` sees them."""
    with tempfile.TemporaryDirectory(prefix="sanwu-diff-") as tmp:
        old = snapshot(export_revision(project, rev_a, Path(tmp) / "a"), audience)
        new = snapshot(export_revision(project, rev_b, Path(tmp) / "b") if rev_b else project, audience)
    out = []
    for rid in sorted(old.keys() | new.keys()):
        before, after = old.get(rid), new.get(rid)
        side = after or before
        assert side is not None
        changes = audit.diff(before[3] if before else None, after[3] if after else None, keys_of(TYPES.get(side[0])))
        if not changes:
            continue
        kind = "added" if before is None else "removed" if after is None else "changed"
        out.append(RecordDiff(rid, side[1], side[2], kind, changes, TYPES.get(side[0]), side[3]))
    return out


KIND_LABEL = {"added": "新增", "removed": "删除", "changed": "修改"}


def format_text(diffs: list[RecordDiff]) -> str:
    """Plain text for the terminal."""
    if not diffs:
        return "没有变化。"
    lines = []
    for d in diffs:
        lines.append(f"{KIND_LABEL[d.kind]} {d.id}（{d.title}，{d.path}）")
        if d.kind == "changed":
            lines += [f"  {change_words(d, c)}" for c in d.changes]
    return "\n".join(lines)


def format_markdown(diffs: list[RecordDiff]) -> str:
    """A pull-request comment: one section per record, changes as a table."""
    if not diffs:
        return "**sanwu diff**：记录内容没有变化。"
    lines = [f"### sanwu diff：{len(diffs)} 条记录有变化", ""]
    for d in diffs:
        lines.append(f"#### {KIND_LABEL[d.kind]}：{_md(d.title)}（`{d.id}`）")
        lines.append("")
        if d.kind != "changed":
            continue
        lines += ["| 字段 | 原值 | 新值 |", "|---|---|---|"]
        for c in d.changes:
            what, kind, fields = where(d.rtype, c.path, d.data) if d.rtype else (c.path, None, {})
            old = "" if c.kind == "added" else _md(fmt_value(c.old, kind, fields))
            new = "" if c.kind == "removed" else _md(fmt_value(c.new, kind, fields))
            lines.append(f"| {_md(what)} | {old} | {new} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def change_words(d: RecordDiff, change: audit.Change) -> str:
    """A change in a resident's words (the code path only for a type that no longer exists)."""
    return describe(change, d.rtype, d.data) if d.rtype else audit.format_change(change)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_json(diffs: list[RecordDiff]) -> str:
    """Machine-readable changes."""
    doc = [
        {
            "id": d.id,
            "title": d.title,
            "path": d.path,
            "kind": d.kind,
            "changes": [{"path": c.path, "kind": c.kind, "old": c.old, "new": c.new} for c in d.changes],
        }
        for d in diffs
    ]
    return json.dumps(doc, ensure_ascii=False, indent=2)
