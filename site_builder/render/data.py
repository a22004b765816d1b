"""Data downloads (JSON, and CSV that Excel opens), sitemap and robots.txt."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from html import escape as _escape
from typing import Any

from ..project import View
from ..schema import to_plain


def escape(text: str) -> str:
    """Text for XML: &, < and > as entities, quotes left as they are (xml.sax.saxutils.escape imports urllib)."""
    return _escape(text, quote=False)


def data_paths(view: View) -> dict[str, str]:
    """Where a record's data files go."""
    paths = {"json": f"data/{view.id}.json"}
    if view.rtype.table:
        paths["csv"] = f"data/{view.id}.csv"
        paths["xlsx"] = f"data/{view.id}.xlsx"
    return paths


def record_json(view: View) -> bytes:
    """The record as this audience sees it, as JSON."""
    doc: dict[str, Any] = {
        "id": view.id,
        "type": view.rtype.name,
        "title": view.title,
        "audience": view.audience,
        "status": view.status,
        "published_on": to_plain(view.published_on),
        "data": to_plain({k: v for k, v in view.data.items() if k not in ("id", "title", "type")}),
    }
    if view.body is not None:
        doc["body"] = view.body
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def cell_text(value: Any, kind: str) -> str:
    """How a table value reads in a cell (CSV and .xlsx): lists joined by 、, money to the fen, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(to_plain(v)) for v in value)
    if isinstance(value, Decimal):
        return f"{value:.2f}" if kind == "money" else str(value)
    return str(to_plain(value))


def cell(value: Any, kind: str) -> str:
    """A CSV cell: plain numbers so Excel can add them up; text that Excel would run or mangle — names
    included — made inert."""
    text = cell_text(value, kind)
    if (
        value is None
        or isinstance(value, Decimal)
        or (kind in ("money", "number", "date") and not isinstance(value, (list, str)))
    ):
        return text
    if text[:1] in ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"):
        return "'" + text  # never a formula (CSV injection)
    if text.isdigit() and (len(text) > 11 or text.startswith("0")):
        return "\t" + text  # ID numbers and voucher 007 stay text instead of 4.31E+17 or 7
    return text


def table_rows(view: View) -> list[dict[str, Any]]:
    """The rows of the record's main table as this audience sees them (CSV and .xlsx alike)."""
    rows = view.extra.get("rows") or view.data.get(view.rtype.table or "", [])
    return rows if isinstance(rows, list) else []  # a list this audience gets only as its count


def record_csv(view: View) -> bytes:
    """The record's main table in UTF-8 with BOM (Excel detects the encoding)."""
    rows = table_rows(view)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in view.rtype.columns])
    for row in rows:
        writer.writerow([cell(row.get(c.key), c.kind) for c in view.rtype.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def record_xlsx(view: View) -> bytes:
    """The same table as an Excel workbook: text stays text, money numbers with two decimals."""
    from ..sheets.export import ledger_rows, table_xlsx

    columns = view.rtype.columns
    return table_xlsx(view.title, columns, ledger_rows(view.rtype.name, view.data, table_rows(view), columns))


def sitemap(base_url: str, paths: list[str]) -> bytes:
    """sitemap.xml of the public build."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"  <url><loc>{escape(base_url + p)}</loc></url>" for p in sorted(paths)]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(public: bool, base_url: str) -> bytes:
    """Public builds invite crawlers; party and committee builds turn them away."""
    if not public:
        return b"User-agent: *\nDisallow: /\n"
    tail = f"Sitemap: {base_url}sitemap.xml\n" if base_url else ""
    return f"User-agent: *\nAllow: /\n{tail}".encode()
