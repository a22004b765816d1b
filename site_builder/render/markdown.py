"""Markdown bodies -> sanitized HTML: raw HTML is shown as text, links are checked, nothing runs."""

from __future__ import annotations

import re

import markdown
import nh3
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension

TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
    "del",
    "sup",
    "sub",
}
SCROLL_OPEN = '<div class="table-scroll" tabindex="0" role="region" aria-label="表格（可左右滑动）">'
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}


def _converter() -> markdown.Markdown:
    # Extensions as objects: named ones are looked up among every installed package's entry points (50 ms a start).
    md = markdown.Markdown(extensions=[TableExtension(), SaneListExtension()], output_format="html")
    # Raw HTML in a body is a typing accident or an attack: escape it instead of passing it through.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


_CONVERTER = _converter()


def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to embed (no script, handler, javascript:/data:/file: URL)."""
    html = _CONVERTER.reset().convert(text)
    # h1 is the page title; body headings start at h2.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_no_outside_images,
    )
    # A table in a body may be wider than a phone: it scrolls inside its own box, never the page.
    return clean.replace("<table>", SCROLL_OPEN + "<table>").replace("</table>", "</table></div>")


OUTSIDE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", re.I)


def _no_outside_images(tag: str, attr: str, value: str) -> str | None:
    """An image is loaded by every visitor's browser: only our own files (check refuses the rest, with the URL)."""
    if tag == "img" and attr == "src" and OUTSIDE.match(value):
        return None
    return value
