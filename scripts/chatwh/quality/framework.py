"""What a source table's suite is made of, and the expectations every table shares.

A source table is the raw table of a loader kind (or of one of its derived tables), or
one of the loader's own tables (load_batches, load_rejects). Its suite is:

* generic, from the kind's declaration — the exact column set, key columns present and
  unique, lineage columns present, timestamps not in the future beyond a tolerance and
  not before 2000 (an epoch-zero default upstream);
* specific, from `quality/tables/<table>.py` — `expectations(ctx)` returns the table's own
  expectations (enumerations, ranges, null shares); `DAY_COLUMN` names the timestamp
  whose reporting day drives the volume check (None: no volume check).

Severity: `ERROR` (GX "critical") fails the run — a rule the marts rely on is broken;
`WARN` (GX "warning") is printed and shown in Data Docs only — suspicious but explainable.

Recent rows, not history: a landed table's suite (`raw.<table>`) reads its recent rows —
loaded within `dq_reject_error_hours`, the recency of the reject-share check — so a row
accepted once does not fail every later run. The same expectations, all at WARN, read
the whole table (`raw.<table>.history`): older rows were judged when they were loaded.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any

from ..kinds import all_kinds
from ..loading.kind import Column, LoadKind
from ..project import raw_schema, reporting_offset_hours, var

ERROR = "critical"
WARN = "warning"

# Before this, a timestamp is an epoch-zero or default value from upstream, not an event.
EARLIEST_PLAUSIBLE = datetime(2000, 1, 1)
LINEAGE = ("_batch_id", "_source_file", "_line_number", "_loaded_at")
# Upper bounds of the dq_* windows: ten years, a day (larger ones are typos).
MAX_HOURS = 24 * 3660
MAX_RESPONSE_TIME_S = 86400.0
# Expectations on a column aggregate: an empty frame (or an all-NULL column) has no
# value to judge, and GX would fail them.
AGGREGATE_TYPES = frozenset(
    {"expect_column_max_to_be_between", "expect_column_min_to_be_between", "expect_column_distinct_values_to_contain_set"}
)


@dataclass(frozen=True)
class Thresholds:
    """The gate's tolerances: dbt vars `dq_*` in dbt_project.yml (README lists them)."""

    future_tolerance_hours: float
    max_response_time_s: float
    volume_min_ratio: float
    volume_max_ratio: float
    volume_error_days: int
    max_reject_share: float
    reject_error_hours: float
    min_filled_share: float

    @classmethod
    def from_vars(cls, overrides: dict[str, Any] | None = None) -> Thresholds:
        overrides = overrides or {}

        def get(name: str, kind: type[float] | type[int] = float) -> Any:
            value = overrides.get(name, var(name))
            try:
                number = kind(value)
            except (TypeError, ValueError):
                raise ValueError(f"{name}: not {'a whole number' if kind is int else 'a number'}: {value!r}") from None
            if not math.isfinite(number):
                raise ValueError(f"{name}: not a finite number: {value!r}")
            return number

        def within(name: str, value: float, low: float, high: float, *, low_open: bool = False) -> None:
            if value < low or (low_open and value == low) or value > high:
                low_text = f"above {low:g}" if low_open else f"at least {low:g}"
                raise ValueError(f"{name}: must be {low_text} and at most {high:g}, got {value:g}")

        thresholds = cls(
            future_tolerance_hours=get("dq_future_tolerance_hours"),
            max_response_time_s=get("dq_max_response_time_s"),
            volume_min_ratio=get("dq_volume_min_ratio"),
            volume_max_ratio=get("dq_volume_max_ratio"),
            volume_error_days=get("dq_volume_error_days", int),
            max_reject_share=get("dq_max_reject_share"),
            reject_error_hours=get("dq_reject_error_hours"),
            min_filled_share=get("dq_min_filled_share"),
        )
        # Out of range, a value either switches a check off in silence (a negative window)
        # or overflows the date arithmetic; both are usage errors.
        within("dq_future_tolerance_hours", thresholds.future_tolerance_hours, 0, MAX_HOURS)
        within("dq_reject_error_hours", thresholds.reject_error_hours, 0, MAX_HOURS)
        within("dq_max_response_time_s", thresholds.max_response_time_s, 0, MAX_RESPONSE_TIME_S, low_open=True)
        within("dq_volume_error_days", thresholds.volume_error_days, 0, MAX_HOURS // 24)
        if not 0 < thresholds.volume_min_ratio < 1 < thresholds.volume_max_ratio:
            raise ValueError("dq_volume_min_ratio must be in (0, 1) and dq_volume_max_ratio above 1")
        if not 0 <= thresholds.max_reject_share <= 1 or not 0 <= thresholds.min_filled_share <= 1:
            raise ValueError("dq_max_reject_share and dq_min_filled_share are shares between 0 and 1")
        return thresholds


@dataclass(frozen=True)
class SuiteContext:
    """What a table module may use to build its expectations."""

    thresholds: Thresholds
    now_utc: datetime  # naive UTC, like every stored timestamp

    @property
    def latest_allowed(self) -> datetime:
        return self.now_utc + timedelta(hours=self.thresholds.future_tolerance_hours)

    @property
    def recent_since(self) -> datetime:
        """Rows loaded (and files started) from this moment on are recent: their checks
        fail the run; older ones only warn (dq_reject_error_hours)."""
        return self.now_utc - timedelta(hours=self.thresholds.reject_error_hours)

    @property
    def today_local(self) -> date:
        """The current reporting day (UTC shifted by reporting_utc_offset_hours)."""
        return (self.now_utc + timedelta(hours=reporting_offset_hours())).date()


@dataclass(frozen=True)
class SourceTable:
    """One raw table to validate."""

    table: str
    kind: str | None  # loader kind that lands it; None for the loader's own tables
    columns: tuple[Column, ...]  # declared columns, lineage excluded
    key: tuple[str, ...]
    has_lineage: bool
    module: ModuleType | None
    # A kind's key is unique; a derived table's key is its parent's (many child rows per
    # parent), so only presence is generic there and the module states the child key.
    key_is_unique: bool = True
    # A versioned kind (LoadKind.versioned_by): a version may repeat an earlier one's key
    # (a bot put back to an earlier version), so the key is unique per load.
    versioned: bool = False

    @property
    def day_column(self) -> str | None:
        return getattr(self.module, "DAY_COLUMN", None) if self.module else None

    @property
    def specific(self) -> Callable[[SuiteContext], list[Any]] | None:
        return getattr(self.module, "expectations", None) if self.module else None


def table_modules() -> dict[str, ModuleType]:
    """quality/tables/<module>.py by the TABLE each one declares."""
    from . import tables

    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(tables.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{tables.__name__}.{info.name}")
        name = getattr(module, "TABLE", None)
        if isinstance(name, str):
            found[name] = module
    return found


def source_tables(kinds: dict[str, LoadKind] | None = None) -> list[SourceTable]:
    """Every raw table the loaders write: kinds (and their derived tables), then the
    loader's own load_batches and load_rejects."""
    from ..loading.sinks import BATCH_COLUMNS, REJECT_COLUMNS

    modules = table_modules()
    result: list[SourceTable] = []
    for kind in sorted((kinds or all_kinds()).values(), key=lambda k: (k.load_order, k.name)):
        result.append(
            SourceTable(
                kind.table,
                kind.name,
                tuple(kind.columns),
                tuple(kind.key),
                True,
                modules.get(kind.table),
                versioned=getattr(kind, "versioned_by", None) is not None,
            )
        )
        for derived in getattr(kind, "derived", ()) or ():
            result.append(
                SourceTable(
                    derived.table,
                    kind.name,
                    tuple(derived.columns),
                    tuple(derived.key),
                    True,
                    modules.get(derived.table),
                    key_is_unique=False,
                )
            )
    result.append(SourceTable("load_batches", None, BATCH_COLUMNS, ("batch_id",), False, modules.get("load_batches")))
    result.append(SourceTable("load_rejects", None, REJECT_COLUMNS, (), False, modules.get("load_rejects")))
    return result


def unique_key(source: SourceTable) -> tuple[str, ...]:
    """The columns that are unique together in the table (empty: none generically)."""
    if not source.key_is_unique or not source.key:
        return ()
    # As the dbt source test: a versioned kind's key is unique per load.
    return (*source.key, "_loaded_at") if source.versioned else source.key


def generic_expectations(source: SourceTable, ctx: SuiteContext, *, empty: bool = False, valued: frozenset[str] | None = None) -> list[Any]:
    """The expectations any raw table gets from its declaration (`empty`: the frame has
    no rows; `valued`: the timestamp columns with at least one value, None for all — a
    column without a value has no max or min to judge)."""
    import great_expectations.expectations as gxe

    names = [c.name for c in source.columns] + (list(LINEAGE) if source.has_lineage else [])
    found: list[Any] = [
        gxe.ExpectTableColumnsToMatchSet(column_set=names, exact_match=source.kind is not None, severity=ERROR),
    ]
    for column in source.key:
        found.append(gxe.ExpectColumnValuesToNotBeNull(column=column, severity=ERROR))
    key = unique_key(source)
    if len(key) == 1:
        found.append(gxe.ExpectColumnValuesToBeUnique(column=key[0], severity=ERROR))
    elif len(key) > 1:
        found.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(key), severity=ERROR))
    if source.has_lineage:
        for column in LINEAGE:
            found.append(gxe.ExpectColumnValuesToNotBeNull(column=column, severity=ERROR))
    for column in source.columns:
        if column.type == "timestamp" and not empty and (valued is None or column.name in valued):
            # As the column's max and min: the same rule as "every value in range", and an
            # aggregate instead of GX's row-by-row datetime comparison (seconds per million rows).
            found.append(gxe.ExpectColumnMaxToBeBetween(column=column.name, max_value=ctx.latest_allowed, severity=ERROR))
            found.append(gxe.ExpectColumnMinToBeBetween(column=column.name, min_value=EARLIEST_PLAUSIBLE, severity=WARN))
    return found


