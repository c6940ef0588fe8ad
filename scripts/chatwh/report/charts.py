"""Plotly figures of the daily report.

Every figure uses the same layout (white template, a CJK-capable font stack so tag and
bot names in Chinese render, compact margins). The HTML renderer embeds plotly.js once,
inline, so the file needs no network to be viewed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import plotly.graph_objects as go

from .model import ChartBlock

# Fonts with CJK glyphs first (Debian: fonts-noto-cjk), then the common desktop ones.
FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif'
)
PALETTE = ["#2563eb", "#f97316", "#10b981", "#a855f7", "#ef4444", "#0ea5e9", "#eab308", "#64748b"]
QUALITY_COLORS = {"excellent": "#15803d", "good": "#4ade80", "fair": "#f59e0b", "poor": "#dc2626"}


def _layout(
    fig: go.Figure, *, height: int, x_title: str = "", y_title: str = "", percent_y: bool = False, percent_x: bool = False
) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 30, "b": 50},
        font={"family": FONT_STACK, "size": 13},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        xaxis_title=x_title or None,
        yaxis_title=y_title or None,
    )
    if percent_y:
        fig.update_yaxes(tickformat=".0%")
    if percent_x:
        fig.update_xaxes(tickformat=".0%")
    return fig


def block(chart_id: str, title: str, figure: go.Figure) -> ChartBlock:
    return ChartBlock(chart_id=chart_id, title=title, figure=figure, height=int(figure.layout.height or 360))


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def trend(days: Sequence[date], series: dict[str, Sequence[float | None]]) -> go.Figure:
    fig = go.Figure()
    for index, (name, values) in enumerate(series.items()):
        fig.add_trace(
            go.Scatter(
                x=[d.isoformat() for d in days],
                y=list(values),
                name=name,
                mode="lines+markers",
                line={"color": PALETTE[index % len(PALETTE)]},
            )
        )
    fig.update_xaxes(type="category")
    return _layout(fig, height=300, y_title="per day")


def funnel_by_tag(tags: Sequence[str], stages: dict[str, Sequence[float]]) -> go.Figure:
    """Grouped bars: for each tag the exposure → click → chat start counts."""
    fig = go.Figure()
    for index, (stage, values) in enumerate(stages.items()):
        fig.add_trace(
            go.Bar(
                x=list(tags),
                y=list(values),
                name=stage,
                marker_color=PALETTE[index % len(PALETTE)],
                text=[f"{v:,.0f}" for v in values],
                textposition="outside",
            )
        )
    fig.update_layout(barmode="group")
    return _layout(fig, height=380, y_title="events / sessions")


def difference_forest(
    labels: Sequence[str],
    diffs: Sequence[float | None],
    lowers: Sequence[float | None],
    uppers: Sequence[float | None],
    significant: Sequence[bool],
) -> go.Figure:
    """Difference of rates (B − A) with its 95 % CI per comparison; 0 marked."""
    x = [_num(d) for d in diffs]
    plus = [None if d is None or u is None else float(u) - float(d) for d, u in zip(diffs, uppers, strict=True)]
    minus = [None if d is None or lo is None else float(d) - float(lo) for d, lo in zip(diffs, lowers, strict=True)]
    colors = ["#dc2626" if s else "#2563eb" for s in significant]
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=list(labels),
            mode="markers",
            marker={"size": 10, "color": colors},
            error_x={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus, "thickness": 1.5},
            name="B − A",
            showlegend=False,
        )
    )
    fig.add_vline(x=0, line_dash="dash", line_color="#64748b")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=max(240, 60 + 34 * len(labels)), x_title="rate B − rate A (95% CI; red: p < 0.05)", percent_x=True)


def _rows_height(groups: Sequence[str], per_row: int, minimum: int = 260) -> int:
    """Horizontal charts grow with the number of groups so every label stays readable."""
    return max(minimum, 110 + per_row * len(groups))


def latency_bars(groups: Sequence[str], p50: Sequence[Any], p95: Sequence[Any], maximum: Sequence[Any], slow_seconds: float) -> go.Figure:
    """Horizontal grouped bars (p50, p95, max) per group, the slow-answer threshold marked."""
    fig = go.Figure()
    for index, (name, values) in enumerate((("p50", p50), ("p95", p95), ("max", maximum))):
        fig.add_trace(go.Bar(y=list(groups), x=[_num(v) for v in values], name=name, orientation="h", marker_color=PALETTE[index]))
    fig.add_vline(
        x=slow_seconds, line_dash="dot", line_color="#dc2626", annotation_text=f"slow > {slow_seconds:g} s", annotation_position="top right"
    )
    fig.update_layout(barmode="group", bargroupgap=0.05)
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=_rows_height(groups, 30), x_title="response time (s)")


def quality_mix(groups: Sequence[str], mix: dict[str, Sequence[float]]) -> go.Figure:
    """100 % stacked horizontal bars of the quality ratings per group."""
    fig = go.Figure()
    totals = [sum(values[i] for values in mix.values()) for i in range(len(groups))]
    for rating, values in mix.items():
        shares = [v / t if t else 0.0 for v, t in zip(values, totals, strict=True)]
        fig.add_trace(
            go.Bar(
                y=list(groups),
                x=shares,
                name=rating,
                orientation="h",
                marker_color=QUALITY_COLORS.get(rating, PALETTE[-1]),
                customdata=list(values),
                hovertemplate="%{y}<br>" + rating + ": %{customdata} (%{x:.1%})<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=_rows_height(groups, 30), x_title="share of answers", percent_x=True)


def rate_with_interval(groups: Sequence[str], rates: Sequence[Any], lowers: Sequence[Any], uppers: Sequence[Any], name: str) -> go.Figure:
    """A rate per group as a horizontal bar with its interval as error bars."""
    plus = [None if r is None or u is None else float(u) - float(r) for r, u in zip(rates, uppers, strict=True)]
    minus = [None if r is None or lo is None else float(r) - float(lo) for r, lo in zip(rates, lowers, strict=True)]
    fig = go.Figure(
        go.Bar(
            y=list(groups),
            x=[_num(r) for r in rates],
            name=name,
            orientation="h",
            marker_color=PALETTE[4],
            error_x={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus},
        )
    )
    fig.update_xaxes(range=[0, 1.02])
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=_rows_height(groups, 28), x_title=f"{name} (Wilson 95% CI)", percent_x=True)


def horizontal_counts(labels: Sequence[str], counts: Sequence[float], x_title: str) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=list(counts),
            y=list(labels),
            orientation="h",
            marker_color=PALETTE[1],
            text=[f"{c:,.0f}" for c in counts],
            textposition="outside",
        )
    )
    fig.update_yaxes(autorange="reversed")
    # Whole-number ticks: counts of 1 or 2 should not get 0.5 steps.
    fig.update_xaxes(dtick=max(1, math.ceil(max(counts, default=1) / 6)), rangemode="tozero")
    return _layout(fig, height=max(240, 60 + 30 * len(labels)), x_title=x_title)


def run_comparison(
    metrics: Sequence[str], previous: Sequence[Any], latest: Sequence[Any], previous_name: str, latest_name: str
) -> go.Figure:
    fig = go.Figure()
    fig.add_trace(go.Bar(x=list(metrics), y=[_num(v) for v in previous], name=previous_name, marker_color=PALETTE[7]))
    fig.add_trace(go.Bar(x=list(metrics), y=[_num(v) for v in latest], name=latest_name, marker_color=PALETTE[0]))
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 1.05])
    return _layout(fig, height=340, y_title="mean over samples", percent_y=True)
