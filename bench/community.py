"""A synthetic community of any size, deterministic: the same N gives the same bytes.

75 % finance ledgers of 20 entries (accounts of 36 consecutive months), 25 % notices with
Markdown bodies. The same pages are also written as Markdown for Hugo (hugo/), so both
generators build the same content side by side.

    python bench/community.py 1000 /tmp/c1000     # content/ and hugo/ under /tmp/c1000
"""

from __future__ import annotations

import random
import sys
from decimal import Decimal
from pathlib import Path

MONTHS = 36  # a ledger per account and month, 2023-11 .. 2026-10
ENTRIES = 20
AS_OF = "2026-11-26"
SITE = "community: 测试社区\norg: 中共测试社区委员会\nbase_url: https://example.org/x/\n"

WORDS = (
    "垃圾分类 停车管理 老旧小区改造 加装电梯 消防通道 楼道照明 绿化养护 健身器材 "
    "独居老人 助餐服务 儿童托管 志愿服务 物业费 维修基金 雨污分流 路灯维修 "
    "疫苗接种 医保缴费 低保复核 就业培训 文明楼栋 邻里节 议事协商 安全巡查"
).split()
SUMMARIES = (
    "购买党员学习资料 街道拨付党建经费 慰问困难党员 支付会场租金 购置办公用品 "
    "志愿者保险 活动宣传印刷 上级补助资金 报刊订阅 场地水电费"
).split()
CATEGORIES = ("学习教育", "上级拨款", "慰问", "办公", "活动")
HANDLERS = ("李四", "赵六", "孙七", "周八")


def months() -> list[tuple[int, int]]:
    """The account months, oldest first."""
    out = []
    year, month = 2023, 11
    for _ in range(MONTHS):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def ledger(account: int, year: int, month: int, opening: Decimal, rng: random.Random) -> tuple[str, str, Decimal]:
    """(sanwu YAML, Hugo Markdown, closing balance) of one account's month."""
    lines, rows = [], []
    balance = opening
    for e in range(ENTRIES):
        amount = Decimal(rng.randrange(1000, 500000)) / 100
        kind = "income" if e % 4 == 0 else "expense"
        balance += amount if kind == "income" else -amount
        summary, category, handler = rng.choice(SUMMARIES), rng.choice(CATEGORIES), rng.choice(HANDLERS)
        day = f"{year}-{month:02d}-{e + 1:02d}"
        voucher = f"{year}-{month:02d}-{e + 1:03d}"
        lines.append(
            f'  - {{date: {day}, voucher: "{voucher}", summary: {summary}, category: {category}, '
            f"{kind}: {amount:.2f}, handler: {handler}}}\n"
        )
        income, expense = (f"{amount:.2f}", "") if kind == "income" else ("", f"{amount:.2f}")
        rows.append(
            f"| {day} | {voucher} | {summary} | {category} | {income} | {expense} | {balance:.2f} | {handler} |\n"
        )
    title = f"账户{account} {year}年{month}月收支明细"
    approved = f"{year + (month == 12)}-{month % 12 + 1:02d}-05"
    yaml_text = (
        f"type: finance-ledger\ntitle: {title}\naccount: 账户{account}\nperiod: {year}-{month:02d}\n"
        f"opening_balance: {opening:.2f}\nentries:\n{''.join(lines)}closing_balance: {balance:.2f}\n"
        f"reviewed_by: [张三]\napproved_by: 王芳\napproved_on: {approved}\nstatus: approved\n"
    )
    md = (
        f'---\ntitle: "{title}"\ndate: {approved}\nperiods: ["{year}-{month:02d}"]\n---\n\n'
        f"期初余额 {opening:.2f} 元，期末余额 {balance:.2f} 元。\n\n"
        "| 日期 | 凭证号 | 摘要 | 类别 | 收入 | 支出 | 余额 | 经手人 |\n|---|---|---|---|---|---|---|---|\n"
        + "".join(rows)
    )
    return yaml_text, md, balance


def notice(n: int, rng: random.Random) -> tuple[str, str]:
    """(sanwu Markdown, Hugo Markdown) of one notice."""
    paragraphs = []
    for p in range(8):
        topic = "、".join(rng.sample(WORDS, 3))
        paragraphs.append(f"第{p + 1}项：社区居民议事会讨论了{topic}等事项，请各位居民周知并提出意见。")
    body = "\n\n".join(paragraphs)
    month = n % 11 + 1  # all published by AS_OF
    day = f"2026-{month:02d}-{n % 25 + 1:02d}"
    title = f"关于{rng.choice(WORDS)}的通知（第{n + 1}号）"
    front = f"type: notice\ntitle: {title}\narea: residents\napproved_by: 王芳\napproved_on: {day}\nstatus: approved\n"
    hugo = f'---\ntitle: "{title}"\ndate: {day}\nperiods: ["2026-{month:02d}"]\n---\n\n{body}\n'
    return f"---\n{front}---\n\n{body}\n", hugo


HUGO_CONFIG = """\
baseURL = "https://example.org/x/"
languageCode = "zh-cn"
title = "测试社区"
disableKinds = ["RSS", "sitemap", "robotsTXT", "404"]
[taxonomies]
  period = "periods"
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>'
        '<body><header><a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a></header>'
        '<main>{{ block "main" . }}{{ end }}</main></body></html>\n'
    ),
    "_default/single.html": (
        '{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format "2006-01-02" }}</p>'
        "{{ .Content }}</article>{{ end }}\n"
    ),
    "_default/list.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}'
        '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n'
    ),
}


def generate(root: Path, records: int) -> None:
    """root/content (sanwu) and root/hugo (the same pages for Hugo), for `records` records."""
    content, hugo = root / "content", root / "hugo"
    (content / "ledgers").mkdir(parents=True)
    (content / "notices").mkdir(parents=True)
    (hugo / "content" / "ledgers").mkdir(parents=True)
    (hugo / "content" / "notices").mkdir(parents=True)
    (content / "site.yaml").write_text(SITE, "utf-8")
    (hugo / "hugo.toml").write_text(HUGO_CONFIG, "utf-8")
    for rel, text in HUGO_LAYOUTS.items():
        (hugo / "layouts" / rel).parent.mkdir(parents=True, exist_ok=True)
        (hugo / "layouts" / rel).write_text(text, "utf-8")
    rng = random.Random(20261126)
    ledgers = records * 3 // 4
    account_months = months()
    for i in range(ledgers):
        account, m = divmod(i, MONTHS)
        year, month = account_months[m]
        if m == 0:
            balance = Decimal(rng.randrange(100000, 5000000)) / 100
        yaml_text, md, balance = ledger(account, year, month, balance, rng)
        name = f"a{account:04d}-{year}-{month:02d}"
        (content / "ledgers" / f"{name}.yaml").write_text(yaml_text, "utf-8")
        (hugo / "content" / "ledgers" / f"{name}.md").write_text(md, "utf-8")
    for n in range(records - ledgers):
        sanwu_text, md = notice(n, rng)
        (content / "notices" / f"n{n:05d}.md").write_text(sanwu_text, "utf-8")
        (hugo / "content" / "notices" / f"n{n:05d}.md").write_text(md, "utf-8")


if __name__ == "__main__":
    generate(Path(sys.argv[2]), int(sys.argv[1]))
