"""The milestones: each trains a real model with TinyTorch and must reach its target.

mlsysbook tinytorch milestone N     (1 perceptron ... 4 digits CNN)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlsysbook.tinytorch import nn, optim
from mlsysbook.tinytorch.autograd import no_grad
from mlsysbook.tinytorch.data import DataLoader, TensorDataset
from mlsysbook.tinytorch.gpt import GPT, GPTConfig
from mlsysbook.tinytorch.nn import functional as F
from mlsysbook.tinytorch.random import manual_seed
from mlsysbook.tinytorch.tensor import Tensor
from mlsysbook.tinytorch.tokenizers import CharTokenizer
from mlsysbook.tinytorch.train import Progress, accuracy, fit, split


@dataclass(frozen=True)
class Outcome:
    number: int
    title: str
    metric: str
    value: float
    target: float
    seconds: float
    lower_is_better: bool = False
    sample: str = ""  # generated text, for the language-model milestone

    @property
    def passed(self) -> bool:
        return self.value <= self.target if self.lower_is_better else self.value >= self.target


@dataclass(frozen=True)
class Milestone:
    number: int
    title: str
    metric: str
    target: float
    run: Callable[[Progress | None], float | tuple[float, str]]
    lower_is_better: bool = False


def _perceptron(progress: Progress | None) -> float:
    """A single linear unit separates two clouds of points split by a line."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (400, 2)).astype(np.float32)
    margin = x @ np.array([1.5, -1.0], np.float32) + 0.2
    keep = np.abs(margin) > 0.1  # a gap makes the set strictly separable
    x, y = x[keep], (margin[keep] > 0).astype(np.float32)[:, None]
    model = nn.Linear(2, 1)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, seed=0)
    fit(
        model,
        loader,
        optim.SGD(model.parameters(), lr=0.5),
        F.binary_cross_entropy_with_logits,
        epochs=40,
        on_step=progress,
    )
    return accuracy(model, DataLoader(TensorDataset(x, y), batch_size=512))


def _xor(progress: Progress | None) -> float:
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = np.array([0, 1, 1, 0])
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    fit(
        model,
        loader,
        optim.Adam(model.parameters(), lr=0.05),
        F.cross_entropy,
        epochs=300,
        on_step=progress,
    )
    return accuracy(model, loader)


def _digits(flat: bool) -> tuple[DataLoader, DataLoader]:
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    x = x if flat else x.reshape(-1, 1, 8, 8)
    train, test = split(len(x), 0.2, seed=0)
    return (
        DataLoader(TensorDataset(x[train], d.target[train]), batch_size=64, shuffle=True, seed=0),
        DataLoader(TensorDataset(x[test], d.target[test]), batch_size=512),
    )


def _classify(
    model: nn.Module,
    train: DataLoader,
    test: DataLoader,
    opt: optim.Optimizer,
    epochs: int,
    progress: Progress | None,
) -> float:
    """Cross-entropy training with a cosine schedule; returns test accuracy."""
    fit(
        model,
        train,
        opt,
        F.cross_entropy,
        epochs=epochs,
        scheduler=optim.CosineAnnealingLR(opt, epochs * len(train)),
        on_step=progress,
    )
    return accuracy(model, test)


def _digits_mlp(progress: Progress | None) -> float:
    train, test = _digits(flat=True)
    model = nn.Sequential(
        nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10)
    )
    opt = optim.Adam(model.parameters(), lr=2e-3)
    epochs = 40
    return _classify(model, train, test, opt, epochs, progress)


def _digits_cnn(progress: Progress | None) -> float:
    train, test = _digits(flat=False)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 64),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(64, 10),
    )
    opt = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    epochs = 25
    return _classify(model, train, test, opt, epochs, progress)


def _mnist1d(progress: Progress | None) -> float:
    """MNIST-1D (Greydanus, 2020): 40-sample signals of the ten digits' outlines, shifted,
    sheared and noised; generated locally by the `mnist1d` package, never downloaded."""
    from mnist1d.data import get_dataset_args, make_dataset

    data = make_dataset(get_dataset_args())
    x = data["x"].astype(np.float32)[:, None, None, :]  # (N, 1, 1, 40): a 1-D signal
    xt = data["x_test"].astype(np.float32)[:, None, None, :]
    train = DataLoader(TensorDataset(x, data["y"]), batch_size=100, shuffle=True, seed=0)
    test = DataLoader(TensorDataset(xt, data["y_test"]), batch_size=500)
    model = nn.Sequential(
        nn.Conv2d(1, 32, (1, 5), padding=(0, 2)),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.Conv2d(32, 32, (1, 3), stride=(1, 2), padding=(0, 1)),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.Conv2d(32, 32, (1, 3), stride=(1, 2), padding=(0, 1)),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(32 * 10, 10),
    )
    opt = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-3)
    epochs = 30
    return _classify(model, train, test, opt, epochs, progress)


