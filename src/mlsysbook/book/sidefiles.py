"""A chapter's glossary (JSON) and concept map (YAML), named in its front matter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError


class Term(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    term: str
    definition: str
    chapter_source: str = ""
    aliases: list[str] = []
    see_also: list[str] = []


class GlossaryFile(BaseModel):
    model_config = ConfigDict(extra="allow")
    metadata: dict[str, Any] = {}
    terms: list[Term]


class SideFileError(ValueError):
    pass


def load_glossary(path: Path) -> list[Term]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return GlossaryFile.model_validate(raw).terms
    except (OSError, UnicodeDecodeError) as e:
        raise SideFileError(f"cannot read ({e})") from None
    except json.JSONDecodeError as e:
        raise SideFileError(f"line {e.lineno}: not valid JSON ({e.msg})") from None
    except ValidationError as e:
        first = e.errors()[0]
        raise SideFileError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def load_concepts(path: Path) -> dict[str, list[str]]:
    """``concept_map:`` lists (primary/secondary concepts, technical terms…)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise SideFileError(f"cannot read ({e})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise SideFileError(f"line {mark.line + 1 if mark else '?'}: not valid YAML") from None
    cmap = raw.get("concept_map") if isinstance(raw, dict) else None
    if not isinstance(cmap, dict):
        raise SideFileError("expected a 'concept_map:' mapping")
    return {
        str(k): [str(x) for x in v]
        for k, v in cmap.items()
        if isinstance(v, list) and all(isinstance(x, str | int | float) for x in v)
    }
