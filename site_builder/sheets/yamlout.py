"""An imported record as YAML a person can read and finish: commented like `sanwu new`, one row a line."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from ..records import RecordType
from ..records.base import COMMON
from ..schema import Bool, Date, Int, Kind, ListOf, Money, Month, Names, Number, Obj, PeriodKind

FORMATTED = (Date, Money, Int, Number, Bool, PeriodKind, Month)  # values these kinds produced are safe as plain YAML
RESERVED = {"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n"}
PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^,\[\]{}#'\"]*")
WORKFLOW = {
    "prepared_by": "经办人",
    "reviewed_by": "审核人",
    "approved_by": "审批人",
    "approved_on": "审批日期",
    "status": "draft 草稿；审批后改为 approved",
}
COMMENT_AT = 33


def scalar(text: str) -> str:
    """Text as a YAML scalar: plain when nothing in it could be misread, else double-quoted."""
    if (
        PLAIN.fullmatch(text)
        and ": " not in text
        and not text.endswith((" ", ":"))
        and not re.fullmatch(r"[\d.\-+:/eE_ ]+", text)
        and text.lower() not in RESERVED
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(value: Any, kind: Kind) -> str:
    """A value on one line."""
    if isinstance(value, dict):
        fields = kind.fields if isinstance(kind, Obj) else {}
        inner = ", ".join(
            f"{scalar(k)}: {flow(v, fields[k].kind if k in fields else Kind())}" for k, v in value.items()
        )
        return "{" + inner + "}"
    if isinstance(value, list) and isinstance(kind, Names) and len(value) == 1:
        return scalar(value[0])
    if isinstance(value, list):
        item = kind.item if isinstance(kind, ListOf) else Kind()
        return "[" + ", ".join(flow(v, item) for v in value) + "]"
    if isinstance(kind, Names):
        return scalar(value)
    return value if isinstance(kind, FORMATTED) else scalar(value)


def width(text: str) -> int:
    """Columns on screen: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def line(key: str, value: Any, kind: Kind, doc: str) -> str:
    text = f"{key}:" if value is None else f"{key}: {flow(value, kind)}"
    return f"{text}{' ' * max(1, COMMENT_AT - width(text))}# {doc}" if doc else text


def record_yaml(rtype: RecordType, data: dict[str, Any], origin: str) -> str:
    """The record: its own fields in declared order, rows as flow mappings, workflow fields to fill in."""
    out = [
        f"# {rtype.label}：{origin}。",
        "# 请核对后补全空白项，再运行 sanwu check；经审核、审批后把 status 改为 approved。",
        f"type: {rtype.name}",
        line("title", data.get("title", rtype.label), COMMON["title"].kind, ""),
    ]
    fields = {**rtype.fields}
    if "period" in data and "period" not in fields:
        fields = {"period": COMMON["period"], **fields}
    written = {"type", "title"}
    for key, spec in fields.items():
        value = data.get(key)
        written.add(key)
        if value is None and not spec.required:
            continue
        doc = spec.doc + ("（请填写）" if value is None else "")
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(line(key, None, spec.kind, spec.doc))
            item = spec.kind.item if isinstance(spec.kind, ListOf) else Kind()
            out += [f"  - {flow(v, item)}" for v in value]
        else:
            out.append(line(key, value, spec.kind, doc))
    for key, value in data.items():
        if key not in written and key not in WORKFLOW and key in COMMON:
            out.append(line(key, value, COMMON[key].kind, COMMON[key].doc))
    for key, doc in WORKFLOW.items():
        if key not in written:
            out.append(line(key, data.get(key), COMMON[key].kind, doc))
    return "\n".join(out) + "\n"
