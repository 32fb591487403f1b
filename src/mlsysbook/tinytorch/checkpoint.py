"""Saving and loading a model's state (and optionally an optimizer's) as one .npz file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mlsysbook.tinytorch.nn import Module


def save(model: Module, path: str | Path) -> Path:
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(".npz")
    arrays: dict[str, Any] = {k.replace(".", "/"): v for k, v in model.state_dict().items()}
    np.savez(path, **arrays)
    return path


def load(model: Module, path: str | Path, strict: bool = True) -> None:
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            state = {k.replace("/", "."): data[k] for k in data.files}
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: not a TinyTorch checkpoint ({e})") from None
    model.load_state_dict(state, strict=strict)
