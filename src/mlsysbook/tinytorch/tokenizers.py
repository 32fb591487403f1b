"""Tokenizers trained from text: one token per character, or byte-pair encoding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class TokenizerError(ValueError):
    pass


class CharTokenizer:
    """Each distinct character of the training text is one token."""

    def __init__(self, text: str) -> None:
        if not text:
            raise TokenizerError("a character tokenizer needs some training text")
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        try:
            return np.fromiter((self.index[c] for c in text), dtype=np.int64, count=len(text))
        except KeyError as e:
            raise TokenizerError(f"character {e.args[0]!r} was not in the training text") from None

    def decode(self, ids: np.ndarray | list[int]) -> str:
        return "".join(self.chars[int(i)] for i in ids)


class BPETokenizer:
    """Byte-level byte-pair encoding: start from the 256 byte values and repeatedly merge
    the most frequent adjacent pair into a new token (Sennrich et al., 2016)."""

    def __init__(self, merges: list[tuple[int, int]]) -> None:
        self.merges = [(int(a), int(b)) for a, b in merges]
        self.vocab: list[bytes] = [bytes([i]) for i in range(256)]
        for a, b in self.merges:
            self.vocab.append(self.vocab[a] + self.vocab[b])

    @classmethod
    def train(cls, text: str, vocab_size: int) -> BPETokenizer:
        if vocab_size < 256:
            raise TokenizerError("a byte-level vocabulary has at least 256 tokens")
        ids = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)
        merges: list[tuple[int, int]] = []
        for new in range(256, vocab_size):
            if len(ids) < 2:
                break
            pairs = ids[:-1] * vocab_size + ids[1:]
            values, counts = np.unique(pairs, return_counts=True)
            best = int(np.argmax(counts))
            if counts[best] < 2:
                break
            a, b = divmod(int(values[best]), vocab_size)
            merges.append((a, b))
            ids = _merge(ids, a, b, new)
        return cls(merges)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> np.ndarray:
        ids = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)
        for new, (a, b) in enumerate(self.merges, start=256):
            if len(ids) < 2:
                break
            ids = _merge(ids, a, b, new)
        return ids

    def decode(self, ids: np.ndarray | list[int]) -> str:
        return b"".join(self.vocab[int(i)] for i in ids).decode("utf-8", errors="replace")

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps({"merges": self.merges}))

    @classmethod
    def load(cls, path: str | Path) -> BPETokenizer:
        try:
            merges = json.loads(Path(path).read_text())["merges"]
            return cls([(a, b) for a, b in merges])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise TokenizerError(f"{path}: not a BPE tokenizer file ({e})") from None


def _merge(ids: np.ndarray, a: int, b: int, new: int) -> np.ndarray:
    """Replace non-overlapping (a, b) pairs, left to right, with ``new`` (vectorised:
    inside a run of overlapping matches such as 'aaaa', every other match is taken)."""
    hit = (ids[:-1] == a) & (ids[1:] == b)
    if not hit.any():
        return ids
    # position of each hit within its run of consecutive hits
    starts = hit & ~np.concatenate(([False], hit[:-1]))
    run_start = np.maximum.accumulate(np.where(starts, np.arange(len(hit)), 0))
    take = hit & ((np.arange(len(hit)) - run_start) % 2 == 0)
    out = ids.copy()
    out[:-1][take] = new
    drop = np.concatenate(([False], take))
    return out[~drop]
