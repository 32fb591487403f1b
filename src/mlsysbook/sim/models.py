"""Model entries: architectures as the registry YAML describes them. Parameter
counts and FLOPs are derived from these fields (see ``architecture``), never typed in."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from mlsysbook.sim.entry import Entry, Sourced


class MoE(Entry):
    experts: int = Field(ge=1)
    active: int = Field(ge=1)
    shared: int = Field(default=0, ge=0)
    expert_ffn: int = Field(ge=1)
    dense_layers: int = Field(default=0, ge=0)  # the first layers keep a dense FFN
    dense_ffn: int | None = None
    router_bias: bool = False

    @model_validator(mode="after")
    def _active_le_experts(self) -> MoE:
        if self.active > self.experts:
            raise ValueError(f"active experts ({self.active}) exceed experts ({self.experts})")
        return self


class MLA(Entry):
    """DeepSeek's multi-head latent attention: K and V are cached as one low-rank latent."""

    q_lora_rank: int = Field(ge=0)  # 0: queries are projected directly
    kv_lora_rank: int = Field(ge=1)
    qk_nope_head_dim: int = Field(ge=1)
    qk_rope_head_dim: int = Field(ge=0)
    v_head_dim: int = Field(ge=1)


class Patch(Entry):
    size: int = Field(ge=1)
    image: int = Field(ge=1)
    channels: int = Field(default=3, ge=1)

    @property
    def count(self) -> int:
        return (self.image // self.size) ** 2

    @property
    def tokens(self) -> int:
        """The sequence a vision transformer sees: every patch plus the class token."""
        return self.count + 1


class Transformer(Entry):
    kind: Literal["transformer"]
    layers: int = Field(ge=1)
    hidden: int = Field(ge=1)
    heads: int = Field(ge=1)
    kv_heads: int | None = None
    head_dim: int | None = None
    ffn: int = Field(ge=1)
    ffn_type: Literal["swiglu", "geglu", "gelu", "relu"] = "gelu"
    vocab: int = Field(default=0, ge=0)
    max_seq_len: int = Field(default=2048, ge=1)
    norm: Literal["rmsnorm", "layernorm"] = "layernorm"
    position: Literal["rope", "learned", "alibi"] = "rope"
    tied_embeddings: bool = False
    bias: bool = False
    qkv_bias: bool = False
    encoder_only: bool = False
    pooler: bool = False
    type_vocab: int = Field(default=0, ge=0)
    patch: Patch | None = None
    classes: int = Field(default=0, ge=0)
    moe: MoE | None = None
    mla: MLA | None = None
    final_norm: bool = True

    @model_validator(mode="after")
    def _heads_divide(self) -> Transformer:
        kv = self.kv_heads or self.heads
        if self.heads % kv:
            raise ValueError(f"heads ({self.heads}) must be a multiple of kv_heads ({kv})")
        if self.head_dim is None and self.hidden % self.heads:
            raise ValueError(f"hidden ({self.hidden}) is not divisible by heads ({self.heads})")
        return self

    @property
    def n_kv_heads(self) -> int:
        return self.kv_heads or self.heads

    @property
    def d_head(self) -> int:
        return self.head_dim or self.hidden // self.heads

    @property
    def gated(self) -> bool:
        return self.ffn_type in ("swiglu", "geglu")


# One CNN/MLP layer: a single key naming the op, mapped to its options.
Activation = Literal["relu", "relu6", "swish", "sigmoid", "hswish", "gelu", "tanh"]
LAYER_OPS = frozenset(
    {
        "conv",
        "bn",
        "act",
        "maxpool",
        "avgpool",
        "block",
        "globalpool",
        "flatten",
        "dropout",
        "linear",
    }
)
BLOCK_KINDS = frozenset({"basic", "bottleneck", "inverted_residual", "depthwise_separable"})


class Layer(Entry):
    op: str
    options: dict[str, Any]


def _one_key(item: object) -> Layer:
    if not isinstance(item, dict) or len(item) != 1:
        raise ValueError("each layer is one key naming the op, e.g. {conv: {out: 64, k: 3}}")
    ((op, options),) = item.items()
    if op not in LAYER_OPS:
        raise ValueError(f"unknown layer op {op!r}; known: {', '.join(sorted(LAYER_OPS))}")
    if op == "act":
        options = {"fn": options}
    options = dict(options or {})
    if op == "block" and options.get("kind") not in BLOCK_KINDS:
        raise ValueError(f"block kind must be one of {', '.join(sorted(BLOCK_KINDS))}")
    return Layer(op=op, options=options)


class CNN(Entry):
    kind: Literal["cnn"]
    input: tuple[int, ...] = Field(min_length=1, max_length=3)
    layers: tuple[Layer, ...] = Field(min_length=1)

    @field_validator("layers", mode="before")
    @classmethod
    def _parse_layers(cls, v: object) -> object:
        if not isinstance(v, list):
            raise ValueError("layers must be a list")
        return [x if isinstance(x, Layer) else _one_key(x) for x in v]


Task = Literal[
    "causal-lm",
    "masked-lm",
    "image-classification",
    "keyword-spotting",
    "anomaly-detection",
    "visual-wake-words",
    "object-detection",
    "speech",
]


class Model(Sourced):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.\-_/]*$")
    aliases: tuple[str, ...] = ()
    family: str = ""
    task: Task
    year: int = Field(ge=1980, le=2100)
    architecture: Annotated[Transformer | CNN, Field(discriminator="kind")]
    published_params: float = Field(gt=0)
    published_active_params: float | None = None

    @property
    def is_language_model(self) -> bool:
        return self.task == "causal-lm"
