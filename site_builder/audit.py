"""Audit trail: an append-only, hash-chained revision log plus a purgeable snapshot store.

Everything lives in ``content/_audit/`` and is committed with the content:

    log.jsonl             permanent; one canonical-JSON entry per line, each carrying the hash of
                          the one before (``prev``) and its own ``hash``
    snapshots/<seq>.json  purgeable; the full data of one revision and the salt of its content hash
    .lock                 held while appending or purging (git-ignored via _audit/.gitignore)

The log holds ids, types, dates, reasons and counts, and the record data only as an HMAC-SHA256
keyed with a random per-revision salt that lives in the snapshot. Without the store nobody can
test a guess (a name, an ID number) against the log; once a snapshot is purged its hash is bound
to no recoverable content, yet the chain still verifies.

This module is a library: it knows nothing of loading, rendering or the CLI. Records reach it as
plain JSON-able dicts ``{"id", "type", "data", "status", "change_reason"}``.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

LOG_NAME = "log.jsonl"
SNAPSHOT_DIR = "snapshots"
LOCK_NAME = ".lock"
ZERO_HASH = "0" * 64
SHORT_HASH = 16  # hex digits of the chain head printed on pages and PDFs
MIN_HEAD_HASH = 12  # hex digits a head copied by hand must have at least

Action = Literal["created", "changed", "withdrawn"]
ACTIONS: tuple[Action, ...] = ("created", "changed", "withdrawn")
PUBLISHED_STATUSES = ("approved", "withdrawn")

Key = str | tuple[str, ...]
# Natural keys of list items, by field path without indices. A list whose items lack the key or
# repeat it is compared by position instead.
NATURAL_KEYS: Mapping[str, Key] = {
    "entries": "voucher",
    "households": "head",
    "persons": "name",
    "members": "name",
    "absent": "name",
    "grids": "id",
    "shifts": ("date", "slot"),
    "activities": ("date", "content"),
}

# Recorded as the entry's `reason`, not as content: editing only the reason is not a revision.
UNHASHED_FIELDS = ("change_reason",)
# Fields about the publication rather than its substance: changing only these does not require
# a 公示 to be noticed again.
NOTICE_FIELDS = ("notice_period", "published_on", "approved_on", "status")

_HEX64 = re.compile(r"[0-9a-f]{64}")
_SNAPSHOT_NAME = re.compile(r"([1-9][0-9]*|[0-9a-f]{16})\.json")  # by content hash; by seq before 0.2
SNAPSHOT_NAME_HEX = 16
_HEAD = re.compile(r"\s*([0-9]+)\s*[:：]\s*([0-9a-fA-F]+)\s*")
CONFLICT_MARKERS = (b"<<<<<<<", b"=======", b">>>>>>>", b"|||||||")
REPAIR_CONFLICT = "运行 sanwu audit repair 合并两边的修订（以后在每个克隆里运行一次 sanwu git-setup，git 会自动合并）"
REPAIR_DAMAGED = (
    "审计日志只能由 sanwu build 追加：用 git checkout HEAD -- content/_audit/log.jsonl 恢复它，"
    "再运行 sanwu audit verify"
)


class AuditError(Exception):
    """The audit trail cannot be read or written; the message is for the user."""


class LogDamaged(AuditError):
    """A line of the log cannot be read; `reason` says why and how to repair it."""

    def __init__(self, path: Path, lineno: int, reason: str):
        super().__init__(f"{path}:{lineno}: {reason}")
        self.lineno = lineno
        self.reason = reason


class AuditLocked(AuditError):
    """Another build holds the audit lock."""


@dataclass(frozen=True)
class Entry:
    """One line of the permanent log."""

    seq: int
    date: str
    id: str
    type: str
    rev: int
    action: str
    reason: str
    content_hash: str
    changed_fields: int
    prev: str
    hash: str


@dataclass(frozen=True)
class Change:
    """One field-level difference between two versions of a record."""

    path: str
    kind: Literal["added", "removed", "changed"]
    old: Any
    new: Any


@dataclass(frozen=True)
class Pending:
    """A revision planned by plan_revisions, not yet written."""

    id: str
    type: str
    rev: int
    action: Action
    reason: str
    date: str
    data: dict[str, Any]
    changes: tuple[Change, ...]


class AuditProblem(NamedTuple):
    """Why a revision cannot be recorded: the record id, the field, and the message."""

    id: str
    field: str
    zh: str
    en: str


@dataclass(frozen=True)
class Revision:
    """One revision of a record with its changes against the revision before it."""

    entry: Entry
    changes: tuple[Change, ...] | None  # None when a snapshot needed to compute them was purged


@dataclass(frozen=True)
class Report:
    """What verification found, for a summary line as well as the problems."""

    problems: tuple[str, ...]
    entries: int
    head: tuple[int, str] | None
    snapshots_checked: int
    purged: tuple[int, ...]


@dataclass(frozen=True)
class _Line:
    lineno: int
    entry: Entry
    raw: dict[str, Any]


# --- encoding ---------------------------------------------------------------------------------


def canonical(obj: Any) -> bytes:
    """The canonical JSON encoding used for every hash: sorted keys, no spaces, UTF-8."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def _entry_hash(raw: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in raw.items() if k != "hash"})).hexdigest()


