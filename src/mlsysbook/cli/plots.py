"""Charts written to files: HTML with plotly.js inlined (opens offline), or a plain SVG."""

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


def write_svg(
    path: Path, title: str, xlabel: str, ylabel: str, points: list[tuple[float, float, str]]
) -> None:
    """A line chart with labelled points; linear axes from zero."""
    w, h, left, bottom, top, right = 760, 440, 90, 50, 40, 50
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    xmax, ymax = (max(xs) or 1) * 1.05, (max(ys) or 1) * 1.1

    def sx(x: float) -> float:
        return left + x / xmax * (w - left - right)

    def sy(y: float) -> float:
        return h - bottom - y / ymax * (h - bottom - top)

    line = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y, _ in points)
    ticks = []
    for i in range(6):
        xv, yv = xmax * i / 5, ymax * i / 5
        ticks.append(
            f'<text x="{sx(xv):.1f}" y="{h - bottom + 18}" text-anchor="middle">{xv:.3g}</text>'
        )
        ticks.append(f'<text x="{left - 8}" y="{sy(yv) + 4:.1f}" text-anchor="end">{yv:.3g}</text>')
    dots = "".join(
        f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3.5"><title>{escape(label)}: '
        f"{x:.4g}, {y:.4g}</title></circle>"
        for x, y, label in points
    )
    path.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'font-family="sans-serif" font-size="12">'
        f'<rect width="{w}" height="{h}" fill="white"/>'
        f'<text x="{w / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>'
        f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>'
        f"{''.join(ticks)}"
        f'<text x="{(w + left) / 2}" y="{h - 12}" text-anchor="middle">{escape(xlabel)}</text>'
        f'<text transform="translate(16 {h / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(ylabel)}</text>"
        f'<polyline points="{line}" fill="none" stroke="#0b5cad" stroke-width="2"/>'
        f'<g fill="#0b5cad">{dots}</g></svg>',
        encoding="utf-8",
    )


def _tick(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:.3g}"
