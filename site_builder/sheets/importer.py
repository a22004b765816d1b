"""`sanwu import`: the rows of a 台账 sheet -> one draft record, written as commented YAML.

The header row is found below merged titles and 单位 rows; columns are matched by the words of
layouts.py; every cell is read by its field's kind (cells.py). A 上月结余 row opens a ledger, a 合计
row is checked against the rows and never imported, signature lines end the table. Every problem
names the sheet and cell; nothing is written unless the whole sheet read cleanly.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import SanwuError
from ..records import TYPES, RecordType
from ..records.base import COMMON
from ..schema import Bad, Kind, ListOf, Obj, parse_date
from .cells import read_cell
from .layouts import LAYOUTS, HeaderIndex, Table, header_index, normalize_header
from .read import Cell, Grid, SheetError, column_letter, read_file
from .yamlout import record_yaml

HEADER_SCAN = 30  # the header row is among the first rows, below titles and 单位 lines
TOTAL_WORDS = re.compile(r"^(本月|本期|本季|本年|全年)?(合计|总计|小计|累计)")
SIGNATURE = re.compile(r"^(制表|填表|编制|审核|审批|负责人|经办|记账|出纳|会计|复核|填报|单位负责人|监督)")
UNIT_LINE = re.compile(r"^(单位|编制单位|填报单位|金额单位|所属单位)|单位[:：]")
WORKFLOW = ("prepared_by", "reviewed_by", "approved_by", "approved_on", "status")


class UsageError(SanwuError):
    """A wrong option (--set of an unknown field, --out outside content/): exit code 2."""


@dataclass
class Result:
    """What an import produced: the record's fields, or the problems that stopped it."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: int = 0
    sources: list[str] = field(default_factory=list)

    def error(self, where: str, label: str, message: str) -> None:
        self.errors.append(f"{where}: 错误: {label + ': ' if label else ''}{message}")


@dataclass
class Columns:
    """Where a table's fields are in one sheet."""

    grid: Grid
    header_row: int  # the last header row (data start below it)
    fields: dict[int, str]  # column -> item field
    headers: dict[int, str]  # column -> header text as written
    balance: int | None = None  # ledgers: the 余额 column
    title: str = ""


def item_kind(rtype: RecordType, table: Table, name: str) -> Kind:
    """The kind of an item field ("manager.name" reaches into nested mappings)."""
    kind = rtype.schema.fields[table.field].kind
    assert isinstance(kind, ListOf) and isinstance(kind.item, Obj)
    obj: Kind = kind.item
    for part in name.split("."):
        assert isinstance(obj, Obj)
        obj = obj.fields[part].kind
    return obj


def item_label(index: HeaderIndex, name: str) -> str:
    """The header word people know a field by (the first declared)."""
    return index.table.headers[name][0]


def score_row(row: list[Cell], index: HeaderIndex) -> int:
    return len({index.field_of(c.text) for c in row if c.text and index.field_of(c.text)})


def find_columns(grid: Grid, index: HeaderIndex) -> Columns | None:
    """The header row with the most known words (two at least), and a sub-header row below it."""
    best, best_row = 1, -1
    for r, row in enumerate(grid.rows[:HEADER_SCAN]):
        score = score_row(row, index)
        if score > best:
            best, best_row = score, r
    if best_row < 0:
        return None
    fields: dict[int, str] = {}
    headers: dict[int, str] = {}
    last = best_row
    rows = [grid.rows[best_row]]
    below = grid.rows[best_row + 1] if best_row + 1 < len(grid.rows) else []
    # 金额 merged over 收入 | 支出: the row below holds the real words and nothing else
    if below and score_row(below, index) and all(index.field_of(c.text) or c.empty for c in below):
        rows.append(below)
        last = best_row + 1
    balance_words = {normalize_header(w) for w in (index.table.ledger.balance_headers if index.table.ledger else ())}
    balance = None
    for row in rows:
        for cell in row:
            name = index.field_of(cell.text) if cell.text else None
            if name and name not in fields.values():
                fields[cell.col] = name
                headers[cell.col] = cell.text
            elif cell.text and normalize_header(cell.text) in balance_words and balance is None:
                balance = cell.col
            elif cell.text and cell.col not in fields:
                headers.setdefault(cell.col, cell.text)
    title = next((t for row in grid.rows[:best_row] if (t := title_of(row))), "")
    return Columns(grid, grid.rows[last][0].row if grid.rows[last] else last + 1, fields, headers, balance, title)