def _content_hash(salt: bytes, data: Mapping[str, Any]) -> str:
    return hmac.new(salt, canonical(data), hashlib.sha256).hexdigest()


def _recorded(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in UNHASHED_FIELDS}


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- reading ------------------------------------------------------------------------------------


class _Malformed(ValueError):
    """A log line that parses as JSON but is not an entry; the message says why, in Chinese."""


def _entry_from(raw: Any) -> Entry:
    """Validate one parsed log line; raise _Malformed with a Chinese reason."""
    if not isinstance(raw, dict):
        raise _Malformed("不是 JSON 对象")
    unknown = sorted(set(raw) - set(Entry.__dataclass_fields__))
    if unknown:
        raise _Malformed(f"含有未知的键 {'、'.join(map(str, unknown))}")
    for name in ("seq", "rev", "changed_fields"):
        value = raw.get(name)
        least = 0 if name == "changed_fields" else 1
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise _Malformed(f"{name} 应为不小于 {least} 的整数，得到 {value!r}")
    for name in ("date", "id", "type", "action", "reason", "content_hash", "prev", "hash"):
        if not isinstance(raw.get(name), str):
            raise _Malformed(f"缺少文本字段 {name}")
    try:
        dt.date.fromisoformat(raw["date"])
    except ValueError:
        raise _Malformed(f"date 不是日期：{raw['date']!r}") from None
    if raw["action"] not in ACTIONS:
        raise _Malformed(f"action 应为 created、changed 或 withdrawn，得到 {raw['action']!r}")
    for name in ("content_hash", "prev", "hash"):
        if not _HEX64.fullmatch(raw[name]):
            raise _Malformed(f"{name} 应为 64 位十六进制")
    return Entry(**{name: raw[name] for name in Entry.__dataclass_fields__})


def _parse_log(audit_dir: Path) -> tuple[list[_Line], list[tuple[int, str]]]:
    """Every readable line of the log, and (line number, why and how to repair) for each unreadable one."""
    path = audit_dir / LOG_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    if data and data == _LAST_PARSED[0]:  # a build reads the log several times: parsed once
        return list(_LAST_PARSED[1]), list(_LAST_PARSED[2])
    chunks = data.split(b"\n")
    if chunks and chunks[-1] == b"":
        chunks.pop()
    lines: list[_Line] = []
    problems: list[tuple[int, str]] = []
    for lineno, chunk in enumerate(chunks, 1):
        try:
            if chunk.startswith(CONFLICT_MARKERS):
                problems.append((lineno, f"审计日志第 {lineno} 行是未解决的 git 合并冲突标记：{REPAIR_CONFLICT}"))
                continue
            raw = json.loads(chunk.decode("utf-8"))
            lines.append(_Line(lineno, _entry_from(raw), raw))
        except _Malformed as exc:
            problems.append((lineno, f"审计日志第 {lineno} 行无法读取：{exc}；{REPAIR_DAMAGED}"))
        except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            problems.append((lineno, f"审计日志第 {lineno} 行无法读取：不是有效的 JSON；{REPAIR_DAMAGED}"))
    _LAST_PARSED[:] = [data, lines, problems]
    return list(lines), list(problems)


_LAST_PARSED: list[Any] = [b"", [], []]  # the log's bytes as last read, its lines and its unreadable lines


def _at(path: Path, problems: Sequence[tuple[int, str]]) -> list[str]:
    return [f"{path}:{lineno}: {text}" if lineno else f"{path}: {text}" for lineno, text in problems]


def read_log(audit_dir: Path) -> list[Entry]:
    """All log entries in file order (empty when there is no log yet); LogDamaged on a bad line."""
    lines, problems = _parse_log(audit_dir)
    if problems:
        raise LogDamaged(audit_dir / LOG_NAME, *problems[0])
    return [line.entry for line in lines]


def chain_problems(audit_dir: Path) -> list[tuple[int, str]]:
    """(line number, message) for each break in the chain of a readable log."""
    lines, _ = _parse_log(audit_dir)
    return _chain_problems(lines)


def head(entries: Sequence[Entry]) -> tuple[int, str] | None:
    """The chain head: the last entry's seq and the first SHORT_HASH hex digits of its hash."""
    return (entries[-1].seq, entries[-1].hash[:SHORT_HASH]) if entries else None


def format_head(chain_head: tuple[int, str]) -> str:
    """The chain head as printed on pages and PDFs: ``12:a1b2c3d4e5f60718``."""
    return f"{chain_head[0]}:{chain_head[1]}"


def parse_head(text: str) -> tuple[int, str]:
    """Read a chain head copied from a page or a printed notice, e.g. ``12:a1b2c3d4e5f60718``."""
    match = _HEAD.fullmatch(text)
    if not match or int(match[1]) < 1 or not MIN_HEAD_HASH <= len(match[2]) <= 64:
        raise AuditError(
            f"链头的格式应为“序号:哈希”，哈希至少 {MIN_HEAD_HASH} 位十六进制（页面和打印件上印有 {SHORT_HASH} 位），"
            f"例如 12:a1b2c3d4e5f60718，得到 {text!r}"
        )
    return int(match[1]), match[2].lower()


def latest(entries: Sequence[Entry]) -> dict[str, Entry]:
    """Each record id's last entry."""
    return {entry.id: entry for entry in entries}


