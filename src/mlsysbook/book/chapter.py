"""One chapter file: front matter, Markdown tokens, numbering, and rendering to
sanitised HTML split into sections."""

from __future__ import annotations

import html
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from mlsysbook.book import cells, sanitize
from mlsysbook.book.attrs import Attrs
from mlsysbook.book.callouts import callout_kind, callout_label
from mlsysbook.book.highlight import highlight
from mlsysbook.book.markdown import normalise_source
from mlsysbook.book.model import Chapter, Diagnostic, Ref, Section
from mlsysbook.book.quiz import Question, QuizError, load_quiz
from mlsysbook.book.sidefiles import SideFileError, load_concepts, load_glossary

KIND_NAMES = {
    "sec": "Section",
    "fig": "Figure",
    "tbl": "Table",
    "eq": "Equation",
    "lst": "Listing",
}
LIVING_TITLE = "Computed when this page was built"
_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


@dataclass
class Parsed:
    """A chapter between parsing and rendering."""

    path: Path
    slug: str
    front: dict[str, Any]
    tokens: list[Token]
    env: dict[str, Any]
    offset: int  # lines of front matter before the Markdown body
    diagnostics: list[Diagnostic] = field(default_factory=list)
    id: str = ""
    title: str = ""
    number: str | None = None

    def line(self, tok: Token | None) -> int:
        return (tok.map[0] if tok is not None and tok.map else 0) + 1 + self.offset

    def warn(self, tok: Token | None, message: str, level: str = "warning") -> None:
        self.diagnostics.append(Diagnostic(level, self.path, self.line(tok), message))  # type: ignore[arg-type]


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(yaml text, body, number of lines the front matter took)."""
    m = _FRONT.match(text)
    if not m:
        return "", text, 0
    return m.group(1) or "", text[m.end() :], m.group(0).count("\n")


def parse(path: Path, slug: str, md: MarkdownIt, xref_kinds: tuple[str, ...]) -> Parsed:
    diags: list[Diagnostic] = []
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not content
    except (OSError, UnicodeDecodeError) as e:
        diags.append(Diagnostic("error", path, 0, f"cannot read the chapter ({e})"))
        text = ""
    fm_text, body, offset = split_front_matter(text)
    front: dict[str, Any] = {}
    if fm_text:
        try:
            loaded = yaml.safe_load(fm_text)
            if isinstance(loaded, dict):
                front = loaded
            elif loaded is not None:
                diags.append(Diagnostic("error", path, 1, "front matter is not a mapping"))
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            line = mark.line + 2 if mark else 1
            problem = getattr(e, "problem", None) or "syntax error"
            diags.append(
                Diagnostic("error", path, line, f"front matter: not valid YAML ({problem})")
            )
    env: dict[str, Any] = {"docId": slug, "xref_kinds": xref_kinds}
    tokens = md.parse(normalise_source(body), env)
    return Parsed(path, slug, front, tokens, env, offset, diags)


# ---------------------------------------------------------------- numbering


def _slugify(text: str) -> str:
    s = re.sub(r"[^\w\s-]", "", text.lower()).strip()
    return re.sub(r"[\s_]+", "-", s) or "section"


def _inline_text(tok: Token) -> str:
    return (
        "".join(
            c.content
            for c in (tok.children or [])
            if c.type in ("text", "code_inline", "math_inline")
        )
        or tok.content
    )


def number(p: Parsed, chapter_number: str | None, refs: dict[str, Ref]) -> None:
    """Give headings, figures, tables, equations and listings their numbers and record
    every id in ``refs``. Duplicate ids are errors."""
    prefix = f"{chapter_number}." if chapter_number is not None else ""
    counters = {"fig": 0, "tbl": 0, "eq": 0, "lst": 0}
    heads = [0, 0, 0, 0, 0, 0, 0]
    seen: set[str] = set()

    def add(id_: str, kind: str, num: str, title: str, tok: Token) -> None:
        if id_ in refs or id_ in seen:
            p.warn(tok, f"duplicate id #{id_}", "error")
            return
        seen.add(id_)
        refs[id_] = Ref(id_, kind, num, title, p.slug)

    def float_number(kind: str) -> str:
        counters[kind] += 1
        return f"{prefix}{counters[kind]}"

    tokens = p.tokens
    floats: list[str | None] = []  # per open div: its figure number, if it is a figure
    letters: dict[str, int] = {}  # sub-figures seen in each figure
    for i, tok in enumerate(tokens):
        if tok.type == "div_close":
            if floats:
                floats.pop()
            continue
        parent = next((f for f in reversed(floats) if f), None)
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            attrs: Attrs = tok.meta.get("attrs") or Attrs()
            title = _inline_text(tokens[i + 1])
            unnumbered = attrs.has("unnumbered") or attrs.has("-")
            num = ""
            if level == 1:
                if not p.title:
                    p.title, p.id = title, attrs.id or f"sec-{p.slug}"
                    p.number = None if unnumbered else chapter_number
                num = str(p.number) if p.number is not None and not unnumbered else ""
            elif chapter_number is not None and not unnumbered and level <= 4:
                heads[level] += 1
                for deeper in range(level + 1, len(heads)):
                    heads[deeper] = 0
                num = ".".join([str(chapter_number), *(str(heads[k]) for k in range(2, level + 1))])
            id_ = attrs.id or f"{p.slug}-{_slugify(title)}"
            while not attrs.id and id_ in seen:
                id_ += "-x"
            tok.meta.update(id=id_, number=num, title=title)
            add(id_, "sec", num, title, tok)
        elif tok.type == "div_open":
            attrs = tok.meta["attrs"]
            kind = attrs.id.split("-", 1)[0] if "-" in attrs.id else ""
            figure = None
            if kind in counters or attrs.kv.get("fig-cap") or attrs.kv.get("tbl-cap"):
                kind = kind if kind in counters else ("fig" if "fig-cap" in attrs.kv else "tbl")
                num = float_number(kind)
                tok.meta.update(kind=kind, number=num)
                figure = num if kind == "fig" else None
                if attrs.id:
                    add(attrs.id, kind, num, attrs.kv.get(f"{kind}-cap", ""), tok)
            elif attrs.id:
                add(attrs.id, kind or "div", "", attrs.kv.get("title", ""), tok)
            floats.append(figure)
        elif tok.type == "table_open" and tok.meta.get("caption") is not None:
            num = float_number("tbl")
            tok.meta["number"] = num
            if tok.meta["attrs"].id:
                add(tok.meta["attrs"].id, "tbl", num, tok.meta["caption"], tok)
        elif tok.type == "math_block_label":
            num = float_number("eq")
            tok.meta["number"] = num
            add(tok.info, "eq", num, "", tok)
        elif tok.type == "paragraph_open" and _lone_image(tokens, i):
            img = tokens[i + 1].children[0]  # type: ignore[index]
            fig_id = str(img.attrs.get("id", ""))
            if fig_id.startswith("fig-") or img.children:
                tok.type, tokens[i + 2].type = "figure_open", "figure_close"
                tok.meta["image"] = img
                if fig_id.startswith("fig-"):
                    if parent:  # a sub-figure: (a), (b)… of the figure around it
                        letters[parent] = letters.get(parent, 0) + 1
                        letter = f"({string.ascii_lowercase[(letters[parent] - 1) % 26]})"
                        tok.meta.update(number=parent + letter, letter=letter)
                    else:
                        tok.meta["number"] = float_number("fig")
                    add(fig_id, "fig", tok.meta["number"], img.content, tok)
        elif tok.type == "fence" and tok.info.strip().startswith("{"):
            opts = cell_options(tok.content)
            label = str(opts.get("label", ""))
            kind = label.split("-", 1)[0]
            if kind in ("fig", "tbl") and label not in seen:
                num = float_number(kind)
                tok.meta.update(label=label, number=num)
                add(label, kind, num, str(opts.get(f"{kind}-cap", "")), tok)


def _lone_image(tokens: list[Token], i: int) -> bool:
    if i + 2 >= len(tokens) or tokens[i + 1].type != "inline":
        return False
    kids = [
        c for c in tokens[i + 1].children or [] if not (c.type == "text" and not c.content.strip())
    ]
    return len(kids) == 1 and kids[0].type == "image"


def cell_options(code: str) -> dict[str, Any]:
    """``#| key: value`` lines at the top of a cell (YAML)."""
    lines = []
    for line in code.splitlines():
        if line.startswith("#|"):
            lines.append(line[2:].strip())
        elif line.strip():
            break
    try:
        opts = yaml.safe_load("\n".join(lines)) if lines else {}
    except yaml.YAMLError:
        return {}
    return opts if isinstance(opts, dict) else {}


