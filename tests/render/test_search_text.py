"""The search text of a page is what the page shows: the fast scan agrees with Python's HTML parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from site_builder.render.search import BLOCKS, BODY_MARK, IGNORE_MARK, SKIP, VOID, page_text


class Reference(HTMLParser):
    """The same reading done by html.parser: the marked element's text, a space at block edges."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body, self.nesting, self.skipping = "", 0, 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if not self.nesting:
            if BODY_MARK in names:
                self.body, self.nesting = tag, 1
            return
        if tag in BLOCKS:
            self.parts.append(" ")
        if tag in VOID:
            return
        if tag == self.body:
            self.nesting += 1
        if tag in SKIP or self.skipping or IGNORE_MARK in names:
            self.skipping += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.nesting and tag in BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if not self.nesting:
            return
        if tag in BLOCKS:
            self.parts.append(" ")
        if tag == self.body:
            self.nesting -= 1
        if self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if self.nesting and not self.skipping:
            self.parts.append(data)


def reference(html: str) -> str:
    parser = Reference()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


TRICKY = [
    '<main><article data-search-body class="x"><h1>标题 &amp; 说明</h1><p>第一段<br>第二段</p></article></main>',
    "<div data-search-body><p title=\"a > b\" data-x='c > d'>属性里有 &gt; 号</p><!-- <p>注释</p> --></div>",
    "<article data-search-body><table><tr><td>张三</td><td data-pagefind-ignore>1,260.00<br>元</td>"
    "<td>李四</td></tr></table><div><div>嵌套</div>之后</div></article><p>正文以外</p>",
    '<article data-search-body><script>var s = "</p><p>不是文字";</script><p>脚本之后</p><hr/><img src="a.png"></article>',
    '<article data-x="data-search-body"><p>只是属性值</p></article><section data-search-body><p>真正的正文</p></section>',
    "<article data-search-body><p>全角，标点。ＡＢＣ　空格&nbsp;不换行</p><template><p>模板</p></template></article>",
]


def test_tricky_markup_reads_as_the_parser_reads_it() -> None:
    for html in TRICKY:
        assert page_text(html) == reference(html), html
    assert page_text(TRICKY[2]) == "张三 李四 嵌套 之后"
    assert page_text(TRICKY[3]) == "脚本之后"
    assert page_text(TRICKY[4]) == "真正的正文"


def test_every_record_page_of_the_example_reads_as_the_parser_reads_it(example_site: Path) -> None:
    pages = sorted((example_site / "output").glob("*/r/**/*.html"))
    assert len(pages) > 100
    for page in pages:
        html = page.read_text(encoding="utf-8")
        text = page_text(html)
        assert text and text == reference(html), page
