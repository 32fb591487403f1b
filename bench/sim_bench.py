"""Simulator speed, against the peer package mlsysim 0.3.0 in the same run.

    python bench/sim_bench.py [--repeat 5] [--no-peer]

Measures (median of --repeat runs):
- cold CLI: `mlsysbook sim eval llama3-8b h100 -b 32 --seq-len 4096 -o json` wall time,
  vs `mlsysim serve Llama3_8B H100 -s 4096 -b 32 -o json`;
- one in-process evaluation of the same question;
- a 10,000-point sweep (batch 1..250 x 40 prompt lengths), vs the peer looping its solver.
The peer is installed into bench/.peer-venv on first use (pip, from the package index).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PEER_VENV = HERE / ".peer-venv"
PEER = "mlsysim==0.3.0"
OURS_CLI = [
    sys.executable,
    "-m",
    "mlsysbook",
    "sim",
    "eval",
    "llama3-8b",
    "h100",
    "-b",
    "32",
    "--seq-len",
    "4096",
    "--output-len",
    "2",
    "-o",
    "json",
]
BATCHES = np.arange(1, 251)
SEQ_LENS = np.linspace(128, 4096, 40).astype(int)

PEER_INPROC = """
import time, json
import mlsysim
from mlsysim.cli.schemas import _resolve_model, _resolve_hardware
from mlsysim.solvers import ServingModel
m, h, solver = _resolve_model("Llama3_8B"), _resolve_hardware("H100"), ServingModel()
def one(b, s):
    return solver.solve(model=m, hardware=h, seq_len=int(s), batch_size=int(b), precision="fp16",
                        efficiency=0.5)
one(32, 4096)
t = time.perf_counter(); n = 200
for _ in range(n):
    one(32, 4096)
single = (time.perf_counter() - t) / n
lengths = [int(128 + i * (4096 - 128) / 39) for i in range(40)]
points = [(b, s) for b in range(1, 251) for s in lengths]
t = time.perf_counter(); done = 0
for b, s in points:
    one(b, s); done += 1
    if time.perf_counter() - t > 60:
        break
elapsed = time.perf_counter() - t
sweep = elapsed * len(points) / done
print(json.dumps({"single_s": single, "sweep_s": sweep, "sweep_points_run": done}))
"""


def median_wall(cmd: list[str], repeat: int) -> float:
    """A fresh process each time, as a user's shell starts one; a first, untimed run may
    write bytecode (as `pip install` does), even where PYTHONDONTWRITEBYTECODE is set."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def ours(repeat: int) -> dict[str, float]:
    from mlsysbook.sim.evaluate import evaluate, sweep

    evaluate("llama3-8b", "h100", batch=32, seq_len=4096, output_len=2)
    t = time.perf_counter()
    n = 500
    for _ in range(n):
        evaluate("llama3-8b", "h100", batch=32, seq_len=4096, output_len=2)
    single = (time.perf_counter() - t) / n
    sweeps = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = sweep("llama3-8b", "h100", BATCHES, SEQ_LENS, output_len=2)
        sweeps.append(time.perf_counter() - t)
    assert len(r.batch) == 10_000
    return {
        "cold_cli_s": median_wall(OURS_CLI, repeat),
        "single_s": single,
        "sweep_s": statistics.median(sweeps),
    }


def peer(repeat: int) -> dict[str, float] | None:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        made = subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=False)
        if made.returncode == 0:
            subprocess.run([str(python), "-m", "pip", "install", "-q", PEER], check=False)
    if subprocess.run([str(python), "-c", "import mlsysim"], capture_output=True).returncode:
        print(f"peer {PEER} could not be installed; reporting ours only", file=sys.stderr)
        return None
    cli = [
        str(PEER_VENV / "bin" / "mlsysim"),
        "serve",
        "Llama3_8B",
        "H100",
        "-s",
        "4096",
        "-b",
        "32",
        "-o",
        "json",
    ]
    cold = median_wall(cli, repeat)
    out = subprocess.run(
        [str(python), "-c", PEER_INPROC], check=True, capture_output=True, text=True
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "cold_cli_s": cold,
        "single_s": data["single_s"],
        "sweep_s": data["sweep_s"],
        "sweep_points_run": data["sweep_points_run"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-peer", action="store_true")
    args = ap.parse_args()
    a = ours(args.repeat)
    b = None if args.no_peer else peer(max(1, args.repeat // 2))
    targets = {"cold_cli_s": 0.5, "single_s": 1e-3, "sweep_s": 1.0}
    print(f"{'measure':<22}{'mlsysbook':>14}{'target':>10}{'mlsysim':>14}{'ratio':>10}")
    for key, label in (
        ("cold_cli_s", "cold CLI eval"),
        ("single_s", "one evaluation"),
        ("sweep_s", "10,000-point sweep"),
    ):
        theirs = f"{b[key] * 1e3:11.2f} ms" if b else "-"
        ratio = f"{b[key] / a[key]:9.1f}x" if b else "-"
        print(
            f"{label:<22}{a[key] * 1e3:11.2f} ms{targets[key] * 1e3:7.0f} ms{theirs:>14}{ratio:>10}"
        )
    if b and b.get("sweep_points_run", 10_000) < 10_000:
        print(f"(mlsysim sweep extrapolated from {int(b['sweep_points_run'])} points run in 60 s)")
    print(json.dumps({"mlsysbook": a, "mlsysim": b}))


if __name__ == "__main__":
    main()
