"""`mlsysbook sim`: the analytical simulator from the command line."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from mlsysbook.cli.common import fail

app = typer.Typer(
    help="Model: analytical simulator of ML workloads on real hardware.", no_args_is_help=True
)


class ZooKind(StrEnum):
    hardware = "hardware"
    models = "models"


class Output(StrEnum):
    table = "table"
    json = "json"


OUTPUT = typer.Option(Output.table, "--output", "-o", help="table or json.")


@app.command()
def zoo(
    kind: ZooKind = typer.Argument(..., help="hardware or models."),
    filter_text: str | None = typer.Option(None, "--filter", help="Keep entries mentioning TEXT."),
    output: Output = OUTPUT,
) -> None:
    """List the hardware or models the simulator knows (with your own registry)."""
    from mlsysbook.sim import RegistryError, hardware_catalog, model_catalog

    try:
        catalog = hardware_catalog() if kind is ZooKind.hardware else model_catalog()
    except RegistryError as e:
        fail(str(e))
    entries = catalog.filter(filter_text) if filter_text else list(catalog)
    if output is Output.json:
        rows = [_hardware_row(e) if kind is ZooKind.hardware else _model_row(e) for e in entries]
        typer.echo(json.dumps(rows, indent=2))
    elif kind is ZooKind.hardware:
        _hardware_table(entries)
    else:
        _model_table(entries)


def _compact(q: Any) -> str:
    return "-" if q is None else f"{q.to_compact():.4g~P}"


def _hardware_row(h: Any) -> dict[str, Any]:
    peak = {str(p): _sig(v / 1e12) for p, v in h.peak_flop_per_s.items()}
    best16 = peak.get("bf16", peak.get("fp16"))
    return {
        "name": h.name,
        "vendor": h.vendor,
        "class": h.hw_class,
        "year": h.year,
        "peak_tflop_per_s": peak,
        "peak_16bit_tflop_per_s": best16,
        "memory_gb": _sig(h.memory.capacity_bytes / 1e9),
        "memory_bandwidth_gb_per_s": _sig(h.memory.bandwidth_bytes_per_s / 1e9),
        "tdp_w": _sig(h.tdp_w) if h.tdp_w is not None else None,
        "compute_units": h.compute_units,
        "aliases": list(h.aliases),
        "source": h.source,
        "source_date": h.source_date,
    }


def _model_row(m: Any) -> dict[str, Any]:
    from mlsysbook.sim import param_count

    p = param_count(m)
    return {
        "name": m.name,
        "family": m.family,
        "task": m.task,
        "year": m.year,
        "architecture": m.architecture.kind,
        "params": p.total,
        "active_params": p.active,
        "published_params": int(m.published_params),
        "aliases": list(m.aliases),
        "source": m.source,
        "source_date": m.source_date,
    }


def _hardware_table(entries: list[Any]) -> None:
    rows = []
    for h in entries:
        precision = next(
            (p for p in ("bf16", "fp16", "int8", "fp32") if p in h.peak_flops),
            next(iter(h.peak_flops)),
        )
        rows.append(
            [
                h.name,
                h.hw_class,
                str(h.year),
                f"{_compact(h.peak(precision))} {precision}",
                _compact(h.memory.capacity),
                _compact(h.memory.bandwidth),
                _compact(h.tdp),
            ]
        )
    _print(
        f"{len(rows)} hardware",
        ["name", "class", "year", "peak", "memory", "bandwidth", "TDP"],
        rows,
    )


def _model_table(entries: list[Any]) -> None:
    from mlsysbook.sim import param_count

    rows = []
    for m in entries:
        p = param_count(m)
        active = _fmt(p.active) if p.active != p.total else ""
        rows.append([m.name, m.task, str(m.year), _fmt(p.total), active])
    _print(f"{len(rows)} models", ["name", "task", "year", "params", "active"], rows)


def _print(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for i, c in enumerate(columns):
        # A narrow terminal wraps cells (names fold anywhere) instead of cutting a figure
        # short or leaving a column out.
        table.add_column(c, justify="left" if i < 2 else "right", overflow="fold")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def _fmt(count: int) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if count >= scale:
            return f"{count / scale:.3g} {suffix}"
    return str(count)


EXIT_INFEASIBLE = 4


class Mode(StrEnum):
    inference = "inference"
    training = "training"


@app.command("eval")
def eval_cmd(
    model: str = typer.Argument(..., help="Model name or alias, e.g. llama3-8b."),
    hardware: str = typer.Argument(..., help="Hardware name or alias, e.g. h100."),
    batch_size: int = typer.Option(1, "--batch-size", "-b", min=1, help="Sequences or samples."),
    seq_len: int = typer.Option(512, "--seq-len", min=1, help="Prompt (input) tokens."),
    output_len: int = typer.Option(1, "--output-len", min=1, help="Generated tokens."),
    precision: str = typer.Option(
        "bf16", "--precision", "-p", help="fp32, bf16, fp16, fp8, int8 or int4 (weights)."
    ),
    devices: int = typer.Option(1, "--devices", "-n", min=1, help="Devices, tensor-parallel."),
    mode: Mode = typer.Option(Mode.inference, "--mode", help="inference or training."),
    optimizer: str = typer.Option("adam", help="Training: adam, sgd-momentum or sgd."),
    recompute: bool = typer.Option(False, help="Training: recompute activations in backward."),
    engine: str = typer.Option(
        "optimized", help="Inference: optimized (fused engine) or eager (e.g. plain PyTorch)."
    ),
    output: Output = OUTPUT,
) -> None:
    """Latency, throughput, memory and the bottleneck of one workload."""
    from mlsysbook.sim.errors import USER_ERRORS, message
    from mlsysbook.sim.evaluate import evaluate
    from mlsysbook.sim.training import train_step

    result: Any
    try:
        if mode is Mode.training:
            result = train_step(
                model,
                hardware,
                batch=batch_size,
                seq_len=seq_len,
                precision=precision,
                devices=devices,
                optimizer=optimizer,  # type: ignore[arg-type]
                recompute=recompute,
            )
        else:
            result = evaluate(
                model,
                hardware,
                batch=batch_size,
                seq_len=seq_len,
                output_len=output_len,
                precision=precision,
                devices=devices,
                engine=engine,
            )
    except USER_ERRORS as e:
        fail(message(e))
    if output is Output.json:
        typer.echo(json.dumps(result.to_json(), indent=2))
    elif mode is Mode.training:
        _training_table(result)
    else:
        _result_table(result)
    if not result.fits:
        fail(_not_fitting(result), EXIT_INFEASIBLE)


def _training_table(r: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    title = f"Training {r.model} on {r.devices} x {r.hardware} ({r.precision}), batch {r.batch}" + (
        f" x {r.seq_len} tokens" if r.language_model else ""
    )
    t = Table(title=title, title_justify="left", show_header=False)
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_row("step time", f"{r.step_s * 1e3:,.4g} ms")
    t.add_row(
        "throughput",
        f"{r.samples_per_s:,.4g} samples/s"
        + (f", {r.tokens_per_s:,.0f} tokens/s" if r.language_model else ""),
    )
    t.add_row("model FLOPs utilisation", f"{r.mfu:.1%}")
    m = r.memory
    t.add_row(
        "memory per device",
        f"{_size(m.total_bytes)} of {_size(r.capacity_bytes)}"
        + ("" if r.fits else "  (does not fit)"),
    )
    t.add_row(
        "  weights / grads / optimizer / activations",
        " / ".join(
            f"{x / 1e9:.3g}"
            for x in (m.weights_bytes, m.gradient_bytes, m.optimizer_bytes, m.activation_bytes)
        )
        + " GB",
    )
    t.add_row("bottleneck", r.bottleneck)
    Console().print(t)


def _show(mag: float, unit: str) -> str:
    """4 significant digits without scientific notation for everyday magnitudes."""
    text = f"{mag:,.0f}" if 1e4 <= abs(mag) < 1e12 else f"{mag:.4g}"
    return f"{text} {unit}"


def _result_table(r: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    title = f"{r.model} on {r.devices} x {r.hardware} ({r.precision}), batch {r.batch}" + (
        f", {r.seq_len} in / {r.output_len} out tokens" if r.language_model else ""
    )
    t = Table(title=title, title_justify="left", show_header=False)
    t.add_column("figure")
    t.add_column("value", justify="right")
    if r.language_model:
        t.add_row("time to first token", _show(r.ttft_s * 1e3, "ms"))
        t.add_row("inter-token latency", _show(r.itl_s * 1e3, "ms"))
        t.add_row("end-to-end latency", _show(r.latency_s * 1e3, "ms"))
    else:
        t.add_row("latency", _show(r.latency_s * 1e3, "ms"))
    unit = "token/s" if r.language_model else "sample/s"
    t.add_row("throughput", _show(r.throughput_per_s, unit))
    m = r.memory
    t.add_row(
        "memory per device",
        f"{_size(m.total_bytes)} of {_size(r.capacity_bytes)}"
        + (f" (+ {_size(r.flash_bytes)} flash)" if r.flash_bytes else "")
        + ("" if r.fits else "  (does not fit)"),
    )
    t.add_row(
        "  weights / KV cache / activations",
        " / ".join(_size(x) for x in (m.weights_bytes, m.kv_cache_bytes, m.activation_bytes)),
    )
    t.add_row("bottleneck", r.bottleneck)
    Console().print(t)


def parse_range(text: str) -> list[int]:
    """``1..256`` (every integer), ``1,2,4,8`` or ``32``."""
    try:
        if ".." in text:
            lo, hi = (int(x) for x in text.split("..", 1))
            values = list(range(lo, hi + 1))
        else:
            values = [int(x) for x in text.split(",")]
    except ValueError:
        raise ValueError(f"{text!r} is not a range: write 1..256, 1,2,4,8 or 32") from None
    if not values or min(values) < 1 or len(values) > 100_000:
        raise ValueError(f"{text!r} must hold 1 to 100,000 values, each at least 1")
    return values


@app.command("sweep")
def sweep_cmd(
    model: str = typer.Argument(..., help="Model name or alias."),
    hardware: str = typer.Argument(..., help="Hardware name or alias."),
    batch_size: str = typer.Option("1..256", "--batch-size", "-b", help="1..256, 1,2,4 or 8."),
    seq_len: str = typer.Option("512", "--seq-len", help="Prompt tokens: a value or a range."),
    output_len: int = typer.Option(128, "--output-len", min=1, help="Generated tokens."),
    precision: str = typer.Option("bf16", "--precision", "-p", help="Weights' format."),
    devices: int = typer.Option(1, "--devices", "-n", min=1, help="Devices, tensor-parallel."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Also draw the curve: FILE.html (interactive), .png, .svg or .pdf."
    ),
    output: Output = OUTPUT,
) -> None:
    """The latency-throughput curve over batch sizes (and prompt lengths)."""
    if plot is not None and plot.suffix.lower() not in (".html", ".png", ".svg", ".pdf"):
        fail(f"--plot {plot}: write FILE.html (interactive), FILE.png, FILE.svg or FILE.pdf")
    from mlsysbook.sim.errors import USER_ERRORS, message
    from mlsysbook.sim.evaluate import sweep

    try:
        r = sweep(
            model,
            hardware,
            parse_range(batch_size),
            parse_range(seq_len),
            output_len=output_len,
            precision=precision,
            devices=devices,
        )
    except USER_ERRORS as e:
        fail(message(e))
    rows = [
        {
            "batch_size": int(r.batch[i]),
            **({"seq_len_tokens": int(r.seq_len[i])} if r.language_model else {}),
            ("e2e_ms" if r.language_model else "latency_ms"): _sig(r.latency_s[i] * 1e3),
            **(
                {"ttft_ms": _sig(r.ttft_s[i] * 1e3), "itl_ms": _sig(r.itl_s[i] * 1e3)}
                if r.language_model
                else {}
            ),
            ("throughput_tokens_per_s" if r.language_model else "throughput_samples_per_s"): _sig(
                r.throughput_per_s[i]
            ),
            "memory_gb": _sig(r.memory_bytes[i] / 1e9),
            "fits": bool(r.fits[i]),
        }
        for i in range(len(r.batch))
    ]
    if plot is not None:
        _plot_curve(plot, r, rows)
    if output is Output.json:
        typer.echo(json.dumps(rows))
        return
    shown = [row for row in rows if _power_of_two(int(row["batch_size"]))] or rows
    cols = list(shown[0])
    _print(
        f"{r.model} on {devices} x {r.hardware}: {len(rows)} points (powers of two shown)",
        [SHORT.get(c, c) for c in cols],
        [[str(row[c]) for c in cols] for row in shown[:200]],
    )
    fitting = [row["batch_size"] for row in rows if row["fits"]]
    typer.echo(f"largest batch that fits: {max(fitting) if fitting else 'none'}")


SHORT = {
    "batch_size": "batch",
    "seq_len_tokens": "prompt",
    "e2e_ms": "e2e ms",
    "latency_ms": "latency ms",
    "ttft_ms": "TTFT ms",
    "itl_ms": "ITL ms",
    "throughput_tokens_per_s": "tokens/s",
    "throughput_samples_per_s": "samples/s",
    "memory_gb": "memory GB",
}


def _not_fitting(r: Any) -> str:
    """What does not fit, in units that read well on a GPU and on a microcontroller."""
    from dataclasses import fields

    m = r.memory
    parts = ", ".join(
        f"{f.name.removesuffix('_bytes').replace('_', ' ')} {_size(getattr(m, f.name))}"
        for f in fields(m)
    )
    flash = getattr(r, "flash_bytes", None)
    where = f"{_size(r.capacity_bytes)} of memory" + (
        f" and {_size(flash)} of flash for weights" if flash else ""
    )
    return f"does not fit: needs {parts} per device, but {r.hardware} has {where}"


def _size(n: float) -> str:
    """Bytes in the unit that reads best: 512 kB, 3.5 MB, 70.6 GB."""
    for scale, unit in ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


def _plot_curve(path: Path, r: Any, rows: list[dict[str, Any]]) -> None:
    from mlsysbook.cli.plots import write_html, write_static

    tkey = "throughput_tokens_per_s" if r.language_model else "throughput_samples_per_s"
    lkey = "e2e_ms" if r.language_model else "latency_ms"
    unit = "tokens/s" if r.language_model else "samples/s"
    title = f"{r.model} on {r.hardware}: latency vs throughput"
    fitting = [row for row in rows if row["fits"]]
    try:
        if path.suffix.lower() != ".html":
            write_static(
                path,
                title,
                unit,
                "latency (ms)",
                [(row[tkey], row[lkey], f"batch {row['batch_size']}") for row in fitting],
            )
        else:
            write_html(
                path,
                title,
                {
                    "data": [
                        {
                            "x": [row[tkey] for row in fitting],
                            "y": [row[lkey] for row in fitting],
                            "text": [f"batch {row['batch_size']}" for row in fitting],
                            "mode": "lines+markers",
                            "type": "scatter",
                        }
                    ],
                    "layout": {
                        "title": {"text": title},
                        "xaxis": {"title": {"text": unit}},
                        "yaxis": {"title": {"text": "latency (ms)"}},
                    },
                },
            )
    except OSError as e:
        fail(f"cannot write {path}: {e.strerror}")
    typer.echo(f"wrote {path}", err=True)


def _sig(x: float) -> float:
    return float(f"{float(x):.4g}")


def _power_of_two(n: int) -> bool:
    return n & (n - 1) == 0


def _figure(x: float) -> str:
    """Thousands grouped from 1,000 up, else 4 significant digits."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


