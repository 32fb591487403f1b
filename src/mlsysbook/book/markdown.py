"""The Markdown parser: markdown-it-py (CommonMark + tables) with mdit-py-plugins for
footnotes, dollar math and inline attributes, plus the few Pandoc/Quarto rules the
textbook's sources need: fenced divs, heading attributes, table captions, equation
labels, cross-references, ``\\index{}`` and raw LaTeX (kept out of HTML)."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

from mlsysbook.book.attrs import parse_attrs, split_trailing

# ::: {#id .class k="v"}   or   ::: name   (a bare ::: closes)
_DIV = re.compile(r"^(:{3,})\s*(?:\{(.*)\}|([A-Za-z][\w-]*))?\s*:*\s*$")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
# \begin{env} … \end{env}, or a line of LaTeX commands such as \noindent or \newpage
_TEX_BEGIN = re.compile(r"^\\begin\{([^}]+)\}")
_TEX_LINE = re.compile(r"^(?:\\[A-Za-z@]+\*?(?:\[[^\]]*\])?(?:\{[^{}]*\})*\s*)+$")
# Cross-reference kinds Quarto numbers; an @-name with another prefix is a citation.
XREF_KINDS = ("sec", "fig", "tbl", "eq", "lst", "thm", "lem", "def", "exm", "exr", "nb")
_XREF = re.compile(r"@(-?)([A-Za-z]+)-([A-Za-z0-9_](?:[A-Za-z0-9_:.-]*[A-Za-z0-9_])?)")
_CITE = re.compile(r"@([A-Za-z0-9_](?:[A-Za-z0-9_:.-]*[A-Za-z0-9_])?)")
_RAW_INLINE = re.compile(r"(?<!`)`([^`\n]+)`\{=(latex|tex|html|openxml|docx)\}")
_EQ_LABEL = re.compile(r"\$\$[ \t]*\{#(eq-[^\s}]+)[^}]*\}[ \t]*$", re.M)


def normalise_source(text: str) -> str:
    """Line-preserving rewrites done before parsing: Pandoc's ``$$ {#eq-x}`` equation
    label becomes dollarmath's ``$$ (eq-x)``; raw inline TeX (`` `\\newpage`{=latex} ``)
    is dropped and raw inline HTML kept (the sanitiser still sees it); CRLF normalised."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _RAW_INLINE.sub(lambda m: m.group(1) if m.group(2) == "html" else "", text)
    return _EQ_LABEL.sub(r"$$ (\1)", text)


def _line(state: StateBlock, n: int) -> str:
    return state.src[state.bMarks[n] + state.tShift[n] : state.eMarks[n]]


