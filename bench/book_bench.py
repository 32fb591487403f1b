"""Book engine speed, with pandoc (the engine inside Quarto) as the peer when installed.

    python bench/book_bench.py [--repeat 3] [--pdf]

Measures (median of --repeat runs, in this process after imports):
- the whole starter edition: load, run its living-number cells, number, render (< 5 s)
- one real textbook chapter (the fixture model_serving.qmd, 487 kB) (< 1 s), and
  `pandoc -f markdown -t html` on the same file, as a ratio
- search: median and p95 latency of 40 queries over the starter edition (< 50 ms)
- static site export, and the PDF with --pdf
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlsysbook import book
from mlsysbook.book import export
from mlsysbook.book.search import SearchIndex

SERVING = (
    Path(__file__).resolve().parents[2]
    / "shared/fixtures/mlsysbook/vol1/model_serving/model_serving.qmd"
)
QUERIES = [
    "roofline", "kv cache", "continuous batching", "little's law", "quantization int4",
    "data parallel all-reduce", "arithmetic intensity", "mfu", "drift", "canary",
    "differential privacy", "carbon", "systolic array", "tensor cores", "flash",
    "microcontroller sram", "deduplication", "scaling laws chinchilla", "pruning",
    "distillation", "latency percentile", "p99", "mlperf offline", "warm-up", "batch size",
    "backpropagation", "softmax", "convolution", "attention heads", "mixture of experts",
    "labeling cost", "parquet", "feature store", "shadow deployment", "fairness slice",
    "model card", "energy per token", "tinyml", "edge tpu", "compute-optimal",
]  # fmt: skip


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pdf", action="store_true", help="also time the PDF (about 30 s)")
    args = ap.parse_args()
    rows: list[tuple[str, float, str, float | None]] = []

    book.load(book.bundled_root())  # warm: imports, the simulator's registries
    starter = median_time(lambda: book.load(book.bundled_root()), args.repeat)
    rows.append(("starter edition (17 files)", starter, "5 s", None))

    if SERVING.exists():
        ours = median_time(lambda: book.load(SERVING), args.repeat)
        peer = None
        if shutil.which("pandoc"):
            peer = median_time(
                lambda: subprocess.run(
                    ["pandoc", "-f", "markdown", "-t", "html", str(SERVING)],
                    capture_output=True,
                    check=True,
                ),
                args.repeat,
            )
        rows.append(("textbook chapter (487 kB)", ours, "1 s", peer))

    b = book.load(book.bundled_root())
    index = SearchIndex(b)
    lat = []
    for q in QUERIES * 3:
        t = time.perf_counter()
        index.search(q)
        lat.append(time.perf_counter() - t)
    lat.sort()
    rows.append(("search, median", statistics.median(lat), "50 ms", None))
    rows.append(("search, p95", lat[int(0.95 * len(lat))], "50 ms", None))

    with tempfile.TemporaryDirectory() as tmp:
        site = median_time(lambda: export.write_site(b, Path(tmp) / "site"), args.repeat)
        rows.append(("static site export", site, "-", None))
        if args.pdf:
            pdf_book = book.load(book.bundled_root(), output_format="pdf")
            t = time.perf_counter()
            export.write_pdf(pdf_book, Path(tmp) / "book.pdf")
            rows.append(("PDF of the starter edition", time.perf_counter() - t, "-", None))

    print(f"{'measure':32} {'mlsysbook':>12} {'target':>8} {'pandoc':>12} {'ratio':>7}")
    for name, value, target, peer in rows:
        shown = f"{value * 1e3:.1f} ms" if value < 1 else f"{value:.2f} s"
        peer_s = "-" if peer is None else (f"{peer * 1e3:.1f} ms" if peer < 1 else f"{peer:.2f} s")
        ratio = "-" if peer is None else f"{peer / value:.2f}x"
        print(f"{name:32} {shown:>12} {target:>8} {peer_s:>12} {ratio:>7}")
    if not shutil.which("pandoc"):
        print("(install pandoc, e.g. apt-get install pandoc, to compare with the peer)")


if __name__ == "__main__":
    main()
