"""TinyTorch speed, against NumPy and PyTorch CPU in the same run.

    python bench/tinytorch_bench.py [--no-torch] [--milestones]

- matmul 1024x1024 through Tensor vs plain NumPy (target: >= 0.9x NumPy's speed);
- Conv2d forward + backward, input (64, 3, 32, 32), 32 3x3 filters, padding 1
  (target: within 3x of PyTorch);
- one MLP training step on digits-shaped data, batch 128, 64-128-64-10 with Adam
  (target: within 2x of PyTorch);
- autograd overhead per op (target: < 20 us);
- with --milestones, the wall time of milestones 3, 4 and 5.
PyTorch runs in bench/.torch-venv with torch==2.13.0 (the local CPU wheel), made on
first use; both sides use the same thread count.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TORCH_VENV = HERE / ".torch-venv"

TORCH_SIDE = """
import json, time, statistics, torch
torch.manual_seed(0)
def best(fn, n):
    fn(); times = []
    for _ in range(n):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return statistics.median(times)
x = torch.randn(64, 3, 32, 32, requires_grad=True)
w = torch.randn(32, 3, 3, 3, requires_grad=True)
def conv():
    x.grad = None; w.grad = None
    torch.nn.functional.conv2d(x, w, padding=1).sum().backward()
model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64),
                            torch.nn.ReLU(), torch.nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
xb, yb = torch.randn(128, 64), torch.randint(0, 10, (128,))
def step():
    opt.zero_grad(); torch.nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
print(json.dumps({"conv_s": best(conv, 20), "mlp_step_s": best(step, 200),
                  "threads": torch.get_num_threads()}))
"""


def best(fn: Callable[[], object], n: int) -> float:
    fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def ours() -> dict[str, float]:
    from mlsysbook.tinytorch import Tensor, nn, optim
    from mlsysbook.tinytorch.nn import functional as F

    rng = np.random.default_rng(0)
    m = rng.standard_normal((1024, 1024)).astype(np.float32)
    a, b = Tensor(m), Tensor(m)
    t_ours = best(lambda: a @ b, 20)
    t_np = best(lambda: m @ m, 20)

    x = Tensor(rng.standard_normal((64, 3, 32, 32)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((32, 3, 3, 3)).astype(np.float32), requires_grad=True)

    def conv() -> None:
        x.grad = w.grad = None
        F.conv2d(x, w, padding=1).sum().backward()

    model = nn.Sequential(
        nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10)
    )
    opt = optim.Adam(model.parameters(), lr=1e-3)
    xb = Tensor(rng.standard_normal((128, 64)).astype(np.float32))
    yb = rng.integers(0, 10, 128)

    def step() -> None:
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()

    small = Tensor(rng.standard_normal((4, 4)).astype(np.float32), requires_grad=True)
    n = 20_000
    t = time.perf_counter()
    for _ in range(n):
        small * small
    per_op = (time.perf_counter() - t) / n
    return {
        "matmul_s": t_ours,
        "numpy_matmul_s": t_np,
        "conv_s": best(conv, 20),
        "mlp_step_s": best(step, 200),
        "op_overhead_s": per_op,
    }


def torch_side() -> dict[str, float] | None:
    python = TORCH_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TORCH_VENV)], check=False)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "torch==2.13.0", "numpy"], check=False
        )
    out = subprocess.run([str(python), "-c", TORCH_SIDE], capture_output=True, text=True)
    if out.returncode:
        print(f"PyTorch side unavailable: {out.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--milestones", action="store_true")
    args = ap.parse_args()
    a = ours()
    t = None if args.no_torch else torch_side()
    print(
        f"matmul 1024^2: {a['matmul_s'] * 1e3:.2f} ms vs NumPy {a['numpy_matmul_s'] * 1e3:.2f} ms"
        f" -> {a['numpy_matmul_s'] / a['matmul_s']:.2f}x NumPy's speed (target >= 0.9)"
    )
    for key, label, target in (("conv_s", "Conv2d fwd+bwd", 3), ("mlp_step_s", "MLP step", 2)):
        ratio = (
            f" vs PyTorch {t[key] * 1e3:.2f} ms -> {a[key] / t[key]:.2f}x (target <= {target})"
            if t
            else ""
        )
        print(f"{label}: {a[key] * 1e3:.2f} ms{ratio}")
    print(f"autograd overhead: {a['op_overhead_s'] * 1e6:.1f} us per op (target < 20)")
    result: dict[str, object] = {"tinytorch": a, "torch": t}
    if args.milestones:
        from mlsysbook.tinytorch import milestones

        times = {n: milestones.run(n).seconds for n in (3, 4, 5)}
        print(
            "milestones: "
            + ", ".join(f"{n}: {s:.1f} s" for n, s in times.items())
            + " (targets 10 / 30 / 60 s)"
        )
        result["milestones_s"] = times
    print(json.dumps(result))


if __name__ == "__main__":
    main()
