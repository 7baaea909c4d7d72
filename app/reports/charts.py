"""Bar charts as inline SVG, drawn on the server: no JavaScript, no CDN, readable in any browser or print.

Every bar is a ``<rect class="bar">`` carrying ``data-label`` and ``data-value``, so a test (or a screen
reader via ``<title>``) can read the figures back.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

ROW_HEIGHT = 26
LABEL_WIDTH = 260
BAR_WIDTH = 380
VALUE_WIDTH = 80


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to show (e.g. no dossier resolved) — drawn as "—"
    text: str  # the value as shown beside the bar
    highlight: bool = False


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(bars: Sequence[Bar], *, title: str, maximum: float | None = None) -> Markup:
    """A horizontal bar chart; ``maximum`` fixes the scale (1.0 for rates), else the largest value."""
    top = maximum or max((b.value or 0 for b in bars), default=0) or 1
    height = ROW_HEIGHT * max(len(bars), 1) + 34
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
             f"<title>{escape(title)}</title>",
             f'<text x="0" y="16" font-weight="bold" font-size="14">{escape(title)}</text>']
    if not bars:
        parts.append('<text x="0" y="44" fill="#666">Không có dữ liệu trong kỳ.</text>')
    for i, bar in enumerate(bars):
        y = 30 + i * ROW_HEIGHT
        length = 0.0 if bar.value is None else round(BAR_WIDTH * min(bar.value / top, 1.0), 1)
        colour = "#c0392b" if bar.highlight else "#2e86c1"
        value = "" if bar.value is None else f"{bar.value:g}"
        parts.append(f'<text x="0" y="{y + 16}">{escape(_short(bar.label))}</text>')
        parts.append(f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 4}" width="{length}" height="{ROW_HEIGHT - 8}" '
                     f'fill="{colour}" data-label="{escape(bar.label)}" data-value="{value}">'
                     f"<title>{escape(bar.label)}: {escape(bar.text)}</title></rect>")
        parts.append(f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 16}">{escape(bar.text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}".replace(".", ",") + "%"


def on_time_chart(rows: Sequence[dict], *, title: str) -> Markup:
    """On-time rate per row of a summary report (unit or month)."""
    return bar_chart([Bar(r["label"] or r["key"] or "?", r["on_time_rate"], percent(r["on_time_rate"]))
                      for r in rows], title=title, maximum=1.0)


def bottleneck_chart(report: dict, *, title: str, limit: int = 12) -> Markup:
    """Late dossiers per step (steps that made a dossier late), the bottleneck of each procedure in red."""
    choke = {(b["procedure"], b["spec_id"]) for b in report["bottlenecks"]}
    steps = sorted((s for s in report["steps"] if s["late_dossiers"]), key=lambda s: -s["late_dossiers"])[:limit]
    return bar_chart([Bar(f"{s['procedure']} · {s['step'] or s['spec_id']}. {s['name']}", s["late_dossiers"],
                          f"{s['late_dossiers']} hồ sơ trễ", (s["procedure"], s["spec_id"]) in choke)
                      for s in steps], title=title)
