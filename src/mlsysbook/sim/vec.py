"""Scalar-or-array arithmetic. One evaluation runs on plain Python numbers, so a cold
``mlsysbook sim eval`` never imports NumPy; sweeps pass NumPy arrays and get NumPy's
vectorised operations (NumPy is then already loaded)."""

from __future__ import annotations

import math
from typing import Any

Number = int | float


def _scalar(*xs: Any) -> bool:
    return all(isinstance(x, Number) for x in xs)


def maximum(a: Any, b: Any) -> Any:
    if _scalar(a, b):
        return max(a, b)
    import numpy as np

    return np.maximum(a, b)


def ceil(x: Any) -> Any:
    if _scalar(x):
        return float(math.ceil(x))
    import numpy as np

    return np.ceil(x)


def largest(x: Any) -> float:
    if _scalar(x):
        return float(x)
    import numpy as np

    return float(np.max(x))