def _snapshot_path(audit_dir: Path, entry: Entry) -> Path:
    """Where an entry's snapshot lives, whichever name it has."""
    named = audit_dir / SNAPSHOT_DIR / snapshot_name(entry.content_hash)
    legacy = audit_dir / SNAPSHOT_DIR / f"{entry.seq}.json"
    return legacy if not named.exists() and legacy.exists() else named


def snapshot_name(content_hash: str) -> str:
    """A snapshot is named by its content hash, not its sequence number: two clones that recorded at the same
    time add different files, and a merge that re-chains an entry to another number keeps its snapshot."""
    return f"{content_hash[:SNAPSHOT_NAME_HEX]}.json"


def _read_snapshot(audit_dir: Path, entry: Entry) -> tuple[bytes, dict[str, Any]] | None:
    """A snapshot's salt and data; None when it was purged; AuditError when it is unreadable."""
    path = _snapshot_path(audit_dir, entry)
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (UnicodeDecodeError, ValueError):
        raise AuditError(f"{path}: 审计快照不是有效的 JSON") from None
    key, value = ("seq", entry.seq) if path.stem == str(entry.seq) else ("id", entry.id)
    if not isinstance(raw, dict) or raw.get(key) != value or not isinstance(raw.get("data"), dict):
        raise AuditError(f"{path}: 审计快照格式不对（应含记录 {entry.id} 的 salt 和 data）")
    salt = raw.get("salt")
    if not isinstance(salt, str) or not _HEX64.fullmatch(salt):
        raise AuditError(f"{path}: 审计快照的 salt 应为 64 位十六进制")
    return bytes.fromhex(salt), raw["data"]


def snapshot_file(audit_dir: Path, seq: int) -> Path:
    """The snapshot file of entry `seq` (which may have been purged)."""
    return _snapshot_path(audit_dir, next(e for e in read_log(audit_dir) if e.seq == seq))


def load_snapshot(audit_dir: Path, seq: int) -> dict[str, Any] | None:
    """The record data recorded by entry `seq`, or None if its snapshot was purged."""
    snapshot = _read_snapshot(audit_dir, next(e for e in read_log(audit_dir) if e.seq == seq))
    return None if snapshot is None else snapshot[1]


def history(
    audit_dir: Path,
    entries: Sequence[Entry],
    record_id: str,
    keys: Mapping[str, Key] = NATURAL_KEYS,
    project: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    unwritten: Mapping[int, dict[str, Any]] | None = None,
) -> list[Revision]:
    """One record's revisions, oldest first, each with its changes (after `project`) against the last.

    `unwritten` holds the data of entries being recorded (see recording()), whose snapshots are not on disk yet.
    """
    revisions: list[Revision] = []
    before: dict[str, Any] | None = None
    own = [entry for entry in entries if entry.id == record_id]
    for i, entry in enumerate(own):
        # A snapshot is read only when a diff needs it: a first revision followed by no correction
        # (most records) shows no changes, so its snapshot is left to `audit verify`.
        needed = entry.rev != 1 or (i + 1 < len(own) and own[i + 1].rev != 1)
        snapshot = _read_snapshot(audit_dir, entry) if needed else None
        data: dict[str, Any] | None = None
        if needed and unwritten is not None and entry.seq in unwritten:
            data = project(unwritten[entry.seq]) if project else unwritten[entry.seq]
        elif snapshot is not None:
            salt, data = snapshot
            if _content_hash(salt, data) != entry.content_hash:
                raise AuditError(f"{_snapshot_path(audit_dir, entry)}: 审计快照与日志记录的 content_hash 不符")
            data = project(data) if project else data
        if entry.rev == 1:
            changes: tuple[Change, ...] | None = ()
        elif data is None or before is None:
            changes = None
        else:
            changes = tuple(diff(before, data, keys))
        revisions.append(Revision(entry, changes))
        before = data
    return revisions


# --- planning -----------------------------------------------------------------------------------


def plan_revisions(
    entries: Sequence[Entry],
    audit_dir: Path,
    current: Sequence[Mapping[str, Any]],
    as_of: dt.date,
    keys: Mapping[str, Key] = NATURAL_KEYS,
    same: Container[str] = (),
) -> tuple[list[Pending], list[AuditProblem]]:
    """Compare current records with their last revisions: what to record and what blocks recording.

    `current` holds every record that is published at `as_of` (status approved and due, or
    withdrawn); a record with another status counts as not published. Nothing is written; record
    the pending revisions with append() only when the problem list is empty. `same` names records the
    caller knows to hold what their last revision recorded (their snapshots are not read again).
    """
    last_of = latest(entries)
    pending: list[Pending] = []
    problems: list[AuditProblem] = []
    seen: set[str] = set()
    for record in sorted(current, key=lambda r: str(r["id"])):
        rid = str(record["id"])
        if rid in seen:
            problems.append(AuditProblem(rid, "id", f"id {rid} 出现了不止一次", f"id {rid} is used more than once"))
            continue
        seen.add(rid)
        planned, found = _plan_one(audit_dir, record, last_of.get(rid), as_of, keys, rid in same)
        problems.extend(found)
        if planned is not None:
            pending.append(planned)
    for rid, last in sorted(last_of.items()):
        if rid not in seen and last.action != "withdrawn":
            problems.append(
                AuditProblem(
                    rid,
                    "",
                    f"已公开的记录 {rid} 的文件被删除或不再发布；已公开的记录不能悄悄消失："
                    "请恢复该文件，改为 status: withdrawn 并填写 change_reason",
                    f"published record {rid} was deleted or unpublished; restore its file and set "
                    "status: withdrawn with a change_reason",
                )
            )
    if pending and entries and as_of.isoformat() < entries[-1].date:
        last_day = dt.date.fromisoformat(entries[-1].date)
        problems.append(
            AuditProblem(
                "",
                "",
                f"构建日期 {_cn_date(as_of)} 早于审计日志最后一条修订的日期 {_cn_date(last_day)}，"
                "不能记录修订（去掉 --as-of，或用 --no-record 预览）",
                f"the build date {as_of} is before the last recorded revision ({last_day}); "
                "revisions cannot be backdated (drop --as-of, or preview with --no-record)",
            )
        )
    return pending, problems


