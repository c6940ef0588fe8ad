"""The loader's one-parse rewrite of a kind's SQL gives exactly the SQL's own result.

runner.single_parse_sql() replaces every `json_*(doc, '$.path')` call by a read from one
list extraction per record. These tests run each kind's parse SQL both ways over the
records of the hand-written fixtures plus edge cases (JSON null, numbers, nested
objects, missing fields, control characters) and require identical rows.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import PROJECT_DIR

from chatwh.kinds import all_kinds
from chatwh.loading.runner import single_parse_sql

FIXTURES = PROJECT_DIR / "tests" / "fixtures"

EDGE_CASES = [
    {},
    {"timestamp": None, "user_input": None, "model_response": None},
    {"metadata": {"session_id": "s1", "message_id": "m1", "response_time": 1.50, "token_count": 1e3}},
    {"timestamp": "2025-06-01T10:00:00", "user_input": "a\u0000b", "model_response": "", "metadata": {"response_time": "x"}},
    {"timestamp": "2025-06-01T10:00:00", "user_input": "q", "model_response": "r", "response_time": 2, "quality_rating": "GOOD"},
    {"event_id": "e1", "event_time": 1748772000, "user_id": 7, "bot_id": ["b"], "event_type": {"x": 1}},
    {"sample_id": "s", "query": "q", "expected": {"metrics": [{"name": "a", "value": 1}]}, "time_range": None},
]


def _records(kind_folder: str) -> list[str]:
    docs: list[str] = [json.dumps(d, ensure_ascii=False) for d in EDGE_CASES]
    for path in sorted((FIXTURES).glob(f"*/{kind_folder}/*")):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            docs += [line for line in text.splitlines() if line.strip()]
        elif path.suffix == ".json":
            value = json.loads(text)
            docs += [json.dumps(v, ensure_ascii=False) for v in (value if isinstance(value, list) else [value])]
    # __records holds only valid JSON objects (the loader rejects the rest before parsing)
    return [doc for doc in docs if _is_object(doc)]


def _is_object(doc: str) -> bool:
    try:
        return isinstance(json.loads(doc), dict)
    except ValueError:
        return False


def _parse_both_ways(
    sql: str, docs: list[str], references: dict[str, tuple[str, ...]] | None = None
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    plan = single_parse_sql(sql)
    assert plan is not None
    function, paths, rewritten = plan
    con = duckdb.connect()
    for name, columns in (references or {}).items():  # the reference tables the loader provides (bots for events)
        selected = ", ".join(f"'b1' as {c}" for c in columns)
        con.execute(f"create temp table __ref_{name} as select {selected}")
    con.execute("create temp table __records (line_number bigint, doc json)")
    con.executemany("insert into __records values (?, ?)", list(enumerate(docs, start=1)))
    listing = ", ".join("'" + p + "'" for p in paths)
    con.execute(f"create temp view __records_fields as select *, doc as __doc, {function}(doc, [{listing}]) as __fields from __records")
    direct = con.execute(f"select * from ({sql}) order by line_number").fetchall()
    once = con.execute(f"select * from ({rewritten}) order by line_number").fetchall()
    return direct, once


@pytest.mark.parametrize(
    "kind_name",
    [name for name, kind in sorted(all_kinds().items()) if single_parse_sql(kind.parse_sql) is not None],
)
def test_one_parse_gives_the_same_rows_as_the_kind_sql(kind_name: str) -> None:
    kind = all_kinds()[kind_name]
    docs = _records(kind_name)
    references = {ref.name: ref.columns for ref in kind.references}
    direct, once = _parse_both_ways(kind.parse_sql, docs, references)
    assert len(direct) == len(docs)
    assert once == direct


def test_mixed_calls_use_json_values_and_text_only_calls_use_strings() -> None:
    text_only = "select line_number, json_extract_string(doc, '$.a') as a, json_extract_string(doc, '$.b.c') as c from __records"
    mixed = (
        "select line_number, json_extract_string(doc, '$.a') as a, json_exists(doc, '$.a') as has_a, "
        "json_type(doc, '$.b') as b_type, json_extract(doc, '$.b') as b from __records"
    )
    assert single_parse_sql(text_only)[0] == "json_extract_string"  # type: ignore[index]
    assert single_parse_sql(mixed)[0] == "json_extract"  # type: ignore[index]
    docs = ['{"a": "x", "b": {"c": 1}}', '{"a": null}', '{"b": [1, 2]}', '{"a": 1.50, "b": "s"}', "{}"]
    for sql in (text_only, mixed):
        direct, once = _parse_both_ways(sql, docs)
        assert once == direct


def test_sql_that_reads_the_record_another_way_is_left_alone() -> None:
    assert single_parse_sql("select line_number, json_extract_string(doc, '$.a'), doc from __records") is None
    assert single_parse_sql("select line_number, json_extract_string(doc, '$.a') from __records") is None  # one path: nothing to share


def test_every_kind_but_feedback_reads_each_record_once() -> None:
    # A kind whose SQL names `doc` outside a json_* call of one path silently loses the
    # one-parse path: a comment mentioning it once made conversation logs load 2x slower.
    # Feedback unwraps the bulk-push form first, so its fields are read from that value.
    slow = sorted(name for name, kind in all_kinds().items() if single_parse_sql(kind.parse_sql) is None)
    assert slow == ["feedback"]
