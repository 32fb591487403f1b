"""The work of one step, as a list of operators with FLOPs and element counts.

Counts are per step for the whole batch; ``repeat`` folds identical transformer layers
into one entry so an evaluation stays well under a millisecond. Bytes are not fixed
here: they depend on the precision of weights, activations and KV cache."""

from __future__ import annotations

from dataclasses import dataclass, replace

from mlsysbook.sim.architecture import attention_params, cnn_ops, ffn_params, norm_params
from mlsysbook.sim.models import CNN, Model, Transformer


@dataclass(frozen=True)
class Work:
    name: str
    kind: str  # matmul, attention, norm, elementwise, lookup, comm
    flops: float
    weight_elems: float = 0.0  # parameters read
    act_elems: float = 0.0  # activations read + written
    kv_elems: float = 0.0  # KV-cache elements read + written
    repeat: int = 1  # identical layers
    calls: int = 1  # kernel launches per repeat
    outputs: float = 0.0  # output elements per repeat (all calls): how far a kernel spreads

    @property
    def is_matmul(self) -> bool:
        return self.kind in ("matmul", "attention")


@dataclass(frozen=True)
class Step:
    """``batch`` sequences each adding ``new`` tokens to ``past`` cached ones."""

    batch: int
    new: int
    past: int = 0

    @property
    def tokens(self) -> int:
        return self.batch * self.new

    @property
    def pairs(self) -> float:
        """Query-key pairs per sequence under a causal mask: new*past + new*(new+1)/2."""
        return self.new * self.past + self.new * (self.new + 1) / 2


def kv_elems_per_token(a: Transformer) -> int:
    """Cached elements per token per layer: 2*kv_heads*head_dim (K and V), or for MLA
    the shared latent plus the rotary key: kv_lora_rank + qk_rope_head_dim."""
    if a.mla is not None:
        return a.mla.kv_lora_rank + a.mla.qk_rope_head_dim
    return 2 * a.n_kv_heads * a.d_head


def decoder_step(a: Transformer, s: Step, all_logits: bool = False) -> list[Work]:
    """One forward pass of a decoder over ``s`` (prefill: past=0, new=prompt; decode:
    new=1). FLOPs: 2 per multiply-accumulate; attention follows FlashAttention's IO:
    Q read once, K/V read from the cache once per query block, scores never stored.
    Generation needs logits for the last position only; training for every token."""
    return _layers(a, s, causal=True) + _head(a, s.tokens if all_logits else s.batch)


def encoder_pass(a: Transformer, batch: int, seq: int) -> list[Work]:
    """A bidirectional encoder (BERT, ViT) over ``batch`` sequences of ``seq`` tokens."""
    s = Step(batch, seq)
    ops = _layers(a, s, causal=False)
    tail = (a.hidden * a.hidden if a.pooler else 0) + a.hidden * a.classes
    if tail:
        ops.append(
            Work(
                "head",
                "matmul",
                2 * batch * tail,
                tail,
                batch * (a.hidden + a.classes),
                outputs=batch * (a.hidden + a.classes),
            )
        )
    return ops


def _layers(a: Transformer, s: Step, causal: bool) -> list[Work]:
    d, h, n, t = a.hidden, a.heads, a.layers, s.tokens
    kv_tok = kv_elems_per_token(a)
    o_in = h * (a.mla.v_head_dim if a.mla else a.d_head)
    proj = attention_params(a) - o_in * d - (d if a.bias else 0)  # q, k, v (or MLA) weights
    qkv_out = proj // d if proj >= d else proj
    if a.mla is not None:
        m = a.mla
        qk_dim, v_dim = m.kv_lora_rank + m.qk_rope_head_dim, m.kv_lora_rank  # absorbed form
    else:
        qk_dim = v_dim = a.d_head
    pairs = s.pairs if causal else s.new * s.new
    attn_flops = 2 * s.batch * pairs * h * (qk_dim + v_dim)
    kv_read = s.batch * (s.past + s.new) * kv_tok
    kv_write = s.batch * s.new * kv_tok
    ops = [
        Work("embed", "lookup", 0, 0, 2 * t * d),
        Work("attn_norm", "norm", 4 * t * d, norm_params(a), 2 * t * d, repeat=n),
        Work(
            "qkv_proj",
            "matmul",
            2 * t * proj,
            proj,
            t * (d + qkv_out),
            kv_elems=kv_write,
            repeat=n,
            outputs=t * qkv_out,
        ),
        Work(
            "attention",
            "attention",
            attn_flops,
            0,
            t * (h * qk_dim + o_in),
            kv_elems=kv_read,
            repeat=n,
            outputs=t * o_in,
        ),
        Work(
            "o_proj", "matmul", 2 * t * o_in * d, o_in * d, t * (o_in + d), repeat=n, outputs=t * d
        ),
        Work("residual", "elementwise", 2 * t * d, 0, 6 * t * d, repeat=n, calls=2),
        Work("ffn_norm", "norm", 4 * t * d, norm_params(a), 2 * t * d, repeat=n),
    ]
    ops.extend(_ffn(a, t))
    return ops