def fenced_div(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    m = _DIV.match(_line(state, start))
    if not m or (m.group(2) is None and m.group(3) is None):
        return False
    if silent:
        return True
    depth, line, fence = 1, start + 1, ""
    while line < end:
        if state.sCount[line] < state.blkIndent and _line(state, line):
            break
        text = _line(state, line)
        if fence:
            run = len(text) - len(text.lstrip(fence[0]))
            if run >= len(fence) and not text[run:].strip():
                fence = ""
        elif f := _FENCE.match(text):
            fence = f.group(1)
        elif d := _DIV.match(text):
            depth += 1 if (d.group(2) is not None or d.group(3) is not None) else -1
            if depth == 0:
                break
        line += 1
    closed = depth == 0
    attrs = parse_attrs(m.group(2)) if m.group(2) is not None else parse_attrs(m.group(3))
    old_parent, old_max = state.parentType, state.lineMax
    state.parentType = "div"
    state.lineMax = line
    tok = state.push("div_open", "div", 1)
    tok.map = [start, line]
    tok.meta = {"attrs": attrs, "closed": closed}
    state.md.block.tokenize(state, start + 1, line)
    state.push("div_close", "div", -1)
    state.parentType, state.lineMax = old_parent, old_max
    state.line = line + 1 if closed else line
    return True


def raw_tex(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """LaTeX-only blocks (``\\newpage``, ``\\begin{marginfigure}…``): kept as a token the
    HTML renderer skips, as Pandoc does for raw TeX in HTML output."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    text = _line(state, start)
    if not text.startswith("\\"):
        return False
    b = _TEX_BEGIN.match(text)
    if not b and not _TEX_LINE.match(text):
        return False
    if silent:
        return True
    line = start
    if b:
        close = f"\\end{{{b.group(1)}}}"
        while line < end and close not in _line(state, line):
            line += 1
    tok = state.push("raw_tex", "", 0)
    tok.map = [start, min(line, end - 1) + 1]
    tok.content = "\n".join(_line(state, n) for n in range(start, min(line, end - 1) + 1))
    state.line = min(line, end - 1) + 1
    return True


def _balanced(src: str, pos: int) -> int:
    """End of a ``{…}`` group starting at ``pos`` (nested braces), or -1."""
    depth = 0
    for i in range(pos, min(len(src), pos + 2000)):
        c = src[i]
        if c == "\\":
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def inline_tex(state: StateInline, silent: bool) -> bool:
    """``\\index{Term!sub}`` becomes an invisible index token; other inline LaTeX
    commands (``\\noindent``, ``\\textbf{…}`` outside math) are dropped from HTML."""
    src, pos = state.src, state.pos
    if src[pos] != "\\" or pos + 1 >= state.posMax or not src[pos + 1].isalpha():
        return False
    m = re.compile(r"\\([A-Za-z]+)\*?").match(src, pos)
    if not m:
        return False
    name, end = m.group(1), m.end()
    args: list[str] = []
    while end < state.posMax and src[end] in "{[":
        if src[end] == "[":
            close = src.find("]", end)
            if close < 0:
                break
            end = close + 1
            continue
        close = _balanced(src, end)
        if close < 0:
            break
        args.append(src[end + 1 : close - 1])
        end = close
    if not silent:
        tok = state.push("index_term" if name == "index" else "raw_tex_inline", "", 0)
        tok.content = args[0] if args else ""
        tok.info = name
        if name not in ("index",) and args and name in ("textbf", "textit", "emph", "text"):
            tok.type, tok.content = "text", args[0]
    state.pos = end
    return True


def crossref(state: StateInline, silent: bool) -> bool:
    """``@sec-x``, ``@Fig-x``, ``-@tbl-x``; citations ``@key`` / ``[@key]`` stay visible."""
    src, pos = state.src, state.pos
    bare = src.startswith("-@", pos)  # -@fig-x: the number alone
    at = pos + 1 if bare else pos
    if src[at] != "@" or (pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "._")):
        return False
    m = _XREF.match(src, at)
    if (m and m.group(2).lower() in XREF_KINDS) or (m and m.group(2).lower() in _custom(state)):
        if not silent:
            tok = state.push("xref", "", 0)
            kind = m.group(2)
            tok.meta = {"id": f"{kind.lower()}-{m.group(3)}", "bare": bare}
            tok.content = m.group(0)
        state.pos = m.end()
        return True
    c = _CITE.match(src, at)
    if bare or not c:
        return False
    if not silent:
        tok = state.push("citation", "", 0)
        tok.content = c.group(1)
    state.pos = c.end()
    return True


def _custom(state: StateInline) -> tuple[str, ...]:
    kinds: tuple[str, ...] = state.env.get("xref_kinds", ())
    return kinds


def core_heading_attrs(state: StateCore) -> None:
    """``## Title {#sec-x .unnumbered}``: move the braces onto the heading token."""
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and i + 1 < len(tokens):
            inline = tokens[i + 1]
            text, attrs = split_trailing(inline.content)
            if attrs is not None:
                inline.content = text.rstrip()
                tok.meta["attrs"] = attrs


def core_table_captions(state: StateCore) -> None:
    """A paragraph ``: Caption {#tbl-x}`` (or ``Table: …``) right after or before a
    table becomes that table's caption."""
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "table_open":
            close = next(j for j in range(i, len(tokens)) if tokens[j].type == "table_close")
            for para in (close + 1, i - 3):
                if _is_caption(tokens, para):
                    inline = tokens[para + 1]
                    text = re.sub(r"^(?:Table)?:\s*", "", inline.content, count=1)
                    text, attrs = split_trailing(text)
                    tok.meta["caption"] = text.strip()
                    tok.meta["attrs"] = attrs or parse_attrs("")
                    tok.meta["caption_line"] = (tokens[para].map or [0])[0]
                    inline.content = text.strip()
                    inline.children = []
                    tokens[para].type, tokens[para + 2].type = "tblcap_open", "tblcap_close"
                    if para < i:  # caption written above: move it below the table
                        moved = tokens[para : para + 3]
                        del tokens[para : para + 3]
                        close -= 3
                        i -= 3
                        tokens[close + 1 : close + 1] = moved
                    break
            i = close + 1
        else:
            i += 1


def _is_caption(tokens: list[Token], j: int) -> bool:
    return (
        j >= 0
        and j + 2 < len(tokens)
        and tokens[j].type == "paragraph_open"
        and tokens[j + 1].type == "inline"
        and bool(re.match(r"^(?:Table)?:\s", tokens[j + 1].content))
    )


def make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": False}).enable(
        ["table", "strikethrough"]
    )
    md.use(footnote_plugin)
    # a note cited twice shows its number both times, not "[3:1]"
    md.add_render_rule(
        "footnote_caption",
        lambda self, tokens, idx, options, env: f"[{tokens[idx].meta['id'] + 1}]",
    )
    md.use(
        dollarmath_plugin,
        allow_labels=True,
        allow_space=True,
        allow_digits=False,
        double_inline=True,
    )
    md.use(attrs_plugin, after=("image", "code_inline", "link_close"))
    # Pandoc lets $$…$$ start on the line after text; markdown-it needs it allowed to
    # interrupt a paragraph.
    math = next(r for r in md.block.ruler.__rules__ if r.name == "math_block").fn

    def math_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if not silent:
            return bool(math(state, start, end, False))
        # the plugin ignores `silent`: try it, then undo what it pushed
        n, line = len(state.tokens), state.line
        ok = bool(math(state, start, end, False))
        del state.tokens[n:]
        state.line = line
        return ok

    md.block.ruler.at("math_block", math_block, {"alt": ["paragraph", "reference", "list"]})
    md.block.ruler.before("fence", "fenced_div", fenced_div, {"alt": ["paragraph"]})
    md.block.ruler.before("paragraph", "raw_tex", raw_tex, {"alt": ["paragraph"]})
    md.inline.ruler.before("escape", "inline_tex", inline_tex)
    md.inline.ruler.before("link", "crossref", crossref)  # at "@" and at "-@"
    md.core.ruler.after("block", "heading_attrs", core_heading_attrs)
    md.core.ruler.after("heading_attrs", "table_captions", core_table_captions)
    return md
