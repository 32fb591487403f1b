"""Reading YAML files with errors that name the file and line (the simulator's
registries and scenarios, the book's config and concept maps)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """MLSYSBOOK_CACHE_DIR, else $XDG_CACHE_HOME/mlsysbook, else ~/.cache/mlsysbook."""
    if value := os.environ.get("MLSYSBOOK_CACHE_DIR"):
        return Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mlsysbook"


def load_yaml_cached(path: Path, error: type[Exception]) -> Any:
    """Like load_yaml, but keeps a JSON copy keyed by the file's path, size and mtime:
    parsing the registries is most of a cold CLI start, and reading JSON is ~20x faster.
    Any trouble with the cache falls back to parsing."""
    try:
        st = path.stat()
    except OSError:
        return load_yaml(path, error)
    key = hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()
    cached = cache_dir() / "yaml" / f"{key[:32]}.json"
    try:
        return json.loads(cached.read_bytes())
    except (OSError, ValueError):
        pass
    data = load_yaml(path, error)
    try:
        text = json.dumps(data)
        if json.loads(text) != data:  # e.g. integer keys would come back as strings
            return data
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, cached)  # atomic: a parallel reader sees all of it or none
    except (OSError, TypeError, ValueError):  # read-only home, or a value JSON cannot hold
        pass
    return data


def load_yaml(path: Path, error: type[Exception]) -> Any:
    """The parsed document, or ``error`` saying why it cannot be read."""
    import yaml  # here, not at the top: a cold start that hits the JSON cache skips it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: faster
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (safe)
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"{path}: cannot read ({e})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise error(f"{path}{where}: not valid YAML ({getattr(e, 'problem', e)})") from None
