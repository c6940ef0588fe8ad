"""Every mart is documented for Metabase, and every exposure points at real marts.

The columns a mart really has come from the fixture warehouse (built by conftest through
the loaders and `dbt build`), the documentation from `dbt parse`'s manifest. A column
that is built but not described, a described column the model no longer has, a column
without a Metabase display name, a semantic type written as an explicit null, a text or
grain-key column without a semantic type, a type/FK without a target, and an exposure
whose ref names no model each fail here with the list of offenders. So does a mart column
of a type Metabase cannot read from DuckDB.
"""

from __future__ import annotations

import re
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
# 0/1 flag columns, by name (integer columns only).
FLAG_PREFIXES = ("is_", "has_", "base_is_", "agrees_with_")
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


def test_every_mart_column_has_a_metabase_display_name(manifest: dict[str, Any]) -> None:
    # Metabase shows display_name instead of the snake_case name; `make metabase-sync`
    # pushes it from this meta.
    missing: dict[str, list[str]] = {}
    for name, node in sorted(mart_models(manifest).items()):
        for column_name, column in node["columns"].items():
            if not str(metabase_meta(column).get("display_name") or "").strip():
                missing.setdefault(name, []).append(column_name)
    summary = {name: f"{len(cols)} columns, e.g. {cols[:3]}" for name, cols in missing.items()}
    assert not missing, f"mart columns without meta metabase.display_name: {summary}"


def test_no_semantic_type_is_an_explicit_null(manifest: dict[str, Any]) -> None:
    # dbt-metabase sends an explicit null as "clear the type" (dbtmetabase/_models.py:
    # "Allow explicit null type to override detected one"): it would erase the
    # type/Category Metabase infers for low-cardinality text, turning its filter
    # dropdown into a search box. A column meant to keep Metabase's own type omits the key.
    nulls: list[str] = []
    bad_types: list[str] = []
    for name, node in sorted(mart_models(manifest).items()):
        for column_name, column in node["columns"].items():
            meta = metabase_meta(column)
            if "semantic_type" not in meta:
                continue
            if meta["semantic_type"] is None or not str(meta["semantic_type"]).strip():
                nulls.append(f"{name}.{column_name}")
            elif not str(meta["semantic_type"]).startswith(SEMANTIC_TYPE_PREFIX):
                bad_types.append(f"{name}.{column_name}: {meta['semantic_type']!r}")
    assert not nulls, f"{len(nulls)} metabase.semantic_type entries are explicit nulls (omit the key, or name a type): {nulls[:40]}"
    assert not bad_types, f"semantic types must be Metabase type/... names: {bad_types}"


def _grain_columns(manifest: dict[str, Any], unique_id: str) -> set[str]:
    """Columns of a model's unique key: its unique_combination_of_columns and unique tests."""
    grain: set[str] = set()
    for test in manifest["nodes"].values():
        if test["resource_type"] != "test" or test.get("attached_node") != unique_id:
            continue
        metadata = test.get("test_metadata") or {}
        if metadata.get("name") == "unique_combination_of_columns":
            grain |= {str(c).lower() for c in metadata.get("kwargs", {}).get("combination_of_columns", [])}
        elif metadata.get("name") == "unique" and test.get("column_name"):
            grain.add(test["column_name"].lower())
    return grain


def test_text_and_grain_columns_declare_a_semantic_type(manifest: dict[str, Any], built_columns: dict[str, dict[str, str]]) -> None:
    # The rule: every text column and every column of a mart's unique key (its
    # dimensions: ids, dates, categories, hours) declares a non-null semantic type;
    # other columns (averages, free-standing dates, statistics) may omit it.
    untyped: list[str] = []
    for name, node in sorted(mart_models(manifest).items()):
        built = {column.lower(): data_type for column, data_type in built_columns[node.get("alias") or name].items()}
        grain = _grain_columns(manifest, node["unique_id"])
        for column_name, column in node["columns"].items():
            is_text = built.get(column_name.lower(), "").startswith(TEXT)
            if (is_text or column_name.lower() in grain) and not metabase_meta(column).get("semantic_type"):
                untyped.append(f"{name}.{column_name}")
    assert not untyped, f"{len(untyped)} text or grain-key mart columns without metabase.semantic_type: {untyped[:40]}"


# Ids with about one value per row, user or message: Metabase caches the distinct values of
# a Category for its filter lists, which for these would be every pseudonymous user key.
PER_ROW_IDS = re.compile(r"(^|_)(user_key|session_id|message_id|item_id|rn)$")


def test_per_row_ids_keep_no_cached_value_list(manifest: dict[str, Any]) -> None:
    listed: list[str] = []
    for name, node in sorted(mart_models(manifest).items()):
        for column_name, column in node["columns"].items():
            meta = metabase_meta(column)
            if PER_ROW_IDS.search(column_name.lower()) and meta.get("semantic_type") not in ("type/PK", "type/FK"):
                if meta.get("has_field_values") not in ("search", "none"):
                    listed.append(f"{name}.{column_name}")
    assert not listed, f"per-row ids that Metabase would list (set metabase.has_field_values: search): {listed}"


def test_flags_are_categories_and_foreign_keys_have_a_target(manifest: dict[str, Any], built_columns: dict[str, dict[str, str]]) -> None:
    # A 0/1 flag (is_*, has_*, agrees_with_*) is a category (Metabase offers 0 and 1 to
    # filter on), never a quantity to sum; a type/FK links to a field (a relationships
    # test, as the funnel marts' bot_id has, or meta metabase.fk_target_table/field).
    relationships = {
        (test["attached_node"], test["column_name"].lower())
        for test in manifest["nodes"].values()
        if test["resource_type"] == "test" and (test.get("test_metadata") or {}).get("name") == "relationships" and test.get("column_name")
    }
    wrong: list[str] = []
    for name, node in sorted(mart_models(manifest).items()):
        built = {column.lower(): data_type for column, data_type in built_columns[node.get("alias") or name].items()}
        for column_name, column in node["columns"].items():
            meta = metabase_meta(column)
            semantic_type = meta.get("semantic_type")
            key = column_name.lower()
            is_flag = key.startswith(FLAG_PREFIXES) and built.get(key, "").startswith(INTEGERS)
            if is_flag and semantic_type != "type/Category":
                wrong.append(f"{name}.{column_name}: flag typed {semantic_type}")
            linked = (node["unique_id"], key) in relationships
            if semantic_type == "type/FK" and not (linked or (meta.get("fk_target_table") and meta.get("fk_target_field"))):
                wrong.append(f"{name}.{column_name}: type/FK without a target")
            if semantic_type != "type/FK" and linked:
                wrong.append(f"{name}.{column_name}: has a relationships test (dbt-metabase makes it type/FK) but says {semantic_type}")
    assert not wrong, f"inconsistent semantic types: {wrong}"


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