def title_of(row: list[Cell]) -> str:
    """A merged title row: one text cell that is not a 单位 line."""
    texts = [c.text for c in row if c.text]
    if len(texts) == 1 and not UNIT_LINE.search(texts[0]) and not SIGNATURE.match(texts[0]):
        return re.sub(r"\s+", "", texts[0])
    return ""


def choose_grids(grids: list[Grid], indexes: list[HeaderIndex], sheet: str | None, result: Result) -> list[Columns]:
    """Each table's sheet: --sheet for the first, else the sheet whose header row matches best."""
    if sheet is not None:
        named = [g for g in grids if g.sheet == sheet]
        if not named:
            names = "、".join(f"“{g.sheet}”" for g in grids)
            raise UsageError(f"{grids[0].file} 中没有名为“{sheet}”的工作表，现有：{names}")
        grids = named + [g for g in grids if g.sheet != sheet]
    found: list[Columns] = []
    used: set[str] = set()
    for n, index in enumerate(indexes):
        candidates = [g for g in grids if g.sheet not in used]
        if sheet is not None and n == 0:
            candidates = candidates[:1]
        scored = []
        for g in candidates:
            columns = find_columns(g, index)
            if columns:
                named_for = any(w in g.sheet for w in index.table.sheet_words)
                scored.append((len(columns.fields), named_for, -grids.index(g), columns))
        if not scored:
            if n == 0:
                where = grids[0].where("A1") if sheet is not None else grids[0].file
                words = "、".join(w for words in index.table.headers.values() for w in words[:1])
                result.error(where, "", f"找不到表头行：前 {HEADER_SCAN} 行里没有一行含两个以上的列名（{words}）")
            continue
        columns = max(scored, key=lambda s: s[:3])[3]
        used.add(columns.grid.sheet)
        found.append(columns)
    return found


def import_sheet(path: Path, type_name: str, sheet: str | None, sets: list[str]) -> Result:
    """Read FILE as a record of TYPE; the result holds its fields or every problem found."""
    rtype = TYPES.types[type_name]
    result = Result()
    given = parse_sets(rtype, sets, result)
    try:
        grids = [g for g in read_file(path) if g.rows] or []
    except SheetError as exc:
        result.errors.append(f"{path.name}: 错误: {exc}")
        return result
    if not grids:
        result.errors.append(f"{path.name}: 错误: 文件里没有任何数据")
        return result
    labels = {c.key: c.label for c in rtype.columns}
    indexes = [header_index(t, labels) for t in LAYOUTS[type_name]]
    found = choose_grids(grids, indexes, sheet, result)
    title = ""
    for columns in found:
        index = next(i for i in indexes if i.table.field == columns_table(columns, indexes).field)
        read_table(rtype, index, columns, result, given)
        title = title or columns.title
    if not found:
        return result
    result.data = {**infer_fields(rtype, result.data, title), **given, **result.data}
    result.data.setdefault("status", "draft")
    return result


def columns_table(columns: Columns, indexes: list[HeaderIndex]) -> Table:
    """The table a Columns was found for."""
    return max(indexes, key=lambda i: sum(1 for f in columns.fields.values() if f in i.table.headers)).table


def parse_sets(rtype: RecordType, sets: list[str], result: Result) -> dict[str, Any]:
    """--set FIELD=VALUE for the record's own fields, read like a cell of that field."""
    known = {**COMMON, **rtype.fields}
    tables = {t.field for t in LAYOUTS[rtype.name]}
    given: dict[str, Any] = {}
    for item in sets:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or name not in known or name in tables or name == "type":
            hint = difflib.get_close_matches(name, [k for k in known if k not in tables and k != "type"], 1, 0.5)
            more = f"；是不是 {hint[0]}？" if hint else ""
            raise UsageError(f"--set {item}：{rtype.name} 没有可以这样设置的字段“{name}”{more}（写法：--set 字段=值）")
        kind = known[name].kind
        try:
            value = (
                span(text)
                if isinstance(kind, Obj) and "from" in kind.fields
                else read_cell(Cell(text, 0, 0), kind, name)
            )
        except Bad as exc:
            raise UsageError(f"--set {item}：{exc.zh}") from None
        given[name] = value
    return given


