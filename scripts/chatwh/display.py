"""Formatting helpers for the rich tables the command-line tools print."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def fmt(value: Any, kind: str = "auto") -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{float(value) * 100:.1f}%"
    if kind == "num":
        return f"{float(value):.2f}"
    if kind == "p":
        return f"{float(value):.4f}" if float(value) >= 1e-4 else f"{float(value):.1e}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def interval(rate: Any, lower: Any, upper: Any) -> str:
    if rate is None:
        return "–"
    return f"{fmt(rate, 'pct')} [{fmt(lower, 'pct')}, {fmt(upper, 'pct')}]"


def table(title: str, columns: list[str], rows: list[list[str]], right_from: int = 0) -> Table:
    out = Table(title=title, title_justify="left")
    for index, name in enumerate(columns):
        out.add_column(name, justify="right" if index >= right_from else "left", no_wrap=index < right_from)
    for row in rows:
        out.add_row(*row)
    return out


def make_console() -> Console:
    """A console that does not squeeze wide KPI tables when output is piped to a log."""
    import sys

    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)