# ---------------------------------------------------------------- rendering


@dataclass
class RenderOptions:
    execute: bool  # run Python cells (our own book, or --execute)
    in_process: bool  # our own book runs in this process; others in a subprocess
    echo: bool = False  # the book's default for showing cell code
    output_format: str = "html"  # for .content-visible when-format=…
    labels: dict[str, str] = field(default_factory=dict)  # callout class -> label
    cell_dir: Path | None = None  # execute-dir: project (None: each chapter's folder)
    cell_env: dict[str, str] = field(default_factory=dict)  # execute: env:


def _visible(attrs: Attrs, fmt: str) -> bool:
    if attrs.has("content-visible"):
        when, unless = attrs.kv.get("when-format"), attrs.kv.get("unless-format")
        return (when is None or when == fmt) and (unless is None or unless != fmt)
    if attrs.has("content-hidden"):
        when, unless = attrs.kv.get("when-format"), attrs.kv.get("unless-format")
        hidden = (when is None or when == fmt) and (unless is None or unless != fmt)
        return not hidden
    return True


def drop_hidden(tokens: list[Token], fmt: str) -> list[Token]:
    """Leave out ``.content-visible``/``.content-hidden`` blocks not meant for ``fmt``."""
    out: list[Token] = []
    skip = 0
    for tok in tokens:
        if skip:
            skip += tok.nesting if tok.type.startswith("div_") else 0
            continue
        if tok.type == "div_open" and not _visible(tok.meta["attrs"], fmt):
            skip = 1
            continue
        out.append(tok)
    return out


