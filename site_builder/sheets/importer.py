"""`sanwu import`: the rows of a 台账 sheet -> one draft record, written as commented YAML.

The header row is found below merged titles and 单位 rows; columns are matched by the words of
layouts.py; every cell is read by its field's kind (cells.py). A 上月结余 row opens a ledger
(ledger.py), a 合计 row is checked against the rows and never imported, signature lines end the
table. Every problem names the sheet and cell; nothing is written unless the whole sheet read cleanly.
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
from ..schema import Bad, F, Int, Kind, ListOf, Money, Number, Obj, Text, parse_date
from .cells import read_cell
from .layouts import DAY_PART, LAYOUTS, MONTH_PART, HeaderIndex, Table, header_index, normalize_header
from .read import Cell, Grid, SheetError, column_letter, read_file
from .yamlout import record_yaml

HEADER_SCAN = 30  # the header row is among the first rows, below titles and 单位 lines
TOTAL = re.compile(r"(本月|本期|本季|本年|全年)?(合计|总计|小计|累计)(金额)?")
SIGNATURE = re.compile(r"(制表|填表|编制|审核|审批|负责人|经办|记账|出纳|会计|复核|填报|单位负责人|监督)")
YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
UNIT_LINE = re.compile(r"^(单位|编制单位|填报单位|金额单位|所属单位)|单位[:：]")


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
        if len(message) > 300:  # a cell of 5,000 characters need not be shown whole
            message = message[:300] + "…"
        self.errors.append(f"{where}: 错误: {label + ': ' if label else ''}{message}")


def compact(text: str) -> str:
    """A cell's words without spaces: “合  计” is 合计."""
    return re.sub(r"\s+", "", text)


def item_fields(rtype: RecordType, table: Table) -> dict[str, F]:
    """The declared fields of one item of the table's list."""
    kind = rtype.fields[table.field].kind
    assert isinstance(kind, ListOf) and isinstance(kind.item, Obj)
    return kind.item.fields


def item_kind(rtype: RecordType, table: Table, name: str) -> Kind:
    """The kind of an item field ("manager.name" reaches into a nested mapping)."""
    outer, _, inner = name.partition(".")
    kind = item_fields(rtype, table)[outer].kind
    return kind.fields[inner].kind if inner and isinstance(kind, Obj) else kind


@dataclass
class Columns:
    """Where one table's fields are in one sheet, and how each column is read."""

    grid: Grid
    index: HeaderIndex
    header_row: int  # the last header row; data start below it
    fields: dict[int, str]  # column -> item field
    headers: dict[int, str]  # column -> header text as written (every non-empty header)
    balance: int | None  # ledgers: the 余额 column
    title: str  # the merged title row above the header, if any
    year: int | None = None  # 2026年 above a header whose dates are split into 月 and 日
    last_month: str = ""

    @property
    def table(self) -> Table:
        return self.index.table

    @property
    def split_date(self) -> bool:
        """Dates written in a 月 and a 日 column."""
        return self.column_of(MONTH_PART) is not None and self.column_of(DAY_PART) is not None

    def column_of(self, name: str) -> int | None:
        return next((c for c, n in self.fields.items() if n == name), None)

    def label(self, name: str) -> str:
        """The field's header as written in this sheet (or as the layout knows it)."""
        col = self.column_of(name)
        return self.headers[col] if col else self.table.headers[name][0]


def header_score(row: list[Cell], index: HeaderIndex) -> int:
    return len({name for c in row if c.text and (name := index.field_of(c.text))})


def find_columns(grid: Grid, index: HeaderIndex) -> Columns | None:
    """The header row with the most known words (two at least), with a sub-header row below it."""
    best, at = 1, -1
    for r, row in enumerate(grid.rows[:HEADER_SCAN]):
        score = header_score(row, index)
        if score > best:
            best, at = score, r
    if at < 0:
        return None
    rows = [grid.rows[at]]
    below = grid.rows[at + 1] if at + 1 < len(grid.rows) else []
    # 金额 merged over 收入 | 支出: the row below holds header words and nothing else
    if below and header_score(below, index) and all(c.empty or index.field_of(c.text) for c in below):
        rows.append(below)
    ledger = index.table.ledger
    balance_words = {normalize_header(w) for w in ledger.balance_headers} if ledger else set()
    fields: dict[int, str] = {}
    headers: dict[int, str] = {}
    balance = None
    for row in rows:
        for cell in row:
            if not cell.text:
                continue
            name = index.field_of(cell.text)
            if name and name not in fields.values():
                fields[cell.col] = name
                headers[cell.col] = cell.text
            elif cell.col not in fields:
                headers.setdefault(cell.col, cell.text)
                if balance is None and normalize_header(cell.text) in balance_words:
                    balance = cell.col
    title = next((t for row in grid.rows[:at] if (t := title_of(row))), "")
    years = [int(m.group(1)) for row in grid.rows[: at + len(rows)] for c in row if (m := YEAR.search(c.text))]
    return Columns(grid, index, at + len(rows), fields, headers, balance, title, years[0] if years else None)


