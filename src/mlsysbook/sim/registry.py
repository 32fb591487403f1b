"""The hardware and model registries: YAML files shipped in ``sim/registry/`` plus,
optionally, a user's own directory named by ``MLSYSBOOK_SIM_REGISTRY`` (same layout:
``hardware/*.yaml`` and ``models/*.yaml``). Names are looked up case-insensitively,
ignoring punctuation, through each entry's aliases."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from mlsysbook.sim.device import Hardware
from mlsysbook.sim.models import Model
from mlsysbook.yamlfile import load_yaml_cached

BUILTIN = Path(__file__).parent / "registry"
ENV = "MLSYSBOOK_SIM_REGISTRY"

E = TypeVar("E", Hardware, Model)


class RegistryError(ValueError):
    """A registry file that cannot be used; the message names the file and entry."""


class UnknownName(KeyError):
    def __init__(self, kind: str, name: str, suggestions: list[str]) -> None:
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        noun = "model" if kind == "models" else kind
        self.message = f"Unknown {noun} {name!r}.{hint} (`mlsysbook sim zoo {kind}` lists them.)"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class _Raw:
    """One entry as read from YAML, validated only when first used."""

    path: Path
    number: int
    data: dict[str, Any]

    @property
    def names(self) -> list[str]:
        aliases = self.data.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise RegistryError(f"{self.where}: aliases must be a list of names")
        return [self.data["name"], *aliases]

    @property
    def where(self) -> str:
        return f"{self.path}: entry {self.number} ({self.data.get('name', '?')})"


class Catalog(Generic[E]):
    """The entries of one registry, indexed by normalised name and alias. Entries are
    validated on first use, so answering one question reads only what it needs."""

    def __init__(self, kind: str, schema: type[E], raws: Iterable[_Raw]) -> None:
        self.kind: str = kind  # "hardware" or "models", as in `mlsysbook sim zoo KIND`
        self._schema: type[E] = schema
        self._raws = tuple(raws)
        self._valid: dict[int, E] = {}
        self._index: dict[str, int] = {}
        for i, raw in enumerate(self._raws):
            for key in raw.names:
                other = self._index.setdefault(normalise(key), i)
                if other != i:
                    first = self._raws[other].data["name"]
                    raise RegistryError(
                        f"{raw.where}: name or alias {key!r} is already used by {first}"
                    )

    def _entry(self, i: int) -> E:
        if i not in self._valid:
            raw = self._raws[i]
            try:
                self._valid[i] = self._schema.model_validate(raw.data)
            except ValidationError as e:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}"
                    for err in e.errors()[:3]
                )
                raise RegistryError(f"{raw.where}: {problems}") from None
        return self._valid[i]

    def get(self, name: str) -> E:
        i = self._index.get(normalise(name))
        if i is None:
            close = difflib.get_close_matches(normalise(name), self._index, n=8, cutoff=0.6)
            names = list(dict.fromkeys(self._raws[self._index[c]].data["name"] for c in close))
            raise UnknownName(self.kind, name, names[:4])
        return self._entry(i)

    def __iter__(self) -> Iterator[E]:
        return (self._entry(i) for i in range(len(self._raws)))

    def __len__(self) -> int:
        return len(self._raws)

    def filter(self, text: str) -> list[E]:
        t = text.lower()
        return [e for e in self if t in _haystack(e)]


def _haystack(e: BaseModel) -> str:
    fields = [getattr(e, f, "") for f in ("name", "vendor", "family", "task", "hw_class")]
    return " ".join([*map(str, fields), *getattr(e, "aliases", ())]).lower()


def _read(path: Path) -> list[_Raw]:
    raw = load_yaml_cached(path, RegistryError)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RegistryError(f"{path}: expected a list of entries (each starting with '- name:')")
    out = []
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise RegistryError(f"{path}: entry {i} needs a 'name:'")
        out.append(_Raw(path, i, item))
    return out


def _files(root: Path, kind: str) -> Iterable[Path]:
    folder = root / kind
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")) if folder.is_dir() else []


def _load(kind: str, schema: type[E], extra: Path | None) -> Catalog[E]:
    builtin = [r for path in _files(BUILTIN, kind) for r in _read(path)]
    mine = [r for path in _files(extra, kind) for r in _read(path)] if extra else []
    catalog = Catalog(kind, schema, builtin + mine)
    for i in range(len(builtin), len(builtin) + len(mine)):
        catalog._entry(i)  # a user's own entries are checked at once, with clear errors
    return catalog


def user_dir() -> Path | None:
    value = os.environ.get(ENV)
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise RegistryError(f"{ENV}={value}: not a directory")
    return path


@cache
def _cached_hardware(extra: Path | None) -> Catalog[Hardware]:
    return _load("hardware", Hardware, extra)


@cache
def _cached_models(extra: Path | None) -> Catalog[Model]:
    return _load("models", Model, extra)


def hardware_catalog() -> Catalog[Hardware]:
    return _cached_hardware(user_dir())


def model_catalog() -> Catalog[Model]:
    return _cached_models(user_dir())


def hardware(name: str) -> Hardware:
    return hardware_catalog().get(name)


def model(name: str) -> Model:
    return model_catalog().get(name)