METRIC_LABELS = {
    "throughput_tokens_per_s": "tokens/s",
    "throughput_samples_per_s": "samples/s",
    "latency_ms": "latency ms",
    "ttft_ms": "TTFT ms",
    "itl_ms": "ITL ms",
}


@app.command("validate")
def validate_cmd(output: Output = OUTPUT) -> None:
    """Predicted vs published measurements, with each point's error."""
    from mlsysbook.sim.validation import validate

    summary = validate()
    rows = [
        {
            "id": c.ref.id,
            "model": c.ref.model,
            "hardware": c.ref.hardware,
            "metric": c.ref.metric,
            "predicted": None if c.predicted is None else _sig(c.predicted),
            "measured": c.ref.measured,
            "error_percent": None if c.error is None else round(c.error * 100, 1),
            "note": c.note,
            "source": c.ref.source,
        }
        for c in summary.checks
    ]
    totals = {
        "points": len(rows),
        "scored": len(summary.scored),
        "median_abs_error_percent": round(summary.median_abs_error * 100, 1),
        "worst_abs_error_percent": round(summary.worst_abs_error * 100, 1),
        "within_35_percent": summary.within(0.35),
    }
    if output is Output.json:
        typer.echo(json.dumps({"summary": totals, "points": rows}, indent=2))
        return
    table_rows = [
        [
            c.ref.id,
            METRIC_LABELS[c.ref.metric],
            "-" if c.predicted is None else _figure(c.predicted),
            _figure(c.ref.measured),
            "skipped" if c.error is None else f"{c.error * 100:+.1f}%",
        ]
        for c in summary.checks
    ]
    _print(
        "predicted vs measured",
        ["reference", "metric", "predicted", "measured", "error"],
        table_rows,
    )
    typer.echo(
        f"{totals['scored']} of {totals['points']} points scored; median |error| "
        f"{totals['median_abs_error_percent']}%, worst {totals['worst_abs_error_percent']}%, "
        f"{totals['within_35_percent']} within ±35%"
    )


