"""Search in a real browser: each of 34 words and phrases from the example community finds exactly the pages holding it."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page

# Two-character words, names of things, phrases, numbers: every one must find exactly its pages.
QUERIES = (
    "党费 低保 换届选举 停水 垃圾分类 老旧小区改造 走访慰问 主题党日 党员大会 民主理财 党建经费 重阳节 发展对象 "
    "预备党员 转正 入党积极分子 巡逻 志愿服务队 五老 网格 公示期 监督电话 两新组织 党课 集中学习 户主 保障人数 "
    "期末余额 学习资料 消防 灭火器 意见征集 供水 管网维修 停发 2026年11月 民主生活会 流动党员"
).split()
DONE = re.compile("找到|没有找到|出错|无法")  # the status line once a search has finished


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


def page_texts(page: Page, served: str, output: Path) -> dict[str, str]:
    """Each public record page's text as the browser shows it (innerText of the record), normalized."""
    texts = {}
    for path in sorted((output / "public/r").rglob("*.html")):
        rel = path.relative_to(output / "public").as_posix()
        page.goto(served + "public/" + rel)
        texts[rel] = normalize(page.eval_on_selector("[data-search-body]", "e => e.innerText"))
    return texts


def wait_until_done(page: Page) -> None:
    # a locator, not wait_for_function: the page's CSP forbids the eval that would need
    page.locator("#search-status").filter(has_text=DONE).wait_for()


def results(page: Page, served: str, query: str) -> list[str]:
    page.goto(f"{served}public/search.html?q={quote(query)}")
    wait_until_done(page)
    hrefs = page.eval_on_selector_all("#search-results a", "links => links.map(a => a.href)")
    return [href.removeprefix(served + "public/") for href in hrefs]


def test_every_query_finds_exactly_the_pages_that_contain_it(example_site: Path, served: str, phone: Page) -> None:
    assert len(QUERIES) >= 30
    texts = page_texts(phone, served, example_site / "output")
    wrong = []
    found = 0
    for query in QUERIES:
        expected = sorted(path for path, text in texts.items() if normalize(query) in text)
        got = sorted(results(phone, served, query))
        found += len(got)
        if got != expected:
            wrong.append(f"{query}: found {got}, expected {expected}")
    assert wrong == [], "\n".join(wrong)
    assert found > 60  # the list is not a list of misses
    assert phone.problems == []  # type: ignore[attr-defined]


def test_results_show_title_area_and_date_and_link_to_the_page(served: str, phone: Page) -> None:
    results(phone, served, "低保")
    items = phone.query_selector_all("#search-results li")
    assert len(items) == 3
    for item in items:
        meta = item.query_selector(".meta").inner_text()  # type: ignore[union-attr]
        assert re.fullmatch(r"(党务|居务|财务|队伍|台帐) · \S+ · \d{4}年\d{1,2}月\d{1,2}日", meta), meta
        assert item.query_selector("mark").inner_text() == "低保"  # type: ignore[union-attr]
    title = phone.inner_text("#search-results li a")
    phone.click("#search-results li a")
    assert "/r/" in phone.url and phone.inner_text("h1") == title


def test_typing_a_query_searches_and_updates_the_address(served: str, phone: Page) -> None:
    phone.goto(served + "public/search.html")
    phone.fill("#q", "换届选举")
    phone.press("#q", "Enter")
    wait_until_done(phone)
    assert "q=" in phone.url and len(phone.query_selector_all("#search-results li")) == 2


def test_search_opened_from_disk_says_why_it_cannot_run(example_site: Path, phone: Page) -> None:
    phone.goto((example_site / "output/public/search.html").as_uri())
    status = phone.inner_text("#search-status")
    assert "本机文件" in status and "正在" not in status


def test_excerpts_quote_the_page_as_written(served: str, phone: Page) -> None:
    """The index matches 全角 and 半角 alike, but an excerpt shows the page's own punctuation and case."""
    results(phone, served, "民主理财")
    excerpts = [e.inner_text() for e in phone.query_selector_all("#search-results .result-excerpt")]
    links = phone.eval_on_selector_all("#search-results a", "links => links.map(a => a.href)")
    assert excerpts and len(excerpts) == len(links)
    assert any("，" in e or "。" in e for e in excerpts)
    for excerpt, link in zip(excerpts, links):
        phone.goto(link)
        written = re.sub(r"\s+", " ", phone.eval_on_selector("[data-search-body]", "e => e.innerText"))
        for part in excerpt.split("…"):
            assert part.strip() in written, part
