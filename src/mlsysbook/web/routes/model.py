"""The Model page: pick a workload, see its roofline, memory and latency-throughput
curve. Every choice is a query parameter, so the URL reproduces the view; htmx swaps
only the results, and without JavaScript the form simply reloads the page."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from mlsysbook.sim import hardware_catalog, model_catalog
from mlsysbook.sim.errors import USER_ERRORS, message
from mlsysbook.sim.evaluate import Result, evaluate, sweep
from mlsysbook.sim.precision import NAMES, Precision
from mlsysbook.sim.registry import hardware as find_hardware
from mlsysbook.sim.roofline import OpTime, machine
from mlsysbook.web.pages import render
from mlsysbook.web.visitor import Visitor, get_visitor

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/sim", tags=["sim"])

DEFAULTS = {
    "model": "Llama-3-8B",
    "hardware": "H100-SXM",
    "precision": "bf16",
    "batch": "1",
    "seq_len": "512",
    "output_len": "128",
    "devices": "1",
}
LIMITS = {"batch": 65_536, "seq_len": 1_048_576, "output_len": 1_048_576, "devices": 1024}


@dataclass(frozen=True)
class Query:
    model: str
    hardware: str
    precision: str
    batch: int
    seq_len: int
    output_len: int
    devices: int


def parse_query(params: dict[str, str]) -> Query:
    values = {k: (params.get(k) or v).strip() for k, v in DEFAULTS.items()}
    numbers: dict[str, int] = {}
    for key, limit in LIMITS.items():
        try:
            numbers[key] = int(values[key])
        except ValueError:
            raise ValueError(f"{key.replace('_', ' ')} must be a whole number") from None
        if not 1 <= numbers[key] <= limit:
            raise ValueError(f"{key.replace('_', ' ')} must be between 1 and {limit:,}")
    if values["precision"] not in NAMES:
        raise ValueError(f"precision must be one of {', '.join(NAMES)}")
    for key in ("model", "hardware"):
        if len(values[key]) > 100:
            raise ValueError(f"{key} name is too long")
    return Query(values["model"], values["hardware"], values["precision"], **numbers)


def _evaluate(q: Query) -> Result:
    return evaluate(
        q.model,
        q.hardware,
        batch=q.batch,
        seq_len=q.seq_len,
        output_len=q.output_len,
        precision=q.precision,
        devices=q.devices,
    )


@router.get("/model", response_class=HTMLResponse)
async def model_page(request: Request, visitor: Visitor = Depends(get_visitor)) -> Response:
    request.state.charts = True
    params = dict(request.query_params)
    form = {k: params.get(k) or v for k, v in DEFAULTS.items()}
    context: dict[str, Any] = {
        "form": form,
        "models": [m.name for m in model_catalog()],
        "hardware_groups": _hardware_groups(),
        "precisions": NAMES,
    }
    status = 200
    try:
        q = parse_query(params)
        result = _evaluate(q)
        form |= {"model": result.model, "hardware": result.hardware}  # canonical names
        context |= _views(q, result)
    except USER_ERRORS as e:
        context["error"] = message(e)
        status = 400
    fragment = request.headers.get("hx-request") and request.headers.get("hx-target") == "results"
    return render(request, "_model_results.html" if fragment else "model.html", status, **context)


@api.get("/eval", summary="Latency, throughput, memory and bottleneck of one inference workload")
async def eval_api(request: Request) -> dict[str, Any]:
    try:
        return _evaluate(parse_query(dict(request.query_params))).to_json()
    except USER_ERRORS as e:
        raise HTTPException(422, message(e)) from None


def _hardware_groups() -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for h in hardware_catalog():
        groups.setdefault(h.hw_class, []).append(h.name)
    order = ["cloud", "edge", "mobile", "tiny"]
    return [(c, groups[c]) for c in order if c in groups]


def _views(q: Query, r: Result) -> dict[str, Any]:
    hw = find_hardware(q.hardware)
    m = machine(hw, _precision(q.precision))
    phases = [("prefill" if r.language_model else "forward", r.ops)]
    if r.decode_ops:
        phases.append(("decode", r.decode_ops))
    charts = {
        "roofline": _roofline(phases, m.matmul_flops * m.e_compute, m.bandwidth * m.e_memory),
        "memory": _memory(r),
        "curve": _curve(q, r.language_model),
    }
    return {
        "result": r,
        "figures": r.to_json(),
        "phases": [(name, [_op_row(t) for t in ops]) for name, ops in phases],
        "charts_json": json.dumps(charts, separators=(",", ":")),
        "ridge": m.ridge,
    }


def _precision(name: str) -> Precision:
    return Precision.named(name)


def _op_row(t: OpTime) -> dict[str, Any]:
    return {
        "name": t.name,
        "kind": t.kind,
        "gflop": t.flops / 1e9,
        "mb": t.bytes / 1e6,
        "intensity": t.intensity,
        "us": t.seconds * 1e6,
        "bound": t.bound,
    }


def _roofline(
    phases: list[tuple[str, tuple[OpTime, ...]]], peak: float, bw: float
) -> dict[str, Any]:
    points = [(name, t) for name, ops in phases for t in ops if t.flops > 0 and t.bytes > 0]
    xs = [t.intensity for _, t in points] or [1.0]
    lo, hi = min(min(xs), peak / bw) / 4, max(max(xs), peak / bw) * 4
    grid = np.geomspace(lo, hi, 60)
    traces: list[dict[str, Any]] = [
        {
            "x": grid.tolist(),
            "y": np.minimum(peak, bw * grid).tolist(),
            "mode": "lines",
            "name": "roofline",
            "line": {"color": "#5b6570"},
        }
    ]
    for name, _ in phases:
        mine = [t for n, t in points if n == name]
        traces.append(
            {
                "x": [t.intensity for t in mine],
                "y": [t.flops / max(t.compute_s, t.memory_s) for t in mine],
                "text": [f"{t.name} ({t.bound})" for t in mine],
                "mode": "markers",
                "name": name,
                "type": "scatter",
            }
        )
    return {
        "data": traces,
        "layout": {
            "title": {"text": "Roofline per operator"},
            "xaxis": {"type": "log", "title": {"text": "arithmetic intensity (FLOP/byte)"}},
            "yaxis": {"type": "log", "title": {"text": "attained FLOP/s"}},
            "margin": {"t": 40},
            "height": 380,
        },
    }


def _memory(r: Result) -> dict[str, Any]:
    m = r.memory
    parts = [
        ("weights", m.weights_bytes),
        ("KV cache", m.kv_cache_bytes),
        ("activations", m.activation_bytes),
    ]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": label,
                "y": ["per device"],
                "x": [value / 1e9],
            }
            for label, value in parts
        ],
        "layout": {
            "barmode": "stack",
            "title": {"text": "Memory per device (GB)"},
            "shapes": [
                {
                    "type": "line",
                    "x0": r.capacity_bytes / 1e9,
                    "x1": r.capacity_bytes / 1e9,
                    "y0": -0.5,
                    "y1": 0.5,
                    "line": {"color": "#b42318", "dash": "dot"},
                }
            ],
            "height": 220,
            "margin": {"t": 40},
        },
    }


def _curve(q: Query, lm: bool) -> dict[str, Any]:
    batches = [2**i for i in range(11)]
    s = sweep(
        q.model,
        q.hardware,
        batches,
        [q.seq_len],
        output_len=q.output_len,
        precision=q.precision,
        devices=q.devices,
    )
    fit = s.fits
    unit = "tokens/s" if lm else "samples/s"
    return {
        "data": [
            {
                "x": s.throughput_per_s[fit].tolist(),
                "y": (s.latency_s[fit] * 1e3).tolist(),
                "text": [f"batch {b}" for b in s.batch[fit].tolist()],
                "mode": "lines+markers",
                "name": "batch sizes that fit",
                "type": "scatter",
            }
        ],
        "layout": {
            "title": {"text": "Latency vs throughput (batch 1 to 1024)"},
            "xaxis": {"title": {"text": unit}},
            "yaxis": {"title": {"text": "end-to-end latency (ms)" if lm else "latency (ms)"}},
            "height": 360,
            "margin": {"t": 40},
        },
        "rows": [
            {
                "batch": int(b),
                "throughput": float(t),
                "latency_ms": float(lat * 1e3),
                "fits": bool(f),
            }
            for b, t, lat, f in zip(s.batch, s.throughput_per_s, s.latency_s, fit, strict=True)
            if not math.isnan(float(t))
        ],
    }
