"""The daily report (scripts/report.py): sections built from the marts, rendered as one
self-contained HTML file and as Markdown."""

from .model import Report, Section
from .render_html import render_html
from .render_markdown import render_markdown
from .sections import ReportOptions, build_report

__all__ = ["Report", "ReportOptions", "Section", "build_report", "render_html", "render_markdown"]
