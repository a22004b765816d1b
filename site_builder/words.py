"""Residents' words for changes: fields by the labels on the paper form, rows by what identifies them.

`entries[2026-10-009].expense: 257.00 → 275.00` reads `凭证 2026-10-009（重阳节走访慰问）支出：257.00 → 275.00`;
`status: approved → withdrawn` reads `状态：已批准 → 已撤回`. Used by history, 变更记录, the feed and `sanwu diff`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from .audit import Change
from .cnrules import format_date_cn, format_money
from .records.base import RecordType
from .schema import Bool, Choice, F, Kind, ListOf, Obj, to_plain

COMMON_LABELS = {"body": "正文"}
MONEY_TEXT = re.compile(r"-?\d+\.\d{2}")
DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
SEGMENT = re.compile(r"([^.\[\]]+)((?:\[[^\]]*\])?)")


def split_path(path: str) -> list[tuple[str, str | None]]:
    """entries[2026-10-009].expense -> [("entries", "2026-10-009"), ("expense", None)]."""
    out: list[tuple[str, str | None]] = []
    for m in SEGMENT.finditer(path):
        out.append((m.group(1), m.group(2)[1:-1] if m.group(2) else None))
    return out


def fmt_value(value: Any, kind: Kind | None = None, fields: dict[str, F] | None = None) -> str:
    """A value as the page shows it: 1,250.00, 2026年11月26日, 已批准, names joined with 、."""
    if value is None or value == "":
        return "（空）"
    if isinstance(kind, Choice) and isinstance(value, str):
        return kind.words.get(value, value)
    if isinstance(value, bool) or (isinstance(kind, Bool) and isinstance(value, bool)):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format_money(value) if value.as_tuple().exponent == -2 else str(value)
    if isinstance(value, dt.date):
        return format_date_cn(value)
    if isinstance(value, str) and MONEY_TEXT.fullmatch(value):
        return format_money(Decimal(value))
    if isinstance(value, str) and DATE_TEXT.fullmatch(value):
        try:
            return format_date_cn(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list):
        item = kind.item if isinstance(kind, ListOf) else None
        return "、".join(fmt_value(v, item) for v in value) or "（空）"
    if isinstance(value, dict):
        inner = kind.fields if isinstance(kind, Obj) else fields or {}
        return "，".join(f"{label_of(k, inner)} {fmt_value(v, spec_kind(k, inner))}" for k, v in value.items())
    return str(value)


def label_of(key: str, fields: dict[str, F], extra: dict[str, str] | None = None) -> str:
    spec = fields.get(key)
    if spec is not None and spec.label:
        return spec.label
    return (extra or {}).get(key) or COMMON_LABELS.get(key, key)


def spec_kind(key: str, fields: dict[str, F]) -> Kind | None:
    spec = fields.get(key)
    return spec.kind if spec else None


def row_name(rtype: RecordType, listpath: str, label: str, key: str, rows: list[Any]) -> str:
    """队员 张三 / 凭证 2026-10-009（重阳节走访慰问）/ 服务活动记录第 2 项 (rows matched by position)."""
    names = rtype.list_keys.get(listpath) or ()
    names = (names,) if isinstance(names, str) else names
    for row in rows:
        plain = to_plain(row) if isinstance(row, dict) else {}
        if names and plain and " ".join(str(plain.get(n)) for n in names) == key:
            fmt = rtype.row_names.get(listpath, f"{label} {{__key}}")
            return fmt.format_map(defaultdict(str, plain, __key=key)).replace("（）", "").strip()
    return f"{label}第 {key} 项" if key.isdigit() else f"{label} {key}"


def where(
    rtype: RecordType, path: str, data: dict[str, Any] | None, row: Any = None
) -> tuple[str, Kind | None, dict[str, F]]:
    """The words for a change's path, and the kind (and fields of a row) of the value it points at.

    `row`: an added or removed row itself, which names itself when `data` no longer has it.
    """
    if not path:
        return "整条记录", None, {}
    fields: dict[str, F] = rtype.schema.fields
    words = ""
    kind: Kind | None = None
    node: Any = data
    listpath = ""
    row_before = False
    for name, key in split_path(path):
        listpath = f"{listpath}.{name}" if listpath else name
        spec = fields.get(name)
        label = label_of(name, fields, rtype.labels)
        kind = spec.kind if spec else None
        node = node.get(name) if isinstance(node, dict) else None
        if key is None:
            words += ("" if not words or words.endswith("）") else " " if row_before else "·") + label
            fields = kind.fields if isinstance(kind, Obj) else {}
            row_before = False
            continue
        rows = [*(node if isinstance(node, list) else []), row]
        words += (" " if words else "") + row_name(rtype, listpath, label, key, rows)
        row_before = True
        item = kind.item if isinstance(kind, ListOf) else None
        kind = item
        fields = item.fields if isinstance(item, Obj) else {}
        node = None
    return words, kind, fields


def describe(change: Change, rtype: RecordType, data: dict[str, Any] | None = None) -> str:
    """One change in a resident's words; `data` (the record as now shown) names the rows."""
    words, kind, fields = where(rtype, change.path, data, change.new if change.kind == "added" else change.old)
    if change.kind == "added":
        return f"新增 {words}：{fmt_value(change.new, kind, fields)}"
    if change.kind == "removed":
        return f"删除 {words}：{fmt_value(change.old, kind, fields)}"
    return f"{words}：{fmt_value(change.old, kind, fields)} → {fmt_value(change.new, kind, fields)}"
