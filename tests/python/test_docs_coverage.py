"""Every mart is documented for Metabase, and every exposure points at real marts.

The columns a mart really has come from the fixture warehouse (built by conftest through
the loaders and `dbt build`), the documentation from `dbt parse`'s manifest. A column
that is built but not described, a described column the model no longer has, a column
without Metabase display name / semantic type, and an exposure whose ref names no model
each fail here with the list of offenders. So does a mart column of a type Metabase
cannot read from DuckDB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PROJECT_DIR, query
from dbt_manifest import mart_models, metabase_meta, parse_manifest

EXPOSURES_FILE = PROJECT_DIR / "models" / "exposures.yml"
DASHBOARDS = {
    "engagement_funnel_by_tag",
    "model_comparison",
    "answer_quality_and_latency",
    "feedback_and_problem_codes",
    "chatbi_eval_runs",
}
# DuckDB sums integers to a 128-bit HUGEINT, which DuckDB's JDBC driver (Metabase's)
# reports as an untyped JAVA_OBJECT (duckdb/duckdb#9585): marts cast sums to bigint.
UNREADABLE_TYPES = ("HUGEINT", "UHUGEINT")
# Semantic types dbt-metabase may set (Metabase's type/ hierarchy, the ones marts use).
SEMANTIC_TYPE_PREFIX = "type/"
# Metabase's semantic and relation types (src/metabase/types: those deriving from
# :Semantic/* or :Relation/*), each with the column types it may describe. A base type such
# as type/Number, type/Date or type/Timestamp is not a semantic type: Metabase's field API
# refuses it, so one would fail `make metabase-sync` on a real instance. A count marked
# type/Percentage would show 17 as 1,700 %, a number marked type/Description as long text.
INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
FLOATS = ("FLOAT", "DOUBLE", "DECIMAL")
NUMBERS = INTEGERS + FLOATS
TEXT = ("VARCHAR",)
ANY = None
SEMANTIC_TYPES: dict[str, tuple[str, ...] | None] = {
    "type/Quantity": INTEGERS,
    "type/Share": FLOATS,
    "type/Percentage": FLOATS,
    "type/Score": NUMBERS,
    "type/Duration": NUMBERS,
    "type/Currency": NUMBERS,
    "type/Latitude": FLOATS,
    "type/Longitude": FLOATS,
    "type/Category": ANY,
    "type/Enum": ANY,
    "type/Source": ANY,
    "type/Product": ANY,
    "type/Company": ANY,
    "type/Name": TEXT,
    "type/Title": TEXT,
    "type/Description": TEXT,
    "type/Comment": TEXT,
    "type/URL": TEXT,
    "type/Email": TEXT,
    "type/Country": TEXT,
    "type/City": TEXT,
    "type/CreationDate": ("DATE",),
    "type/CreationTimestamp": ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE"),
    "type/PK": ANY,
    "type/FK": ANY,
}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return parse_manifest(tmp_path_factory.mktemp("docs_parse"))


@pytest.fixture(scope="module")
def built_columns(fixture_warehouse: Path) -> dict[str, dict[str, str]]:
    """Columns (name -> DuckDB type, in table order) of every table/view the fixture build
    created in the model schema."""
    rows = query(
        fixture_warehouse,
        "select table_name, column_name, data_type from information_schema.columns where table_schema = 'main' "
        "order by table_name, ordinal_position",
    )
    columns: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, {})[column] = data_type
    return columns


def test_there_are_marts_to_check(manifest: dict[str, Any]) -> None:
    marts = mart_models(manifest)
    # The foundation's contract marts at least (issue 2); the check below covers all.
    assert {"dim_bots", "dim_bot_tags", "fct_chat_sessions", "mart_bot_daily_kpis", "mart_tag_daily_kpis", "mart_model_comparison"} <= set(
        marts
    )


def test_every_mart_has_a_description(manifest: dict[str, Any]) -> None:
    missing = sorted(name for name, node in mart_models(manifest).items() if not (node.get("description") or "").strip())
    assert not missing, f"marts without a description in their _<area>__models.yml: {missing}"


def test_every_built_mart_column_is_described(manifest: dict[str, Any], built_columns: dict[str, dict[str, str]]) -> None:
    undocumented: list[str] = []
    for name, node in sorted(mart_models(manifest).items()):
        relation = node.get("alias") or name
        assert relation in built_columns, f"mart {name} was not built by the fixture build"
        documented = {column_name.lower(): column for column_name, column in node["columns"].items()}
        for column in built_columns[relation]:
            entry = documented.get(column.lower())
            if entry is None or not (entry.get("description") or "").strip():
                undocumented.append(f"{name}.{column}")
    assert not undocumented, f"{len(undocumented)} mart columns lack a description: {undocumented[:60]}"


def test_no_documented_column_is_missing_from_its_mart(manifest: dict[str, Any], built_columns: dict[str, dict[str, str]]) -> None:
    # A stale entry would make `make metabase-sync` fail ("Field ... does not exist").
    stale: list[str] = []
    for name, node in sorted(mart_models(manifest).items()):
        built = {c.lower() for c in built_columns.get(node.get("alias") or name, [])}
        stale += [f"{name}.{column}" for column in node["columns"] if column.lower() not in built]
    assert not stale, f"documented columns the marts do not have: {stale}"


def test_no_mart_column_has_a_type_metabase_cannot_read(manifest: dict[str, Any], built_columns: dict[str, dict[str, str]]) -> None:
    unreadable: list[str] = []
    for name, node in sorted(mart_models(manifest).items()):
        relation = node.get("alias") or name
        assert relation in built_columns, f"mart {name} was not built by the fixture build"
        unreadable += [f"{relation}.{column}: {t}" for column, t in built_columns[relation].items() if t in UNREADABLE_TYPES]
    assert not unreadable, f"mart columns Metabase reads as untyped objects (wrap the sum in cast_bigint): {unreadable}"


def test_every_mart_column_has_metabase_display_name_and_semantic_type(manifest: dict[str, Any]) -> None:
    # Metabase shows display_name instead of the snake_case name and uses semantic_type for
    # filters, binning and FK links; `make metabase-sync` pushes both from this meta.
    missing: dict[str, list[str]] = {}
    bad_types: list[str] = []
    for name, node in sorted(mart_models(manifest).items()):
        for column_name, column in node["columns"].items():
            meta = metabase_meta(column)
            if not str(meta.get("display_name") or "").strip() or "semantic_type" not in meta:
                missing.setdefault(name, []).append(column_name)
            elif meta["semantic_type"] is not None and not str(meta["semantic_type"]).startswith(SEMANTIC_TYPE_PREFIX):
                bad_types.append(f"{name}.{column_name}: {meta['semantic_type']!r}")
    summary = {name: f"{len(cols)} columns, e.g. {cols[:3]}" for name, cols in missing.items()}
    assert not missing, f"mart columns without meta metabase.display_name / metabase.semantic_type: {summary}"
    assert not bad_types, f"semantic types must be Metabase type/... names: {bad_types}"


def test_semantic_types_are_metabase_ones_that_fit_the_column(manifest: dict[str, Any], built_columns: dict[str, dict[str, str]]) -> None:
    wrong: list[str] = []
    for name, node in sorted(mart_models(manifest).items()):
        built = {column.lower(): data_type for column, data_type in built_columns[node.get("alias") or name].items()}
        for column_name, column in node["columns"].items():
            semantic_type = metabase_meta(column).get("semantic_type")
            if semantic_type is None:
                continue
            data_type = built.get(column_name.lower(), "?")
            if semantic_type not in SEMANTIC_TYPES:
                wrong.append(f"{name}.{column_name}: {semantic_type} is not a Metabase semantic type")
            elif (fits := SEMANTIC_TYPES[semantic_type]) is not ANY and not data_type.startswith(fits):
                wrong.append(f"{name}.{column_name}: {semantic_type} on a {data_type} column")
    assert not wrong, f"{len(wrong)} mart columns with a semantic type Metabase refuses or misreads: {wrong}"


def test_exposures_name_existing_models(manifest: dict[str, Any]) -> None:
    # dbt parse already refuses a ref to a missing model; this says which one in plain words
    # and also checks the file itself, in case it was moved out of the parse.
    with open(EXPOSURES_FILE, encoding="utf-8") as handle:
        exposures = yaml.safe_load(handle)["exposures"]
    models = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    marts = set(mart_models(manifest))
    missing: list[str] = []
    for exposure in exposures:
        refs = [ref.split("'")[1] for ref in exposure["depends_on"]]
        missing += [f"{exposure['name']} -> {ref}" for ref in refs if ref not in models]
        assert any(ref in marts for ref in refs), f"exposure {exposure['name']} reads no mart"
    assert not missing, f"exposures reference models that do not exist: {missing}"


def test_exposures_cover_the_dashboards(manifest: dict[str, Any]) -> None:
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert DASHBOARDS <= set(exposures), f"missing dashboards: {DASHBOARDS - set(exposures)}"
    for name in DASHBOARDS:
        node = exposures[name]
        assert node["type"] == "dashboard" and node["description"].strip() and node["owner"]["name"]
        assert node["depends_on"]["nodes"], f"exposure {name} depends on nothing"
        assert all(uid.startswith("model.") for uid in node["depends_on"]["nodes"])
