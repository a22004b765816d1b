"""Chinese full-text search: an index of the record pages of one audience's build, by character bigrams.

Chinese has no spaces between words, and a dictionary segmenter splits a query differently from the
text around it (党费 in 党费收缴 vs 缴纳党费). Like Lucene's CJK analyzer, every run of text is indexed
as its overlapping character pairs, and a query as the same pairs; a page matches when it holds every
pair, and the browser then confirms the whole phrase in the page's text. So a query finds exactly the
pages whose text contains it — one, two or twenty characters, Chinese, digits or Latin alike.

The index is built from the rendered pages (the element marked data-search-body), so each audience's
index holds only what that audience's pages show. It is plain JSON read by static/search.js: no
WebAssembly, no eval, nothing from another origin (a strict Content-Security-Policy allows it).
"""

from __future__ import annotations

import json
import re
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Container
from html import unescape
from pathlib import Path

from ..project import View
from .html import SiteContext

INDEX = "search/index.json"
TEXTS = "search/text"
BODY_MARK = "data-search-body"
# Elements whose edges separate words (a table cell, a list item), so no pair spans two of them.
BLOCKS = frozenset(
    "address article aside blockquote br caption dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody td tfoot th thead tr ul text title desc".split()
)
SKIP = frozenset({"script", "style", "template"})
IGNORE_MARK = "data-pagefind-ignore"  # cells not worth finding (amounts, dates, vouchers)
SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """The form both the index and the query use: NFKC (全角 → 半角), lower case, single spaces."""
    return SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def grams(text: str) -> set[str]:
    """Every character and every pair of neighbouring characters of a normalized text, spaces excluded."""
    out: set[str] = set()
    for word in text.split(" "):
        out.update(word)
        out.update(word[i : i + 2] for i in range(len(word) - 1))
    return out


RAW = {tag: re.compile(f"</{tag}", re.I) for tag in ("script", "style")}
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
# A comment, a tag (attribute values may hold ">"), text, or a stray "<".
TOKEN = re.compile(r"""<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|([^<]+)|<""", re.S)


def has_attribute(attrs: str, name: str) -> bool:
    """Whether a tag's attribute text names `name` (quoted values are not attribute names)."""
    if name not in attrs:
        return False
    bare = re.sub(r"""=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", " ", attrs)
    return name in bare.split()


def page_text(html: str) -> str:
    """The text of the element marked data-search-body as residents read it: a space at every block edge,
    cells marked data-pagefind-ignore and scripts left out, spaces collapsed, punctuation as written.

    The index holds the pairs of its normalized form; the text itself is kept as written so that a
    result's excerpt shows 全角 punctuation and case as on the page. The pages are sanwu's own output, so a
    regular-expression scan reads them as a browser does, ten times faster than html.parser."""
    parts: list[str] = []
    body, nesting, skipping, raw_end = "", 0, 0, 0
    start = html.find(BODY_MARK)
    for token in TOKEN.finditer(html, html.rfind("<", 0, start) if start > 0 else 0):
        if token.start() < raw_end:
            continue
        closing, tag, attrs, text = token.groups()
        if text is not None or tag is None:  # text, a stray "<", or a comment
            if text is not None and nesting and not skipping:
                parts.append(unescape(text) if "&" in text else text)
            elif tag is None and token.group() == "<" and nesting and not skipping:
                parts.append("<")
            continue
        tag = tag.lower()
        if tag in RAW and not closing:  # a script's or style's text is not markup: skip to its end tag
            end = RAW[tag].search(html, token.end())
            raw_end = end.start() if end else len(html)
        if not nesting:
            if not closing and has_attribute(attrs, BODY_MARK):
                body, nesting = tag, 1
            continue
        if tag in BLOCKS:
            parts.append(" ")
        if tag in VOID or attrs.rstrip().endswith("/"):
            continue
        if closing:
            if tag == body:
                nesting -= 1
                if not nesting:
                    break  # the rest of the page is not the record
            if skipping:
                skipping -= 1
        else:
            if tag == body:
                nesting += 1
            if tag in SKIP or skipping or has_attribute(attrs, IGNORE_MARK):
                skipping += 1
    return SPACES.sub(" ", "".join(parts)).strip()


Searchable = tuple[str, str]  # a page's text, and its grams one a line (one string loads and moves fast)


def searchable(html: bytes) -> Searchable:
    """What the index keeps of a record page: its text and that text's grams (in the render workers)."""
    text = page_text(html.decode("utf-8"))
    return text, "\n".join(sorted(grams(normalize(text))))  # normalized text holds no line break


def _entry(ctx: SiteContext, view: View) -> dict[str, str]:
    """What a result shows: title, area and type, date, and the page to link to."""
    date = view.published_on
    return {
        "url": ctx.page_of(view),
        "title": view.title,
        "area": f"{view.area_label} · {view.rtype.label}",
        "date": f"{date.year}年{date.month}月{date.day}日" if date else "",
    }


def text_paths(ctx: SiteContext, pages: Container[str]) -> dict[str, str]:
    """Where each searched page's text goes (search/text/N.txt), by the page's path: N is the page's number
    in the index, counted over the views in order whose page is among `pages` (the record pages built)."""
    found = (page for view in ctx.views if (page := ctx.page_of(view)) in pages)
    return {page: f"{TEXTS}/{number}.txt" for number, page in enumerate(found)}


def write_search_index(root: Path, ctx: SiteContext, grams: dict[str, str]) -> None:
    """Write search/index.json: the pages and their bigram postings (each page's text, search/text/N.txt, was
    written with the page, at its text_paths() place).

    `grams` holds what searchable() kept of each record page, by its path; it is emptied once read. The
    index is written in pieces and its postings kept as arrays: a 10,000-page build never holds it whole."""
    found = [view for view in ctx.views if ctx.page_of(view) in grams]
    postings: defaultdict[str, array[int]] = defaultdict(lambda: array("I"))
    for number, view in enumerate(found):
        page_grams = grams.pop(ctx.page_of(view))
        for gram in page_grams.split("\n") if page_grams else ():
            postings[gram].append(number)
    (root / INDEX).parent.mkdir(parents=True, exist_ok=True)
    # the bytes of json.dumps(index, ensure_ascii=False, separators=(",", ":")), written in pieces
    with open(root / INDEX, "w", encoding="utf-8", newline="") as stream:
        stream.write('{"version":1,"pages":')
        stream.write(_json([_entry(ctx, view) for view in found]))
        stream.write(',"grams":{')
        stream.writelines(
            f"{',' if i else ''}{_json(gram)}:[{','.join(map(str, numbers))}]"
            for i, (gram, numbers) in enumerate(sorted(postings.items()))
        )
        stream.write("}}")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