def _plan_one(
    audit_dir: Path,
    record: Mapping[str, Any],
    last: Entry | None,
    as_of: dt.date,
    keys: Mapping[str, Key],
    same: bool = False,
) -> tuple[Pending | None, list[AuditProblem]]:
    """The revision one record needs, if any, or why it cannot be recorded (`same`: known to be unchanged)."""
    rid, status = str(record["id"]), record.get("status")
    if status not in PUBLISHED_STATUSES:
        if last is not None and last.action != "withdrawn":
            return None, [
                AuditProblem(
                    rid,
                    "status",
                    f"已公开的记录不能改回 {status}；如需撤回，请改为 status: withdrawn 并填写 change_reason",
                    f"a published record cannot go back to {status}; to take it down set status: withdrawn "
                    "with a change_reason",
                )
            ]
        return None, []
    withdrawn = status == "withdrawn"
    if same and last is not None and withdrawn == (last.action == "withdrawn"):
        return None, []  # its data is not even read
    data = _recorded(record["data"])
    reason = str(record.get("change_reason") or "").strip()
    rtype = str(record.get("type") or data.get("type") or "")
    action: Action = "withdrawn" if withdrawn else "created"
    if last is None:
        if withdrawn and not reason:
            return None, [_reason_problem(rid, "withdrawn", "")]
        return Pending(rid, rtype, 1, action, reason if withdrawn else "", as_of.isoformat(), data, ()), []

    try:
        snapshot = _read_snapshot(audit_dir, last)
    except AuditError as exc:
        return None, [AuditProblem(rid, "", f"{exc}；请运行 sanwu audit verify", f"{exc}; run sanwu audit verify")]
    old: dict[str, Any] | None = None
    if snapshot is not None:
        salt, old = snapshot
        content_changed = _content_hash(salt, data) != last.content_hash
        if content_changed and _content_hash(salt, old) != last.content_hash:
            path = _snapshot_path(audit_dir, last)
            return None, [
                AuditProblem(
                    rid,
                    "",
                    f"{path}: 审计快照与日志不符，请运行 sanwu audit verify",
                    f"{path}: the audit snapshot does not match the log; run sanwu audit verify",
                )
            ]
    elif last.action == "withdrawn":
        # A withdrawn record's snapshot may be purged; its content can no longer be compared, so
        # only a return to publication is a revision.
        content_changed = not withdrawn
    else:
        path = _snapshot_path(audit_dir, last)
        return None, [
            AuditProblem(
                rid,
                "",
                f"{path}: 最新修订的审计快照缺失（purge 不会删除它），无法比较该记录是否改动",
                f"{path}: the snapshot of the latest revision is missing (purge never deletes it)",
            )
        ]
    state_changed = withdrawn != (last.action == "withdrawn")
    if not content_changed and not state_changed:
        return None, []

    action = "withdrawn" if withdrawn else "changed"
    changes = tuple(diff(old, data, keys))
    problems: list[AuditProblem] = []
    if not reason or reason == last.reason:
        problems.append(_reason_problem(rid, action, last.reason))
    # Returning to publication after a withdrawal is a fresh notice even if nothing else changed.
    if action == "changed" and (state_changed or _substantive(changes)):
        problems.extend(_renotice_problems(rid, data, as_of))
    if problems:
        return None, problems
    return Pending(rid, rtype, last.rev + 1, action, reason, as_of.isoformat(), data, changes), []


def _reason_problem(rid: str, action: str, last_reason: str) -> AuditProblem:
    verb_zh, verb_en = ("撤回", "withdrawing") if action == "withdrawn" else ("修改", "changing")
    if last_reason:
        return AuditProblem(
            rid,
            "change_reason",
            f"{verb_zh}已公开的记录需要填写新的 change_reason（上次：{last_reason}）",
            f"{verb_en} a published record needs a new change_reason (last one: {last_reason})",
        )
    return AuditProblem(
        rid,
        "change_reason",
        f"{verb_zh}已公开的记录需要填写 change_reason，说明{verb_zh}了什么、为什么",
        f"{verb_en} a published record needs a change_reason saying what and why",
    )


def _substantive(changes: Sequence[Change]) -> bool:
    return any(re.split(r"[.\[]", change.path)[0] not in NOTICE_FIELDS for change in changes)


