"""Tokenizers and the GPT model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsysbook.tinytorch import optim
from mlsysbook.tinytorch.gpt import GPT, GPTConfig
from mlsysbook.tinytorch.nn import functional as F
from mlsysbook.tinytorch.random import manual_seed
from mlsysbook.tinytorch.tokenizers import BPETokenizer, CharTokenizer, TokenizerError

TEXT = "the cat sat on the mat; the cat ate the rat. " * 20


def test_char_tokenizer_round_trips() -> None:
    tok = CharTokenizer(TEXT)
    ids = tok.encode("the rat")
    assert tok.decode(ids) == "the rat" and tok.vocab_size == len(set(TEXT))
    with pytest.raises(TokenizerError, match="not in the training text"):
        tok.encode("dog!")
    with pytest.raises(TokenizerError):
        CharTokenizer("")


def test_bpe_learns_merges_and_round_trips(tmp_path: Path) -> None:
    tok = BPETokenizer.train(TEXT, vocab_size=300)
    assert tok.vocab_size > 256
    ids = tok.encode(TEXT)
    assert len(ids) < len(TEXT.encode()) / 2  # frequent words became single tokens
    assert tok.decode(ids) == TEXT
    tok.save(tmp_path / "bpe.json")
    again = BPETokenizer.load(tmp_path / "bpe.json")
    assert again.encode("the cat").tolist() == tok.encode("the cat").tolist()
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(TokenizerError, match="not a BPE tokenizer"):
        BPETokenizer.load(tmp_path / "bad.json")
    aa = BPETokenizer.train("aaaa", 300)  # one merge: (a, a); a lone (aa, aa) pair is too rare
    assert aa.encode("aaaa").tolist() == [256, 256]
    assert aa.encode("aaa").tolist() == [256, 97]  # overlapping matches: left to right


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=60))
def test_bpe_round_trips_any_text(text: str) -> None:
    tok = BPETokenizer.train(TEXT + text, vocab_size=280)
    assert tok.decode(tok.encode(text)) == text


def test_gpt_learns_to_continue_a_pattern() -> None:
    manual_seed(0)
    tok = CharTokenizer("abcd")
    data = tok.encode("abcd" * 200)
    model = GPT(GPTConfig(vocab_size=4, context=8, dim=32, heads=2, layers=1))
    opt = optim.AdamW(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    for _ in range(150):
        starts = rng.integers(0, len(data) - 9, 16)
        x = np.stack([data[s : s + 8] for s in starts])
        y = np.stack([data[s + 1 : s + 9] for s in starts])
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.1
    out = model.generate(tok.encode("abc")[None], 8, temperature=0.5, top_k=2, seed=0)
    assert tok.decode(out[0]) == "abcdabcdabc"
    with pytest.raises(ValueError, match="exceeds the context"):
        model(np.zeros((1, 9), dtype=np.int64))
    with pytest.raises(ValueError, match="temperature"):
        model.generate(out, 1, temperature=0)
