"""A chapter's glossary (JSON) and concept map (YAML), named in its front matter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from mlsysbook.yamlfile import load_yaml


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


M = TypeVar("M", bound=BaseModel)


def read_json(path: Path, schema: type[M], error: type[Exception]) -> M:
    """A JSON side file validated against ``schema``; ``error`` says where it is wrong."""
    try:
        return schema.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"cannot read ({e})") from None
    except json.JSONDecodeError as e:
        raise error(f"line {e.lineno}: not valid JSON ({e.msg})") from None
    except ValidationError as e:
        first = e.errors()[0]
        raise error(f"{'.'.join(map(str, first['loc'])) or 'document'}: {first['msg']}") from None


def load_glossary(path: Path) -> list[Term]:
    return read_json(path, GlossaryFile, SideFileError).terms


def load_concepts(path: Path) -> dict[str, list[str]]:
    """``concept_map:`` lists (primary/secondary concepts, technical terms…)."""
    raw = load_yaml(path, SideFileError)
    cmap = raw.get("concept_map") if isinstance(raw, dict) else None
    if not isinstance(cmap, dict):
        raise SideFileError("expected a 'concept_map:' mapping")
    return {
        str(k): [str(x) for x in v]
        for k, v in cmap.items()
        if isinstance(v, list) and all(isinstance(x, str | int | float) for x in v)
    }
