"""Tables back to Excel: the .xlsx download of a record page, and the empty template of `sanwu new --xlsx`.

Written with XlsxWriter (four times faster than openpyxl, which `sanwu import` uses to read). Text stays
text (ID numbers, vouchers 007, masked phones; never a formula), money is a number with two decimals,
dates are Excel dates. The workbook bytes depend only on the table: XlsxWriter dates every zip entry
1980-01-01 and the document properties carry a fixed time, so builds stay reproducible.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SanwuError
from ..records.base import Column
from ..render.data import cell_text
from ..schema import Bool, Choice, Date, Int, Kind, Money, Month, Names, Number, to_plain
from .layouts import LAYOUTS, Table

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

    from ..records import RecordType

FIXED_TIME = dt.datetime(2000, 1, 1)
FORMATS = {"money": "#,##0.00", "date": "yyyy-mm-dd", "number": "General", "text": "@", "names": "@"}
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what an .xlsx cannot hold (check refuses them anyway)


def new_book(out: io.BytesIO) -> Workbook:
    from xlsxwriter import Workbook

    book = Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    book.set_properties({"author": "sanwu", "created": FIXED_TIME})
    return book


def text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table_xlsx(title: str, columns: list[Column], rows: list[dict[str, Any]]) -> bytes:
    """A record's table as an .xlsx download, as people make them: a merged title row, a bold frozen
    header row, then the rows; numbers as numbers, everything else as inert text."""
    out = io.BytesIO()
    book = new_book(out)
    formats = {kind: book.add_format({"num_format": code}) for kind, code in FORMATS.items()}
    sheet = book.add_worksheet("数据")
    heading = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    if len(columns) > 1:
        sheet.merge_range(0, 0, 0, len(columns) - 1, title, heading)
    else:
        sheet.write_string(0, 0, title, heading)
    bold = book.add_format({"bold": True})
    for c, column in enumerate(columns):
        sheet.write_string(1, c, column.label, bold)
    for r, row in enumerate(rows, 2):
        for c, column in enumerate(columns):
            value, kind = row.get(column.key), column.kind
            style = formats.get(kind, formats["text"])
            if value is None or value == "":
                continue
            if kind in ("money", "number") and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                sheet.write_number(r, c, value, style)  # type: ignore[arg-type]
            elif kind == "date" and isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, style)
            else:
                sheet.write_string(r, c, ILLEGAL.sub("", cell_text(value, kind)), style)
    for c, column in enumerate(columns):
        longest = max(
            [text_width(column.label)] + [text_width(str(to_plain(row.get(column.key)) or "")) for row in rows]
        )
        sheet.set_column(c, c, min(max(longest + 2, 8), 60))
    sheet.freeze_panes(2, 0)
    book.close()
    return out.getvalue()


def ledger_rows(
    type_name: str, data: dict[str, Any], rows: list[dict[str, Any]], columns: list[Column]
) -> list[dict[str, Any]]:
    """A ledger's rows framed as on paper: 上月结余 first, 合计 last (import reads both back)."""
    table = LAYOUTS.get(type_name, (None,))[0]
    if table is None or table.ledger is None or table.ledger.opening not in data:
        return rows
    spec = table.ledger
    text_key = next((c.key for c in columns if c.key == "summary"), columns[0].key)
    balance_key = next((c.key for c in columns if c.kind == "money" and c.key not in (spec.income, spec.expense)), None)
    opening = {text_key: "上月结余", **({balance_key: data[spec.opening]} if balance_key else {})}
    total = {
        columns[0].key: "合计",
        spec.income: sum((r.get(spec.income) or Decimal(0) for r in rows), Decimal("0.00")),
        spec.expense: sum((r.get(spec.expense) or Decimal(0) for r in rows), Decimal("0.00")),
        **({balance_key: data.get(spec.closing)} if balance_key else {}),
    }
    return [opening, *rows, total]


def template_columns(rtype: RecordType, table: Table) -> list[tuple[str, str, Kind, str]]:
    """(field, header, kind, doc) of each column a template offers."""
    from .importer import item_fields, item_kind

    specs = item_fields(rtype, table)
    return [
        (name, words[0], item_kind(rtype, table, name), specs[name.split(".")[0]].doc)
        for name, words in table.headers.items()
    ]


def kind_format(kind: Kind) -> str:
    if isinstance(kind, Money):
        return "money"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, (Int, Number)):
        return "number"
    return "text"


def template_xlsx(rtype: RecordType) -> bytes:
    """An empty sheet per list of TYPE, with the headers import reads, text columns as text,
    drop-down lists for choice columns, and a sheet that explains each column."""
    out = io.BytesIO()
    book = new_book(out)
    formats = {kind: book.add_format({"num_format": code}) for kind, code in FORMATS.items()}
    bold = book.add_format({"bold": True})
    guide = []
    for table in LAYOUTS[rtype.name]:
        columns = template_columns(rtype, table)
        name = re.sub(r"[\[\]:*?/\\]", "", rtype.fields[table.field].doc or table.field)[:31]
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, f"{rtype.label}：{rtype.fields[table.field].doc}", bold)
        headers = [c[1] for c in columns] + (["余额"] if table.ledger else [])
        for c, header in enumerate(headers):
            sheet.write_string(1, c, header, bold)
        for c, header in enumerate(headers):
            kind = columns[c][2] if c < len(columns) else Money()
            sheet.set_column(c, c, max(text_width(header) + 4, 12), formats[kind_format(kind)])  # IDs stay text
        for c, (_, header, kind, doc) in enumerate(columns):
            words = kind.options if isinstance(kind, Choice) else ("是", "否") if isinstance(kind, Bool) else None
            if words:
                sheet.data_validation(
                    2,
                    c,
                    501,
                    c,
                    {
                        "validate": "list",
                        "source": list(words),
                        "error_title": header,
                        "error_message": f"请从下拉列表中选择：{'、'.join(words)}",
                    },
                )
            guide.append((name, header, doc + ("，如 2026-11-05" if isinstance(kind, (Date, Month)) else "")))
        if table.ledger:
            summary = next(c for c, col in enumerate(columns) if col[0] == "summary")
            sheet.write_string(2, summary, table.ledger.opening_words[0])
        sheet.freeze_panes(2, 0)
        if any(isinstance(c[2], Names) for c in columns):
            guide.append((name, "（多个姓名）", "用顿号分开，如 张三、李四"))
    notes = book.add_worksheet("填写说明")
    for r, row in enumerate([("工作表", "列", "说明"), *guide]):
        for c, value in enumerate(row):
            notes.write_string(r, c, value)
    run = f"填好后运行：sanwu import 本文件.xlsx --type {rtype.name} --out content/….yaml"
    notes.write_string(len(guide) + 2, 0, run)
    notes.set_column(2, 2, 60)
    book.close()
    return out.getvalue()


def write_template(type_name: str, path: Path) -> Path:
    """`sanwu new TYPE --xlsx PATH`: the template, never over an existing file."""
    from ..records import TYPES

    if type_name not in LAYOUTS:
        raise SanwuError(f"{type_name} 没有 Excel 模板；可导入的类型：{'、'.join(sorted(LAYOUTS))}")
    if path.suffix.lower() != ".xlsx":
        raise SanwuError(f"Excel 模板应保存为 .xlsx 文件，而不是 {path.name}")
    if path.exists():
        raise SanwuError(f"{path} 已存在，不会覆盖")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(template_xlsx(TYPES.types[type_name]))
    except OSError as exc:
        raise SanwuError(f"无法写入 {path}：{exc.strerror}") from None
    return path
