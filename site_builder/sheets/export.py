"""Tables back to Excel: the .xlsx download of a record page, and the empty template of `sanwu new --xlsx`.

Text stays text (ID numbers, vouchers 007, masked phones; never a formula), money is a number with two
decimals, dates are Excel dates. The workbook bytes depend only on the table: fixed timestamps inside,
so builds stay reproducible.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SanwuError
from ..records.base import Column
from ..render.data import cell_text
from ..schema import Bool, Choice, Date, Int, Kind, Money, Month, Names, Number, to_plain
from .layouts import LAYOUTS, Table

if TYPE_CHECKING:
    from openpyxl.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from ..records import RecordType

FIXED_TIME = dt.datetime(2000, 1, 1)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
FORMATS = {"money": "#,##0.00", "date": "yyyy-mm-dd", "number": "General", "text": "@", "names": "@"}


class _FixedZip(zipfile.ZipFile):
    """A zip whose entries all carry one timestamp: the same table gives the same bytes."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, ZIP_TIME)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        with open(filename, "rb") as handle:
            self.writestr(arcname or os.path.basename(filename), handle.read())


def workbook_bytes(book: Workbook) -> bytes:
    """The .xlsx file, reproducibly."""
    from openpyxl.writer.excel import ExcelWriter

    book.properties.creator = "sanwu"
    book.properties.created = book.properties.modified = FIXED_TIME
    out = io.BytesIO()
    ExcelWriter(book, _FixedZip(out, "w", zipfile.ZIP_DEFLATED)).save()
    return out.getvalue()


def text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def put(sheet: Worksheet, row: int, col: int, value: Any, kind: str) -> None:
    """One cell: numbers as numbers, everything else as inert text."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = sheet.cell(row=row, column=col)
    if value is None or value == "":
        return
    if kind in ("money", "number") and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        cell.value = value
    elif kind == "date" and isinstance(value, dt.date):
        cell.value = value
    else:
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", cell_text(value, kind))
        cell.data_type = "s"  # never a formula, an error code or a number Excel would round
    cell.number_format = FORMATS.get(kind, "@")


def table_sheet(book: Workbook, title: str, columns: list[Column], rows: list[dict[str, Any]]) -> Worksheet:
    """A sheet as people make them: a merged title row, a bold frozen header row, then the rows."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = book.active
    sheet.title = "数据"
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    sheet.cell(row=1, column=1).data_type = "s"
    if len(columns) > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    for c, column in enumerate(columns, 1):
        head = sheet.cell(row=2, column=c, value=column.label)
        head.font = Font(bold=True)
        head.data_type = "s"
    for r, row in enumerate(rows, 3):
        for c, column in enumerate(columns, 1):
            put(sheet, r, c, row.get(column.key), column.kind)
    for c, column in enumerate(columns, 1):
        longest = max(
            [text_width(column.label)] + [text_width(str(to_plain(row.get(column.key)) or "")) for row in rows]
        )
        sheet.column_dimensions[get_column_letter(c)].width = min(max(longest + 2, 8), 60)
    sheet.freeze_panes = "A3"
    return sheet


def table_xlsx(title: str, columns: list[Column], rows: list[dict[str, Any]]) -> bytes:
    """A record's table as an .xlsx download."""
    from openpyxl import Workbook

    book = Workbook()
    table_sheet(book, title, columns, rows)
    return workbook_bytes(book)


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
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    guide = []
    for table in LAYOUTS[rtype.name]:
        columns = template_columns(rtype, table)
        sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", "", rtype.fields[table.field].doc or table.field)[:31])
        sheet.cell(row=1, column=1, value=f"{rtype.label}：{rtype.fields[table.field].doc}").font = Font(bold=True)
        headers = [c[1] for c in columns] + (["余额"] if table.ledger else [])
        for c, header in enumerate(headers, 1):
            sheet.cell(row=2, column=c, value=header).font = Font(bold=True)
            letter = get_column_letter(c)
            sheet.column_dimensions[letter].width = max(text_width(header) + 4, 12)
        for c, (_, header, kind, doc) in enumerate(columns, 1):
            letter = get_column_letter(c)
            sheet.column_dimensions[letter].number_format = FORMATS[kind_format(kind)]  # typed IDs stay text
            words = kind.options if isinstance(kind, Choice) else ("是", "否") if isinstance(kind, Bool) else None
            if words:
                check = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True)
                check.error = f"请从下拉列表中选择：{'、'.join(words)}"
                check.errorTitle = header
                check.add(f"{letter}3:{letter}502")
                sheet.add_data_validation(check)
            guide.append((sheet.title, header, doc + ("，如 2026-11-05" if isinstance(kind, (Date, Month)) else "")))
        if table.ledger:
            summary = next(c for c, col in enumerate(columns, 1) if col[0] == "summary")
            sheet.cell(row=3, column=summary, value=table.ledger.opening_words[0])
            sheet.cell(row=3, column=len(headers)).number_format = FORMATS["money"]
        sheet.freeze_panes = "A3"
        if any(isinstance(c[2], Names) for c in columns):
            guide.append((sheet.title, "（多个姓名）", "用顿号分开，如 张三、李四"))
    notes = book.create_sheet("填写说明")
    for row in [("工作表", "列", "说明"), *guide]:
        notes.append(list(row))
    notes.append([])
    notes.append([f"填好后运行：sanwu import 本文件.xlsx --type {rtype.name} --out content/….yaml"])
    notes.column_dimensions["C"].width = 60
    return workbook_bytes(book)


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
