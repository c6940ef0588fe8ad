"""What a daily report is made of, independent of how it is rendered.

A report is a list of sections; a section holds KPI tiles, charts, tables, bullet points
and notes. The HTML renderer draws all of it (charts as embedded plotly figures); the
Markdown renderer writes the same sections with tiles, bullets and tables as text, so the
two versions never disagree about a number: both format the values computed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Align = Literal["left", "right"]


@dataclass(frozen=True)
class Tile:
    """One KPI with its day-over-day change, already formatted.

    `trend` is the sign of the change (up/down/flat/None when there is no previous value);
    `good` says whether that change is good news (None: neutral), for the colour.
    """

    label: str
    value: str
    previous: str
    change: str
    trend: Literal["up", "down", "flat"] | None
    good: bool | None
    source: str


@dataclass(frozen=True)
class TableBlock:
    title: str
    columns: list[str]
    rows: list[list[str]]
    align: list[Align]
    note: str | None = None
    # HTML only: long tables start folded (<details>); Markdown always lists every row.
    collapsed: bool = False


@dataclass
class ChartBlock:
    """A plotly figure; `chart_id` becomes the div id (the render test finds it by id)."""

    chart_id: str
    title: str
    figure: Any  # plotly.graph_objects.Figure (kept untyped so the model imports without plotly)
    height: int = 360


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    tiles: list[Tile] = field(default_factory=list)
    charts: list[ChartBlock] = field(default_factory=list)
    tables: list[TableBlock] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Set when the section has nothing to show for the day; says why (mart missing, no rows).
    no_data: str | None = None
    sources: list[str] = field(default_factory=list)

    def mark_no_data(self, reason: str) -> Section:
        self.no_data = reason
        return self


@dataclass
class Report:
    report_date: date
    generated_at: datetime
    target: str
    dialect: str
    sections: list[Section]

    @property
    def charts(self) -> list[ChartBlock]:
        return [chart for section in self.sections for chart in section.charts]

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)


def table(
    title: str,
    columns: list[str],
    rows: list[list[str]],
    right_from: int = 1,
    note: str | None = None,
    *,
    align: str | None = None,
    collapsed: bool = False,
) -> TableBlock:
    """A table whose first `right_from` columns are labels (left) and the rest numbers
    (right); or `align` spelled out per column, e.g. "llrr" (l = left, r = right)."""
    if align is not None:
        if len(align) != len(columns):
            raise ValueError(f"align {align!r} does not match {len(columns)} columns")
        sides: list[Align] = ["right" if a == "r" else "left" for a in align]
    else:
        sides = ["left" if index < right_from else "right" for index in range(len(columns))]
    return TableBlock(title=title, columns=columns, rows=rows, align=sides, note=note, collapsed=collapsed)
