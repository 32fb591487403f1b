"""The shipped registries' invariants, and a user's own registry directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlsysbook.sim import evaluate, param_count
from mlsysbook.sim import registry as reg
from mlsysbook.sim.registry import (
    RegistryError,
    UnknownName,
    hardware,
    hardware_catalog,
    model,
    model_catalog,
)


@pytest.fixture(autouse=True)
def fresh_catalogs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(reg.ENV, raising=False)
    reg._cached_hardware.cache_clear()
    reg._cached_models.cache_clear()
    yield
    reg._cached_hardware.cache_clear()
    reg._cached_models.cache_clear()


REQUIRED_HARDWARE = [
    "V100",
    "A100-40GB",
    "A100-80GB",
    "H100-SXM",
    "H100-PCIe",
    "H200",
    "B200",
    "MI300X",
    "TPU-v4",
    "TPU-v5e",
    "TPU-v5p",
    "Gaudi-2",
    "Gaudi-3",
    "Jetson-Orin-Nano",
    "Jetson-Orin-NX",
    "Jetson-AGX-Orin",
    "Coral-Edge-TPU",
    "Apple-M2",
    "Apple-M4",
    "Arduino-Nano-33-BLE-Sense",
    "Nicla-Vision",
    "XIAO-ESP32S3",
    "Grove-Vision-AI-V2",
    "Raspberry-Pi-4",
    "Raspberry-Pi-5",
    "STM32F746G-DISCO",
]
REQUIRED_MODELS = [
    "GPT-2",
    "GPT-3",
    "Llama-2-7B",
    "Llama-2-13B",
    "Llama-2-70B",
    "Llama-3-8B",
    "Llama-3-70B",
    "Llama-3.1-8B",
    "Llama-3.1-70B",
    "Llama-3.1-405B",
    "Mistral-7B",
    "Mixtral-8x7B",
    "DeepSeek-V3",
    "BERT-base",
    "BERT-large",
    "ViT-B/16",
    "ResNet-18",
    "ResNet-50",
    "MobileNetV1",
    "MobileNetV2",
    "EfficientNet-B0",
    "DS-CNN",
    "ResNet-8",
]


def test_enough_hardware_with_sources() -> None:
    cat = hardware_catalog()
    assert len(cat) >= 40
    assert {h.hw_class for h in cat} == {"cloud", "edge", "mobile", "tiny"}
    for h in cat:
        assert h.source and h.source_date, h.name
        assert h.memory.capacity.magnitude > 0 and h.memory.bandwidth.magnitude > 0, h.name
        if h.vendor in ("NVIDIA", "AMD") and h.hw_class in ("cloud", "edge"):
            assert h.compute_units, f"{h.name}: GPUs need compute_units (SMs/CUs)"


@pytest.mark.parametrize("name", REQUIRED_HARDWARE)
def test_required_hardware_is_found_by_loose_names(name: str) -> None:
    assert hardware(name) is hardware(name.lower().replace("-", " "))


def test_enough_models_and_each_derived_count_is_within_1_percent() -> None:
    cat = model_catalog()
    assert len(cat) >= 30
    off = []
    for m in cat:
        derived = param_count(m).total
        if abs(derived - m.published_params) / m.published_params > 0.01:
            off.append(f"{m.name}: derived {derived:,} vs published {m.published_params:,.0f}")
    assert not off, "\n".join(off)


def test_moe_active_params_match_published() -> None:
    for m in model_catalog():
        if m.published_active_params:
            active = param_count(m).active
            assert abs(active - m.published_active_params) / m.published_active_params < 0.02, (
                m.name
            )


@pytest.mark.parametrize("name", REQUIRED_MODELS)
def test_required_models_exist(name: str) -> None:
    assert model(name).source


def test_aliases_and_did_you_mean() -> None:
    assert hardware("h100") is hardware("H100-SXM")
    assert model("llama3-8b") is model("Llama-3-8B")
    with pytest.raises(UnknownName, match="Did you mean: H100") as e:
        hardware("H10O")
    assert "mlsysbook sim zoo hardware" in str(e.value)
    with pytest.raises(UnknownName, match="Unknown model 'zzzz'"):
        model("zzzz")


def _write(root: Path, kind: str, text: str) -> Path:
    (root / kind).mkdir(parents=True, exist_ok=True)
    path = root / kind / "mine.yaml"
    path.write_text(text)
    return path


BOARD = """
- name: MyBoard
  aliases: [my-board-v1]
  vendor: Me
  class: tiny
  year: 2025
  peak_flops: {fp32: "100 MFLOP/s"}
  memory: {capacity: "512 KiB", bandwidth: "400 MB/s"}
  tdp: "300 mW"
  source: "bench notes"
  source_date: 2025-01-02
"""


def test_user_registry_adds_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "hardware", BOARD)
    monkeypatch.setenv(reg.ENV, str(tmp_path))
    board = hardware("my board v1")
    assert board.memory.capacity.to("B").magnitude == 512 * 1024
    assert board.source_date == "2025-01-02"
    assert len(hardware_catalog()) >= 41


def test_the_documented_hardware_entry_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "simulator.md").read_text(encoding="utf-8")
    example = doc.split("## Adding your own hardware", 1)[1].split("```yaml\n", 1)[1]
    _write(tmp_path, "hardware", example.split("```", 1)[0])
    monkeypatch.setenv(reg.ENV, str(tmp_path))
    mine = hardware("myacc")
    assert mine.compute_units == 16 and mine.peak_rate("int8") == 240e12
    assert evaluate("resnet50", mine, precision="int8").latency_s > 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- name: [unclosed\n", r"line \d+: not valid YAML"),
        ("name: MyBoard\n", "expected a list"),
        (BOARD.replace('"512 KiB"', '"512"'), r"entry 1 \(MyBoard\): memory.capacity"),
        (BOARD.replace("class: tiny", "class: huge"), "class"),
        (BOARD.replace('  source: "bench notes"\n', ""), "source"),
        (BOARD.replace("vendor: Me", "vendor: Me\n  colour: red"), "colour"),
        (BOARD.replace("my-board-v1", "h100"), "already used by"),
    ],
)
def test_bad_user_registry_gets_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    path = _write(tmp_path, "hardware", text)
    monkeypatch.setenv(reg.ENV, str(tmp_path))
    with pytest.raises(RegistryError, match=message) as e:
        hardware_catalog()
    if "already used by" not in message:
        assert str(path) in str(e.value)


def test_missing_user_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(reg.ENV, str(tmp_path / "nope"))
    with pytest.raises(RegistryError, match="not a directory"):
        hardware_catalog()


def test_registry_yaml_cache_is_invalidated_by_edits(tmp_path: Path) -> None:
    from mlsysbook.yamlfile import cache_dir, load_yaml_cached

    path = tmp_path / "x.yaml"
    path.write_text("- name: A\n  n: 1\n")
    assert load_yaml_cached(path, ValueError) == [{"name": "A", "n": 1}]
    assert list((cache_dir() / "yaml").glob("*.json"))  # written once parsed
    assert load_yaml_cached(path, ValueError) == [{"name": "A", "n": 1}]  # hit
    path.write_text("- name: B\n  n: 22\n")
    assert load_yaml_cached(path, ValueError) == [{"name": "B", "n": 22}]
    path.write_text("{1: a}\n")  # integer keys cannot round-trip through JSON
    assert load_yaml_cached(path, ValueError) == {1: "a"}
    assert load_yaml_cached(path, ValueError) == {1: "a"}
    path.write_text("- [unclosed\n")
    with pytest.raises(ValueError, match="line"):
        load_yaml_cached(path, ValueError)
