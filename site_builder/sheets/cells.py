"""One cell -> the text (or list, or mapping) a field of a record holds, or what is wrong with it.

Each field kind reads cells the way people fill them in: Excel dates and text dates, amounts as
numbers or as text with ¥/元/commas, identifiers shown through a number format (7 shown as 007 is
"007"). What Excel already destroyed — an ID number kept as a 15-digit float — is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from ..schema import Bad, Bool, Choice, Date, Int, Kind, ListOf, Money, Month, Names, Number
from .read import Cell

EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_SERIALS = range(20_000, 80_000)  # 1954..2119: a bare number in a date column is an Excel date shown as General
SPLIT_NAMES = re.compile(r"[、，,；;/\s\u3000]+")
TRUE_WORDS = {"是", "√", "✓", "✔", "y", "yes", "true", "党员", "中共党员", "预备党员", "中共预备党员", "1"}
FALSE_WORDS = {"否", "×", "✗", "n", "no", "false", "群众", "共青团员", "团员", "无党派人士", "0"}


def number_text(value: float | int) -> str:
    """A number as Excel shows it in General format: 7, 2.5, never 7.0 or 2.4999999999999996."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    return str(value) if isinstance(value, int) else f"{value:.15g}"


_LITERAL = r'(?:"[^"]*"|\\.)*'
_ZEROS_FORMAT = re.compile(rf"({_LITERAL})(0+)({_LITERAL})")


def _unquote(literal: str) -> str:
    return re.sub(r'"([^"]*)"|\\(.)', lambda m: m.group(1) if m.group(1) is not None else m.group(2), literal)


def shown_text(value: float | int, fmt: str) -> str:
    """A whole number through a format of zeros, as Excel shows it: 7 with "000" is 007."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    m = _ZEROS_FORMAT.fullmatch(fmt.split(";")[0])
    if isinstance(value, int) and value >= 0 and m:
        return _unquote(m.group(1)) + str(value).zfill(len(m.group(2))) + _unquote(m.group(3))
    return number_text(value)


def cell_date(cell: Cell) -> dt.date | None:
    """The calendar date an Excel date cell holds (a bare serial number too)."""
    value = cell.value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and int(value) in DATE_SERIALS:
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    return None


def money_of_number(value: float | int) -> str:
    """An amount stored as a number, as exact yuan; a hidden third decimal is an error."""
    if abs(value) >= 1e13:  # beyond any community's books, and beyond exact cents in a float
        raise Bad(f"金额 {number_text(value)} 过大，请核对", f"amount {number_text(value)} is too large")
    amount = Decimal(number_text(value))
    if amount != amount.quantize(Decimal("0.01")):
        raise Bad(
            f"单元格里的金额是 {amount}，超过两位小数（表格显示的可能是四舍五入后的数）；"
            "请改成到分的金额，公式可用 ROUND(…,2)",
            f"the cell holds {amount}, more than two decimals; round it to the fen",
        )
    return f"{amount:.2f}"


def lost_digits(value: Any, header: str) -> None:
    """Refuse a long identifier Excel stored as a number: only 15 significant digits survive."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 1e15:
        kept = int(Decimal(f"{value:.15g}")) if abs(value) < 1e20 else number_text(value)  # 15 digits, then zeros
        raise Bad(
            f"这一格是数字 {kept}，不是文字：Excel 只保留 15 位有效数字，后面几位已经丢失。"
            f"请把“{header}”这一列设置为“文本”格式，再重新输入完整的号码",
            f"the cell holds the number {kept}: Excel keeps 15 significant digits, the rest are "
            "lost; format the column as text and retype the numbers",
        )


def read_cell(cell: Cell, kind: Kind, header: str) -> Any:
    """The value to write into the record (text, list or mapping), or None for an empty cell."""
    if cell.empty:
        return None
    value = cell.value
    if isinstance(kind, Names):
        names = [n for n in SPLIT_NAMES.split(_text(cell)) if n]
        return names or None
    if isinstance(kind, ListOf) and isinstance(kind.item, Int):
        return months(cell)
    if kind.json_type.get("type") == "object":
        return pairs(_text(cell))
    if isinstance(kind, Date):
        day = cell_date(cell)
        return day.isoformat() if day else kind.parse(_text(cell)).isoformat()
    if isinstance(kind, Month):
        if isinstance(value, (dt.date, dt.datetime)):
            return f"{value.year}-{value.month:02d}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise Bad(
                f"这一格是数字 {number_text(value)}，分不清是几月（1995.10 会变成 1995.1）；"
                "请把这一列设置为“文本”，写成 1995-10",
                f"the number {number_text(value)} is ambiguous as a month; write it as text like 1995-10",
            )
        return kind.parse(_text(cell))
    if isinstance(kind, Money):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = money_of_number(value)
        else:
            text = _text(cell)
        return f"{kind.parse(text):.2f}"
    if isinstance(kind, Int):
        text = number_text(value) if isinstance(value, (int, float)) else re.sub(r"[人户栋名个]$", "", _text(cell))
        return str(kind.parse(text))
    if isinstance(kind, Number):
        text = number_text(value) if isinstance(value, (int, float)) else re.sub(r"(小时|h)$", "", _text(cell))
        return str(kind.parse(text))
    if isinstance(kind, Bool):
        if isinstance(value, bool):
            return "true" if value else "false"
        word = _text(cell).lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return "true" if word in TRUE_WORDS else "false"
        raise Bad(f"应填 是 或 否，得到 “{_text(cell)}”", f"expected 是 or 否, got {_text(cell)!r}")
    if isinstance(kind, Choice):
        return kind.parse(_text(cell))
    lost_digits(value, header)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return shown_text(value, cell.fmt)
    if isinstance(value, (dt.date, dt.datetime)):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    return _text(cell)


def _text(cell: Cell) -> str:
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return shown_text(value, cell.fmt)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return re.sub(r"\s+", " ", str(value)).strip()


def months(cell: Cell) -> list[str]:
    """交纳月份 as people write it: 7 · 7、8、9 · 7-9 · 7—9月 · 7月至9月 → ["7", "8", "9"]."""
    text = _text(cell).replace("月", " ").strip()
    m = re.fullmatch(r"(\d{1,2})\s*(?:-|—|–|~|～|至|到)\s*(\d{1,2})", text)
    if m and int(m.group(1)) <= int(m.group(2)):
        return [str(n) for n in range(int(m.group(1)), int(m.group(2)) + 1)]
    parts = [p for p in re.split(r"[、，,；;\s]+", text) if p]
    if not parts or not all(p.isdigit() for p in parts):
        raise Bad(
            f"交纳月份应写成 7、8、9 或 7-9，得到 “{_text(cell)}”",
            f"months must look like 7、8、9 or 7-9, got {text!r}",
        )
    return [str(int(p)) for p in parts]


def pairs(text: str) -> dict[str, str]:
    """网格员：李四；网格警员：王刚 → {网格员: 李四, 网格警员: 王刚}."""
    out = {}
    for part in re.split(r"[；;\n]+", text):
        if not part.strip():
            continue
        key, sep, value = part.replace("：", ":").partition(":")
        if not sep or not key.strip() or not value.strip():
            raise Bad(
                f"应写成“职务：姓名”，多项用；分开，如 网格员：李四；网格警员：王刚，得到 “{part.strip()}”",
                f"expected role：name pairs separated by ；, got {part.strip()!r}",
            )
        out[key.strip()] = value.strip()
    return out
