"""The audit trail for this site: which records are published, recording revisions, per-audience history.

audit.py is the storage library (chain, snapshots, diffs); this module feeds it the catalog and
projects every historical snapshot for an audience exactly as the page itself is projected.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import audit, incremental
from .catalog import Catalog
from .config import SiteConfig
from .errors import Location, Problems
from .load import Node
from .project import project_plain
from .records import Record, RecordType
from .records.base import Made, audience_rank
from .schema import INVALID, Conv, to_plain
from .words import describe

AUDIT_DIR = "content/_audit"
ACTION_LABEL = {"created": "发布", "changed": "更正", "withdrawn": "撤回"}


def audit_dir(project: Path) -> Path:
    """content/_audit of a project."""
    return project / AUDIT_DIR


def keys_of(rtype: RecordType | None) -> dict[str, Any]:
    """Natural keys of list items for diffs: the type's own, else the common ones."""
    return {**audit.NATURAL_KEYS, **(rtype.list_keys if rtype else {})}


def recorded_data(rec: Record) -> dict[str, Any]:
    """What a revision keeps of a record: every field, plus the Markdown body."""
    out: dict[str, Any] = to_plain(rec.data)
    if rec.body is not None:
        out["body"] = rec.body
    return out


def current_records(catalog: Catalog, as_of: dt.date) -> list[dict[str, Any]]:
    """Every valid record with its status, as the audit library wants them (scheduled = not yet published)."""
    current = []
    for rec in catalog.records:
        if not rec.valid:
            continue
        due = rec.published_on is None or rec.published_on <= as_of
        status = rec.status if due or rec.status == "withdrawn" else "scheduled"
        current.append(
            {
                "id": rec.id,
                "type": rec.rtype.name,
                # made when first read: a record known unchanged since its last revision is never turned into
                # plain values (at 10,000 records those copies took 80 MB)
                "data": Made(catalog.keys.get(rec.path, ""), functools.partial(recorded_data, rec)),
                "status": status,
                "change_reason": rec.get("change_reason") or "",
            }
        )
    return current


def read_entries(project: Path) -> list[audit.Entry]:
    """The log, or a clear error if it cannot be read."""
    return audit.read_log(audit_dir(project))


def plan(project: Path, catalog: Catalog, as_of: dt.date, problems: Problems, severity: str) -> list[audit.Pending]:
    """The revisions this build would record; what stops recording goes to problems, where it is.

    `sanwu check` and `sanwu build` both call this, so they refuse exactly the same things.
    """
    report = problems.error if severity == "error" else problems.warning
    log = f"{AUDIT_DIR}/{audit.LOG_NAME}"
    try:
        entries = read_entries(project)
    except audit.LogDamaged as exc:
        report(Location(log, exc.lineno, 1), "", exc.reason, "the audit log cannot be read; see the Chinese message")
        return []
    current = current_records(catalog, as_of)
    verdicts = _verdicts(project, catalog, current, entries)
    known = incremental.kept(project, VERDICTS)
    same = {rid for rid, verdict in verdicts.items() if isinstance(known, set) and verdict in known}
    pending, found = audit.plan_revisions(entries, audit_dir(project), current, as_of, same=same)
    unchanged = verdicts.keys() - {p.id for p in pending} - {p.id for p in found}
    if {verdicts[rid] for rid in unchanged} != known:
        incremental.keep(project, VERDICTS, {verdicts[rid] for rid in unchanged})
    said = {(p.loc.path, p.field) for p in problems.items if p.severity == "error"}
    for p in found:
        rec = catalog.by_id.get(p.id)
        loc = rec.loc(p.field) if rec else Location(log)
        duplicate_id = p.field == "id" and any(field == "id" for _, field in said)  # the catalog names every copy
        if (loc.path, p.field) not in said and not duplicate_id:  # one message per field
            report(loc, p.field, p.zh, p.en)
    if pending:
        for lineno, text in audit.chain_problems(audit_dir(project)):
            report(
                Location(log, lineno, 1),
                "",
                f"{text}；审计日志校验未通过，不能追加新的修订：运行 sanwu audit verify 查看",
                "the audit chain is broken; run sanwu audit verify",
            )
    return pending


VERDICTS = "trail.pickle"  # the records found unchanged since their last revision, by verdict key


