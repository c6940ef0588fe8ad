"""One GX checkpoint over every landed source table, with Data Docs.

The context is ephemeral: suites live in code (quality/framework.py and tables/), and
the only files a run leaves are the Data Docs site and a JSON summary in `docs_dir`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ..connection import Warehouse
from .extract import extract
from .framework import ERROR, SourceTable, SuiteContext, SuiteSpec, build_suites

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

CHECKPOINT_NAME = "source_tables"
SITE_NAME = "source_tables"


@dataclass
class Failure:
    suite: str
    expectation: str
    column: str
    severity: str
    observed: str


@dataclass
class SuiteOutcome:
    suite: str
    rows: int | None
    evaluated: int
    passed: int
    errors: int
    warnings: int


@dataclass
class GateResult:
    suites: list[SuiteOutcome] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    not_landed: list[str] = field(default_factory=list)
    docs_index: Path | None = None
    # Files whose share of rejected rows is above dq_max_reject_share: (kind, file, share, recent).
    rejecting_files: list[tuple[str, str, float, bool]] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.failures if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.failures if f.severity == "warn")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["docs_index"] = str(self.docs_index) if self.docs_index else None
        data["errors"], data["warnings"] = self.errors, self.warnings
        return data


def _observed(result: dict[str, Any]) -> str:
    if result.get("unexpected_count") is not None:
        count = result["unexpected_count"]
        percent = result.get("unexpected_percent")
        examples = [str(v)[:40] for v in (result.get("partial_unexpected_list") or [])[:3]]
        text = f"{count} unexpected" + (f" ({percent:.2f} %)" if percent is not None else "")
        return text + (f", e.g. {', '.join(examples)}" if examples else "")
    if "observed_value" in result:
        return f"observed {str(result['observed_value'])[:120]}"
    if "details" in result:
        return str(result["details"])[:120]
    return ""


VOLUME_SUFFIX = "__daily_volume"
VOLUME_COLUMNS = ("ratio_recent_days", "ratio_to_trailing_median")
VOLUME_DAYS_SHOWN = 3


def _volume_days(frame: Path, column: str, low: float, high: float) -> str:
    """The days a volume expectation failed on, newest first, with their rows and the
    trailing median they were judged against: what an on-call analyst checks first."""
    found = duckdb.execute(
        f"select report_date, row_count, trailing_median, {column} from read_parquet($path)"
        f" where {column} < $low or {column} > $high order by report_date desc",
        {"path": str(frame), "low": low, "high": high},
    ).fetchall()
    shown = [f"{day.isoformat()} {rows:,} rows vs median {median:,.1f}" for day, rows, median, _ in found[:VOLUME_DAYS_SHOWN]]
    more = f" and {len(found) - VOLUME_DAYS_SHOWN} more" if len(found) > VOLUME_DAYS_SHOWN else ""
    return "; ".join(shown) + more


def run_gate(warehouse: Warehouse, sources: list[SourceTable], ctx: SuiteContext, docs_dir: Path) -> GateResult:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    outcome = GateResult()
    # Before the tables are read: a docs_dir that cannot be made fails at once (OSError).
    docs_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chatbot-gx-") as workdir:
        data = extract(warehouse, sources, ctx, Path(workdir))
        outcome.not_landed = data.missing
        specs: list[SuiteSpec] = [
            s
            for s in build_suites(sources, ctx, frozenset(t for t, n in data.rows.items() if n == 0), data.valued_timestamps)
            if s.asset in data.files
        ]

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        # The site shows the latest run only: pages of earlier runs would pile up hourly.
        for stale in ("validations", "expectations"):
            shutil.rmtree(docs_dir / stale, ignore_errors=True)
        context.add_data_docs_site(
            site_name=SITE_NAME,
            site_config={
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir.resolve())},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        source = context.data_sources.add_pandas("warehouse")
        definitions = []
        for spec in specs:
            asset = source.add_parquet_asset(name=spec.asset, path=data.files[spec.asset])
            batch = asset.add_batch_definition(name="all_rows")
            suite = context.suites.add(gx.ExpectationSuite(name=spec.name, expectations=spec.expectations))
            definitions.append(context.validation_definitions.add(gx.ValidationDefinition(name=spec.name, data=batch, suite=suite)))
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=CHECKPOINT_NAME,
                validation_definitions=definitions,
                # Data Docs are built once after the run (the action rebuilds the site per suite).
                actions=[],
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 3},
            )
        )
        result = checkpoint.run()
        context.build_data_docs(site_names=[SITE_NAME])
        # Read before the frames' temporary directory goes: the failed days by name.
        band = (ctx.thresholds.volume_min_ratio, ctx.thresholds.volume_max_ratio)
        volume_days = {
            (spec.name, column): _volume_days(data.files[spec.asset], column, *band)
            for spec in specs
            if spec.asset.endswith(VOLUME_SUFFIX)
            for column in VOLUME_COLUMNS
        }
        if "load_batches" in data.files:
            outcome.rejecting_files = [
                (str(kind), str(source), float(share), bool(recent))
                for kind, source, share, recent in duckdb.execute(
                    "select kind, source_file, reject_share, reject_share_recent is not null from read_parquet($path)"
                    " where reject_share > $limit order by reject_share desc",
                    {"path": str(data.files["load_batches"]), "limit": ctx.thresholds.max_reject_share},
                ).fetchall()
            ]

    by_name = {spec.name: spec for spec in specs}
    for validation in result.run_results.values():
        name = validation.suite_name
        spec = by_name[name]
        errors = warnings = passed = 0
        for item in validation.results:
            config = item.expectation_config
            severity = "error" if str(getattr(config.severity, "value", config.severity)) == ERROR else "warn"
            if item.success:
                passed += 1
                continue
            if severity == "error":
                errors += 1
            else:
                warnings += 1
            kwargs = config.kwargs
            column = kwargs.get("column") or ", ".join(
                str(c) for c in (kwargs.get("column_list") or [kwargs.get("column_A"), kwargs.get("column_B")]) if c
            )
            if item.exception_info and item.exception_info.get("raised_exception"):
                observed = "could not be evaluated: " + str(item.exception_info.get("exception_message", ""))[:160]
            else:
                observed = _observed(dict(item.result or {}))
                if volume_days.get((name, column)):
                    observed += f"; {volume_days[(name, column)]}"
            outcome.failures.append(Failure(name, config.type, column, severity, observed))
        rows = data.rows.get(spec.asset)
        outcome.suites.append(SuiteOutcome(name, rows, len(validation.results), passed, errors, warnings))
    outcome.suites.sort(key=lambda s: s.suite)
    index = docs_dir / "index.html"
    outcome.docs_index = index if index.exists() else None
    write_summary_page(outcome, docs_dir)
    with open(docs_dir / "last_run.json", "w", encoding="utf-8") as handle:
        json.dump(outcome.to_json(), handle, ensure_ascii=False, indent=2, default=str)
    return outcome


def write_summary_page(outcome: GateResult, docs_dir: Path) -> Path:
    """summary.html: the run as plain HTML (GX's index.html builds its tables with
    JavaScript from public CDNs, so offline it shows an empty page; its validation pages
    read fine without them and are linked from here)."""
    from html import escape

    pages = {
        p.relative_to(docs_dir / "validations").parts[0]: p.relative_to(docs_dir).as_posix() for p in docs_dir.glob("validations/**/*.html")
    }
    rows = "".join(
        f"<tr><td><a href='{escape(pages.get(s.suite, '#'))}'>{escape(s.suite)}</a></td><td>{'' if s.rows is None else s.rows}</td>"
        f"<td>{s.evaluated}</td><td>{s.passed}</td><td class='{'bad' if s.errors else ''}'>{s.errors}</td><td>{s.warnings}</td></tr>"
        for s in outcome.suites
    )
    failed = "".join(
        f"<tr><td class='{'bad' if f.severity == 'error' else 'warn'}'>{f.severity}</td><td>{escape(f.suite)}</td>"
        f"<td>{escape(f.expectation)}</td><td>{escape(f.column)}</td><td>{escape(f.observed)}</td></tr>"
        for f in sorted(outcome.failures, key=lambda f: (f.severity != "error", f.suite))
    )
    verdict = "FAILED" if outcome.errors else "passed"
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Source tables: {verdict}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:2em}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}.bad{{background:#f8d0d0}}.warn{{background:#fbeec0}}</style></head>
<body><h1>Source tables: {verdict}</h1><p>errors={outcome.errors} warnings={outcome.warnings}.
Not landed: {escape(", ".join(outcome.not_landed) or "-")}. Full Data Docs: <a href="index.html">index.html</a>.</p>
<h2>Suites</h2><table><tr><th>suite</th><th>rows</th><th>expectations</th><th>passed</th><th>errors</th><th>warnings</th></tr>{rows}</table>
<h2>Failed expectations</h2><table><tr><th>severity</th><th>suite</th><th>expectation</th><th>column</th><th>observed</th></tr>{failed}</table>
</body></html>"""
    path = docs_dir / "summary.html"
    path.write_text(page, encoding="utf-8")
    return path