def span(text: str) -> dict[str, str]:
    """--set notice_period=2026-11-10~2026-11-16 (or 至, 到)."""
    parts = re.split(r"\s*(?:~|～|至|到|—)\s*", text.strip())
    if len(parts) != 2:
        raise Bad("公示期写成 开始日期~结束日期，如 2026-11-10~2026-11-16", "write FROM~TO")
    return {"from": parse_date(parts[0]).isoformat(), "to": parse_date(parts[1]).isoformat()}


def read_table(rtype: RecordType, index: HeaderIndex, columns: Columns, result: Result, given: dict[str, Any]) -> None:
    """The rows of one table into result.data[table.field]."""
    table, grid = index.table, columns.grid
    result.sources.append(f"工作表“{grid.sheet}”" if grid.sheet else grid.file)
    unused = [
        f"{column_letter(c)} 列“{h}”"
        for c, h in sorted(columns.headers.items())
        if c not in columns.fields and normalize_header(h) not in index.ignored and c != columns.balance
    ]
    if unused:
        result.notes.append(f"{grid.name}: 未使用的列：{'、'.join(unused)}")
    required = [n for n in table.headers if "." not in n and getattr(item_field(rtype, table, n), "required", False)]
    missing = [n for n in required if n not in columns.fields.values()]
    if missing and not (table.ledger and set(missing) <= {table.ledger.income, table.ledger.expense}):
        ref = f"A{columns.header_row}"
        for name in missing:
            words = "、".join(table.headers[name][:4])
            result.error(grid.where(ref), item_label(index, name), f"表头里没有这一列（可用的列名：{words}）")
        return
    items: list[dict[str, Any]] = []
    sums: dict[str, Decimal] = {}
    ledger = Balances(table, columns, result) if table.ledger else None
    for row in grid.rows:
        if not row or row[0].row <= columns.header_row:
            continue
        by_col = {c.col: c for c in row}
        texts = [c.text for c in row if c.text]
        if not texts:
            continue
        if any(TOTAL_WORDS.match(re.sub(r"\s+", "", t)) for t in texts):
            check_total(rtype, index, columns, by_col, sums, result, ledger)
            break
        if all(SIGNATURE.match(t) for t in texts):
            break
        if ledger and ledger.opening_row(texts, by_col):
            continue
        item = read_row(rtype, index, columns, by_col, result)
        if item is None:
            continue
        items.append(item)
        for name, value in item.items():
            if isinstance(value, str) and is_summable(rtype, table, name):
                sums[name] = sums.get(name, Decimal(0)) + Decimal(value)
        if ledger:
            ledger.add(item, by_col)
    result.rows += len(items)
    result.data[table.field] = items
    if ledger:
        ledger.finish(given, result)


def item_field(rtype: RecordType, table: Table, name: str) -> Any:
    kind = rtype.schema.fields[table.field].kind
    assert isinstance(kind, ListOf) and isinstance(kind.item, Obj)
    return kind.item.fields.get(name)


def is_summable(rtype: RecordType, table: Table, name: str) -> bool:
    from ..schema import Int, Money, Number

    return isinstance(item_kind(rtype, table, name), (Money, Int, Number))