def _verdicts(
    project: Path, catalog: Catalog, current: list[dict[str, Any]], entries: list[audit.Entry]
) -> dict[str, str]:
    """Each published record's verdict key: a digest of its file's memo key, its status, its last revision and
    that revision's snapshot file (size, time, inode). A record whose key was found unchanged by an earlier
    plan holds what its last revision recorded, so its snapshot need not be read and hashed again (`audit
    verify` still reads every one)."""
    last_of = audit.latest(entries)
    folder = os.path.join(audit_dir(project), audit.SNAPSHOT_DIR)
    ids = Counter(record["id"] for record in current)
    out = {}
    for record in current:
        rid = record["id"]
        last, rec = last_of.get(rid), catalog.by_id.get(rid)
        key = catalog.keys.get(rec.path, "") if rec else ""
        if last is None or not key or ids[rid] > 1:
            continue
        files = [
            _stat(os.path.join(folder, name)) for name in (audit.snapshot_name(last.content_hash), f"{last.seq}.json")
        ]
        state = repr((key, record["status"], last.seq, last.hash, last.content_hash, files))
        out[rid] = hashlib.sha256(state.encode()).hexdigest()
    return out


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


def recording(project: Path, pending: list[audit.Pending]) -> AbstractContextManager[list[audit.Entry]]:
    """The planned revisions' entries, written to the log only if the block (the build) succeeds."""
    return audit.recording(audit_dir(project), pending)


def chain_head(entries: list[audit.Entry]) -> str | None:
    """'12:a1b2c3d4' for pages and PDFs."""
    h = audit.head(entries)
    return audit.format_head(h) if h else None


def typed(rtype: RecordType, plain: dict[str, Any], where: str) -> dict[str, Any] | None:
    """A snapshot's plain data back to typed values, through the type's own schema."""
    body = plain.get("body")
    conv = Conv(Problems())
    data = rtype.schema.convert(to_node(_without(plain, "body"), Location(where)), "", conv)
    if data is INVALID or conv.problems.items:
        return None
    if body is not None:
        data["body"] = body
    return data


def _without(d: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != key}


def to_node(value: Any, loc: Location) -> Node:
    """Plain JSON -> the loader's Node tree, so a snapshot can go through a schema again."""
    if isinstance(value, dict):
        return Node({k: to_node(v, loc) for k, v in value.items()}, loc)
    if isinstance(value, list):
        return Node([to_node(v, loc) for v in value], loc)
    if isinstance(value, bool):
        return Node("true" if value else "false", loc)
    return Node(None if value is None else str(value), loc)


@dataclass
class Histories:
    """Per record id, its revisions as this audience may see them; and all of them, newest first."""

    by_id: dict[str, list[dict[str, Any]]]
    changes: list[dict[str, Any]]


def histories(
    project: Path,
    entries: list[audit.Entry],
    views: list[Any],
    audience: str,
    as_of: dt.date,
    site: SiteConfig,
    unwritten: dict[int, dict[str, Any]] | None = None,
) -> Histories:
    """Revisions of the records this audience sees, each snapshot projected like the page."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    changes: list[dict[str, Any]] = []
    entries_of: dict[str, list[audit.Entry]] = {}
    for entry in entries:
        entries_of.setdefault(entry.id, []).append(entry)
    for view in views:
        if view.draft:
            continue
        rtype = view.rtype

        def project_snapshot(plain: dict[str, Any], rtype: RecordType = rtype) -> dict[str, Any]:
            # A revision recorded for a higher audience shows nothing of its content here: only its date
            # and reason (a record whose audience was lowered must not reveal what it said before).
            recorded_for = plain.get("audience") or rtype.default_audience
            if audience_rank(recorded_for) > audience_rank(audience):
                return {}
            data = typed(rtype, plain, AUDIT_DIR)
            if data is None:
                return {}
            body = data.pop("body", None)
            return project_plain(rtype, data, body, audience, as_of, site)

        own = entries_of.get(view.id, [])
        revisions = audit.history(audit_dir(project), own, view.id, keys_of(rtype), project_snapshot, unwritten)
        items = []
        for rev in revisions:
            e = rev.entry
            item = {
                "seq": e.seq,
                "rev": e.rev,
                "date": dt.date.fromisoformat(e.date),
                "action": e.action,
                "action_label": ACTION_LABEL[e.action],
                "reason": e.reason,
                "lines": [describe(c, rtype, view.data) for c in rev.changes or ()],
                "purged": rev.changes is None,
                "short": e.content_hash[:8],
                "head": audit.format_head((e.seq, e.hash[: audit.SHORT_HASH])),
                "id": view.id,
                "title": view.title,
                "page": f"r/{view.id}.html",
            }
            items.append(item)
        by_id[view.id] = items
        changes.extend(items)
    changes.sort(key=lambda c: c["seq"], reverse=True)
    return Histories(by_id, changes)


def preview(entries: list[audit.Entry], pending: list[audit.Pending]) -> list[audit.Entry]:
    """The entries pending revisions would get, to show them as 待发布 without recording."""
    return audit.preview(entries, pending)


def mark_pending(history: Histories, last_recorded: int) -> None:
    """Revisions after the recorded chain are shown as 待发布, without a hash or chain head."""
    for item in history.changes:
        if item["seq"] > last_recorded:
            item.update(pending=True, action_label=f"{item['action_label']}（待发布）", short="", head="")