def _renotice_problems(rid: str, data: Mapping[str, Any], as_of: dt.date) -> list[AuditProblem]:
    """A changed 公示 must be noticed again from the revision date on."""
    period = data.get("notice_period")
    if not isinstance(period, dict) or not isinstance(period.get("from"), str):
        return []
    try:
        start = dt.date.fromisoformat(period["from"])
    except ValueError:
        return []  # the record's own schema reports a bad date
    if start >= as_of:
        return []
    return [
        AuditProblem(
            rid,
            "notice_period.from",
            f"公示内容变更后需要重新公示：notice_period 的开始日期应不早于 {_cn_date(as_of)}（本次修订日期），"
            f"现为 {_cn_date(start)}",
            f"a changed notice must be noticed again: notice_period.from must be on or after {as_of} "
            f"(the revision date), not {start}",
        )
    ]


# --- writing ------------------------------------------------------------------------------------


def _lock_fd(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


@contextmanager
def lock(audit_dir: Path) -> Iterator[None]:
    """Hold the audit lock for the block; AuditLocked at once if another process holds it."""
    audit_dir.mkdir(parents=True, exist_ok=True)
    path = audit_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            _lock_fd(fd)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, errno.EDEADLK):
                raise AuditLocked(f"另一个构建正在写入审计记录（{path} 已被占用），请等它结束后再试") from None
            raise AuditError(f"无法锁定审计记录 {path}：{exc.strerror}") from exc
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _fsync_dir(path: Path) -> None:
    if sys.platform == "win32":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _append_lines(path: Path, lines: Sequence[bytes]) -> None:
    created = not path.exists()
    text = b"".join(line + b"\n" for line in lines)
    if not created and path.stat().st_size:
        with open(path, "rb") as fh:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                text = b"\n" + text  # a hand-edited log lost its final newline
    with open(path, "ab") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    if created:
        _fsync_dir(path.parent)


def _ensure_gitignore(audit_dir: Path) -> None:
    path = audit_dir / ".gitignore"
    if not path.exists():
        path.write_text(f"{LOCK_NAME}\n*.tmp\n", encoding="utf-8")


def append(audit_dir: Path, pending: Sequence[Pending]) -> list[Entry]:
    """Record planned revisions under the lock: snapshots first, then the log lines; return the entries."""
    with recording(audit_dir, pending) as new:
        pass
    return new


@contextmanager
def recording(audit_dir: Path, pending: Sequence[Pending]) -> Iterator[list[Entry]]:
    """Prepare the entries of planned revisions under the lock and yield them; they are written only
    when the block succeeds, so a build can render pages that show the new chain head first and
    record nothing if rendering fails."""
    if not pending:
        yield []
        return
    with lock(audit_dir):
        lines, unreadable = _parse_log(audit_dir)
        problems = _at(audit_dir / LOG_NAME, unreadable + _chain_problems(lines))
        if problems:
            raise AuditError(
                "审计日志校验未通过，不能追加新的修订；请先运行 sanwu audit verify：\n" + "\n".join(problems)
            )
        entries = [line.entry for line in lines]
        _check_still_current(entries, pending)
        new, salts = _chain(entries, pending)
        snapshots = []
        for entry, item, salt in zip(new, pending, salts):
            body = {"id": item.id, "salt": salt.hex(), "data": item.data}
            text = json.dumps(body, ensure_ascii=False, indent=1).encode()
            snapshots.append((audit_dir / SNAPSHOT_DIR / snapshot_name(entry.content_hash), text))
        yield list(new)
        (audit_dir / SNAPSHOT_DIR).mkdir(exist_ok=True)
        _ensure_gitignore(audit_dir)
        # Snapshots before the log: a crash in between leaves unreferenced snapshots that the next
        # append overwrites, never a log entry without its data.
        for path, body_bytes in snapshots:
            _write_atomic(path, body_bytes + b"\n")
        _fsync_dir(audit_dir / SNAPSHOT_DIR)
        _append_lines(audit_dir / LOG_NAME, [canonical(asdict(entry)) for entry in new])


def _chain(entries: Sequence[Entry], pending: Sequence[Pending]) -> tuple[list[Entry], list[bytes]]:
    """The entries that recording `pending` after `entries` makes, with each one's fresh salt."""
    seq, prev = (entries[-1].seq, entries[-1].hash) if entries else (0, ZERO_HASH)
    new: list[Entry] = []
    salts: list[bytes] = []
    for item in pending:
        seq += 1
        salt = secrets.token_bytes(32)
        raw: dict[str, Any] = {
            "seq": seq,
            "date": item.date,
            "id": item.id,
            "type": item.type,
            "rev": item.rev,
            "action": item.action,
            "reason": item.reason,
            "content_hash": _content_hash(salt, item.data),
            "changed_fields": len(item.changes),
            "prev": prev,
        }
        raw["hash"] = prev = _entry_hash(raw)
        new.append(Entry(**raw))
        salts.append(salt)
    return new, salts


def preview(entries: Sequence[Entry], pending: Sequence[Pending]) -> list[Entry]:
    """The entries `pending` would get if recorded now, for showing them as 待发布 without writing anything."""
    return _chain(entries, pending)[0]