def title_of(row: list[Cell]) -> str:
    """A merged title row: one text cell that is not a 单位 line."""
    texts = [c.text for c in row if c.text]
    if len(texts) == 1 and not UNIT_LINE.search(texts[0]) and not SIGNATURE.match(texts[0]):
        return compact(texts[0])
    return ""


def choose_sheets(grids: list[Grid], indexes: list[HeaderIndex], sheet: str | None, result: Result) -> list[Columns]:
    """Each table's sheet: --sheet for the first, else the sheet whose header row matches best."""
    if sheet is not None:
        if not grids[0].sheet:
            raise UsageError(f"{grids[0].file} 是 CSV 文件，没有工作表，请去掉 --sheet")
        named = [g for g in grids if g.sheet == sheet]
        if not named:
            names = "、".join(f"“{g.sheet}”" for g in grids)
            raise UsageError(f"{grids[0].file} 中没有名为“{sheet}”的工作表，现有：{names}")
        grids = named + [g for g in grids if g.sheet != sheet]
    found: list[Columns] = []
    for n, index in enumerate(indexes):
        taken = {c.grid.sheet for c in found}
        candidates = grids[:1] if sheet is not None and n == 0 else [g for g in grids if g.sheet not in taken]
        scored = [
            (len(columns.fields), any(w in g.sheet for w in index.table.sheet_words), -grids.index(g), columns)
            for g in candidates
            if (columns := find_columns(g, index))
        ]
        if scored:
            found.append(max(scored, key=lambda s: s[:3])[3])
        elif n == 0:
            where = grids[0].name if sheet is not None else grids[0].file
            words = "、".join(words[0] for words in index.table.headers.values())
            result.errors.append(
                f"{where}: 错误: 找不到表头行：前 {HEADER_SCAN} 行里没有一行含两个以上的列名（{words}）"
            )
    return found


def import_sheet(path: Path, type_name: str, sheet: str | None, sets: list[str]) -> Result:
    """Read FILE as a record of TYPE; the result holds its fields, or every problem found."""
    rtype = TYPES.types[type_name]
    result = Result()
    given = parse_sets(rtype, sets)
    try:
        grids = [g for g in read_file(path) if g.rows]
    except SheetError as exc:
        result.errors.append(f"{path.name}: 错误: {exc}")
        return result
    if not grids:
        result.errors.append(f"{path.name}: 错误: 文件里没有任何数据")
        return result
    indexes = [header_index(t, column_labels(rtype, t)) for t in LAYOUTS[type_name]]
    found = choose_sheets(grids, indexes, sheet, result)
    for columns in found:
        read_table(rtype, columns, result, given)
    if found:
        title = next((c.title for c in found if c.title), "")
        result.data = {**infer_fields(rtype, result.data, title), **given, **result.data}
        result.data.setdefault("status", "draft")
    return result


def column_labels(rtype: RecordType, table: Table) -> list[tuple[str, str]]:
    """Words a sheet of this type may also use: its download's column labels and its fields' paper-form labels."""
    labels = [(name, f.label) for name, f in item_fields(rtype, table).items() if f.label]
    return [(c.key, c.label) for c in rtype.columns] + labels


def parse_sets(rtype: RecordType, sets: list[str]) -> dict[str, Any]:
    """--set FIELD=VALUE for the record's own fields, each read like a cell of that field."""
    tables = {t.field for t in LAYOUTS[rtype.name]}
    known = {k: f for k, f in {**COMMON, **rtype.fields}.items() if k not in tables and k != "type"}
    given: dict[str, Any] = {}
    for item in sets:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or name not in known:
            hint = difflib.get_close_matches(name, list(known), 1, 0.5)
            more = f"；是不是 {hint[0]}？" if hint else ""
            raise UsageError(f"--set {item}：{rtype.name} 没有可以这样设置的字段“{name}”{more}（写法：--set 字段=值）")
        kind = known[name].kind
        try:
            is_span = isinstance(kind, Obj) and "from" in kind.fields
            given[name] = span(text) if is_span else read_cell(Cell(text, 0, 0), kind, name)
        except Bad as exc:
            raise UsageError(f"--set {item}：{exc.zh}") from None
    return given


