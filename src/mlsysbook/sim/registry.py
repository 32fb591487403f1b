"""The hardware and model registries: YAML files shipped in ``sim/registry/`` plus,
optionally, a user's own directory named by ``MLSYSBOOK_SIM_REGISTRY`` (same layout:
``hardware/*.yaml`` and ``models/*.yaml``). Names are looked up case-insensitively,
ignoring punctuation, through each entry's aliases."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from mlsysbook.sim.device import Hardware
from mlsysbook.sim.models import Model

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


class Catalog(Generic[E]):
    """The entries of one registry, indexed by normalised name and alias."""

    def __init__(self, kind: str, entries: Iterable[E]) -> None:
        self.kind: str = kind  # "hardware" or "models", as in `mlsysbook sim zoo KIND`
        self.entries: tuple[E, ...] = tuple(entries)
        self._index: dict[str, E] = {}
        entry: E
        for entry in self.entries:
            for key in (entry.name, *entry.aliases):
                other = self._index.setdefault(normalise(key), entry)
                if other is not entry:
                    raise RegistryError(
                        f"{kind} name or alias {key!r} is used by {other.name} and {entry.name}"
                    )

    def get(self, name: str) -> E:
        found = self._index.get(normalise(name))
        if found is None:
            close = difflib.get_close_matches(normalise(name), self._index, n=8, cutoff=0.6)
            names = list(dict.fromkeys(self._index[c].name for c in close))[:4]
            raise UnknownName(self.kind, name, names)
        return found

    def __iter__(self) -> Iterator[E]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def filter(self, text: str) -> list[E]:
        t = text.lower()
        return [e for e in self.entries if t in _haystack(e)]


def _haystack(e: BaseModel) -> str:
    fields = [getattr(e, f, "") for f in ("name", "vendor", "family", "task", "hw_class")]
    return " ".join([*map(str, fields), *getattr(e, "aliases", ())]).lower()


def _read(path: Path, model: type[E]) -> list[E]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise RegistryError(f"{path}: cannot read ({e})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise RegistryError(f"{path}{where}: not valid YAML ({getattr(e, 'problem', e)})") from None
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RegistryError(f"{path}: expected a list of entries (each starting with '- name:')")
    out = []
    for i, item in enumerate(raw, 1):
        label = item.get("name", "?") if isinstance(item, dict) else "?"
        try:
            out.append(model.model_validate(item))
        except ValidationError as e:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}"
                for err in e.errors()[:3]
            )
            raise RegistryError(f"{path}: entry {i} ({label}): {problems}") from None
    return out


def _files(root: Path, kind: str) -> Iterable[Path]:
    folder = root / kind
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")) if folder.is_dir() else []


def _load(kind: str, model: type[E], extra: Path | None) -> Catalog[E]:
    entries: list[E] = []
    for root in (BUILTIN, *([extra] if extra else [])):
        for path in _files(root, kind):
            entries.extend(_read(path, model))
    return Catalog(kind, entries)


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