def _check_still_current(entries: Sequence[Entry], pending: Sequence[Pending]) -> None:
    """Refuse a plan made against a log that another build has since extended for the same record."""
    last_of = latest(entries)
    seen: set[str] = set()
    for item in pending:
        last = last_of.get(item.id)
        expected = last.rev + 1 if last else 1
        if item.id in seen or item.rev != expected:
            raise AuditError(f"记录 {item.id} 的审计记录在本次检查之后已被另一个构建改动，请重新构建")
        seen.add(item.id)


def purge(audit_dir: Path, before: dt.date) -> int:
    """Delete snapshots dated before `before` that are superseded or withdrawn; return how many."""
    if not (audit_dir / LOG_NAME).exists():
        return 0
    with lock(audit_dir):
        entries = read_log(audit_dir)
        last_of = latest(entries)
        count = 0
        for entry in entries:
            final = last_of[entry.id]
            if entry.date >= before.isoformat() or (entry.seq == final.seq and final.action != "withdrawn"):
                continue
            try:
                _snapshot_path(audit_dir, entry).unlink()
            except FileNotFoundError:
                continue
            count += 1
        if count:
            _fsync_dir(audit_dir / SNAPSHOT_DIR)
    return count


# --- verifying ----------------------------------------------------------------------------------


def _chain_problems(lines: Sequence[_Line]) -> list[tuple[int, str]]:
    """Breaks in the chain: edited, deleted, inserted or reordered entries."""
    problems: list[tuple[int, str]] = []
    prev_seq, prev_hash, prev_date = 0, ZERO_HASH, ""
    revs: dict[str, int] = {}
    for line in lines:
        entry, where = line.entry, line.lineno
        if _entry_hash(line.raw) != entry.hash:
            problems.append((where, f"第 {entry.seq} 条修订被改动过：内容与它的 hash 不符"))
        if entry.seq != prev_seq + 1:
            problems.append((where, f"序号应为 {prev_seq + 1}，实为 {entry.seq}：有修订被删除、插入或调换了顺序"))
        if entry.prev != prev_hash:
            problems.append((where, "prev 与上一条的 hash 不符：上一条被改写、删除或调换了顺序"))
        if entry.date < prev_date:
            problems.append((where, f"日期 {entry.date} 早于上一条的 {prev_date}"))
        expected = revs.get(entry.id, 0) + 1
        if entry.rev != expected:
            problems.append((where, f"记录 {entry.id} 的修订号应为 {expected}，实为 {entry.rev}"))
        elif entry.action == ("changed" if entry.rev == 1 else "created"):
            problems.append((where, f"记录 {entry.id} 第 {entry.rev} 版的 action 不应为 {entry.action}"))
        revs[entry.id] = entry.rev
        prev_seq, prev_hash, prev_date = entry.seq, entry.hash, max(prev_date, entry.date)
    return problems


def _head_problems(log_path: Path, lines: Sequence[_Line], expected: tuple[int, str]) -> list[str]:
    seq, short = expected[0], expected[1].lower()
    shown = format_head(expected)
    match = next((line.entry for line in lines if line.entry.seq == seq), None)
    if match is None:
        last = lines[-1].entry.seq if lines else 0
        return [f"{log_path}: 日志只到第 {last} 条修订，但链头 {shown} 表明至少应有 {seq} 条：日志被截断"]
    if not match.hash.startswith(short):
        return [f"{log_path}: 第 {seq} 条修订的 hash 为 {match.hash[:SHORT_HASH]}，与链头 {shown} 不符：日志被改写"]
    return []


def _snapshot_problems(audit_dir: Path, lines: Sequence[_Line]) -> tuple[list[str], int, list[int]]:
    """Snapshots that do not match their entries or have none; how many checked; which were purged."""
    problems: list[str] = []
    purged: list[int] = []
    checked = 0
    last_of = latest([line.entry for line in lines])
    for line in lines:
        entry = line.entry
        path = _snapshot_path(audit_dir, entry)
        try:
            snapshot = _read_snapshot(audit_dir, entry)
        except AuditError as exc:
            problems.append(str(exc))
            continue
        if snapshot is None:
            final = last_of[entry.id]
            if entry.seq == final.seq and final.action != "withdrawn":
                problems.append(f"{path}: 记录 {entry.id} 最新修订的快照缺失（purge 不会删除它）")
            else:
                purged.append(entry.seq)
            continue
        checked += 1
        if _content_hash(*snapshot) != entry.content_hash:
            problems.append(f"{path}: 快照内容与日志第 {entry.seq} 条记录的 content_hash 不符：快照被改动过")
    known = {_snapshot_path(audit_dir, line.entry).name for line in lines}
    folder = audit_dir / SNAPSHOT_DIR
    names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    for name in names:
        if _SNAPSHOT_NAME.fullmatch(name) and name not in known:
            problems.append(f"{folder / name}: 快照没有对应的日志条目：日志可能被截断，或上次构建在写入日志前中断")
    return problems, checked, purged


