"""Parameter counts against hand calculations."""

from __future__ import annotations

from typing import Any

import pytest

from mlsysbook.sim.architecture import cnn_ops, transformer_params
from mlsysbook.sim.models import CNN, Transformer


def tf(**kw: Any) -> Transformer:
    return Transformer.model_validate({"kind": "transformer", **kw})


def test_llama3_8b_by_hand() -> None:
    a = tf(
        layers=32,
        hidden=4096,
        heads=32,
        kv_heads=8,
        ffn=14336,
        ffn_type="swiglu",
        vocab=128256,
        norm="rmsnorm",
    )
    d, kv_dim, f, v = 4096, 8 * 128, 14336, 128256
    per_layer = (d * d + 2 * d * kv_dim + d * d) + 3 * d * f + 2 * d
    expected = v * d + 32 * per_layer + d + v * d
    assert transformer_params(a).total == expected == 8_030_261_248


def test_gpt2_small_with_biases_learned_positions_and_tied_head() -> None:
    a = tf(
        layers=12,
        hidden=768,
        heads=12,
        ffn=3072,
        ffn_type="gelu",
        vocab=50257,
        max_seq_len=1024,
        norm="layernorm",
        position="learned",
        tied_embeddings=True,
        bias=True,
    )
    d, f = 768, 3072
    per_layer = (4 * d * d + 4 * d) + (2 * d * f + f + d) + 2 * 2 * d
    expected = 50257 * d + 1024 * d + 12 * per_layer + 2 * d
    assert transformer_params(a).total == expected == 124_439_808


def test_moe_counts_total_and_active_experts() -> None:
    a = tf(
        layers=2,
        hidden=8,
        heads=2,
        ffn=16,
        ffn_type="swiglu",
        vocab=10,
        norm="rmsnorm",
        moe={"experts": 4, "active": 1, "expert_ffn": 16},
    )
    attn, norms, expert, router = 4 * 8 * 8, 2 * 8, 3 * 8 * 16, 8 * 4
    base = 10 * 8 + 8 + 10 * 8
    p = transformer_params(a)
    assert p.total == base + 2 * (attn + norms + 4 * expert + router)
    assert p.active == base + 2 * (attn + norms + 1 * expert + router)


def test_mla_attention_by_hand() -> None:
    a = tf(
        layers=1,
        hidden=16,
        heads=2,
        ffn=8,
        ffn_type="swiglu",
        vocab=0,
        norm="rmsnorm",
        mla={
            "q_lora_rank": 4,
            "kv_lora_rank": 3,
            "qk_nope_head_dim": 5,
            "qk_rope_head_dim": 2,
            "v_head_dim": 6,
        },
        final_norm=False,
    )
    q = 16 * 4 + 4 + 4 * 2 * (5 + 2)
    kv = 16 * (3 + 2) + 3 + 3 * 2 * (5 + 6)
    o = 2 * 6 * 16
    assert transformer_params(a).total == q + kv + o + 3 * 16 * 8 + 2 * 16


def test_gqa_needs_whole_groups() -> None:
    with pytest.raises(ValueError, match="multiple of kv_heads"):
        tf(layers=1, hidden=64, heads=8, kv_heads=3, ffn=8)


def cnn(input: list[int], layers: list[dict[str, Any]]) -> CNN:
    return CNN.model_validate({"kind": "cnn", "input": input, "layers": layers})


def test_conv_params_flops_and_shape_by_hand() -> None:
    ops = cnn([3, 32, 32], [{"conv": {"out": 16, "k": 3, "stride": 2, "bias": True}}])
    (op,) = ops_of(ops)
    assert op.params == 16 * 3 * 3 * 3 + 16
    assert op.out_elems == 16 * 16 * 16  # 'same' padding, stride 2
    assert op.flops == 2 * (16 * 3 * 9) * 16 * 16


def ops_of(a: CNN) -> list[Any]:
    return cnn_ops(a)


def test_depthwise_conv_uses_groups() -> None:
    (op,) = ops_of(cnn([8, 10, 10], [{"conv": {"out": 8, "k": 3, "groups": "all"}}]))
    assert op.params == 8 * 1 * 9 and op.flops == 2 * 8 * 9 * 100


def test_resnet18_matches_torchvision_exactly() -> None:
    a = cnn(
        [3, 224, 224],
        [
            {"conv": {"out": 64, "k": 7, "stride": 2, "pad": 3}},
            {"bn": {}},
            {"act": "relu"},
            {"maxpool": {"k": 3, "stride": 2, "pad": 1}},
            {"block": {"kind": "basic", "out": 64, "repeat": 2}},
            {"block": {"kind": "basic", "out": 128, "stride": 2, "repeat": 2}},
            {"block": {"kind": "basic", "out": 256, "stride": 2, "repeat": 2}},
            {"block": {"kind": "basic", "out": 512, "stride": 2, "repeat": 2}},
            {"globalpool": {}},
            {"linear": {"out": 1000}},
        ],
    )
    ops = ops_of(a)
    assert sum(o.params for o in ops) == 11_689_512
    macs = sum(o.flops for o in ops if o.kind in ("conv", "linear")) / 2
    assert macs == pytest.approx(1.814e9, rel=0.01)  # the published 1.8 GMACs


def test_mlp_with_batchnorm() -> None:
    ops = ops_of(
        cnn(
            [640], [{"linear": {"out": 128}}, {"bn": {}}, {"act": "relu"}, {"linear": {"out": 640}}]
        )
    )
    assert sum(o.params for o in ops) == 640 * 128 + 128 + 2 * 128 + 128 * 640 + 640


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([{"conv": {"out": 8, "k": 3}, "bn": {}}], "one key"),
        ([{"transpose": {}}], "unknown layer op"),
        ([{"block": {"kind": "dense"}}], "block kind"),
        (["conv"], "one key"),
    ],
)
def test_malformed_layers_are_rejected(layers: list[Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cnn([3, 8, 8], layers)


def test_impossible_shapes_are_explained() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        ops_of(cnn([3, 4, 4], [{"conv": {"out": 8, "k": 7, "pad": 0}}]))
    with pytest.raises(ValueError, match=r"unexpected keyword|layer"):
        ops_of(cnn([3, 8, 8], [{"conv": {"out": 8, "k": 3, "colour": "red"}}]))
