"""Import benchmark: `sanwu import` of a generated 1,000-row ledger (.xlsx and .csv). Prints a table; not a test.

python bench/bench_import.py               # 1,000 rows
python bench/bench_import.py --rows 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from site_builder.sheets.importer import import_sheet  # noqa: E402


def ledger_rows(count: int) -> list[list[object]]:
    """A year's ledger as people keep it: title, 单位 line, header, opening row, entries, 合计."""
    rows: list[list[object]] = [
        ["凤凰社区党建经费收支明细账"],
        ["编制单位：凤凰社区居委会", None, None, None, None, None, "单位：元"],
        ["日期", "凭证号", "摘要", "类别", "收入", "支出", "余额", "经手人"],
        [None, None, "上年结余", None, None, None, 50000],
    ]
    balance = 50000.0
    income = expense = 0.0
    start = dt.datetime(2026, 1, 1)
    for n in range(count):
        day = start + dt.timedelta(days=n * 365 // count)
        inc, exp = (1000.0, None) if n % 4 == 0 else (None, 123.45)
        balance = round(balance + (inc or 0) - (exp or 0), 2)
        income += inc or 0
        expense += exp or 0
        rows.append([day, n + 1, f"第{n + 1}笔收支", "学习教育", inc, exp, balance, "李四、王芳"])
    rows.append(["合计", None, None, None, round(income, 2), round(expense, 2), balance])
    return rows


def csv_cell(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y/%m/%d")
    return "" if value is None else str(value)


def timed(*args: str) -> str:
    """Wall and CPU seconds of one sanwu command (CPU tells more on a busy machine)."""
    start, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "site_builder", *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stdout + done.stderr)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
    return f"{time.perf_counter() - start:8.2f} {used:8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "site" / "content").mkdir(parents=True)
        (root / "site" / "content" / "site.yaml").write_text("community: 测试社区\norg: 中共测试社区委员会\n", "utf-8")
        book = openpyxl.Workbook()
        sheet = book.active
        for row in ledger_rows(args.rows):
            sheet.append(row)
        for r in range(5, 5 + args.rows):
            sheet.cell(row=r, column=2).number_format = '"2026-"0000'
        book.save(root / "ledger.xlsx")
        with open(root / "ledger.csv", "w", encoding="gbk", newline="") as handle:
            for row in ledger_rows(args.rows):
                cells = [
                    c.strftime("%Y/%m/%d") if isinstance(c, dt.datetime) else "" if c is None else str(c) for c in row
                ]
                handle.write(",".join(cells) + "\r\n")
        site = str(root / "site")
        print(f"{'what':44} {'rows':>6} {'wall s':>8} {'cpu s':>8}")
        print(f"{'sanwu --help (start-up alone)':44} {'':>6} {timed('--help')}")
        for name in ("ledger.xlsx", "ledger.csv"):
            out = str(root / "site" / "content" / f"{name}.yaml")
            sets = ["--set", f"account={name}", "--set", "period=2026", "--set", "reviewed_by=张三"]
            seconds = timed("-C", site, "import", str(root / name), "--type", "finance-ledger", "--out", out, *sets)
            print(f"{'sanwu import ' + name:44} {args.rows:>6} {seconds}")
            start, cpu = time.perf_counter(), time.process_time()
            result = import_sheet(root / name, "finance-ledger", None, ["period=2026"])
            assert not result.errors, result.errors
            wall, used = time.perf_counter() - start, time.process_time() - cpu
            print(f"{'  of which reading the sheet (in process)':44} {result.rows:>6} {wall:8.2f} {used:8.2f}")
        print(f"{'sanwu check (the two imported records)':44} {2 * args.rows:>6} {timed('-C', site, 'check')}")


if __name__ == "__main__":
    main()
