"""Charts written to files: HTML with plotly.js inlined (opens offline), or a static
PNG/SVG/PDF drawn by matplotlib."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

PLOTLY = Path(__file__).resolve().parents[1] / "web" / "static" / "plotly-basic.min.js"


def write_html(path: Path, title: str, figure: dict[str, Any]) -> None:
    script = PLOTLY.read_text(encoding="utf-8")
    spec = json.dumps(figure).replace("</", "<\\/")
    path.write_text(
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{escape(title)}</title><body><div id=chart></div>"
        f"<script>{script}</script>"
        f"<script>var f={spec};Plotly.newPlot('chart',f.data,f.layout,{{displaylogo:false}});"
        "</script></body></html>",
        encoding="utf-8",
    )


STATIC_FORMATS = (".png", ".svg", ".pdf")


def write_static(
    path: Path, title: str, xlabel: str, ylabel: str, points: list[tuple[float, float, str]]
) -> None:
    """A line chart with each point labelled, drawn by matplotlib (format from the suffix)."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    matplotlib.rcParams["svg.fonttype"] = "none"  # SVG text stays text: searchable, small
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(7.6, 4.4), dpi=120)
    try:
        ax.plot([p[0] for p in points], [p[1] for p in points], "o-", color="#0b5cad")
        for x, y, label in points:
            ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, metadata={"Date": None} if path.suffix.lower() == ".svg" else None)
    finally:
        plt.close(fig)