EXIT_ASSERT = 3


@app.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of scenario files (for editors and validators)."""
    from mlsysbook.sim.scenario import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


@app.command("run")
def run_cmd(
    scenario: Path = typer.Argument(..., help="A scenario YAML file (see `sim schema`)."),
    output: Output = OUTPUT,
) -> None:
    """Evaluate a scenario file and check its constraints (exit 3 if one fails)."""
    from mlsysbook.sim.errors import USER_ERRORS, message
    from mlsysbook.sim.scenario import check, load, run

    try:
        s = load(scenario)
        result = run(s)
        data = result.to_json()
        verdicts = check(s, data)
    except USER_ERRORS as e:  # ScenarioError is a ValueError
        fail(message(e))
    if output is Output.json:
        data["constraints"] = [
            {"assert": v.expression, "value": v.value, "passed": v.passed} for v in verdicts
        ]
        typer.echo(json.dumps(data, indent=2))
    else:
        if s.mode == "training":
            _training_table(result)
        else:
            _result_table(result)
        for v in verdicts:
            mark = "ok  " if v.passed else "FAIL"
            typer.echo(f"{mark} assert {v.expression}  (value: {v.value})")
    failed = [v.expression for v in verdicts if not v.passed]
    if failed:
        fail(f"{len(failed)} assertion(s) failed: {'; '.join(failed)}", EXIT_ASSERT)
    if not result.fits:
        fail(_not_fitting(result), EXIT_INFEASIBLE)


@app.command("serve")
def serve_cmd(
    model: str = typer.Argument(..., help="Model name or alias."),
    hardware: str = typer.Argument(..., help="Hardware name or alias."),
    seq_len: int = typer.Option(512, "--seq-len", min=1, help="Prompt tokens per request."),
    output_len: int = typer.Option(128, "--output-len", min=1, help="Generated tokens."),
    precision: str = typer.Option("bf16", "--precision", "-p", help="Weights' format."),
    devices: int = typer.Option(1, "--devices", "-n", min=1, help="Devices, tensor-parallel."),
    rate: float | None = typer.Option(None, "--rate", help="Arriving requests per second."),
    sla_ms: float | None = typer.Option(None, "--sla-ms", help="Latency target for --rate."),
    output: Output = OUTPUT,
) -> None:
    """Serving capacity (continuous batching), p99 latency at a request rate, and the
    largest batch that meets a latency SLA."""
    from mlsysbook.sim.errors import USER_ERRORS, message
    from mlsysbook.sim.serving import serve

    try:
        s = serve(
            model,
            hardware,
            seq_len=seq_len,
            output_len=output_len,
            precision=precision,
            devices=devices,
            rate=rate,
            sla_ms=sla_ms,
        )
    except USER_ERRORS as e:
        fail(message(e))
    data = s.to_json()
    if output is Output.json:
        typer.echo(json.dumps(data, indent=2))
    else:
        rows = [
            [k.replace("_", " "), "-" if v is None else str(v)]
            for k, v in data.items()
            if k not in ("model", "hardware")
        ]
        _print(f"Serving {s.model} on {devices} x {s.hardware}", ["figure", "value"], rows)
    if s.max_batch == 0:
        fail(f"{s.model} does not fit on {devices} x {s.hardware} even at batch 1", EXIT_INFEASIBLE)
