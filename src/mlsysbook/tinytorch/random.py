"""One random generator for weight initialisation, dropout and data shuffling, so that
`manual_seed(n)` makes a run repeatable."""

from __future__ import annotations

import numpy as np

_rng = np.random.default_rng(0)


def manual_seed(seed: int) -> None:
    global _rng
    _rng = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    return _rng
