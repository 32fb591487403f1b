"""Pandoc attribute blocks: ``{#id .class key="value" key=value}``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""\s*(?:
        \#(?P<id>[^\s}]+)
      | \.(?P<cls>[^\s}]+)
      | (?P<key>[A-Za-z_][\w.:-]*)\s*=\s*
        (?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s}]+))
      | (?P<word>[^\s}=]+)
    )""",
    re.X,
)


@dataclass
class Attrs:
    id: str = ""
    classes: list[str] = field(default_factory=list)
    kv: dict[str, str] = field(default_factory=dict)

    def has(self, cls: str) -> bool:
        return cls in self.classes


def parse_attrs(text: str) -> Attrs:
    """Read the inside of ``{…}``. Unknown shapes are skipped rather than failing: a
    stray character in an attribute block must never stop a chapter from rendering."""
    out = Attrs()
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            pos += 1
            continue
        pos = m.end()
        if m["id"]:
            out.id = m["id"]
        elif m["cls"]:
            out.classes.append(m["cls"])
        elif m["key"]:
            value = (
                m["dq"] if m["dq"] is not None else m["sq"] if m["sq"] is not None else m["bare"]
            )
            out.kv[m["key"]] = re.sub(r"\\(.)", r"\1", value or "")
        elif m["word"]:
            out.classes.append(m["word"])  # {layout-narrow}: a bare word acts as a class
    return out


TRAILING = re.compile(r"\s*\{([^{}]*)\}\s*$")


def split_trailing(text: str) -> tuple[str, Attrs | None]:
    """``"Title {#sec-x .unnumbered}"`` → ``("Title", Attrs)``."""
    m = TRAILING.search(text)
    if not m:
        return text, None
    return text[: m.start()], parse_attrs(m.group(1))
