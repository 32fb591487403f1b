"""`mlsysbook sim`: the analytical simulator from the command line."""

from __future__ import annotations

import json
from enum import StrEnum
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


def _num(q: Any, unit: str) -> float:
    """The magnitude in ``unit`` to 4 significant digits (tiny boards stay readable)."""
    return float(f"{float(q.to(unit).magnitude):.4g}")


def _compact(q: Any) -> str:
    return f"{q.to_compact():.4g~P}"


def _hardware_row(h: Any) -> dict[str, Any]:
    peak = {str(p): _num(v, "TFLOP/s") for p, v in h.peak_flops.items()}
    best16 = peak.get("bf16", peak.get("fp16"))
    return {
        "name": h.name,
        "vendor": h.vendor,
        "class": h.hw_class,
        "year": h.year,
        "peak_tflop_per_s": peak,
        "peak_16bit_tflop_per_s": best16,
        "memory_gb": _num(h.memory.capacity, "GB"),
        "memory_bandwidth_gb_per_s": _num(h.memory.bandwidth, "GB/s"),
        "tdp_w": _num(h.tdp, "W"),
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
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, c in enumerate(columns):
        table.add_column(c, justify="left" if i < 2 else "right")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def _fmt(count: int) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if count >= scale:
            return f"{count / scale:.3g} {suffix}"
    return str(count)
