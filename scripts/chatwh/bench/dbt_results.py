"""Timings from dbt's own run results (target/run_results.json + manifest.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

# The KPI step: the models from staging to the daily KPI marts.
KPI_MODELS = (
    "stg_chat_platform__chat_events",
    "stg_chat_platform__bots",
    "int_chat_events__resolved",
    "int_chat_sessions__sessionized",
    "int_user_bot_days__funnel",
    "int_bot_tags__split",
    "mart_bot_daily_kpis",
    "mart_model_daily_kpis",
    "mart_tag_daily_kpis",
    "mart_business_line_daily_kpis",
)
# The funnel's incremental models (macros/incremental/incremental.sql).
INCREMENTAL_FUNNEL_MODELS = (
    "int_chat_events__resolved",
    "int_chat_sessions__sessionized",
    "int_user_bot_days__funnel",
    "fct_chat_sessions",
    "mart_bot_daily_kpis",
    "mart_model_daily_kpis",
    "mart_tag_daily_kpis",
    "mart_business_line_daily_kpis",
)
# The part of it that computes what the floor query computes: the daily bot KPIs.
BOT_KPI_MODELS = (
    "stg_chat_platform__chat_events",
    "stg_chat_platform__bots",
    "int_chat_events__resolved",
    "int_chat_sessions__sessionized",
    "int_user_bot_days__funnel",
    "mart_bot_daily_kpis",
)


@dataclass(frozen=True)
class Step:
    seconds: float  # first start to last end of the step's nodes (threads overlap)
    node_seconds: float  # sum of the nodes' own times
    nodes: int


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def step_time(target_path: Path, models: tuple[str, ...]) -> Step | None:
    """Span of the given models, and of the tests on them when the run had tests."""
    results_file = target_path / "run_results.json"
    manifest_file = target_path / "manifest.json"
    if not results_file.exists() or not manifest_file.exists():
        return None
    results: list[dict[str, Any]] = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    nodes: dict[str, Any] = json.loads(manifest_file.read_text(encoding="utf-8"))["nodes"]
    wanted_models = {uid for uid, node in nodes.items() if node.get("resource_type") == "model" and node.get("name") in models}
    wanted = set(wanted_models)
    for uid, node in nodes.items():
        parents = set((node.get("depends_on") or {}).get("nodes") or [])
        if node.get("resource_type") in ("test", "unit_test") and parents and parents <= wanted_models:
            wanted.add(uid)
    starts: list[datetime] = []
    ends: list[datetime] = []
    total = 0.0
    count = 0
    for result in results:
        if result.get("unique_id") not in wanted:
            continue
        count += 1
        total += float(result.get("execution_time") or 0.0)
        for timing in result.get("timing") or []:
            if timing.get("started_at") and timing.get("completed_at"):
                starts.append(_parse_time(timing["started_at"]))
                ends.append(_parse_time(timing["completed_at"]))
    if not starts:
        return None
    return Step(seconds=(max(ends) - min(starts)).total_seconds(), node_seconds=total, nodes=count)


def slowest(target_path: Path, limit: int = 8) -> list[tuple[str, float]]:
    results_file = target_path / "run_results.json"
    if not results_file.exists():
        return []
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    timed = [(str(r["unique_id"]).split(".")[-1], float(r.get("execution_time") or 0.0)) for r in results]
    return sorted(timed, key=lambda item: -item[1])[:limit]


def node_seconds(target_path: Path, models: tuple[str, ...]) -> float | None:
    """Sum of the given models' own times (compile + execute) in the last run."""
    results_file = target_path / "run_results.json"
    if not results_file.exists():
        return None
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    times = [
        float(r.get("execution_time") or 0.0)
        for r in results
        if str(r["unique_id"]).split(".")[-1] in models and str(r["unique_id"]).startswith("model.")
    ]
    return sum(times) if times else None
