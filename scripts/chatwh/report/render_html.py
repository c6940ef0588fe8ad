"""One self-contained HTML file: inline CSS, plotly.js inlined once, every chart a div."""

from __future__ import annotations

from pathlib import Path

import jinja2
import plotly.io as pio
import plotly.offline

from ..project import reporting_offset_hours
from .charts import FONT_STACK
from .model import Report

TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_html(report: Report) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    chart_html = {
        chart.chart_id: pio.to_html(
            chart.figure,
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            div_id=chart.chart_id,
            config={"displaylogo": False, "responsive": True, "displayModeBar": False},
        )
        for chart in report.charts
    }
    if len(chart_html) != len(report.charts):
        raise ValueError("two charts share an id")
    return env.get_template("report.html.j2").render(
        report=report,
        chart_html=chart_html,
        plotly_js=plotly.offline.get_plotlyjs(),
        plotly_version=plotly.offline.get_plotlyjs_version(),
        font_stack=FONT_STACK,
        offset_hours=reporting_offset_hours(),
    )