def _python_cells(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    fences = [
        t for t in tokens if t.type == "fence" and _lang(t.info) == "python" and _is_cell(t.info)
    ]
    inline = [
        c
        for t in tokens
        if t.type == "inline"
        for c in t.children or []
        if c.type == "code_inline" and c.content.startswith("{python}")
    ]
    return fences, inline


def _lang(info: str) -> str:
    info = info.strip()
    m = re.match(r"^\{?\s*\.?([\w+-]+)", info)
    return m.group(1).lower() if m else ""


def _is_cell(info: str) -> bool:
    return info.strip().startswith("{") and not info.strip().startswith("{.")


def render(p: Parsed, refs: dict[str, Ref], opts: RenderOptions, part: str) -> Chapter:
    tokens = p.tokens
    fences, inline = _python_cells(tokens)
    outcome: cells.Outcome | None = None
    if opts.execute and (fences or inline):
        codes = [f.content for f in fences]
        exprs = [c.content[len("{python}") :].strip() for c in inline]
        outcome = (
            cells.run(codes, exprs, p.slug)
            if opts.in_process
            else cells.run_isolated(
                codes, exprs, opts.cell_dir or p.path.parent, p.slug, opts.cell_env
            )
        )
        for f, err in zip(fences, outcome.cell_error, strict=True):
            if err:
                p.warn(f, f"python cell fails: {err}", "error")
        for c in inline:
            expr = c.content[len("{python}") :].strip()
            if expr in outcome.value_errors:
                why = outcome.value_errors[expr]
                p.warn(_line_token(p, c), f"inline `{expr}` fails: {why}", "error")
    state = _State(p, refs, opts, outcome)

    # split at top-level ## headings; footnotes go last
    groups: list[tuple[Token | None, list[Token]]] = [(None, [])]
    foot: list[Token] = []
    in_foot = False
    for tok in tokens:
        if tok.type == "footnote_block_open":
            in_foot = True
        if in_foot:
            foot.append(tok)
            continue
        if tok.type == "heading_open" and tok.tag == "h2" and tok.level == 0:
            groups.append((tok, []))
        groups[-1][1].append(tok)

    sections: list[Section] = []
    intro_html = ""
    objectives: list[str] = []
    purpose = ""
    for head, toks in groups:
        state.section = str(head.meta["id"]) if head is not None else p.id
        body = sanitize.clean(state.render(toks))
        text = sanitize.prose_of(body)
        if head is None:
            intro_html = body
            continue
        subs = [
            (str(t.meta["id"]), str(t.meta["number"]), str(t.meta["title"]))
            for t in toks
            if t.type == "heading_open" and t.tag == "h3"
        ]
        sections.append(
            Section(
                id=str(head.meta["id"]),
                title=str(head.meta["title"]),
                number=str(head.meta["number"]),
                html=body,
                text=text,
                subsections=subs,
            )
        )
        if str(head.meta["title"]).lower() == "purpose" and not purpose:
            purpose = _purpose(toks)
    objectives = state.objectives
    footnotes_html = sanitize.clean(state.render(foot)) if foot else ""
    notes: dict[str, str] = {}  # each note on its own (the PDF sets them at the page foot)
    for k, tok in enumerate(foot):
        if tok.type == "footnote_open":
            end = next(j for j in range(k, len(foot)) if foot[j].type == "footnote_close")
            inner = [t for t in foot[k + 1 : end] if t.type != "footnote_anchor"]
            notes[f"fn-{p.slug}-{tok.meta['id'] + 1}"] = sanitize.clean(state.render(inner))

    glossary = _side(p, "glossary", load_glossary, [])
    spellings = {
        spelling.lower(): (t.term.lower(), t.definition)
        for t in glossary
        for spelling in (t.term, *t.aliases)
        if len(spelling) > 2
    }
    marked: set[str] = set()
    for s in sections:
        s.html = sanitize.mark_terms(s.html, spellings, marked)
    concepts = _side(p, "concepts", load_concepts, {})
    quiz: dict[str, list[Question]] = _side(p, "quiz", load_quiz, {})
    by_id = {s.id: s for s in sections}
    for sid, questions in quiz.items():
        if sid in by_id:
            by_id[sid].questions = questions
        elif questions:
            p.warn(None, f"{p.front.get('quiz')}: section #{sid} is not a heading of this chapter")
    links = p.front.get("mlsysbook") if isinstance(p.front.get("mlsysbook"), dict) else {}
    return Chapter(
        slug=p.slug,
        path=p.path,
        id=p.id or f"sec-{p.slug}",
        title=p.title or p.slug.replace("_", " ").title(),
        number=p.number,
        part=part,
        objectives=objectives,
        purpose=purpose,
        intro_html=intro_html,
        sections=sections,
        footnotes_html=footnotes_html,
        footnotes=notes,
        glossary=glossary,
        concepts=concepts,
        index_terms=state.index_terms,
        links={str(k): str(v) for k, v in (links or {}).items()},
        words=sum(len(s.text.split()) for s in sections),
    )


def _purpose(toks: list[Token]) -> str:
    for i, t in enumerate(toks):
        if t.type == "paragraph_open" and i + 1 < len(toks):
            text = _inline_text(toks[i + 1]).strip()
            if text:
                return text.strip("_*")
    return ""


def _side(p: Parsed, key: str, loader: Any, empty: Any) -> Any:
    name = p.front.get(key)
    if not name:
        return empty
    path = p.path.parent / str(name)
    if not path.is_file():
        p.warn(None, f"{key}: file {name} not found next to the chapter")
        return empty
    try:
        return loader(path)
    except (QuizError, SideFileError) as e:
        p.diagnostics.append(Diagnostic("error", path, 0, str(e)))
        return empty


class _State:
    """Renders token groups of one chapter to HTML (before sanitising)."""

    def __init__(
        self,
        p: Parsed,
        refs: dict[str, Ref],
        opts: RenderOptions,
        outcome: cells.Outcome | None,
    ) -> None:
        self.p, self.refs, self.opts, self.outcome = p, refs, opts, outcome
        self.cell_no = 0
        self.closers: list[str] = []
        self.section = ""
        self.index_terms: list[tuple[str, str]] = []
        self.objectives: list[str] = []
        self.md = _INLINE_MD  # its renderer (with the plugins' rules) for everything else

    # -- helpers
    def render(self, tokens: list[Token]) -> str:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.type == "heading_open" and tok.tag == "h1":
                # the chapter title is shown by the page template
                i += 3
                continue
            handler = getattr(self, "r_" + tok.type, None)
            if handler is not None:
                out.append(handler(tok, tokens, i))
            elif tok.type == "inline":
                out.append(self.inline(tok.children or []))
            else:
                out.append(self._default(tokens, i))
            i += 1
        return "".join(out)

    def inline(self, children: list[Token]) -> str:
        out: list[str] = []
        for i, c in enumerate(children):
            handler = getattr(self, "i_" + c.type, None)
            if handler is not None:
                out.append(handler(c, children, i))
            elif c.type == "text":
                out.append(html.escape(c.content, quote=False))
            elif c.type in ("softbreak",):
                out.append("\n")
            elif c.type == "hardbreak":
                out.append("<br>\n")
            elif c.type == "html_inline":
                out.append(c.content)
            else:
                out.append(self._default(children, i))
        return "".join(out)

    def _default(self, tokens: list[Token], i: int) -> str:
        renderer: Any = self.md.renderer
        rule = renderer.rules.get(tokens[i].type)
        if rule is not None:
            return str(rule(tokens, i, self.md.options, self.p.env))
        return str(renderer.renderToken(tokens, i, self.md.options, self.p.env))

    def render_markdown_inline(self, text: str) -> str:
        env = dict(self.p.env)
        tokens = _INLINE_MD.parseInline(text, env)
        return self.inline(tokens[0].children or []) if tokens else ""

    # -- block tokens
    def r_heading_open(self, tok: Token, tokens: list[Token], i: int) -> str:
        attrs: Attrs = tok.meta.get("attrs") or Attrs()
        cls = " ".join(c for c in attrs.classes if c != "unnumbered")
        num = tok.meta.get("number", "")
        numhtml = f'<span class="secnum">{num}</span> ' if num else ""
        cls_attr = f' class="{html.escape(cls)}"' if cls else ""
        return f'<{tok.tag} id="{html.escape(str(tok.meta["id"]))}"{cls_attr}>{numhtml}'

    def r_heading_close(self, tok: Token, tokens: list[Token], i: int) -> str:
        opener = next(t for t in reversed(tokens[:i]) if t.type == "heading_open")
        anchor = html.escape(str(opener.meta["id"]))
        link = f'<a class="anchor" href="#{anchor}" aria-label="Link to this section">#</a>'
        return f" {link}</{tok.tag}>\n"

    def r_div_open(self, tok: Token, tokens: list[Token], i: int) -> str:
        attrs: Attrs = tok.meta["attrs"]
        if not tok.meta.get("closed", True):
            self.p.warn(tok, "a ::: block is never closed")
        id_attr = f' id="{html.escape(attrs.id)}"' if attrs.id else ""
        kind = callout_kind(attrs.classes)
        if kind:
            label = callout_label(kind, self.opts.labels)
            title = attrs.kv.get("title", "")
            if kind == "learning-objectives":
                self.objectives.extend(_list_items(tokens, i, self))
            if title.lower().startswith(label.lower()):  # "Napkin math: …" already says it
                label, title = title, ""
                heading = ""
                title_html = self.render_markdown_inline(label)
            else:
                heading = html.escape(label) + (": " if title else "")
                title_html = self.render_markdown_inline(title)
            self.closers.append("</div></aside>\n")
            return (
                f'<aside class="callout callout-{kind}"{id_attr}>'
                f'<p class="callout-title">{heading}{title_html}</p>'
                '<div class="callout-body">\n'
            )
        fkind = tok.meta.get("kind")
        if fkind in ("fig", "tbl", "lst"):
            cap = attrs.kv.get(f"{fkind}-cap", "")
            self.closers.append(self._caption(fkind, str(tok.meta["number"]), cap) + "</figure>\n")
            return f'<figure class="float {fkind}"{id_attr}>\n'
        classes = [c for c in attrs.classes if c not in ("content-visible", "content-hidden")]
        cls = f' class="{html.escape(" ".join(classes))}"' if classes else ""
        self.closers.append("</div>\n")
        return f"<div{id_attr}{cls}>\n"

    def r_div_close(self, tok: Token, tokens: list[Token], i: int) -> str:
        return self.closers.pop() if self.closers else ""

    def _caption(self, kind: str, num: str, caption: str) -> str:
        name = {"fig": "Figure", "tbl": "Table", "lst": "Listing"}[kind]
        body = self.render_markdown_inline(caption) if caption else ""
        sep = ": " if body else ""
        return f'<figcaption><span class="float-label">{name} {num}</span>{sep}{body}</figcaption>'

    def r_figure_open(self, tok: Token, tokens: list[Token], i: int) -> str:
        img: Token = tok.meta["image"]
        fig_id = str(img.attrs.get("id", ""))
        id_attr = f' id="{html.escape(fig_id)}"' if fig_id else ""
        return f'<figure class="float fig"{id_attr}>\n'

    def r_figure_close(self, tok: Token, tokens: list[Token], i: int) -> str:
        opener = next(t for t in reversed(tokens[:i]) if t.type == "figure_open")
        img: Token = opener.meta["image"]
        caption = self.inline(img.children or [])
        num = opener.meta.get("number")
        if opener.meta.get("letter"):
            return f"<figcaption>{opener.meta['letter']} {caption}</figcaption></figure>\n"
        if num:
            label = f'<span class="float-label">Figure {num}</span>'
            return f"<figcaption>{label}: {caption}</figcaption></figure>\n"
        return f"<figcaption>{caption}</figcaption></figure>\n" if caption else "</figure>\n"

    def r_table_open(self, tok: Token, tokens: list[Token], i: int) -> str:
        if tok.meta.get("caption") is None:
            return '<div class="table-wrap"><table>\n'
        attrs: Attrs = tok.meta["attrs"]
        id_attr = f' id="{html.escape(attrs.id)}"' if attrs.id else ""
        return f'<figure class="float tbl"{id_attr}><div class="table-wrap"><table>\n'

    def r_table_close(self, tok: Token, tokens: list[Token], i: int) -> str:
        return "</table></div>\n"  # a caption (tblcap_*) closes the figure

    def r_tblcap_open(self, tok: Token, tokens: list[Token], i: int) -> str:
        opener = next(t for t in reversed(tokens[:i]) if t.type == "table_open")
        return (
            f'<figcaption><span class="float-label">Table {opener.meta.get("number", "")}</span>: '
        )

    def r_tblcap_close(self, tok: Token, tokens: list[Token], i: int) -> str:
        return "</figcaption></figure>\n"

    def _cell_align(self, tok: Token, tokens: list[Token], i: int) -> str:
        style = str(tok.attrs.get("style", ""))
        m = re.search(r"text-align:(\w+)", style)
        cls = f' class="align-{m.group(1)}"' if m else ""
        return f"<{tok.tag}{cls}>"

    r_th_open = _cell_align
    r_td_open = _cell_align

    def r_raw_tex(self, tok: Token, tokens: list[Token], i: int) -> str:
        return ""

    def r_math_block(self, tok: Token, tokens: list[Token], i: int) -> str:
        return f'<div class="math display">{html.escape(tok.content.strip())}</div>\n'

    def r_math_block_label(self, tok: Token, tokens: list[Token], i: int) -> str:
        num = tok.meta.get("number", "")
        return (
            f'<div class="equation" id="{html.escape(tok.info)}">'
            f'<div class="math display">{html.escape(tok.content.strip())}</div>'
            f'<span class="eqno">({num})</span></div>\n'
        )

    def r_html_block(self, tok: Token, tokens: list[Token], i: int) -> str:
        return tok.content

    def r_code_block(self, tok: Token, tokens: list[Token], i: int) -> str:
        return highlight(tok.content, "")

    def r_fence(self, tok: Token, tokens: list[Token], i: int) -> str:
        lang, info = _lang(tok.info), tok.info.strip()
        raw = re.match(r"^\{=(\w+)\}", info)
        if raw:  # ```{=html} passes through (then the sanitiser); other formats are dropped
            return tok.content if raw.group(1) == "html" else ""
        if _is_cell(info) and lang == "python":
            return self._python_cell(tok)
        if lang == "tikz" or (lang in ("dot", "mermaid") and _is_cell(info)):
            cap = tok.meta.get("number")
            note = "TikZ drawing" if lang == "tikz" else f"{lang} diagram"
            label = f" (figure {cap})" if cap else ""
            return (
                f'<div class="diagram-source"><p class="diagram-note">{note}{label}: '
                "shown as source; it is drawn when the book is built with Quarto.</p>"
                "<details><summary>Source</summary>"
                f"{highlight(tok.content, 'latex' if lang == 'tikz' else lang)}"
                "</details></div>\n"
            )
        return highlight(tok.content, lang)  # code, and {r}/{ojs} cells: shown, never run

    def _python_cell(self, tok: Token) -> str:
        body = self._cell_body(tok)
        label, num = tok.meta.get("label"), tok.meta.get("number")
        if not label:
            return body
        # a cell that makes a figure or table: keep its number and caption on the page
        kind = str(label).split("-", 1)[0]
        cap = str(cell_options(tok.content).get(f"{kind}-cap", ""))
        note = "" if body else '<p class="diagram-note">Drawn by the book\'s Python code.</p>'
        return (
            f'<figure class="float {kind}" id="{html.escape(str(label))}">{body}{note}'
            f"{self._caption(kind, str(num), cap)}</figure>\n"
        )

    def _cell_body(self, tok: Token) -> str:
        idx = self.cell_no
        self.cell_no += 1
        opts = cell_options(tok.content)
        echo = opts.get("echo", self.opts.echo)
        out = ""
        if self.outcome is not None and idx < len(self.outcome.cell_output):
            err = self.outcome.cell_error[idx]
            printed = self.outcome.cell_output[idx]
            if err:
                why = html.escape(err)
                out = f'<div class="cell-error" role="alert">Python cell failed: {why}</div>'
            elif printed and opts.get("output", True) is not False:
                out = f'<pre class="cell-output">{html.escape(printed)}</pre>'
            code = highlight(_strip_options(tok.content), "python") if echo is True else ""
            return f'<div class="cell">{code}{out}</div>\n' if code or out else ""
        # not executed: show the code folded, so a reader sees where numbers come from
        # (plain, not highlighted: a textbook chapter has hundreds of these)
        code = html.escape(_strip_options(tok.content))
        return (
            '<details class="cell cell-not-run"><summary>Python cell (not run)</summary>'
            f'<div class="highlight"><pre><code>{code}</code></pre></div></details>\n'
        )

    # -- inline tokens
    def i_code_inline(self, c: Token, children: list[Token], i: int) -> str:
        if not c.content.startswith("{python}"):
            return f"<code>{html.escape(c.content)}</code>"
        expr = c.content[len("{python}") :].strip()
        if self.outcome is None:
            short = expr.rsplit(".", 1)[-1]
            title = html.escape(expr)
            return f'<span class="living placeholder" title="{title}">⟨{html.escape(short)}⟩</span>'
        if expr in self.outcome.value_errors:
            err = html.escape(self.outcome.value_errors[expr])
            return f'<span class="living error" role="alert">⚠ {html.escape(expr)}: {err}</span>'
        value = html.escape(self.outcome.values.get(expr, ""))
        return f'<span class="living" title="{LIVING_TITLE}">{value}</span>'

    def i_xref(self, c: Token, children: list[Token], i: int) -> str:
        ref = self.refs.get(c.meta["id"])
        if ref is None:
            self.p.warn(_line_token(self.p, c), f"unresolved cross-reference {c.content}")
            return f'<span class="xref missing">?{html.escape(c.content)}</span>'
        href = f"#{ref.id}" if ref.chapter == self.p.slug else f"../{ref.chapter}/#{ref.id}"
        bare = bool(c.meta.get("bare"))
        if ref.kind == "sec" and ref.number and "." not in ref.number:
            text = f"{'Appendix' if ref.number.isalpha() else 'Chapter'} {ref.number}"
        elif ref.kind in KIND_NAMES and ref.number:
            text = ref.number if bare else f"{KIND_NAMES[ref.kind]} {ref.number}"
        else:
            text = ref.title or ref.id
        return f'<a class="xref" href="{html.escape(href)}">{html.escape(text)}</a>'

    def i_citation(self, c: Token, children: list[Token], i: int) -> str:
        return f'<cite class="citation">{html.escape(c.content)}</cite>'

    def i_index_term(self, c: Token, children: list[Token], i: int) -> str:
        self.index_terms.append((c.content, self.section))
        return ""

    def i_raw_tex_inline(self, c: Token, children: list[Token], i: int) -> str:
        return ""

    def i_math_inline(self, c: Token, children: list[Token], i: int) -> str:
        return f'<span class="math inline">{html.escape(c.content)}</span>'

    def i_math_inline_double(self, c: Token, children: list[Token], i: int) -> str:
        return f'<span class="math display">{html.escape(c.content)}</span>'

    def i_image(self, c: Token, children: list[Token], i: int) -> str:
        src = str(c.attrs.get("src", ""))
        alt = str(c.attrs.get("fig-alt") or sanitize.text_of(self.inline(c.children or [])))
        if src and not re.match(r"^[a-z]+:", src) and not (self.p.path.parent / src).is_file():
            self.p.warn(_line_token(self.p, c), f"image {src} not found")
        width = c.attrs.get("width")
        w = f' width="{html.escape(str(width))}"' if width and str(width).isdigit() else ""
        return f'<img src="{html.escape(src)}" alt="{html.escape(alt)}" loading="lazy"{w}>'

    def i_footnote_ref(self, c: Token, children: list[Token], i: int) -> str:
        renderer: Any = _INLINE_MD.renderer
        return str(renderer.rules["footnote_ref"](children, i, _INLINE_MD.options, self.p.env))


def _list_items(tokens: list[Token], i: int, state: _State) -> list[str]:
    """Plain text of the list items inside the div opened at ``i``."""
    depth, items = 0, []
    for tok in tokens[i:]:
        if tok.type == "div_open":
            depth += 1
        elif tok.type == "div_close":
            depth -= 1
            if depth == 0:
                break
        elif tok.type == "inline" and depth == 1:
            items.append(sanitize.text_of(state.inline(tok.children or [])).strip())
    return [x for x in items if x]


def _strip_options(code: str) -> str:
    return "\n".join(line for line in code.splitlines() if not line.startswith("#|")).strip("\n")


def _line_token(p: Parsed, child: Token) -> Token | None:
    """The block token holding an inline one (it carries the line number)."""
    if "parents" not in p.env:
        p.env["parents"] = {
            id(c): t for t in p.tokens if t.type == "inline" for c in t.children or []
        }
    parent: Token | None = p.env["parents"].get(id(child))
    return parent


def _make_inline_md() -> MarkdownIt:
    from mlsysbook.book.markdown import make_parser

    return make_parser()


_INLINE_MD = _make_inline_md()