def span(text: str) -> dict[str, str]:
    """--set notice_period=2026-11-10~2026-11-16 (or 至, 到)."""
    parts = re.split(r"\s*(?:~|～|至|到|—)\s*", text.strip())
    if len(parts) != 2:
        raise Bad("公示期写成 开始日期~结束日期，如 2026-11-10~2026-11-16", "write FROM~TO")
    return {"from": parse_date(parts[0]).isoformat(), "to": parse_date(parts[1]).isoformat()}


def read_table(rtype: RecordType, columns: Columns, result: Result, given: dict[str, Any]) -> None:
    """The rows of one table into result.data[table.field]: entries, not titles, totals or signatures."""
    from .ledger import Balances

    table, grid = columns.table, columns.grid
    result.sources.append(f"工作表“{grid.sheet}”" if grid.sheet else grid.file)
    unused = [
        f"{column_letter(c)} 列“{h}”"
        for c, h in sorted(columns.headers.items())
        if c not in columns.fields and c != columns.balance and normalize_header(h) not in columns.index.ignored
    ]
    if unused:
        result.notes.append(f"{grid.name}: 未使用的列：{'、'.join(unused)}")
    specs = item_fields(rtype, table)
    split_date = columns.split_date
    if split_date and columns.year is None and "period" in given:
        columns.year = int(str(given["period"])[:4])
    missing = [
        n
        for n in table.headers
        if n in specs and specs[n].required and columns.column_of(n) is None and not (n == "date" and split_date)
    ]
    for name in missing:
        words = "、".join(table.headers[name][:4])
        result.error(
            grid.where(f"A{columns.header_row}"), table.headers[name][0], f"表头里没有这一列（可用的列名：{words}）"
        )
    if missing:
        return
    if split_date and columns.year is None:
        result.error(
            grid.where(f"{column_letter(columns.column_of(MONTH_PART) or 1)}{columns.header_row}"),
            "日期",
            "日期分成了“月”“日”两列，但表头上方没有年份（如 2026年）；请用 --set period=2026-11 给出",
        )
        return
    kinds = {col: item_kind(rtype, table, name) for col, name in columns.fields.items()}
    summable = {columns.fields[c] for c, k in kinds.items() if isinstance(k, (Money, Int, Number))}
    sums = dict.fromkeys(summable, Decimal(0))
    ledger = Balances(columns, result) if table.ledger else None
    items: list[dict[str, Any]] = []
    for row in grid.rows[columns.header_row :]:
        by_col = {c.col: c for c in row}
        texts = [compact(c.text) for c in row if c.text]
        if not texts:
            continue
        if any(TOTAL.fullmatch(t) for t in texts):
            check_total(columns, kinds, by_col, sums, result, ledger)
            break
        if all(SIGNATURE.match(t) for t in texts):
            break
        if ledger and ledger.opening_row(texts, by_col):
            continue
        item = read_row(columns, kinds, specs, by_col, result)
        if item is None:
            continue
        items.append(item)
        for name in summable & item.keys():
            sums[name] += Decimal(item[name])
        if ledger:
            ledger.add(item, by_col)
    result.rows += len(items)
    result.data[table.field] = items
    if ledger:
        ledger.finish(given)


def read_row(
    columns: Columns, kinds: dict[int, Kind], specs: dict[str, F], by_col: dict[int, Cell], result: Result
) -> dict[str, Any] | None:
    """One data row -> an item; each unreadable or missing cell is an error at that cell."""
    item: dict[str, Any] = {}
    failed = set()
    for col, name in columns.fields.items():
        cell = by_col.get(col)
        if cell is None or cell.empty or name in (MONTH_PART, DAY_PART):
            continue
        try:
            value = read_cell(cell, kinds[col], columns.headers[col])
        except Bad as exc:
            result.error(columns.grid.where(cell.ref), columns.headers[col], exc.zh)
            failed.add(name)
            continue
        outer, _, inner = name.partition(".")  # manager.name
        if inner:
            item.setdefault(outer, {})[inner] = value
        else:
            item[name] = value
    if not item and not failed:
        return None
    row = next(iter(by_col.values())).row
    if columns.split_date and columns.year is not None and "date" not in item:
        try:
            item["date"] = split_date(columns, by_col)
        except Bad as exc:
            where = columns.column_of(DAY_PART) or 1
            result.error(columns.grid.where(f"{column_letter(where)}{row}"), "日期", exc.zh)
            failed.add("date")
    for name, spec in specs.items():
        at = columns.column_of(name)
        if spec.required and name not in item and name not in failed and at is not None:
            result.error(columns.grid.where(f"{column_letter(at)}{row}"), columns.headers[at], "这一格不能为空")
    order = list(dict.fromkeys(n.split(".")[0] for n in columns.table.headers))
    return {name: item[name] for name in order if name in item}


