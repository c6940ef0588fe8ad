"""Same numbers everywhere: compare every mart (and seed) of one engine's build with DuckDB's.

    python scripts/ci/compare_engines.py --target mysql [--reference duckdb] [--max-diffs 20]

Both warehouses must hold a build of the same fixture data (scripts/build_fixture.py
--target NAME for each). Every model under models/marts is read from both and matched
row by row on its grain: the columns of its `unique_combination_of_columns` test, or
else its column with a `unique` test (a mart with neither is compared as a multiset of
whole rows, floats rounded to 9 decimals, and the report says so). The seeds are
compared the same way (they are the dictionaries the marts are computed with). Values
must agree:

- numbers: integers exactly; anything fractional to 1e-9 relative (plus 1e-12 absolute,
  so a difference of two equal rates that is 0 on one engine and 1e-17 on another is
  not a failure);
- text byte for byte; dates and timestamps exactly; NULL only with NULL.

Not compared: columns that record WHEN something was loaded (named `loaded_at` or
`*_loaded_at`: wall-clock times of each engine's own load) and columns whose YAML says
`meta: {engine_parity: ignore}`; the report lists them. Column ORDER may differ (Spark
puts the partition column of an incremental table last); it is reported, not failed.

The raw landing is compared too (rows per raw table, rejects per kind and reason), so a
loader that classifies a row differently on one engine fails here as well.

Run it in an environment that has the target's driver: the main .venv for mysql and
mariadb (pymysql), .venv-spark for spark (pyspark). Exit codes: 0 every mart matched,
1 some difference (each one names mart, key and column), 2 usage or connection error.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from chatwh.connection import Warehouse, WarehouseError, connect  # noqa: E402
from chatwh.kinds import all_kinds  # noqa: E402
from chatwh.project import PROJECT_DIR, ProfileError, raw_schema  # noqa: E402

MARTS_DIR = PROJECT_DIR / "models" / "marts"
SEEDS_DIR = PROJECT_DIR / "seeds"
REL_TOL = 1e-9
ABS_TOL = 1e-12

# Wide enough that CI logs keep mart names and DIFF lines on one line.
console = Console(highlight=False, width=160)


@dataclass
class Mart:
    name: str
    key: list[str]
    key_source: str
    ignored: list[str] = field(default_factory=list)
    # False for a mart built from each engine's own load times (YAML model meta
    # engine_parity: ignore): its rows differ between two loads by design.
    across_engines: bool = True


def ignored_column(name: str, meta: dict[str, Any] | None = None) -> bool:
    """Load-time columns differ between two loads by design; YAML may exclude others."""
    lowered = name.lower()
    if lowered == "loaded_at" or lowered.endswith("_loaded_at"):
        return True
    return str((meta or {}).get("engine_parity", "")).lower() == "ignore"


@dataclass
class MartResult:
    mart: Mart
    reference_rows: int = 0
    other_rows: int = 0
    differences: list[str] = field(default_factory=list)
    note: str = ""


# -- which marts, and their grain ---------------------------------------------------------
def _tests(node: dict[str, Any]) -> list[Any]:
    return list(node.get("tests") or []) + list(node.get("data_tests") or [])


def _test_name_and_args(test: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(test, str):
        return test, {}
    if isinstance(test, dict) and len(test) == 1:
        name, args = next(iter(test.items()))
        args = dict(args or {})
        args.update(args.pop("arguments", None) or {})  # dbt 1.10+ style
        return str(name), args
    return "", {}


def discover_marts(marts_dir: Path = MARTS_DIR) -> list[Mart]:
    """Every .sql model under models/marts with the grain its YAML tests declare."""
    return _discover(marts_dir, "*.sql", "models")


def discover_seeds(seeds_dir: Path = SEEDS_DIR) -> list[Mart]:
    """Every seed (the dictionaries the marts are computed with), keyed like the marts."""
    return _discover(seeds_dir, "*.csv", "seeds")


def _discover(folder: Path, pattern: str, section: str) -> list[Mart]:
    if not folder.is_dir():
        return []
    sql_models = {p.stem for p in folder.rglob(pattern)}
    grains: dict[str, Mart] = {}
    for yml in sorted(folder.rglob("*.yml")) + sorted(folder.rglob("*.yaml")):
        with open(yml, encoding="utf-8") as handle:
            doc = yaml.safe_load(handle) or {}
        for model in doc.get(section) or []:
            name = str(model.get("name"))
            if (model.get("config") or {}).get("enabled") is False:
                sql_models.discard(name)
                continue
            meta = {**(model.get("meta") or {}), **((model.get("config") or {}).get("meta") or {})}
            across_engines = str(meta.get("engine_parity", "")).lower() != "ignore"
            ignored = [
                str(c["name"]).lower()
                for c in model.get("columns") or []
                if str((c.get("meta") or {}).get("engine_parity", "")).lower() == "ignore"
            ]
            combo: list[str] | None = None
            for test in _tests(model):
                test_name, args = _test_name_and_args(test)
                if test_name.split(".")[-1] == "unique_combination_of_columns":
                    combo = [str(c) for c in args.get("combination_of_columns") or []]
            if combo:
                grains[name] = Mart(name, combo, "unique_combination_of_columns", ignored, across_engines)
                continue
            grains[name] = Mart(name, [], "none: whole rows", ignored, across_engines)
            for column in model.get("columns") or []:
                if any(_test_name_and_args(t)[0] == "unique" for t in _tests(column)):
                    grains[name] = Mart(name, [str(column["name"])], "unique", ignored, across_engines)
                    break
    return [grains.get(name, Mart(name, [], "none: whole rows")) for name in sorted(sql_models)]


# -- values --------------------------------------------------------------------------------
def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    return None


def _text(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="strict")
    return value


def normalize(value: Any) -> Any:
    """A comparable form: numbers as int/float, text as str, times as themselves."""
    if value is None:
        return None
    number = _number(value)
    if number is not None:
        return number
    return _text(value)


def same(a: Any, b: Any) -> bool:
    a, b = normalize(a), normalize(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        if math.isnan(float(a)) or math.isnan(float(b)):
            return math.isnan(float(a)) and math.isnan(float(b))
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(a, datetime) or isinstance(b, datetime):
        return isinstance(a, datetime) and isinstance(b, datetime) and a == b
    if isinstance(a, date) or isinstance(b, date):
        return isinstance(a, date) and isinstance(b, date) and a == b
    return type(a) is type(b) and a == b


def show(value: Any) -> str:
    value = normalize(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    return "NULL" if value is None else str(value)


def key_of(row: dict[str, Any], key: list[str]) -> tuple[Any, ...]:
    out = []
    for column in key:
        value = normalize(row[column])
        if isinstance(value, float):
            value = round(value, 9)
        elif isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        out.append(value)
    return tuple(out)


def describe_key(key: list[str], values: tuple[Any, ...]) -> str:
    return "(" + ", ".join(f"{k}={v!r}" for k, v in zip(key, values)) + ")"


# -- comparison ----------------------------------------------------------------------------
def read_rows(warehouse: Warehouse, relation: str) -> tuple[list[str], list[dict[str, Any]]]:
    columns, rows = warehouse.fetch_table(f"select * from {relation}")
    names = [c.lower() for c in columns]
    return names, [dict(zip(names, row)) for row in rows]


def compare_mart(mart: Mart, reference: Warehouse, other: Warehouse, ref_name: str, other_name: str, max_diffs: int) -> MartResult:
    result = MartResult(mart)
    try:
        ref_cols, ref_rows = read_rows(reference, reference.model(mart.name))
    except Exception as exc:  # noqa: BLE001 - report which mart could not be read
        result.differences.append(f"{mart.name}: cannot read it on {ref_name}: {str(exc).splitlines()[0]}")
        return result
    try:
        other_cols, other_rows = read_rows(other, other.model(mart.name))
    except Exception as exc:  # noqa: BLE001
        result.differences.append(f"{mart.name}: cannot read it on {other_name}: {str(exc).splitlines()[0]}")
        return result
    result.reference_rows, result.other_rows = len(ref_rows), len(other_rows)
    diffs = result.differences
    notes: list[str] = []
    if ref_cols != other_cols:
        missing = [c for c in ref_cols if c not in other_cols]
        extra = [c for c in other_cols if c not in ref_cols]
        if missing or extra:
            diffs.append(f"{mart.name}: columns differ: missing on {other_name} {missing}, only on {other_name} {extra}")
            return result
        notes.append(f"column order differs on {other_name}")
    if not ref_rows:
        notes.append("no rows in the fixture build (not covered)")
    skipped = [c for c in ref_cols if c in mart.ignored or ignored_column(c)]
    if skipped:
        notes.append("not compared: " + ", ".join(skipped))
        ref_cols = [c for c in ref_cols if c not in skipped]
    result.note = "; ".join(notes)
    key = [k.lower() for k in mart.key]
    absent = [k for k in key if k not in ref_cols]
    if absent:
        diffs.append(f"{mart.name}: grain columns {absent} (from its {mart.key_source} test) are not columns of the mart")
        return result
    if not key:  # no grain declared: compare as multisets of whole rows
        result.note = (result.note + "; " if result.note else "") + "no key test: compared as whole rows"
        ref_counts = Counter(key_of(row, ref_cols) for row in ref_rows)
        other_counts = Counter(key_of(row, ref_cols) for row in other_rows)
        for k in sorted(set(ref_counts) | set(other_counts), key=repr):
            if ref_counts[k] != other_counts[k]:
                diffs.append(
                    f"{mart.name} row {describe_key(ref_cols, k)}: {ref_counts[k]} on {ref_name}, {other_counts[k]} on {other_name}"
                )
                if len(diffs) >= max_diffs:
                    break
        return result
    ref_index = _index(mart, ref_rows, key, ref_name, diffs)
    other_index = _index(mart, other_rows, key, other_name, diffs)
    for k in sorted(set(ref_index) - set(other_index), key=repr)[:max_diffs]:
        diffs.append(f"{mart.name} key {describe_key(key, k)}: row on {ref_name} is missing on {other_name}")
    for k in sorted(set(other_index) - set(ref_index), key=repr)[:max_diffs]:
        diffs.append(f"{mart.name} key {describe_key(key, k)}: row on {other_name} is not on {ref_name}")
    for k in sorted(set(ref_index) & set(other_index), key=repr):
        a, b = ref_index[k], other_index[k]
        for column in ref_cols:
            if not same(a[column], b[column]):
                diffs.append(
                    f"{mart.name} key {describe_key(key, k)} column {column}: {ref_name}={show(a[column])} {other_name}={show(b[column])}"
                )
                if len(diffs) >= max_diffs:
                    diffs.append(f"{mart.name}: stopped after {max_diffs} differences")
                    return result
    return result


def _index(mart: Mart, rows: list[dict[str, Any]], key: list[str], engine: str, diffs: list[str]) -> dict[tuple[Any, ...], dict[str, Any]]:
    index: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        k = key_of(row, key)
        if k in index:
            diffs.append(f"{mart.name} key {describe_key(key, k)}: appears more than once on {engine}")
            continue
        index[k] = row
    return index


def compare_raw(reference: Warehouse, other: Warehouse, ref_name: str, other_name: str) -> list[str]:
    """Rows per raw table and rejects per kind and reason must match: same loader result."""
    schema = raw_schema()
    problems: list[str] = []
    tables = sorted({kind.table for kind in all_kinds().values()})

    def counts(wh: Warehouse) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for table in tables:
            if wh.table_exists(schema, table):
                out[table] = int(wh.fetchall(f"select count(*) from {wh.relation(schema, table)}")[0][0])
        if wh.table_exists(schema, "load_rejects"):
            rows = wh.fetchall(f"select kind, reason_code, count(*) from {wh.relation(schema, 'load_rejects')} group by kind, reason_code")
            for kind, code, n in rows:
                out[f"load_rejects[{_text(kind)}/{_text(code)}]"] = int(n)
        return out

    a, b = counts(reference), counts(other)
    for name in sorted(set(a) | set(b)):
        if a.get(name) != b.get(name):
            problems.append(f"raw {name}: {ref_name}={a.get(name, 'absent')} {other_name}={b.get(name, 'absent')}")
    return problems


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="profiles.yml target to check (mysql, mariadb, spark)")
    parser.add_argument("--reference", default="duckdb", help="target holding the reference build (default duckdb)")
    parser.add_argument("--max-diffs", type=int, default=20, help="differences listed per mart (default 20)")
    parser.add_argument("--mart", action="append", help="compare only this mart or seed (repeatable)")
    parser.add_argument("--no-seeds", action="store_true", help="compare the marts only, not the seeds")
    args = parser.parse_args(list(argv) if argv is not None else None)

    marts = discover_marts() + ([] if args.no_seeds else discover_seeds())
    if args.mart:
        unknown = sorted(set(args.mart) - {m.name for m in marts})
        if unknown:
            parser.error(f"not a mart under models/marts nor a seed: {', '.join(unknown)}")
        marts = [m for m in marts if m.name in args.mart]
    own_loads = [m.name for m in marts if not m.across_engines]
    if own_loads:
        console.print(f"not compared (built from each engine's own load times): {', '.join(own_loads)}")
        marts = [m for m in marts if m.across_engines]
    if not marts:
        console.print("compare_engines: no models under models/marts", style="red")
        return 2
    try:
        reference = connect(args.reference, read_only=True)
    except (ProfileError, WarehouseError) as exc:
        console.print(f"compare_engines: reference {args.reference}: {exc}", style="red")
        return 2
    try:
        other = connect(args.target)
    except (ProfileError, WarehouseError) as exc:
        reference.close()
        console.print(f"compare_engines: target {args.target}: {exc}", style="red")
        return 2

    with reference, other:
        results = [compare_mart(m, reference, other, args.reference, args.target, args.max_diffs) for m in marts]
        raw_problems = compare_raw(reference, other, args.reference, args.target)

    table = Table(title=f"marts and seeds: {args.reference} vs {args.target}")
    for column in ("mart / seed", "grain", "rows " + args.reference, "rows " + args.target, "result"):
        table.add_column(column, justify="right" if column.startswith("rows") else "left")
    for r in results:
        status = "[green]same[/green]" if not r.differences else f"[red]{len(r.differences)} differences[/red]"
        if r.note:
            status += f" ({r.note})"
        table.add_row(r.mart.name, ", ".join(r.mart.key) or "-", str(r.reference_rows), str(r.other_rows), status)
    console.print(table)
    failures = [d for r in results for d in r.differences] + raw_problems
    for line in failures:
        console.print(f"DIFF {line}", style="red", markup=False, highlight=False)
    compared = sum(1 for r in results if not r.differences)
    console.print(
        f"compare_engines: {len(results)} marts and seeds, {compared} identical, {len(results) - compared} different, "
        f"{len(raw_problems)} raw-landing differences ({args.reference} vs {args.target})"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