def _current_problems(audit_dir: Path, lines: Sequence[_Line], current: Sequence[Mapping[str, Any]]) -> list[str]:
    """Published content that differs from what the log recorded."""
    problems: list[str] = []
    last_of = latest([line.entry for line in lines])
    seen: set[str] = set()
    for record in sorted(current, key=lambda r: str(r["id"])):
        rid, status = str(record["id"]), record.get("status")
        seen.add(rid)
        last = last_of.get(rid)
        if status not in PUBLISHED_STATUSES:
            if last is not None and last.action != "withdrawn":
                problems.append(f"记录 {rid}: 已公开，现在的状态是 {status}，但审计日志里没有撤回记录")
            continue
        if last is None:
            problems.append(f"记录 {rid}: 已发布，但还没有记入审计日志（运行 sanwu build 记录）")
            continue
        if (status == "withdrawn") != (last.action == "withdrawn"):
            problems.append(f"记录 {rid}: 状态 {status} 与审计日志第 {last.seq} 条（{last.action}）不符，尚未记录")
            continue
        try:
            snapshot = _read_snapshot(audit_dir, last)
        except AuditError:
            continue  # reported with the snapshots
        if snapshot is None:
            continue  # purged: nothing left to compare with
        if _content_hash(snapshot[0], _recorded(record["data"])) != last.content_hash:
            problems.append(
                f"记录 {rid}: 内容与审计日志第 {last.seq} 条记录的 content_hash 不符：发布后被改动，但没有记录修订"
            )
    for rid, last in sorted(last_of.items()):
        if rid not in seen and last.action != "withdrawn":
            problems.append(f"记录 {rid}: 已公开，但文件不存在，审计日志里也没有撤回记录")
    return problems


def verify_report(
    audit_dir: Path,
    current: Sequence[Mapping[str, Any]] | None = None,
    expected_head: tuple[int, str] | None = None,
) -> Report:
    """Verify the log, the snapshots and optionally the current content; report what was checked."""
    log_path = audit_dir / LOG_NAME
    lines, unreadable = _parse_log(audit_dir)
    problems = _at(log_path, unreadable + _chain_problems(lines))
    if expected_head is not None:
        problems += _head_problems(log_path, lines, expected_head)
    snapshot_problems, checked, purged = _snapshot_problems(audit_dir, lines)
    problems += snapshot_problems
    if current is not None:
        problems += _current_problems(audit_dir, lines, current)
    return Report(tuple(problems), len(lines), head([line.entry for line in lines]), checked, tuple(purged))


def verify(
    audit_dir: Path,
    current: Sequence[Mapping[str, Any]] | None = None,
    expected_head: tuple[int, str] | None = None,
) -> list[str]:
    """Problems with the audit trail, in Chinese; an empty list means it verifies."""
    return list(verify_report(audit_dir, current, expected_head).problems)


# --- field-level diff ---------------------------------------------------------------------------


_START = object()


def _merge_order(old: Sequence[Any], new: Sequence[Any]) -> list[Any]:
    """New's order, with each removed key placed after the old key it followed."""
    kept = set(new)
    after: dict[Any, list[Any]] = {}
    anchor: Any = _START
    for key in old:
        if key in kept:
            anchor = key
        else:
            after.setdefault(anchor, []).append(key)
    merged = list(after.get(_START, []))
    for key in new:
        merged.append(key)
        merged.extend(after.get(key, []))
    return merged


