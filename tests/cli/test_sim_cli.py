"""`mlsysbook sim`: names, tables, JSON and exit codes."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlsysbook.cli.main import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["sim", *args])
    return r.exit_code, r.output


def test_zoo_lists_hardware_and_models() -> None:
    code, out = run("zoo", "hardware")
    assert code == 0 and "H100-SXM" in out and "Arduino" in out
    code, out = run("zoo", "models", "--filter", "llama")
    assert code == 0 and "Llama-3.1-405B" in out and "ResNet" not in out
    code, out = run("zoo", "models", "-o", "json")
    rows = json.loads(out)
    assert len(rows) >= 30 and all("params" in r and "source" in r for r in rows)
    code, out = run("zoo", "hardware", "--filter", "h100", "-o", "json")
    h100 = next(r for r in json.loads(out) if r["name"] == "H100-SXM")
    assert h100["peak_16bit_tflop_per_s"] == 989.4 and h100["memory_bandwidth_gb_per_s"] == 3350
    assert h100["compute_units"] == 132 and h100["tdp_w"] == 700


def test_eval_llm_json_fields_end_in_units() -> None:
    code, out = run(
        "eval",
        "Llama-3.1-8B",
        "H100-SXM",
        "--batch-size",
        "32",
        "--seq-len",
        "4096",
        "--output-len",
        "128",
        "-o",
        "json",
    )
    assert code == 0, out
    data = json.loads(out)
    for key in ("ttft_ms", "itl_ms", "e2e_ms", "throughput_tokens_per_s", "memory_gb"):
        assert isinstance(data[key], float) and data[key] > 0
    assert data["bottleneck"] in ("compute", "memory", "overhead")


def test_eval_table_and_other_models() -> None:
    code, out = run("eval", "llama3-8b", "h100")
    assert code == 0 and "time to first token" in out and "bottleneck" in out
    code, out = run("eval", "resnet50", "a100-80gb", "-b", "64", "-o", "json")
    data = json.loads(out)
    assert code == 0 and data["latency_ms"] > 0 and data["throughput_samples_per_s"] > 0


def test_eval_exit_codes() -> None:
    code, out = run("eval", "llama3-8x", "h100")
    assert code == 2 and "Did you mean" in out and "Llama-3-8B" in out
    code, out = run("eval", "llama3-8b", "h100", "--precision", "fp7")
    assert code == 2 and "unknown precision" in out
    code, out = run("eval", "llama3-8b", "h100", "--seq-len", "9000")
    assert code == 2 and "handles 8192 tokens" in out
    code, out = run("eval", "llama3-70b", "h100")
    assert code == 4 and "does not fit" in out and "80 GB of memory" in out
    code, _ = run("eval", "llama3-70b", "h100", "--devices", "2")
    assert code == 0


def test_sweep_table_json_and_errors() -> None:
    code, out = run("sweep", "llama3-8b", "h100", "--seq-len", "4096")
    assert code == 0 and "largest batch that fits:" in out and "TTFT ms" in out
    code, out = run(
        "sweep", "llama3-8b", "h100", "-b", "1..64", "--seq-len", "128,1024", "-o", "json"
    )
    rows = json.loads(out)
    assert code == 0 and len(rows) == 128
    small = [r for r in rows if r["seq_len_tokens"] == 128]
    assert all(
        a["throughput_tokens_per_s"] <= b["throughput_tokens_per_s"]
        for a, b in itertools.pairwise(small)
    )
    code, out = run("sweep", "resnet50", "t4", "-b", "1,8,64", "-o", "json")
    assert code == 0 and "seq_len_tokens" not in out and "throughput_samples_per_s" in out
    for bad in ("0..3", "a..b", "", "5..1"):
        code, out = run("sweep", "llama3-8b", "h100", "-b", bad)
        assert code == 2 and "error:" in out, bad


def test_parse_range() -> None:
    from mlsysbook.cli.sim import parse_range

    assert parse_range("1..4") == [1, 2, 3, 4]
    assert parse_range("1,8,64") == [1, 8, 64]
    assert parse_range("32") == [32]


def test_validate_reports_every_point() -> None:
    code, out = run("validate", "-o", "json")
    assert code == 0
    data = json.loads(out)
    assert data["summary"]["points"] >= 24 and data["summary"]["scored"] >= 20
    for p in data["points"]:
        assert p["source"] and p["measured"] > 0
        if p["predicted"] is not None:
            expected = (p["predicted"] - p["measured"]) / p["measured"] * 100
            assert p["error_percent"] == pytest.approx(expected, abs=0.2)
    code, out = run("validate")
    assert code == 0 and "median |error|" in out


def test_eval_training_mode() -> None:
    code, out = run(
        "eval",
        "gpt2",
        "a100-sxm-80gb",
        "--mode",
        "training",
        "-b",
        "16",
        "--seq-len",
        "1024",
        "-o",
        "json",
    )
    data = json.loads(out)
    assert code == 0 and data["mode"] == "training"
    for key in (
        "step_time_ms",
        "throughput_samples_per_s",
        "throughput_tokens_per_s",
        "mfu",
        "memory_per_device_gb",
    ):
        assert data[key] > 0
    code, out = run("eval", "resnet50", "v100", "--mode", "training", "-b", "256", "-o", "json")
    data = json.loads(out)
    assert code == 0 and "throughput_tokens_per_s" not in data and data["mfu"] > 0
    code, out = run("eval", "llama3-70b", "h100", "--mode", "training")
    assert code == 4 and "optimizer" in out
    code, out = run("eval", "gpt2", "h100", "--mode", "training", "--optimizer", "lion")
    assert code == 2 and "unknown optimizer" in out


def test_run_scenarios_and_exit_codes(tmp_path: Path) -> None:
    ok = tmp_path / "ok.yaml"
    ok.write_text(
        "model: llama3-8b\nhardware: h100\nbatch: 4\nseq_len: 1024\noutput_len: 64\n"
        "constraints:\n  - assert: fits\n  - assert: ttft_ms < 100000\n"
    )
    code, out = run("run", str(ok), "-o", "json")
    assert code == 0 and all(c["passed"] for c in json.loads(out)["constraints"])
    slow = tmp_path / "slow.yaml"
    slow.write_text("model: llama3-8b\nhardware: h100\nconstraints:\n  - assert: ttft_ms < 0.001\n")
    code, out = run("run", str(slow))
    assert code == 3 and "FAIL assert ttft_ms < 0.001" in out
    big = tmp_path / "big.yaml"
    big.write_text("model: llama3-70b\nhardware: h100\n")
    code, out = run("run", str(big))
    assert code == 4 and "does not fit" in out
    train = tmp_path / "train.yaml"
    train.write_text(
        "model: gpt2\nhardware: a100-sxm-80gb\nmode: training\nbatch: 8\n"
        "seq_len: 1024\nconstraints:\n  - assert: mfu > 0.1\n"
    )
    code, out = run("run", str(train))
    assert code == 0 and "model FLOPs utilisation" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: llama3-8b\nhardware: h100\nconstraints:\n  - assert: speed > 1\n")
    code, out = run("run", str(bad))
    assert code == 2 and "no field 'speed'" in out
    code, out = run("schema")
    assert code == 0 and json.loads(out)["title"] == "MLSysBook scenario"


def test_serve_command() -> None:
    code, out = run(
        "serve",
        "llama3-8b",
        "h100",
        "--seq-len",
        "1024",
        "--output-len",
        "256",
        "--rate",
        "5",
        "--sla-ms",
        "10000",
        "-o",
        "json",
    )
    data = json.loads(out)
    assert code == 0 and data["max_batch"] > 1 and data["p99_ms"] > data["unloaded_e2e_ms"]
    assert data["sla_batch_latency_ms"] <= 10000
    code, out = run("serve", "llama3-8b", "h100")
    assert code == 0 and "capacity tokens per s" in out
    code, out = run("serve", "llama3.1-405b", "h100")
    assert code == 4 and "does not fit" in out
    code, out = run("serve", "llama3-8b", "h100", "--sla-ms", "100")
    assert code == 2 and "request rate" in out


def test_sweep_plots(tmp_path: Path) -> None:
    svg, html = tmp_path / "c.svg", tmp_path / "c.html"
    code, _ = run("sweep", "llama3-8b", "h100", "-b", "1..32", "--plot", str(svg))
    assert code == 0 and "<svg" in svg.read_text() and "batch 32" in svg.read_text()
    code, _ = run("sweep", "resnet50", "t4", "-b", "1,8,64", "--plot", str(html), "-o", "json")
    text = html.read_text()
    assert code == 0 and "Plotly.newPlot" in text and "http" not in text.split("<script>")[0]
    png = tmp_path / "c.png"
    code, _ = run("sweep", "mobilenetv2", "a17-pro", "-p", "int8", "-b", "1..8", "--plot", str(png))
    assert code == 0 and png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 10_000
    code, out = run("sweep", "llama3-8b", "h100", "--plot", str(tmp_path / "c.gif"))
    assert code == 2 and "FILE.png" in out


def test_eval_engine_option() -> None:
    code, out = run("eval", "resnet50", "t4", "-p", "fp16", "--engine", "eager", "-o", "json")
    eager = json.loads(out)["latency_ms"]
    code2, out2 = run("eval", "resnet50", "t4", "-p", "fp16", "-o", "json")
    assert code == code2 == 0 and eager > json.loads(out2)["latency_ms"]
    code, out = run("eval", "resnet50", "t4", "--engine", "turbo")
    assert code == 2 and "unknown engine" in out


def test_tables_keep_every_column_in_a_narrow_terminal() -> None:
    for args, headers in (
        (["validate"], ["reference", "metric", "predicted", "measured", "error"]),
        (["zoo", "hardware"], ["name", "class", "year", "peak", "memory", "bandwidth", "TDP"]),
    ):
        r = runner.invoke(app, ["sim", *args], env={"COLUMNS": "80"})
        assert r.exit_code == 0
        lines = r.output.splitlines()
        assert max(map(len, lines)) <= 80
        header = next(line for line in lines if headers[0] in line and headers[-1] in line)
        assert all(h in header for h in headers), header
    out = runner.invoke(app, ["sim", "validate"], env={"COLUMNS": "80"}).output
    assert len(re.findall(r"[+-]\d+\.\d%", out)) >= 40  # every scored error, whole
