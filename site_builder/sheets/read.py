"""Workbooks and CSV files -> grids of cells, each knowing its sheet, its address and its number format."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | None
MAX_ROWS = 100_000  # far beyond any 台账; stops a sheet whose used range Excel inflated to a million rows


class SheetError(Exception):
    """A file that cannot be read as a spreadsheet at all (the message is for the user)."""


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Cell:
    """One cell as stored: the value Excel keeps, and the number format it is shown through."""

    value: CellValue
    row: int
    col: int
    fmt: str = "General"

    @property
    def ref(self) -> str:
        """B4."""
        return f"{column_letter(self.col)}{self.row}"

    @property
    def empty(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())

    @property
    def text(self) -> str:
        """The value as plain text (stripped), for headers and words like 合计."""
        if self.value is None:
            return ""
        return str(self.value).strip()


@dataclass
class Grid:
    """One sheet: rows of cells (row 1 first), named for error messages as 名单.xlsx: 审核名单!B4."""

    file: str
    sheet: str  # "" for CSV
    rows: list[list[Cell]]

    @property
    def name(self) -> str:
        """名单.xlsx: 审核名单 (or 名单.csv)."""
        return f"{self.file}: {self.sheet}" if self.sheet else self.file

    def where(self, ref: str) -> str:
        """名单.xlsx: 审核名单!B4 (or 名单.csv: B4)."""
        return f"{self.file}: {self.sheet}!{ref}" if self.sheet else f"{self.file}: {ref}"


def read_file(path: Path) -> list[Grid]:
    """Every sheet of an .xlsx (or the one table of a .csv), or SheetError saying why not."""
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SheetError(f"无法读取 {path.name}：{exc.strerror}") from None
    if suffix == ".csv":
        return [read_csv(data, path.name)]
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data, path.name)
    if suffix in (".xls", ".et", ".wps"):
        raise SheetError(
            f"{path.name} 是旧版 Excel/WPS 格式（{suffix}），请在 Excel 或 WPS 中“另存为” .xlsx 工作簿后再导入"
        )
    raise SheetError(f"{path.name}：只能导入 .xlsx 工作簿或 .csv 文件")


def decode_csv(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 (Excel's “Unicode 文本”) or GBK (Excel on Chinese Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError(f"{name} 的编码无法识别（既不是 UTF-8 也不是 GBK），请在 Excel 中另存为“CSV UTF-8”")


def read_csv(data: bytes, name: str) -> Grid:
    """A CSV file; every cell is text, as typed."""
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SheetError(f"{name} 不是文本文件，无法按 CSV 读取")
    text = decode_csv(data, name)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise SheetError(f"{name} 不是有效的 CSV 文件：{exc}") from None
    if len(table) > MAX_ROWS:
        raise SheetError(f"{name} 超过 {MAX_ROWS} 行，请分开导入")
    rows = [[Cell(value, r, c) for c, value in enumerate(line, 1)] for r, line in enumerate(table, 1)]
    return Grid(name, "", rows)


def read_xlsx(data: bytes, name: str) -> list[Grid]:
    """An .xlsx workbook: cached values of formulas, Excel dates as dates, each cell's number format."""
    import openpyxl  # lazy: only `sanwu import` reads workbooks

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or foreign file can fail anywhere inside the reader
        raise SheetError(
            f"{name} 不是有效的 .xlsx 工作簿（{type(exc).__name__}），请用 Excel 或 WPS 打开后重新保存"
        ) from None
    grids = []
    try:
        for sheet in book.worksheets:
            rows = []
            for r, line in enumerate(sheet.iter_rows(), 1):
                if r > MAX_ROWS:
                    raise SheetError(f"{name} 的工作表“{sheet.title}”超过 {MAX_ROWS} 行，请分开导入")
                rows.append(
                    [
                        Cell(getattr(c, "value", None), r, col, getattr(c, "number_format", None) or "General")
                        for col, c in enumerate(line, 1)
                    ]
                )
            grids.append(Grid(name, sheet.title, rows))
    except SheetError:
        raise
    except Exception as exc:  # malformed sheet XML surfaces only while iterating
        raise SheetError(f"{name} 的内容无法读取（{type(exc).__name__}），请用 Excel 或 WPS 打开后重新保存") from None
    finally:
        book.close()
    return grids