def split_date(columns: Columns, by_col: dict[int, Cell]) -> str:
    """月 | 日 columns under a 2026年 heading; a blank 月 continues the month of the rows above."""
    parts = []
    for name in (MONTH_PART, DAY_PART):
        cell = by_col.get(columns.column_of(name) or 0)
        text = read_cell(cell, Text(), name[-1]) if cell is not None and not cell.empty else ""
        parts.append(re.sub(r"[月日号]$", "", text))
    month = parts[0] or columns.last_month
    columns.last_month = month
    return parse_date(f"{columns.year}-{month}-{parts[1]}").isoformat()


def check_total(
    columns: Columns,
    kinds: dict[int, Kind],
    by_col: dict[int, Cell],
    sums: dict[str, Decimal],
    result: Result,
    ledger: Any,
) -> None:
    """A 合计 row: each figure in it must be the sum of the rows above; it is not imported."""
    for col, name in columns.fields.items():
        cell = by_col.get(col)
        if cell is None or cell.empty or name not in sums:
            continue
        try:
            shown = Decimal(read_cell(cell, kinds[col], columns.headers[col]))
        except Bad as exc:
            result.error(columns.grid.where(cell.ref), columns.headers[col], f"合计行：{exc.zh}")
            continue
        if shown != sums[name]:
            total = f"{sums[name]:.2f}" if isinstance(kinds[col], Money) else str(sums[name])
            result.error(
                columns.grid.where(cell.ref), columns.headers[col], f"合计行写的是 {shown}，上面各行相加是 {total}"
            )
    if ledger:
        ledger.total_row(by_col)


def infer_fields(rtype: RecordType, data: dict[str, Any], title: str) -> dict[str, Any]:
    """Title from the sheet's title row; a monthly period when every date falls in one month."""
    out: dict[str, Any] = {"type": rtype.name, "title": title or rtype.label}
    if "period" in rtype.fields:
        months = {
            item["date"][:7]
            for items in data.values()
            if isinstance(items, list)
            for item in items
            if isinstance(item.get("date"), str)
        }
        if len(months) == 1:
            out["period"] = months.pop()
    return out


def target_path(project: Path, out: Path, force: bool) -> Path:
    """--out must be a .yaml record file inside content/; an existing file only with --force."""
    content = (project / "content").resolve()
    target = (out if out.is_absolute() else Path.cwd() / out).resolve()
    if not target.is_relative_to(content) or target == content:
        raise UsageError(f"--out {out}：导入的记录只能写到 {content} 之内")
    rel = target.relative_to(content)
    if target.suffix not in (".yaml", ".yml") or any(p.startswith(("_", ".")) for p in rel.parts):
        raise UsageError(f"--out {out}：应是 content/ 下的 .yaml 文件，且路径中没有以 _ 或 . 开头的部分")
    if target.is_dir():
        raise UsageError(f"--out {out} 是一个文件夹")
    if target.exists() and not force:
        raise UsageError(f"{out} 已存在，不会覆盖；确实要替换请加 --force")
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
    target = target_path(project, out, force)
    try:
        result = import_sheet(source, type_name, sheet, sets)
    except SanwuError:
        raise
    except Exception as exc:  # a file odder than any test: a sentence, never a traceback
        result = Result(errors=[f"{source.name}: 错误: 无法读取这个文件（{type(exc).__name__}: {exc}）"])
    if result.errors:
        return result
    origin = f"{source.name}（{'、'.join(result.sources)}）"
    note = f"由 sanwu import 于 {dt.date.today().isoformat()} 从 {origin} 导入"
    write_record(target, record_yaml(TYPES.types[type_name], result.data, note))
    return result
