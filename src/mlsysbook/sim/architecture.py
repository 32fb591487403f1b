"""Parameters (and, for CNNs, per-layer FLOPs and tensor sizes) derived from an
architecture description. Every count is a sum of matrix shapes; each function's
docstring gives the formula."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlsysbook.sim.models import CNN, Layer, Model, Transformer


@dataclass(frozen=True)
class ParamCount:
    total: int
    active: int  # used per token (differs from total for mixture-of-experts)
    embedding: int  # token/position/patch embeddings (no FLOPs per token beyond a lookup)


# ---------------------------------------------------------------- transformers


def attention_params(a: Transformer) -> int:
    """Per layer. MHA/GQA: q = d*h*dh, k = v = d*kv*dh, o = h*dh*d (+ biases).
    MLA: q = d*rq + rq + rq*h*(dn+dr) (or d*h*(dn+dr) when rq = 0),
    kv = d*(rkv+dr) + rkv + rkv*h*(dn+dv), o = h*dv*d."""
    d, h = a.hidden, a.heads
    if a.mla is not None:
        m = a.mla
        qk = m.qk_nope_head_dim + m.qk_rope_head_dim
        q = (
            d * m.q_lora_rank + m.q_lora_rank + m.q_lora_rank * h * qk
            if m.q_lora_rank
            else d * h * qk
        )
        kv = d * (m.kv_lora_rank + m.qk_rope_head_dim) + m.kv_lora_rank
        kv += m.kv_lora_rank * h * (m.qk_nope_head_dim + m.v_head_dim)
        return q + kv + h * m.v_head_dim * d
    dh, kv = a.d_head, a.n_kv_heads
    weights = d * h * dh + 2 * d * kv * dh + h * dh * d
    qkv_biases = h * dh + 2 * kv * dh
    biases = qkv_biases + d if a.bias else qkv_biases if a.qkv_bias else 0
    return weights + biases


def ffn_params(a: Transformer, inner: int) -> int:
    """Gated (SwiGLU/GeGLU): 3*d*f; otherwise 2*d*f (+ f + d biases)."""
    d = a.hidden
    if a.gated:
        return 3 * d * inner + (2 * inner + d if a.bias else 0)
    return 2 * d * inner + (inner + d if a.bias else 0)


def norm_params(a: Transformer) -> int:
    """RMSNorm has a scale vector; LayerNorm a scale and a shift."""
    return a.hidden * (1 if a.norm == "rmsnorm" else 2)


def transformer_params(a: Transformer) -> ParamCount:
    """Embeddings + layers x (attention + FFN or experts + 2 norms) + final norm + head."""
    d = a.hidden
    embedding = a.vocab * d + a.type_vocab * d
    if a.patch is not None:
        p = a.patch
        embedding += p.channels * p.size * p.size * d + d  # patch projection (a conv)
        embedding += d  # class token
        if a.position == "learned":
            embedding += (p.count + 1) * d
    elif a.position == "learned":
        embedding += a.max_seq_len * d
    if a.type_vocab and a.norm == "layernorm" and a.encoder_only:
        embedding += norm_params(a)  # BERT normalises the summed embeddings

    per_layer = attention_params(a) + 2 * norm_params(a)
    total = active = 0
    for i in range(a.layers):
        if a.moe is not None and i >= a.moe.dense_layers:
            m = a.moe
            expert = ffn_params(a, m.expert_ffn)
            router = d * m.experts + (m.experts if m.router_bias else 0)
            total += per_layer + (m.experts + m.shared) * expert + router
            active += per_layer + (m.active + m.shared) * expert + router
        else:
            inner = a.moe.dense_ffn if a.moe is not None and a.moe.dense_ffn else a.ffn
            total += per_layer + ffn_params(a, inner)
            active += per_layer + ffn_params(a, inner)

    tail = norm_params(a) if a.final_norm else 0
    if not a.encoder_only and not a.tied_embeddings:
        tail += a.vocab * d
    if a.pooler:
        tail += d * d + d
    if a.classes:
        tail += d * a.classes + a.classes
    return ParamCount(embedding + total + tail, embedding + active + tail, embedding)


# ---------------------------------------------------------------- CNNs and MLPs


@dataclass(frozen=True)
class Op:
    """One executed operator: its parameters, FLOPs (2 per multiply-accumulate) and the
    elements it reads and writes (for memory traffic)."""

    name: str
    kind: str
    params: int
    flops: int
    in_elems: int
    out_elems: int


Size = int | list[int] | tuple[int, int]


def _pair(v: Size) -> tuple[int, int]:
    if isinstance(v, int):
        return v, v
    if len(v) != 2:
        raise ValueError(f"a size is an int or [height, width], not {v!r}")
    return int(v[0]), int(v[1])


class _Tracer:
    """Walks the layer list keeping the current tensor shape (C, H, W) or (F,)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self.ops: list[Op] = []

    @property
    def elems(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    @property
    def channels(self) -> int:
        return self.shape[0]

    def _emit(self, name: str, kind: str, params: int, flops: int, new: tuple[int, ...]) -> None:
        before = self.elems
        self.shape = new
        self.ops.append(Op(name, kind, params, flops, before, self.elems))

    def conv(
        self,
        name: str,
        out: int,
        k: Size,
        stride: Size = 1,
        pad: Size | None = None,
        groups: int | str = 1,
        bias: bool = False,
        dilation: int = 1,
    ) -> None:
        """params = out * (in/groups) * kh*kw (+ out); MACs = weights * H_out * W_out.
        Sizes are an int or [height, width]; pad defaults to 'same' at stride 1."""
        c, h, w = self.shape
        g = c if groups == "all" else int(groups)
        if c % g or out % g:
            raise ValueError(f"{name}: groups={g} must divide in={c} and out={out} channels")
        (kh, kw), (sh, sw) = _pair(k), _pair(stride)
        ph, pw = ((kh - 1) // 2 * dilation, (kw - 1) // 2 * dilation) if pad is None else _pair(pad)
        ho = (h + 2 * ph - dilation * (kh - 1) - 1) // sh + 1
        wo = (w + 2 * pw - dilation * (kw - 1) - 1) // sw + 1
        if ho < 1 or wo < 1:
            raise ValueError(f"{name}: a {kh}x{kw} conv with stride {stride} does not fit {h}x{w}")
        weights = out * (c // g) * kh * kw
        self._emit(
            name, "conv", weights + (out if bias else 0), 2 * weights * ho * wo, (out, ho, wo)
        )

    def bn(self, name: str) -> None:
        self._emit(name, "norm", 2 * self.channels, 2 * self.elems, self.shape)

    def act(self, name: str, fn: str) -> None:
        self._emit(name, f"act:{fn}", 0, self.elems, self.shape)

    def pool(
        self, name: str, kind: str, k: Size, stride: Size | None = None, pad: Size = 0
    ) -> None:
        c, h, w = self.shape
        (kh, kw), (sh, sw), (ph, pw) = _pair(k), _pair(stride or k), _pair(pad)
        ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
        if ho < 1 or wo < 1:
            raise ValueError(f"{name}: a {kh}x{kw} pool does not fit {h}x{w}")
        self._emit(name, kind, 0, c * ho * wo * kh * kw, (c, ho, wo))

    def globalpool(self, name: str) -> None:
        self._emit(name, "globalpool", 0, self.elems, (self.channels, 1, 1))

    def flatten(self, name: str) -> None:
        self._emit(name, "reshape", 0, 0, (self.elems,))

    def linear(self, name: str, out: int, bias: bool = True) -> None:
        """params = in*out (+ out); MACs = in*out."""
        if len(self.shape) != 1:
            self.flatten(name + ".flatten")
        n = self.shape[0]
        self._emit(name, "linear", n * out + (out if bias else 0), 2 * n * out, (out,))

    def add(self, name: str) -> None:
        self._emit(name, "add", 0, self.elems, self.shape)

    def block(
        self, name: str, kind: str, out: int, stride: int = 1, repeat: int = 1, **o: Any
    ) -> None:
        for i in range(repeat):
            getattr(self, "_" + kind)(f"{name}.{i}", out, stride if i == 0 else 1, **o)

    def _basic(self, n: str, out: int, stride: int) -> None:
        c_in, entry = self.channels, self.shape
        self.conv(n + ".conv1", out, 3, stride)
        self.bn(n + ".bn1")
        self.act(n + ".relu1", "relu")
        self.conv(n + ".conv2", out, 3)
        self.bn(n + ".bn2")
        self._shortcut(n, entry, c_in, out, stride)
        self.act(n + ".relu2", "relu")

    def _bottleneck(self, n: str, out: int, stride: int, mid: int) -> None:
        c_in, entry = self.channels, self.shape
        self.conv(n + ".conv1", mid, 1)
        self.bn(n + ".bn1")
        self.act(n + ".relu1", "relu")
        self.conv(n + ".conv2", mid, 3, stride)
        self.bn(n + ".bn2")
        self.act(n + ".relu2", "relu")
        self.conv(n + ".conv3", out, 1)
        self.bn(n + ".bn3")
        self._shortcut(n, entry, c_in, out, stride)
        self.act(n + ".relu3", "relu")

    def _shortcut(self, n: str, entry: tuple[int, ...], c_in: int, out: int, stride: int) -> None:
        if stride != 1 or c_in != out:
            main = self.shape
            self.shape = entry
            self.conv(n + ".downsample", out, 1, stride)
            self.bn(n + ".downsample_bn")
            self.shape = main
        self.add(n + ".add")

    def _inverted_residual(
        self,
        n: str,
        out: int,
        stride: int,
        expand: float = 6,
        k: int = 3,
        se: float = 0.0,
        act: str = "relu6",
    ) -> None:
        c_in = self.channels
        hidden = round(c_in * expand)
        if expand != 1:
            self.conv(n + ".expand", hidden, 1)
            self.bn(n + ".expand_bn")
            self.act(n + ".expand_act", act)
        self.conv(n + ".depthwise", hidden, k, stride, groups="all")
        self.bn(n + ".depthwise_bn")
        self.act(n + ".depthwise_act", act)
        if se:
            reduced = max(1, int(c_in * se))
            main = self.shape
            self.globalpool(n + ".se_pool")
            self.conv(n + ".se_reduce", reduced, 1, bias=True)
            self.act(n + ".se_act", act)
            self.conv(n + ".se_expand", hidden, 1, bias=True)
            self.act(n + ".se_gate", "sigmoid")
            self.shape = main
            self._emit(n + ".se_scale", "mul", 0, self.elems, main)
        self.conv(n + ".project", out, 1)
        self.bn(n + ".project_bn")
        if stride == 1 and c_in == out:
            self.add(n + ".add")

    def _depthwise_separable(
        self, n: str, out: int, stride: int, k: int = 3, act: str = "relu"
    ) -> None:
        self.conv(n + ".depthwise", self.channels, k, stride, groups="all")
        self.bn(n + ".depthwise_bn")
        self.act(n + ".depthwise_act", act)
        self.conv(n + ".pointwise", out, 1)
        self.bn(n + ".pointwise_bn")
        self.act(n + ".pointwise_act", act)


def cnn_ops(a: CNN) -> list[Op]:
    """The operators of one forward pass on one sample, in order."""
    t = _Tracer(tuple(a.input))
    for i, layer in enumerate(a.layers):
        _apply(t, f"{i}.{layer.op}", layer)
    return t.ops


def _apply(t: _Tracer, name: str, layer: Layer) -> None:
    o = dict(layer.options)
    try:
        if layer.op == "conv":
            t.conv(name, **o)
        elif layer.op == "bn":
            if len(t.shape) == 1:
                t._emit(name, "norm", 2 * t.shape[0], 2 * t.elems, t.shape)
            else:
                t.bn(name)
        elif layer.op == "act":
            t.act(name, o["fn"])
        elif layer.op in ("maxpool", "avgpool"):
            t.pool(name, layer.op, **o)
        elif layer.op == "globalpool":
            t.globalpool(name)
        elif layer.op == "flatten":
            t.flatten(name)
        elif layer.op == "dropout":
            pass  # no work at inference
        elif layer.op == "linear":
            t.linear(name, **o)
        elif layer.op == "block":
            kind = o.pop("kind")
            t.block(name, kind, **o)
    except TypeError as e:
        raise ValueError(f"layer {name}: {e}") from None


def param_count(model: Model) -> ParamCount:
    a = model.architecture
    if isinstance(a, Transformer):
        return transformer_params(a)
    total = sum(op.params for op in cnn_ops(a))
    return ParamCount(total, total, 0)
