"""Datasets and a DataLoader: batching, seeded shuffling, drop_last."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from mlsysbook.tinytorch.random import generator
from mlsysbook.tinytorch.tensor import Tensor


class Dataset:
    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, i: Any) -> Any:
        raise NotImplementedError


class TensorDataset(Dataset):
    """Rows of equally long arrays; indexing with an array of rows returns a batch."""

    def __init__(self, *arrays: np.ndarray | Tensor) -> None:
        self.arrays = [a.data if isinstance(a, Tensor) else np.asarray(a) for a in arrays]
        if not self.arrays or len({len(a) for a in self.arrays}) != 1:
            raise ValueError("TensorDataset needs arrays with the same number of rows")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, i: Any) -> tuple[np.ndarray, ...]:
        return tuple(a[i] for a in self.arrays)


class DataLoader:
    """Batches of a dataset as Tensors. ``seed`` makes the shuffling repeatable (a new
    order every epoch); without it the global generator is used."""

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 32,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last = shuffle, drop_last
        self.rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        n = len(self.dataset)
        order = np.arange(n)
        if self.shuffle:
            (self.rng or generator()).shuffle(order)
        for start in range(0, n, self.batch_size):
            rows = order[start : start + self.batch_size]
            if self.drop_last and len(rows) < self.batch_size:
                return
            yield tuple(
                Tensor(x) if np.asarray(x).dtype.kind == "f" else Tensor._wrap(np.asarray(x), False)
                for x in _batch(self.dataset, rows)
            )


def _batch(ds: Dataset, rows: np.ndarray) -> Sequence[Any]:
    if isinstance(ds, TensorDataset):
        return ds[rows]
    items = [ds[int(i)] for i in rows]
    return [np.stack([np.asarray(item[j]) for item in items]) for j in range(len(items[0]))]
