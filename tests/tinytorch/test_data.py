"""DataLoader and checkpoints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlsysbook.tinytorch import checkpoint, nn
from mlsysbook.tinytorch.data import DataLoader, Dataset, TensorDataset


def test_batches_shuffle_with_a_seed_and_drop_last() -> None:
    ds = TensorDataset(np.arange(10, dtype=np.float32)[:, None], np.arange(10))
    batches = [y.data.tolist() for _, y in DataLoader(ds, batch_size=4)]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    a = [y.data.tolist() for _, y in DataLoader(ds, batch_size=5, shuffle=True, seed=3)]
    b = [y.data.tolist() for _, y in DataLoader(ds, batch_size=5, shuffle=True, seed=3)]
    assert a == b and sorted(i for batch in a for i in batch) == list(range(10))
    assert a != [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    loader = DataLoader(ds, batch_size=5, shuffle=True, seed=3)
    assert [y.data.tolist() for _, y in loader] != [y.data.tolist() for _, y in loader]
    x, y = next(iter(DataLoader(ds, batch_size=2)))
    assert x.dtype == np.float32 and y.dtype.kind == "i"
    with pytest.raises(ValueError, match="same number of rows"):
        TensorDataset(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="at least 1"):
        DataLoader(ds, batch_size=0)


def test_custom_datasets_are_stacked() -> None:
    class Squares(Dataset):
        def __len__(self) -> int:
            return 5

        def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
            return np.array([i, i * i], np.float32), i % 2

    (x, y), *_ = list(DataLoader(Squares(), batch_size=3))
    assert x.shape == (3, 2) and y.data.tolist() == [0, 1, 0]


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    a = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    path = checkpoint.save(a, tmp_path / "model")
    assert path.suffix == ".npz"
    b = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    checkpoint.load(b, path)
    for (n1, p1), (_, p2) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(p1.data, p2.data, err_msg=n1)
    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    with pytest.raises(ValueError, match="not a TinyTorch checkpoint"):
        checkpoint.load(b, bad)
