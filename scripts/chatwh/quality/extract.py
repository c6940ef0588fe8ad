"""Read the landed tables once, through chatwh.connection, into Parquet files for GX.

Every engine goes the same way: DuckDB copies a table straight to Parquet; MySQL and
Spark rows come back through the connection module and are written with pyarrow. The
frames that are not tables — a table's recent rows, its daily volume and the per-file
reject share — are then computed set-based with an in-memory DuckDB over those Parquet files, so the
SQL is written once, whatever the warehouse is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import duckdb

from ..connection import DuckDBWarehouse, Warehouse
from ..project import raw_schema, reporting_offset_hours
from .framework import SourceTable, SuiteContext, recent_asset, unique_key


@dataclass
class Extracted:
    """Parquet file per asset name, plus the row count of each landed table and of its
    recent rows, and per such asset the timestamp columns that hold a value."""

    files: dict[str, Path]
    rows: dict[str, int]
    missing: list[str]
    valued_timestamps: dict[str, frozenset[str]] = field(default_factory=dict)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_table(warehouse: Warehouse, table: str, path: Path) -> int:
    relation = warehouse.relation(raw_schema(), table)
    if isinstance(warehouse, DuckDBWarehouse):
        warehouse.con.execute(f"copy (select * from {relation}) to {_literal(str(path))} (format parquet)")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns, rows = warehouse.fetch_table(f"select * from {relation}")
        data = {name: [row[i] for row in rows] for i, name in enumerate(columns)}
        pq.write_table(pa.table(data) if rows else pa.table({name: pa.array([], pa.string()) for name in columns}), str(path))
    (count,) = duckdb.execute(f"select count(*) from read_parquet({_literal(str(path))})").fetchone()  # type: ignore[misc]
    return int(count)


def extract(warehouse: Warehouse, sources: list[SourceTable], ctx: SuiteContext, workdir: Path) -> Extracted:
    result = Extracted(files={}, rows={}, missing=[])
    for source in sources:
        if not warehouse.table_exists(raw_schema(), source.table):
            result.missing.append(source.table)
            continue
        path = workdir / f"{source.table}.parquet"
        result.rows[source.table] = export_table(warehouse, source.table, path)
        result.files[source.table] = path
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    try:
        for source in sources:
            if source.table not in result.files:
                continue
            assets = [source.table]
            if source.has_lineage:
                path = workdir / f"{recent_asset(source.table)}.parquet"
                result.rows[recent_asset(source.table)] = recent_rows(con, result.files[source.table], source, ctx, path)
                result.files[recent_asset(source.table)] = path
                assets.append(recent_asset(source.table))
            timestamps = [c.name for c in source.columns if c.type == "timestamp"]
            for asset in assets:
                result.valued_timestamps[asset] = valued_columns(con, result.files[asset], timestamps)
        for source in sources:
            if source.day_column and source.table in result.files:
                path = workdir / f"{source.table}__daily_volume.parquet"
                daily_volume(con, result.files[source.table], source.day_column, ctx, path)
                result.files[f"{source.table}__daily_volume"] = path
        if "load_batches" in result.files:
            # load_batches is validated with its reconciliation columns added.
            path = workdir / "load_batches__checked.parquet"
            batches_checked(con, result.files["load_batches"], result.files.get("load_rejects"), ctx, path)
            result.files["load_batches"] = path
    finally:
        con.close()
    return result


def recent_rows(con: duckdb.DuckDBPyConnection, table_file: Path, source: SourceTable, ctx: SuiteContext, out: Path) -> int:
    """The rows loaded since ctx.recent_since, plus any older row sharing a unique key with
    one of them (so a recent row repeating an old key still fails the key check)."""
    table = f"read_parquet({_literal(str(table_file))})"

    def is_recent(alias: str) -> str:
        return f'try_cast({alias}."_loaded_at" as timestamp) >= $since'

    where = is_recent("t")
    key = unique_key(source)
    if key:
        match = " and ".join(f'r."{c}" = t."{c}"' for c in key)
        where += f" or exists (select 1 from {table} as r where {is_recent('r')} and {match})"
    con.execute(f"copy (select * from {table} as t where {where}) to {_literal(str(out))} (format parquet)", {"since": ctx.recent_since})
    (count,) = con.execute(f"select count(*) from read_parquet({_literal(str(out))})").fetchone()  # type: ignore[misc]
    return int(count)


def valued_columns(con: duckdb.DuckDBPyConnection, path: Path, columns: list[str]) -> frozenset[str]:
    """Those of `columns` with at least one non-NULL value in the Parquet file."""
    if not columns:
        return frozenset()
    counts = con.execute("select " + ", ".join(f'count("{c}")' for c in columns) + f" from read_parquet({_literal(str(path))})").fetchone()
    return frozenset(c for c, n in zip(columns, counts or (), strict=True) if n)


def daily_volume(con: duckdb.DuckDBPyConnection, table_file: Path, day_column: str, ctx: SuiteContext, out: Path) -> None:
    """Rows per reporting day (a calendar from the first day with rows to the last
    complete day, so a day with no rows counts as 0) and the ratio to the median of the
    7 previous days.

    `ratio_to_trailing_median` is set for complete days (before today) with 7 days of
    history; `ratio_recent_days` only for the last `dq_volume_error_days` of those. A day
    with rows after a zero median is +inf (above any band). The empty days after the last
    day with rows (a stopped feed) are 0 once the feed had 7 days of history by then; an
    empty day after a zero median within the feed is not judged.
    """
    offset_s = int(round(reporting_offset_hours() * 3600))
    today = ctx.today_local
    last_complete = today - timedelta(days=1)
    first_recent = last_complete - timedelta(days=ctx.thresholds.volume_error_days - 1)
    con.execute(
        f"""
        copy (
            with days as (
                select cast("{day_column}" + to_seconds({offset_s}) as date) as report_date, count(*) as row_count
                from read_parquet({_literal(str(table_file))})
                where "{day_column}" is not null
                group by 1
            ),
            span as (select min(report_date) as first_day, max(report_date) as last_day from days),
            calendar as (
                select cast(unnest(generate_series(first_day, greatest(last_day, $last_complete), interval 1 day)) as date)
                           as report_date
                from span
                where first_day is not null
            ),
            filled as (
                select c.report_date, coalesce(d.row_count, 0) as row_count
                from calendar as c
                left join days as d on c.report_date = d.report_date
            ),
            windowed as (
                select report_date,
                       row_count,
                       median(row_count) over w as trailing_median,
                       count(*) over w as trailing_days
                from filled
                window w as (order by report_date rows between 7 preceding and 1 preceding)
            ),
            judged as (
                select w.*,
                       case when trailing_days < 7 or w.report_date >= $today then null
                            when w.report_date > s.last_day
                                 then case when s.last_day >= s.first_day + 7 then 0.0 end
                            when trailing_median = 0
                                 then case when row_count > 0 then cast('inf' as double) end
                            else row_count / trailing_median end as ratio_to_trailing_median
                from windowed as w
                cross join span as s
            )
            select report_date, row_count, trailing_median, trailing_days, ratio_to_trailing_median,
                   case when report_date between $first_recent and $last_complete
                        then ratio_to_trailing_median end as ratio_recent_days
            from judged
            order by report_date
        ) to {_literal(str(out))} (format parquet)
        """,
        {"today": today, "first_recent": first_recent, "last_complete": last_complete},
    )


def batches_checked(con: duckdb.DuckDBPyConnection, batches_file: Path, rejects_file: Path | None, ctx: SuiteContext, out: Path) -> None:
    """load_batches plus, per file: rows that do not reconcile, rejects the batch counted
    but load_rejects lacks, and the share of the file's rows rejected as bad input (rows
    rejected only because they were already loaded are a reload, not bad input: reloading
    a file gives the same share as its first load)."""
    since = ctx.recent_since
    if rejects_file is not None:
        rejects = f"""
            select batch_id, count(*) as rejects_logged,
                   count(*) filter (where reason_code = 'already_loaded') as rejected_as_reload
            from read_parquet({_literal(str(rejects_file))})
            group by batch_id"""
    else:
        rejects = "select cast(null as varchar) as batch_id, 0 as rejects_logged, 0 as rejected_as_reload where false"
    con.execute(
        f"""
        copy (
            with batches as (select * from read_parquet({_literal(str(batches_file))})),
            rejects as ({rejects}),
            counted as (
                select b.*,
                       coalesce(r.rejects_logged, 0) as rejects_logged,
                       coalesce(r.rejected_as_reload, 0) as rejected_as_reload
                from batches as b
                left join rejects as r on b.batch_id = r.batch_id
            )
            select *,
                   rows_read - rows_loaded - rows_rejected as unreconciled_rows,
                   rows_rejected - rejects_logged as rejects_not_logged,
                   (rows_rejected - rejected_as_reload) / nullif(rows_read, 0) as reject_share,
                   case when started_at >= $since
                        then (rows_rejected - rejected_as_reload) / nullif(rows_read, 0) end as reject_share_recent
            from counted
            order by started_at
        ) to {_literal(str(out))} (format parquet)
        """,
        {"since": since},
    )
