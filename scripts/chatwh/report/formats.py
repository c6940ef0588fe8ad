"""Number and text formatting shared by the HTML and Markdown versions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from ..project import reporting_offset_hours
from .model import Tile

Kind = Literal["count", "rate", "seconds"]
DASH = "–"


def count(value: Any) -> str:
    return DASH if value is None else f"{int(round(float(value))):,}"


def pct(value: Any, digits: int = 1) -> str:
    return DASH if value is None else f"{float(value) * 100:.{digits}f}%"


def seconds(value: Any) -> str:
    return DASH if value is None else f"{float(value):.2f} s"


def number(value: Any, digits: int = 2) -> str:
    return DASH if value is None else f"{float(value):.{digits}f}"


def p_value(value: Any) -> str:
    if value is None:
        return DASH
    v = float(value)
    return f"{v:.4f}" if v >= 1e-4 else f"{v:.1e}"


def interval(rate: Any, lower: Any, upper: Any) -> str:
    if rate is None:
        return DASH
    return f"{pct(rate)} [{pct(lower)}, {pct(upper)}]"


def signed_pct_points(value: Any) -> str:
    return DASH if value is None else f"{float(value) * 100:+.1f} pp"


def timestamp(value: Any) -> str:
    if value is None:
        return DASH
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def local_timestamp(value: Any) -> str:
    """A UTC timestamp of a mart shown in reporting-local time (var reporting_utc_offset_hours)."""
    if isinstance(value, datetime):
        value = value + timedelta(hours=reporting_offset_hours())
    return timestamp(value)


def local_zone() -> str:
    return f"UTC{reporting_offset_hours():+g}"


def excerpt(text: Any, limit: int = 40) -> str:
    """The first `limit` characters (not bytes: Chinese counts one per character), on one line."""
    if text is None:
        return DASH
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def ratio(numerator: Any, denominator: Any) -> float | None:
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)


def format_value(value: Any, kind: Kind) -> str:
    return {"count": count, "rate": pct, "seconds": seconds}[kind](value)


def change(current: Any, previous: Any, kind: Kind) -> tuple[str, Literal["up", "down", "flat"] | None]:
    """Day-over-day change: relative for counts, percentage points for rates, seconds for times."""
    if current is None or previous is None:
        return "n/a", None
    cur, prev = float(current), float(previous)
    delta = cur - prev
    trend: Literal["up", "down", "flat"] = "flat" if abs(delta) < 1e-12 else ("up" if delta > 0 else "down")
    if kind == "count":
        if prev == 0:
            return ("±0" if cur == 0 else "new"), trend
        return f"{delta / prev * 100:+.1f}%", trend
    if kind == "rate":
        return f"{delta * 100:+.1f} pp", trend
    return f"{delta:+.2f} s", trend


def tile(label: str, current: Any, previous: Any, kind: Kind, *, better: Literal["up", "down"] | None, source: str) -> Tile:
    text, trend = change(current, previous, kind)
    good: bool | None = None
    if better and trend in ("up", "down"):
        good = trend == better
    return Tile(
        label=label,
        value=format_value(current, kind),
        previous=format_value(previous, kind),
        change=text,
        trend=trend,
        good=good,
        source=source,
    )