def read_row(
    rtype: RecordType, index: HeaderIndex, columns: Columns, by_col: dict[int, Cell], result: Result
) -> dict[str, Any] | None:
    """One data row -> an item; each unreadable cell is an error at that cell."""
    item: dict[str, Any] = {}
    filled = False
    for col, name in columns.fields.items():
        cell = by_col.get(col)
        if cell is None or cell.empty:
            continue
        filled = True
        try:
            value = read_cell(cell, item_kind(rtype, index.table, name), columns.headers[col])
        except Bad as exc:
            result.error(columns.grid.where(cell.ref), columns.headers[col], exc.zh)
            item[name] = None  # reported; not "empty" as well
            continue
        if value is None:
            continue
        if "." in name:  # manager.name
            outer, inner = name.split(".", 1)
            item.setdefault(outer, {})[inner] = value
        else:
            item[name] = value
    if not filled:
        return None
    table = index.table
    for name in table.headers:
        spec = item_field(rtype, table, name)
        if spec is not None and spec.required and name not in item:
            ref = f"{column_letter(next((c for c, n in columns.fields.items() if n == name), 1))}{_row_of(by_col)}"
            result.error(
                columns.grid.where(ref),
                columns.headers.get(_col_of(columns, name), item_label(index, name)),
                "这一格不能为空",
            )
    return {name: item[name] for name in order(table, item) if item[name] is not None}


def _row_of(by_col: dict[int, Cell]) -> int:
    return next(iter(by_col.values())).row


def _col_of(columns: Columns, name: str) -> int:
    return next((c for c, n in columns.fields.items() if n == name), 0)


def order(table: Table, item: dict[str, Any]) -> list[str]:
    """Item fields in the order the layout declares them."""
    names = [n.split(".")[0] for n in table.headers]
    return [n for n in dict.fromkeys(names) if n in item]


class Balances:
    """A ledger's opening row, running 余额 and closing balance."""

    def __init__(self, table: Table, columns: Columns, result: Result):
        assert table.ledger is not None
        self.spec = table.ledger
        self.columns = columns
        self.result = result
        self.opening: Decimal | None = None
        self.running: Decimal | None = None
        self.last_sheet_balance: tuple[Decimal, Cell] | None = None
        self.income = self.expense = Decimal("0.00")
        self.first_balance: Decimal | None = None

    def amount(self, cell: Cell | None) -> Decimal | None:
        if cell is None or cell.empty:
            return None
        from ..schema import Money

        try:
            return Decimal(read_cell(cell, Money(allow_negative=True), "余额"))
        except Bad as exc:
            self.result.error(self.columns.grid.where(cell.ref), "余额", exc.zh)
            return None

    def opening_row(self, texts: list[str], by_col: dict[int, Cell]) -> bool:
        """上月结余 · 期初余额: the row's 余额 (or its only amount) opens the ledger."""
        if not any(re.sub(r"\s+", "", t).startswith(self.spec.opening_words) for t in texts):
            return False
        cols = [self.columns.balance] + [
            c for c, n in self.columns.fields.items() if n in (self.spec.income, self.spec.expense)
        ]
        for col in cols:
            value = self.amount(by_col.get(col)) if col else None
            if value is not None:
                self.opening = self.running = value
                break
        return True

    def add(self, item: dict[str, Any], by_col: dict[int, Cell]) -> None:
        inc = Decimal(item.get(self.spec.income) or "0")
        exp = Decimal(item.get(self.spec.expense) or "0")
        self.income += inc
        self.expense += exp
        sheet = self.amount(by_col.get(self.columns.balance)) if self.columns.balance else None
        if self.running is None and sheet is not None and self.opening is None:
            self.opening = sheet - inc + exp  # no opening row: the first balance tells it
            self.running = self.opening
            self.result.notes.append(f"表格没有“上月结余/期初余额”行，期初余额按第一行的余额倒推为 {self.opening:.2f}")
        if self.running is not None:
            self.running += inc - exp
        if sheet is not None and self.running is not None:
            cell = by_col[self.columns.balance]  # type: ignore[index]
            if sheet != self.running:
                self.result.error(
                    self.columns.grid.where(cell.ref),
                    "余额",
                    f"余额应为 {self.running:.2f}（上一行余额 + 收入 − 支出），表格里是 {sheet:.2f}",
                )
                self.running = sheet
            self.last_sheet_balance = (sheet, cell)

    def finish(self, given: dict[str, Any], result: Result) -> None:
        """Opening and closing balance fields; the closing one computed, never copied."""
        if self.spec.opening in given:
            opening = Decimal(given[self.spec.opening])
        elif self.opening is not None:
            opening = self.opening
        else:
            result.error(
                self.columns.grid.where(f"A{self.columns.header_row + 1}"),
                "期初余额",
                "表格里没有“上月结余”或“期初余额”行，也没有余额列；请用 --set opening_balance=金额 给出期初余额",
            )
            return
        closing = opening + self.income - self.expense
        result.data[self.spec.opening] = f"{opening:.2f}"
        result.data[self.spec.closing] = f"{closing:.2f}"
        if self.last_sheet_balance and self.last_sheet_balance[0] != closing and not result.errors:
            sheet, cell = self.last_sheet_balance
            result.error(
                self.columns.grid.where(cell.ref),
                "余额",
                f"期末余额应为 {closing:.2f}（期初 {opening:.2f} + 收入 {self.income:.2f} − 支出 {self.expense:.2f}），"
                f"表格最后的余额是 {sheet:.2f}",
            )