class _Reverser(nn.Module):
    """A bidirectional transformer that writes its input sequence backwards."""

    def __init__(self, vocab: int, length: int, dim: int = 64) -> None:
        super().__init__()
        self.tokens = nn.Embedding(vocab, dim)
        self.positions = nn.Embedding(length, dim)
        self.blocks = nn.ModuleList([nn.TransformerBlock(dim, 4, causal=False) for _ in range(2)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)

    def forward(self, ids: Tensor) -> Tensor:
        x = self.tokens(ids) + self.positions(np.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def _reversal(progress: Progress | None) -> float:
    """Sequences of 8 digits in, the same digits reversed out; scored on unseen sequences
    by exact match of the whole sequence."""
    vocab, length, steps = 10, 8, 400
    rng = np.random.default_rng(0)
    model = _Reverser(vocab, length)
    opt = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.0)
    sched = optim.WarmupCosine(opt, warmup=50, total_steps=steps)
    model.train()
    for step in range(1, steps + 1):
        x = rng.integers(0, vocab, (64, length))
        opt.zero_grad()
        loss = F.cross_entropy(model(Tensor._wrap(x, False)), x[:, ::-1].copy())
        loss.backward()
        opt.step()
        sched.step()
        if progress is not None:
            progress(step, steps, loss.item())
    test = np.random.default_rng(1).integers(0, vocab, (1000, length))
    model.eval()
    with no_grad():
        guess = model(Tensor._wrap(test, False)).data.argmax(axis=-1)
    return float((guess == test[:, ::-1]).all(axis=1).mean())


TEXTS = Path(__file__).parent / "texts"


def _char_gpt(progress: Progress | None) -> tuple[float, str]:
    """A character-level GPT on the project's own public-domain workshop notes; scored by
    cross-entropy on the held-out last tenth of the text, then asked to write."""
    text = (TEXTS / "workshop_notes.txt").read_text(encoding="ascii")
    tok = CharTokenizer(text)
    ids = tok.encode(text)
    cut = int(len(ids) * 0.9)
    train_ids, val_ids = ids[:cut], ids[cut:]
    cfg = GPTConfig(vocab_size=tok.vocab_size, context=48, dim=64, heads=4, layers=2)
    model, steps, batch = GPT(cfg), 400, 24
    opt = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sched = optim.WarmupCosine(opt, warmup=50, total_steps=steps, min_factor=0.1)
    rng = np.random.default_rng(0)

    def windows(data: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.stack([data[i : i + cfg.context] for i in starts])
        y = np.stack([data[i + 1 : i + cfg.context + 1] for i in starts])
        return x, y

    model.train()
    for step in range(1, steps + 1):
        x, y = windows(train_ids, rng.integers(0, len(train_ids) - cfg.context - 1, batch))
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optim.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if progress is not None:
            progress(step, steps, loss.item())
    model.eval()
    starts = np.arange(0, len(val_ids) - cfg.context - 1, cfg.context)
    with no_grad():
        val = float(
            np.mean(
                [
                    F.cross_entropy(model(x), y).item()
                    for x, y in (
                        windows(val_ids, starts[i : i + 64]) for i in range(0, len(starts), 64)
                    )
                ]
            )
        )
    prompt = tok.encode("The ")[None]
    sample = tok.decode(model.generate(prompt, 240, temperature=0.8, top_k=12, seed=0)[0])
    return val, sample


MILESTONES = {
    m.number: m
    for m in (
        Milestone(1, "Perceptron on a linearly separable set", "accuracy", 1.0, _perceptron),
        Milestone(2, "XOR with a multilayer perceptron", "accuracy", 1.0, _xor),
        Milestone(
            3, "MLP on handwritten digits (scikit-learn)", "test accuracy", 0.97, _digits_mlp
        ),
        Milestone(4, "CNN on handwritten digits", "test accuracy", 0.98, _digits_cnn),
        Milestone(5, "CNN on MNIST-1D signals", "test accuracy", 0.90, _mnist1d),
        Milestone(6, "Transformer that reverses sequences", "exact match", 0.99, _reversal),
        Milestone(
            7,
            "Character-level GPT on the workshop notes",
            "validation loss (nats/char)",
            2.2,
            _char_gpt,
            lower_is_better=True,
        ),
    )
}


def run(number: int, progress: Progress | None = None, seed: int = 0) -> Outcome:
    m = MILESTONES.get(number)
    if m is None:
        raise KeyError(f"no milestone {number}: choose one of {', '.join(map(str, MILESTONES))}")
    manual_seed(seed)
    start = time.perf_counter()
    result = m.run(progress)
    value, sample = result if isinstance(result, tuple) else (result, "")
    return Outcome(
        m.number,
        m.title,
        m.metric,
        value,
        m.target,
        time.perf_counter() - start,
        m.lower_is_better,
        sample,
    )


__all__ = ["MILESTONES", "Milestone", "Outcome", "Tensor", "run"]