def volume_expectations(ctx: SuiteContext) -> list[Any]:
    """On the `<table>__daily_volume` frame (see extract.daily_volume)."""
    import great_expectations.expectations as gxe

    t = ctx.thresholds
    band = {"min_value": t.volume_min_ratio, "max_value": t.volume_max_ratio}
    return [
        # NULL ratios (days without 7 days of history, today, an empty day after empty
        # ones within the feed) are not judged; rows after a zero median are +inf.
        gxe.ExpectColumnValuesToBeBetween(column="ratio_recent_days", **band, severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="ratio_to_trailing_median", **band, severity=WARN),
    ]


@dataclass
class SuiteSpec:
    """A suite to run: its GX name, the frame it reads and its expectations."""

    name: str
    asset: str
    expectations: list[Any] = field(default_factory=list)
    table: str = ""


def suite_name(table: str, part: str = "") -> str:
    return f"{raw_schema()}.{table}" + (f".{part}" if part else "")


def recent_asset(table: str) -> str:
    return f"{table}__recent"


def build_suites(
    sources: list[SourceTable],
    ctx: SuiteContext,
    empty_tables: frozenset[str] = frozenset(),
    valued_timestamps: dict[str, frozenset[str]] | None = None,
) -> list[SuiteSpec]:
    """`empty_tables` and `valued_timestamps` are by asset (a table, or its recent rows)."""
    valued_timestamps = valued_timestamps or {}

    def table_expectations(source: SourceTable, asset: str) -> list[Any]:
        empty = asset in empty_tables
        expectations = generic_expectations(source, ctx, empty=empty, valued=valued_timestamps.get(asset))
        if source.specific is not None:
            expectations += source.specific(ctx)
        if empty:
            expectations = [e for e in expectations if e.expectation_type not in AGGREGATE_TYPES]
        return expectations

    suites: list[SuiteSpec] = []
    for source in sources:
        if source.has_lineage:
            # Recent rows at their own severity; the whole table, older rows included, warns.
            recent = recent_asset(source.table)
            suites.append(SuiteSpec(suite_name(source.table), recent, table_expectations(source, recent), source.table))
            history = table_expectations(source, source.table)
            for expectation in history:
                expectation.severity = WARN
            suites.append(SuiteSpec(suite_name(source.table, "history"), source.table, history, source.table))
        else:
            suites.append(SuiteSpec(suite_name(source.table), source.table, table_expectations(source, source.table), source.table))
        if source.day_column:
            suites.append(
                SuiteSpec(
                    name=suite_name(source.table, "daily_volume"),
                    asset=f"{source.table}__daily_volume",
                    expectations=volume_expectations(ctx),
                    table=source.table,
                )
            )
    return suites


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