def _item_keys(items: Sequence[Mapping[str, Any]], key: Key) -> list[tuple[Any, ...]] | None:
    """Each item's natural key, or None if one lacks it or two share it."""
    fields = (key,) if isinstance(key, str) else key
    found: list[tuple[Any, ...]] = []
    for item in items:
        values = tuple(item.get(name) for name in fields)
        if any(not isinstance(v, (str, int)) or isinstance(v, bool) for v in values):
            return None
        found.append(values)
    return found if len(set(found)) == len(found) else None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _diff_value(old: Any, new: Any, path: str, keypath: str, keys: Mapping[str, Key], out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for name in _merge_order(list(old), list(new)):
            _diff_member(old, new, name, _join(path, name), _join(keypath, name), keys, out)
    elif isinstance(old, list) and isinstance(new, list) and all(isinstance(item, dict) for item in [*old, *new]):
        _diff_rows(old, new, path, keypath, keys, out)
    elif canonical(old) != canonical(new):  # canonical, not ==: True == 1 and 1 == 1.0 in Python
        out.append(Change(path, "changed", old, new))


def _diff_member(
    old: Mapping[Any, Any],
    new: Mapping[Any, Any],
    name: Any,
    path: str,
    keypath: str,
    keys: Mapping[str, Key],
    out: list[Change],
) -> None:
    if name not in old:
        out.append(Change(path, "added", None, new[name]))
    elif name not in new:
        out.append(Change(path, "removed", old[name], None))
    else:
        _diff_value(old[name], new[name], path, keypath, keys, out)


def _diff_rows(
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    path: str,
    keypath: str,
    keys: Mapping[str, Key],
    out: list[Change],
) -> None:
    key = keys.get(keypath)
    old_keys = _item_keys(old, key) if key else None
    new_keys = _item_keys(new, key) if key else None
    if old_keys is not None and new_keys is not None:
        old_by, new_by = dict(zip(old_keys, old)), dict(zip(new_keys, new))
        for item_key in _merge_order(old_keys, new_keys):
            label = " ".join(str(v) for v in item_key)
            _diff_member(old_by, new_by, item_key, f"{path}[{label}]", keypath, keys, out)
        return
    # Position, counted from 1 like the validation messages.
    by_old, by_new = dict(enumerate(old, 1)), dict(enumerate(new, 1))
    for index in range(1, max(len(old), len(new)) + 1):
        _diff_member(by_old, by_new, index, f"{path}[{index}]", keypath, keys, out)


def diff(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    keys: Mapping[str, Key] = NATURAL_KEYS,
) -> list[Change]:
    """Field-level changes from `old` to `new` in document order; None counts as an empty record.

    Nested dicts recurse (``notice_period.from``). A list of dicts whose index-free path is in
    `keys` is matched by that natural key (``entries[2026-11-003].expense``,
    ``shifts[2026-11-01 上半夜].members``), so one inserted row is one "added" change; without a
    usable key (none declared, missing or repeated) rows are matched by position
    (``activities[2].hours``). Any other list, e.g. of names, is one value compared whole.
    """
    out: list[Change] = []
    _diff_value(dict(old or {}), dict(new or {}), "", "", keys, out)
    return out


def format_value(value: Any) -> str:
    """A plain rendering of a field value for change lists."""
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def format_change(change: Change, fmt_value: Callable[[Any], str] = format_value) -> str:
    """One line per change: ``path: old → new``, ``+ path: new`` or ``- path: old``."""
    path = change.path or "（整条记录）"
    if change.kind == "added":
        return f"+ {path}: {fmt_value(change.new)}"
    if change.kind == "removed":
        return f"- {path}: {fmt_value(change.old)}"
    return f"{path}: {fmt_value(change.old)} → {fmt_value(change.new)}"


# --- merging ------------------------------------------------------------------------------------


def _raw_entries(text: bytes, side: str) -> list[dict[str, Any]]:
    """The entries of one side of a merge; AuditError naming the side if a line is not an entry."""
    raws = []
    for lineno, chunk in enumerate(text.splitlines(), 1):
        if not chunk.strip():
            continue
        try:
            raw = json.loads(chunk.decode("utf-8"))
            _entry_from(raw)
        except (ValueError, _Malformed) as exc:
            raise AuditError(f"{side}的审计日志第 {lineno} 行无法读取（{exc}），不能自动合并") from None
        raws.append(raw)
    return raws


def merge_logs(base: bytes, ours: bytes, theirs: bytes) -> bytes:
    """Merge two logs that grew from `base`: every entry of `theirs` (already shared) is kept as it is, and
    the entries only `ours` has are re-chained after them — numbered on, revision numbers continued, each
    with a new prev and hash; their content hashes, and so their snapshots, stay the same."""
    base_raws, our_raws = _raw_entries(base, "合并基础"), _raw_entries(ours, "本地")
    their_raws = _raw_entries(theirs, "对方")
    known = {raw["hash"] for raw in base_raws} | {raw["hash"] for raw in their_raws}
    if [raw["hash"] for raw in our_raws[: len(base_raws)]] != [raw["hash"] for raw in base_raws]:
        raise AuditError(
            "本地的审计日志不是在合并基础上追加的（旧的修订被改动过），不能自动合并；请运行 sanwu audit verify"
        )
    chain = [dict(raw) for raw in their_raws]
    revs: dict[str, int] = {}
    for raw in chain:
        revs[raw["id"]] = raw["rev"]
    for raw in our_raws:
        if raw["hash"] in known:
            continue
        last = chain[-1] if chain else None
        moved = dict(raw)
        moved["seq"] = last["seq"] + 1 if last else 1
        moved["prev"] = last["hash"] if last else ZERO_HASH
        moved["date"] = max(raw["date"], last["date"]) if last else raw["date"]
        moved["rev"] = revs.get(raw["id"], 0) + 1
        if raw["action"] != "withdrawn":
            moved["action"] = "created" if moved["rev"] == 1 else "changed"
        moved["hash"] = _entry_hash(moved)
        revs[raw["id"]] = moved["rev"]
        chain.append(moved)
    return b"".join(canonical(raw) + b"\n" for raw in chain)


def split_conflict(text: bytes) -> tuple[bytes, bytes, bytes] | None:
    """A log with git's conflict markers as (base, ours, theirs); None when it has no markers."""
    if not any(line.startswith(CONFLICT_MARKERS) for line in text.splitlines()):
        return None
    sides: dict[str, list[bytes]] = {"ours": [], "base": [], "theirs": []}
    state = "common"
    for line in text.splitlines():
        marker = next((m for m in CONFLICT_MARKERS if line.startswith(m)), None)
        if marker is not None:
            state = {b"<<<<<<<": "ours", b"|||||||": "base", b"=======": "theirs", b">>>>>>>": "common"}[marker]
        elif state == "common":
            for side in sides.values():
                side.append(line)
        else:
            sides[state].append(line)
    ours, theirs = sides["ours"], sides["theirs"]
    prefix = []
    for a, b in zip(ours, theirs):
        if a != b:
            break
        prefix.append(a)
    return b"\n".join(prefix), b"\n".join(ours), b"\n".join(theirs)


def repair(audit_dir: Path, rebasing: bool = False) -> int:
    """Resolve a log left with git's conflict markers as the merge driver would have; return its entries."""
    path = audit_dir / LOG_NAME
    with lock(audit_dir):
        parts = split_conflict(path.read_bytes())
        if parts is None:
            raise AuditError(f"{path} 中没有合并冲突标记，无需修复；请运行 sanwu audit verify")
        base, ours, theirs = parts
        merged = merge_logs(base, theirs, ours) if rebasing else merge_logs(base, ours, theirs)
        _write_atomic(path, merged)
    return merged.count(b"\n")