def _ffn(a: Transformer, t: int) -> list[Work]:
    d, n = a.hidden, a.layers
    mats = 3 if a.gated else 2
    if a.moe is None:
        w = ffn_params(a, a.ffn)
        return [
            Work(
                "ffn",
                "matmul",
                2 * t * w,
                w,
                t * (2 * d + mats * a.ffn),
                repeat=n,
                calls=mats,
                outputs=t * ((mats - 1) * a.ffn + d),
            )
        ]
    m = a.moe
    ops = []
    if m.dense_layers:
        w = ffn_params(a, m.dense_ffn or a.ffn)
        ops.append(
            Work(
                "ffn_dense",
                "matmul",
                2 * t * w,
                w,
                t * (2 * d + mats * (m.dense_ffn or a.ffn)),
                repeat=m.dense_layers,
                calls=mats,
                outputs=t * ((mats - 1) * (m.dense_ffn or a.ffn) + d),
            )
        )
    expert = ffn_params(a, m.expert_ffn)
    # Expected distinct experts a batch of t tokens touches, each choosing `active`.
    touched = m.experts * (1 - (1 - m.active / m.experts) ** t) + m.shared
    per_token = (m.active + m.shared) * expert
    moe_layers = n - m.dense_layers
    ops.append(
        Work(
            "router",
            "matmul",
            2 * t * d * m.experts,
            d * m.experts,
            t * (d + m.experts),
            repeat=moe_layers,
            outputs=t * m.experts,
        )
    )
    ops.append(
        Work(
            "experts",
            "matmul",
            2 * t * per_token,
            touched * expert,
            t * (m.active + m.shared) * (2 * d + mats * m.expert_ffn),
            repeat=moe_layers,
            calls=mats,
            outputs=t * (m.active + m.shared) * ((mats - 1) * m.expert_ffn + d),
        )
    )
    return ops


def _head(a: Transformer, batch: int) -> list[Work]:
    d, v = a.hidden, a.vocab
    return [
        Work("final_norm", "norm", 4 * batch * d, norm_params(a), 2 * batch * d),
        Work("lm_head", "matmul", 2 * batch * d * v, d * v, batch * (d + v), outputs=batch * v),
    ]


FUSABLE = ("norm", "act", "add", "mul")  # folded into the producing conv/linear at inference


def cnn_pass(a: CNN, batch: int, fused: bool = True) -> list[Work]:
    """The operators of a CNN/MLP forward pass for ``batch`` samples. ``fused`` (as
    inference engines run them): batch norm folded into the conv weights, and
    activations, residual adds and squeeze-excite scaling fused into the producing
    kernel's epilogue (their FLOPs stay; their memory passes and launches go; a residual
    add still reads the skip tensor). Unfused (training): every op is its own kernel."""
    ops: list[Work] = []
    for op in cnn_ops(a):
        base = op.kind.split(":")[0]
        if op.kind == "reshape":
            continue
        if fused and base in FUSABLE and ops and ops[-1].kind == "matmul":
            prev = ops[-1]
            extra = batch * op.out_elems if base == "add" else 0
            ops[-1] = replace(
                prev, flops=prev.flops + batch * op.flops, act_elems=prev.act_elems + extra
            )
            continue
        kind = "matmul" if op.kind in ("conv", "linear") else "elementwise"
        ops.append(
            Work(
                op.name,
                kind,
                batch * op.flops,
                op.params,
                batch * (op.in_elems + op.out_elems),
                outputs=batch * op.out_elems,
            )
        )
    return ops


def autocast_casts(ops: list[Work]) -> list[Work]:
    """Mixed precision in an eager framework (PyTorch autocast) keeps the weights in fp32
    and casts each weight tensor to 16 bits inside every forward pass (autocast's cast
    cache is cleared when its context exits): one more kernel per weight tensor, reading
    4 and writing 2 bytes per parameter (3 elements at 2 bytes)."""
    weighted = [w for w in ops if w.is_matmul and w.weight_elems]
    if not weighted:
        return []
    params = sum(w.weight_elems * w.repeat for w in weighted)
    tensors = sum(w.calls * w.repeat for w in weighted)
    return [Work("autocast_cast", "elementwise", 0, 0, 3 * params, calls=tensors)]


def forward(
    model: Model, batch: int, seq: int, *, fused: bool = True, all_logits: bool = False
) -> list[Work]:
    """One forward pass: a CNN over a batch (``fused`` as an inference engine runs it),
    an encoder over sequences, or a decoder's prefill of ``seq`` prompt tokens
    (``all_logits`` for training, which needs every position's)."""
    a = model.architecture
    if isinstance(a, CNN):
        return cnn_pass(a, batch, fused=fused)
    if a.encoder_only:
        return encoder_pass(a, batch, a.patch.tokens if a.patch else seq)
    return decoder_step(a, Step(batch, seq), all_logits=all_logits)
