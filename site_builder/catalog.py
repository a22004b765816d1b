"""All records together: typed and validated, ids, common rules and cross-record rules."""

from __future__ import annotations

import datetime as dt
import marshal
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .cnrules import format_date_cn
from .config import SiteConfig
from .errors import Location, Problems
from .known import pinyin
from .load import RawRecord
from .records import TYPES, Record
from .records.rules import Series, report_overdue
from .schema import INVALID, Bad, Choice, Conv, has_invalid

ID_RE = re.compile(r"[a-z0-9_-]{1,100}(/[a-z0-9_-]{1,100}){0,7}")
RECORD_SUFFIXES = {".yaml", ".yml", ".md"}


@dataclass
class Catalog:
    """The validated records, by id and by type."""

    site: SiteConfig = field(default_factory=SiteConfig)
    records: list[Record] = field(default_factory=list)
    by_id: dict[str, Record] = field(default_factory=dict)
    as_of: dt.date = dt.date.min  # the build date: what is overdue is judged as of this day
    due: list[Series] = field(default_factory=list)  # the periodic disclosures (the 定期公开 calendar)
    keys: dict[str, str] = field(default_factory=dict)  # each record file's memo key (a digest of its inputs), by path

    def of_type(self, name: str) -> list[Record]:
        """Records of one type, in id order."""
        return [r for r in self.records if r.rtype.name == name]


class Locations(Mapping[str, Location]):
    """A record's field locations, kept in the memo as one string of bytes (marshal: the file's path, the field
    paths, their lines and columns) and made into Locations only when first read: most kept records report
    nothing, and their thousands of locations are never needed."""

    __slots__ = ("_fields", "_packed")

    def __init__(self, fields: Mapping[str, Location] | None = None, packed: bytes | None = None) -> None:
        self._fields = dict(fields or {})
        self._packed = packed

    @property
    def fields(self) -> dict[str, Location]:
        if self._packed is not None:
            path, keys, numbers = marshal.loads(self._packed)
            self._packed = None
            self._fields = dict(zip(keys, map(Location, [path] * len(keys), numbers[0::2], numbers[1::2])))
        return self._fields

    def __getitem__(self, key: str) -> Location:
        return self.fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __reduce__(self) -> tuple[Any, ...]:
        paths = {loc.path for loc in self.fields.values()}
        if len(paths) != 1:
            return Locations, (self.fields,)
        numbers = tuple(n for loc in self.fields.values() for n in (loc.line, loc.col))
        return Locations, (None, marshal.dumps((paths.pop(), tuple(self.fields), numbers)))


def path_id(rel: str) -> str:
    """content/财务/十一月.yaml -> caiwu/shiyiyue: ASCII, lowercase, pinyin for Chinese."""
    parts = PurePosixPath(rel).with_suffix("").parts[1:]  # drop "content"
    out = []
    for part in parts:
        text = pinyin(part) if not part.isascii() else part
        text = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")
        out.append(text or "x")
    return "/".join(out)


def make_record(raw: RawRecord, problems: Problems) -> Record | None:
    """Type the raw record with its type's schema; None when the type itself is unknown."""
    fields = raw.root.value
    assert isinstance(fields, dict)
    type_node = fields.get("type")
    if type_node is None or not isinstance(type_node.value, str):
        problems.error(
            raw.root.loc, "type", f"缺少 type 字段（可选：{'、'.join(TYPES.names())}）", "missing field 'type'"
        )
        return None
    rtype = TYPES.get(type_node.value)
    if rtype is None:
        unknown_type(type_node.value, type_node.loc, problems)
        return None
    if rtype.markdown != (raw.body is not None):
        want = ".md（带 --- 信息块的 Markdown）" if rtype.markdown else ".yaml"
        problems.error(
            type_node.loc, "type", f"{rtype.name} 记录应写成 {want} 文件", f"{rtype.name} must be a {want} file"
        )
        return None
    conv = Conv(problems)
    data = rtype.schema.convert(raw.root, "", conv)
    if data is INVALID:
        return None
    rid = data.get("id")
    if rid is None:
        rid = path_id(raw.path)
        if not ID_RE.fullmatch(rid):
            problems.error(
                raw.root.loc,
                "id",
                f"由文件路径得到的编号太长：{rid[:60]}…；请用较短的文件名，或填写 id 字段",
                "the id derived from the path is too long; use a shorter file name or an id field",
            )
    elif rid is INVALID or not ID_RE.fullmatch(rid):
        problems.error(
            conv.locs.get("id", raw.root.loc),
            "id",
            "id 只能用小写字母、数字、-、_ 和 /（如 caiwu/2026-11），每段不超过 100 个字符",
            "id may contain only a-z, 0-9, -, _ and / (e.g. caiwu/2026-11), at most 100 per segment",
        )
        rid = path_id(raw.path)
    return Record(rtype, raw.path, rid, data, conv.locs, raw.body, raw.body_line, not has_invalid(data))


def due_calendar(catalog: Catalog) -> list[dict[str, Any]]:
    """The 定期公开 calendar: each periodic disclosure with every period's deadline, date disclosed and state."""
    out = []
    for series in sorted(catalog.due, key=lambda s: (s.anchor.rtype.area, s.anchor.rtype.name, s.label)):
        rows = series.rows(catalog.as_of, catalog.site)
        out.append({"label": series.label, "span": series.span, "rows": rows, "type": series.anchor.rtype.label})
    return out


