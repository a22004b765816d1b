"""Build benchmarks: the example community and a generated large one. Prints a table; not a test.

    python bench/bench_build.py            # example community + 2,000 generated records
    python bench/bench_build.py --records 10000
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def sanwu(project: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "site_builder", "-C", str(project), *args], check=True, capture_output=True)
    return time.perf_counter() - start


def generate(root: Path, records: int) -> None:
    """Ledgers for many accounts over consecutive months, and notices with Markdown bodies."""
    content = root / "content"
    content.mkdir(parents=True)
    (content / "site.yaml").write_text("community: 测试社区\norg: 中共测试社区委员会\nbase_url: https://example.org/x/\n", "utf-8")
    ledgers = records // 2
    accounts = max(1, ledgers // 24)
    for a in range(accounts):
        balance = Decimal("10000.00")
        for m in range(24):
            year, month = 2025 + m // 12, m % 12 + 1
            lines = []
            closing = balance
            for e in range(12):
                amount = Decimal(100 + e * 7) + Decimal("0.25")
                kind = "income" if e % 3 == 0 else "expense"
                closing += amount if kind == "income" else -amount
                lines.append(
                    f'  - {{date: {year}-{month:02d}-{e + 1:02d}, voucher: "{year}-{month:02d}-{e:03d}", '
                    f"summary: 第{e}笔款项, category: 类别{e % 4}, {kind}: {amount}, handler: 李四}}\n"
                )
            (content / f"ledger{a}").mkdir(exist_ok=True)
            (content / f"ledger{a}" / f"{year}-{month:02d}.yaml").write_text(
                f"type: finance-ledger\ntitle: 账户{a} {year}年{month}月收支明细\naccount: 账户{a}\nperiod: {year}-{month:02d}\n"
                f"opening_balance: {balance}\nentries:\n{''.join(lines)}closing_balance: {closing}\n"
                f"reviewed_by: [张三]\napproved_by: 王芳\napproved_on: {year}-{month:02d}-28\nstatus: approved\n",
                "utf-8",
            )
            balance = closing
    for n in range(records - accounts * 24):
        body = "\n\n".join(f"第{p}段：社区居民议事会讨论了垃圾分类、停车管理和老旧小区改造等事项。" for p in range(8))
        (content / "notices").mkdir(exist_ok=True)
        (content / "notices" / f"n{n:05d}.md").write_text(
            f"---\ntype: notice\ntitle: 通知第{n}号\narea: residents\napproved_by: 王芳\napproved_on: 2026-11-01\n"
            f"status: approved\n---\n\n{body}\n",
            "utf-8",
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        example = Path(tmp) / "example"
        shutil.copytree(REPO / "content", example / "content", ignore=shutil.ignore_patterns("_audit"))
        count = sum(1 for p in (example / "content").rglob("*") if p.suffix in (".yaml", ".md")) - 1
        rows.append(("example: check", count, sanwu(example, "check")))
        rows.append(("example: build all audiences, no PDF (records revisions)", count,
                     sanwu(example, "build", "--audience", "all", "--no-pdf", "--as-of", "2026-11-26")))
        rows.append(("example: build all audiences, PDFs cold", count,
                     sanwu(example, "build", "--audience", "all", "--as-of", "2026-11-26")))
        rows.append(("example: build all audiences, PDFs warm", count,
                     sanwu(example, "build", "--audience", "all", "--as-of", "2026-11-26")))
        pdfs = len(list((example / "output").rglob("*.pdf")))
        big = Path(tmp) / "big"
        generate(big, args.records)
        rows.append((f"generated: check", args.records, sanwu(big, "check")))
        rows.append((f"generated: build public, no PDF, first (records revisions)", args.records,
                     sanwu(big, "build", "--no-pdf", "--as-of", "2026-11-26")))
        rows.append((f"generated: build public, no PDF, nothing changed", args.records,
                     sanwu(big, "build", "--no-pdf", "--as-of", "2026-11-26")))
    print(f"{'what':62} {'records':>8} {'seconds':>8} {'rec/s':>8}")
    for what, n, secs in rows:
        print(f"{what:62} {n:8d} {secs:8.2f} {n / secs:8.0f}")
    print(f"(example community: {pdfs} PDFs over three audiences)")


if __name__ == "__main__":
    main()
