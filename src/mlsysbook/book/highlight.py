"""Code listings highlighted by Pygments into ``<pre class="highlight">`` with CSS
classes (the stylesheet comes from ``css()``)."""

from __future__ import annotations

import html
from functools import cache

from pygments import highlight as _highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

_FORMAT = HtmlFormatter(cssclass="highlight", wrapcode=True)


@cache
def _lexer(lang: str) -> Lexer | None:
    try:
        return get_lexer_by_name(lang, stripnl=False) if lang else None
    except ClassNotFound:
        return None


def highlight(code: str, lang: str) -> str:
    lexer = _lexer(lang.lower())
    if lexer is None:
        return f'<div class="highlight"><pre><code>{html.escape(code)}</code></pre></div>\n'
    return str(_highlight(code, lexer, _FORMAT))


def css() -> str:
    return str(_FORMAT.get_style_defs(".highlight"))  # type: ignore[no-untyped-call]