def unknown_type(name: str, loc: Location, problems: Problems) -> None:
    """An unknown record type, with a hint."""
    try:
        Choice(*TYPES.names()).parse(name)
    except Bad as exc:
        problems.error(loc, "type", f"未知的记录类型：{exc.zh}", f"unknown record type: {exc.en}")


def check_common(rec: Record, project: Path, problems: Problems) -> None:
    """Rules of §3.1 that hold for every type."""
    if rec.status == "approved":
        for key, zh in (("approved_by", "审批人"), ("approved_on", "审批日期")):
            if not rec.get(key):
                rec.error(problems, key, f"status 为 approved 时必须填写 {key}（{zh}）", f"approved records need {key}")
    if rec.rtype.never_public and rec.audience == "public":
        rec.error(
            problems,
            "audience",
            f"{rec.rtype.label}不得向社会公开，audience 只能是 party 或 committee",
            f"{rec.rtype.name} can never be public",
        )
    published, approved = rec.get("published_on"), rec.get("approved_on")
    if published and approved and published < approved:
        rec.error(problems, "published_on", "公开日期不能早于审批日期", "published_on is before approved_on")
    np = rec.get("notice_period")
    if isinstance(np, dict) and not has_invalid(np) and np["to"] < np["from"]:
        rec.error(problems, "notice_period.to", "公示结束日期早于开始日期", "notice period ends before it starts")
    elif isinstance(np, dict) and not has_invalid(np) and rec.published_on and rec.published_on > np["from"]:
        # residents would never see the first days of the 公示
        rec.error(
            problems,
            "notice_period.from",
            f"公示开始日期 {format_date_cn(np['from'])} 早于公开日期 {format_date_cn(rec.published_on)}："
            "居民看不到完整的公示期，请顺延公示期",
            f"the notice period starts ({np['from']}) before the record is published ({rec.published_on})",
        )
    if rec.status == "withdrawn" and not rec.get("change_reason"):
        rec.error(
            problems,
            "change_reason",
            "撤回的记录必须填写撤回原因 change_reason",
            "withdrawn records need a change_reason",
        )
    for i, name in enumerate(rec.get("attachments", []), 1):
        check_attachment(rec, f"attachments[{i}]", name, project, problems)


def check_attachment(rec: Record, path: str, name: str, project: Path, problems: Problems) -> None:
    """An attachment is an existing file inside content/."""
    if name is INVALID:
        return
    content = (project / "content").resolve()
    pure = PurePosixPath(name)
    try:
        target = (content / name).resolve()
        outside = pure.is_absolute() or ".." in pure.parts or "\\" in name or not target.is_relative_to(content)
        exists = not outside and target.is_file()
    except (OSError, ValueError):  # a NUL byte, a name too long for the file system
        outside, exists = True, False
    if outside:
        rec.error(
            problems, path, f"附件路径必须在 content/ 之内：{name}", f"attachment must be inside content/: {name}"
        )
    elif any(part.startswith(("_", ".")) for part in pure.parts) or pure.suffix in RECORD_SUFFIXES:
        # a record file, site.yaml or the audit store would publish what projections withhold
        rec.error(
            problems,
            path,
            f"附件不能是记录文件、站点配置或 _ 开头的文件夹里的文件：{name}",
            f"an attachment cannot be a record, site.yaml or a file under a _ folder: {name}",
        )
    elif not exists:
        rec.error(problems, path, f"找不到附件文件 content/{name}", f"attachment not found: content/{name}")


def build_catalog(
    records: list[Record], project: Path, site: SiteConfig, problems: Problems, as_of: dt.date
) -> Catalog:
    """Records already typed and checked one by one: ids, common rules, cross-record rules, what is overdue."""
    catalog = Catalog(site, as_of=as_of)
    claimed: dict[str, list[Record]] = defaultdict(list)
    for rec in records:
        claimed[rec.id].append(rec)
        check_common(rec, project, problems)
        catalog.records.append(rec)
    for rid, recs in sorted(claimed.items()):
        for rec in recs[1:]:
            rec.error(
                problems,
                "id",
                f"编号 {rid} 重复：{recs[0].path} 和 {rec.path} 是同一个编号，请用 id 字段区分",
                f"duplicate id {rid}: {recs[0].path} and {rec.path}",
            )
        catalog.by_id[rid] = recs[0]
    catalog.records.sort(key=lambda r: (r.id, r.path))
    of_type: dict[str, list[Record]] = defaultdict(list)
    for rec in catalog.records:
        if rec.valid:
            of_type[rec.rtype.name].append(rec)
    for name in TYPES.names():
        rtype = TYPES.types[name]
        valid = of_type[name]
        for rule in rtype.rules:
            rule.check_all(valid, problems)
        rtype.check_all(valid, catalog, problems)
        catalog.due += rtype.series(valid, as_of)
    for series in catalog.due:
        report_overdue(series, as_of, site, problems)
    return catalog


def check_record(rec: Record, problems: Problems, site: SiteConfig) -> None:
    """The rules of a record's type that look at the record alone."""
    if rec.valid:
        for rule in rec.rtype.rules:
            rule.check(rec, problems, site)
        rec.rtype.check(rec, problems, site)