def check_total(
    rtype: RecordType,
    index: HeaderIndex,
    columns: Columns,
    by_col: dict[int, Cell],
    sums: dict[str, Decimal],
    result: Result,
    ledger: Balances | None,
) -> None:
    """A 合计 row: each figure in it must be the sum of the rows above; it is not imported."""
    for col, name in columns.fields.items():
        cell = by_col.get(col)
        if cell is None or cell.empty or not is_summable(rtype, index.table, name):
            continue
        try:
            shown = Decimal(read_cell(cell, item_kind(rtype, index.table, name), columns.headers[col]))
        except (Bad, ArithmeticError):
            result.error(columns.grid.where(cell.ref), columns.headers[col], f"合计行的 “{cell.text}” 不是数字")
            continue
        total = sums.get(name, Decimal(0))
        if shown != total:
            result.error(
                columns.grid.where(cell.ref),
                columns.headers[col],
                f"合计行写的是 {shown}，上面各行相加是 {total}",
            )
    if ledger and columns.balance and by_col.get(columns.balance) is not None and not by_col[columns.balance].empty:
        cell = by_col[columns.balance]
        value = ledger.amount(cell)
        if value is not None:
            ledger.last_sheet_balance = (value, cell)


def infer_fields(rtype: RecordType, data: dict[str, Any], title: str) -> dict[str, Any]:
    """Title from the sheet's title row; a monthly period when every date falls in one month."""
    out: dict[str, Any] = {"type": rtype.name, "title": title or rtype.label}
    if "period" in rtype.fields:
        months = {
            str(v)[:7]
            for items in data.values()
            if isinstance(items, list)
            for item in items
            if isinstance(item, dict)
            for v in [item.get("date")]
            if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v)
        }
        if len(months) == 1:
            out["period"] = months.pop()
    return out


def target_path(project: Path, out: Path, rtype: RecordType, force: bool) -> Path:
    """--out must be a .yaml record file inside content/; an existing file only with --force."""
    content = (project / "content").resolve()
    target = (out if out.is_absolute() else Path.cwd() / out).resolve()
    if not target.is_relative_to(content) or target == content:
        raise UsageError(f"--out {out}：导入的记录只能写到 {content} 之内")
    rel = target.relative_to(content)
    if target.suffix not in (".yaml", ".yml") or any(p.startswith(("_", ".")) for p in rel.parts):
        raise UsageError(f"--out {out}：应是 content/ 下的 .yaml 文件，且路径中没有以 _ 或 . 开头的部分")
    if target.exists() and not force:
        raise UsageError(f"{out} 已存在，不会覆盖；确实要替换请加 --force")
    if target.is_dir():
        raise UsageError(f"--out {out} 是一个文件夹")
    return target


def write_record(target: Path, text: str) -> None:
    """Write the record whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(
    project: Path, source: Path, type_name: str, out: Path, sheet: str | None, sets: list[str], force: bool
) -> Result:
    """The whole command: read, and write the record only when nothing is wrong."""
    rtype = TYPES.types[type_name]
    target = target_path(project, out, rtype, force)
    result = import_sheet(source, type_name, sheet, sets)
    if result.errors:
        return result
    origin = f"{source.name}（{'、'.join(result.sources)}）"
    stamp = dt.date.today().isoformat()
    write_record(target, record_yaml(rtype, result.data, f"由 sanwu import 于 {stamp} 从 {origin} 导入"))
    return result
