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
_ANCHOR = re.compile(r'<a class="anchor"[^>]*>#</a>')


_MATH = re.compile(r'<(span|div) class="math[^"]*">.*?</\1>', re.S)


def prose_of(fragment: str) -> str:
    """Text of a fragment without its TeX source (for search snippets)."""
    return text_of(_MATH.sub(" ", fragment))


def text_of(fragment: str) -> str:
    """Visible text of a fragment (for plain-text fields)."""
    fragment = _ANCHOR.sub("", fragment)
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", fragment))).strip()


# Never inside these elements, nor inside anything whose class marks math or code.
_SKIP = set(
    [
        "a",
        "code",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "dfn",
        "span",
        "figcaption",
        "cite",
        "script",
        "style",
        "summary",
    ]
)
_SKIP_CLASS = re.compile(r'class="[^"]*\b(?:math|equation|highlight|cell)\b')
_VOID = {"br", "hr", "img", "input", "col", "wbr", "source", "meta", "link", "area"}
_PART = re.compile(r"(<[^>]+>)")
_NAME = re.compile(r"^</?([a-zA-Z0-9]+)")


def mark_terms(fragment: str, terms: dict[str, tuple[str, str]], done: set[str]) -> str:
    """Wrap the first use of each glossary term in ``<dfn data-def=…>`` (a CSS tooltip).

    ``terms`` maps each lower-case spelling (term or alias) to (canonical term,
    definition); ``done`` holds canonical terms already marked in this chapter. Only
    prose is touched: never links, code, headings, math or captions."""
    if not terms or len(done) >= len({c for c, _ in terms.values()}):
        return fragment
    words = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    # not inside an entity such as &amp; (terms are matched in escaped text)
    pattern = re.compile(rf"(?<![&\w])({words})(?![\w;])", re.IGNORECASE)

    def wrap(m: re.Match[str]) -> str:
        canonical, definition = terms[m.group(1).lower()]
        if canonical in done:
            return m.group(0)
        done.add(canonical)
        return (
            f'<dfn class="gloss" tabindex="0" data-def="{html.escape(definition)}">'
            f"{m.group(0)}</dfn>"
        )

    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # open elements, and whether each forbids marking
    for part in _PART.split(fragment):
        if part.startswith("<"):
            name = _NAME.match(part)
            tag = name.group(1).lower() if name else ""
            if part.startswith("</"):
                while stack and stack.pop()[0] != tag:
                    pass
            elif tag and tag not in _VOID and not part.endswith("/>"):
                stack.append((tag, tag in _SKIP or bool(_SKIP_CLASS.search(part))))
            out.append(part)
        elif part.strip() and not any(skip for _, skip in stack):
            out.append(pattern.sub(wrap, part))
        else:
            out.append(part)
    return "".join(out)
