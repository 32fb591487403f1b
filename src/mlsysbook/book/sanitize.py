"""Every rendered fragment passes through nh3 (ammonia) with an allow-list: a book's
raw HTML, attribute blocks or Python output can never inject script, event handlers,
styles or javascript: URLs."""

from __future__ import annotations

import html
import re

import nh3

TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
}  # fmt: skip
ATTRS = {
    "*": {"id", "class", "title", "role", "aria-label", "aria-hidden", "lang", "tabindex"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "dfn": {"data-def"},
}


def clean(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=TAGS,
        attributes=ATTRS,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_TAG = re.compile(r"<[^>]+>")


def text_of(fragment: str) -> str:
    """Visible text of a fragment (for search and plain-text fields)."""
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", fragment))).strip()
