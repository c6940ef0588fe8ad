"""Loader kind `feedback` on the hand-written fixture (tests/fixtures/feedback): the bulk
push form with cmd in any case, one object per line, the same event in both forms
landing once (hash of the fields), bhv_value as a JSON string or object, problem codes,
device-only users, every optional field kept raw, and a reject per malformed event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_DIR

from chatwh.connection import Warehouse, connect
from chatwh.kinds import all_kinds
from chatwh.kinds.feedback import MAX_CODE_NESTING, SCHEMA_FIELDS
from chatwh.loading.runner import LoadResult, load_file

FEEDBACK = PROJECT_DIR / "tests" / "fixtures" / "feedback" / "feedback"
LINES = FEEDBACK / "feedback_events_2025-06-01.jsonl"
PUSH = FEEDBACK / "feedback_push_2025-06-01.json"


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Warehouse]:
    monkeypatch.setenv("DBT_PROFILES_DIR", str(PROJECT_DIR / "profiles"))
    monkeypatch.setenv("CHATBOT_TARGET", "duckdb")
    monkeypatch.setenv("CHATBOT_DUCKDB_PATH", str(tmp_path / "feedback.duckdb"))
    with connect() as wh:
        yield wh


def load(wh: Warehouse, path: Path) -> LoadResult:
    return load_file(wh, all_kinds()["feedback"], str(path))


def events(wh: Warehouse, where: str = "true") -> list[dict[str, Any]]:
    columns, data = wh.fetch_table(f"select * from raw.feedback_events where {where}")
    return [dict(zip(columns, row, strict=True)) for row in data]


def test_lines_then_push_with_rejects_and_cross_form_dedupe(warehouse: Warehouse) -> None:
    lines = load(warehouse, LINES)
    assert (lines.rows_read, lines.rows_loaded, lines.rows_rejected) == (13, 6, 7)
    push = load(warehouse, PUSH)
    # 9 documents: 7 new, the first is line 5 of the JSONL file again (biz_id as text
    # there, a number here: same fields, same hash), the last has cmd delete.
    assert (push.rows_read, push.rows_loaded, push.rows_rejected) == (9, 7, 2)
    rejects = warehouse.fetchall("select regexp_extract(source_file, '[^/]+$'), line_number, reason from raw.load_rejects order by 1, 2")
    assert rejects == [
        ("feedback_events_2025-06-01.jsonl", 7, "invalid_json: the line is not valid JSON (truncated or broken)"),
        ("feedback_events_2025-06-01.jsonl", 8, "missing_field: rn"),
        ("feedback_events_2025-06-01.jsonl", 9, "bad_bhv_value: not a JSON object: code=2.3;expect=更详细"),
        ("feedback_events_2025-06-01.jsonl", 10, "missing_field: user_id or imei (both empty)"),
        ("feedback_events_2025-06-01.jsonl", 11, "bad_timestamp: bhv_time (epoch seconds)=2025-06-01 14:03:00"),
        ("feedback_events_2025-06-01.jsonl", 12, "bad_number: biz_id=<biz_id>"),
        ("feedback_events_2025-06-01.jsonl", 13, "bad_bhv_detail: expected key=value{,key=value}: page chat"),
        ("feedback_push_2025-06-01.json", 1, "already_loaded: event_hash is already in the raw table"),
        ("feedback_push_2025-06-01.json", 9, "unsupported_cmd: delete (only add is accepted)"),
    ]
    assert warehouse.fetchone("select count(*), count(distinct event_hash) from raw.feedback_events") == (13, 13)
    # cmd of any case is stored lower-cased; plain objects say 'none'
    assert dict(warehouse.fetchall("select cmd, count(*) from raw.feedback_events group by cmd")) == {"add": 7, "none": 6}
    # a reload changes nothing
    assert load(warehouse, PUSH).rows_loaded == 0 and load(warehouse, LINES).rows_loaded == 0


def test_bhv_value_codes_and_expect(warehouse: Warehouse) -> None:
    load(warehouse, LINES)
    load(warehouse, PUSH)
    by_key = {(e["user_id"] or e["imei"], e["rn"], e["bhv_type"]): e for e in events(warehouse)}
    # sent as a JSON string holding the object
    fu2 = by_key[("fu2", "m1", "dislike")]
    assert (fu2["problem_codes"], fu2["problem_code_count"], fu2["expect_text"]) == ("2.3|2.5", 2, "希望给出具体的部署步骤和命令")
    assert json.loads(fu2["bhv_value"]) == {"code": [2.3, 2.5], "expect": "希望给出具体的部署步骤和命令"}
    # sent as an object, codes as text, one duplicated: distinct and sorted
    device = by_key[("860000000000001", "m5", "dislike")]
    assert (device["user_id"], device["problem_codes"], device["problem_code_count"]) == (None, "2.1|3.1", 2)
    # codes given as strings
    assert by_key[("fu3", "m4", "dislike")]["problem_codes"] == "2.5"
    # an unknown code is kept as sent (the marts count it as 'other'); empty expect is NULL
    fu4 = by_key[("fu4", "m2", "dislike")]
    assert (fu4["problem_codes"], fu4["expect_text"]) == ("9.9", None)
    # no bhv_value at all
    assert by_key[("fu5", "m3", "dislike")]["problem_codes"] is None
    # epoch seconds -> UTC; 12:30 at UTC+8 is 04:30 UTC
    assert str(by_key[("fu5", "m3", "dislike")]["bhv_time"]) == "2025-06-01 04:30:00"


def test_every_schema_field_is_kept_in_the_raw_table(warehouse: Warehouse) -> None:
    load(warehouse, LINES)
    columns = {
        row[0]
        for row in warehouse.fetchall(
            "select column_name from information_schema.columns where table_schema = 'raw' and table_name = 'feedback_events'"
        )
    }
    assert {name for name, _, _ in SCHEMA_FIELDS} <= columns
    full = events(warehouse, "user_id = 'fu5'")[0]
    assert (full["ip"], full["mac"], full["phone_md5"], full["longitude"], full["latitude"]) == (
        "10.1.2.3",
        "AA:BB:CC:DD:EE:FF",
        "e10adc3949ba59abbe56e057f20f883e",
        "121.47",
        "31.23",
    )
    assert (full["spm"], full["login"], full["os"], full["app_version"], full["brand"], full["carrier"], full["bhv_detail"]) == (
        "1.2.3.4",
        "1",
        "android",
        "2.8.1",
        "Xiaomi",
        "中国移动",
        "page=chat,position=1",
    )
    assert full["biz_id"] == 1365378 and full["item_id"] == "0"


def test_document_examples_of_other_item_types_are_kept(warehouse: Warehouse) -> None:
    load(warehouse, LINES)
    load(warehouse, PUSH)
    goods = warehouse.fetchall(
        "select bhv_type, item_id, strftime(bhv_time, '%Y-%m-%d %H:%M:%S') from raw.feedback_events where item_type = 'goods' order by bhv_time"
    )
    assert goods == [("like", "2223", "2019-08-22 11:57:27"), ("click", "id", "2023-11-27 08:42:58")]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"reach_time": None}, "missing_field: reach_time"),
        ({"reach_time": "1701074578000"}, "bad_timestamp: reach_time (epoch seconds)=1701074578000"),
        ({"item_type": None}, "missing_field: item_type"),
        ({"trace_id": "  "}, "missing_field: trace_id"),
        ({"bhv_value": "[2.3]"}, "bad_bhv_value: not a JSON object: [2.3]"),
        ({"login": "yes"}, "bad_value: login (0 or 1)=yes"),
        ({"user_id": "u" * 300}, "value_too_long: user_id (max 255 characters)"),
    ],
)
def test_contract_rules(warehouse: Warehouse, tmp_path: Path, change: dict[str, Any], reason: str) -> None:
    event: dict[str, Any] = {
        "user_id": "u1",
        "biz_id": 1,
        "trace_id": "Alibaba",
        "rn": "r1",
        "item_type": "text_response",
        "bhv_type": "like",
        "bhv_time": "1748750400",
        "reach_time": "1748750401",
    }
    event.update(change)
    event = {k: v for k, v in event.items() if v is not None}
    path = tmp_path / "push.json"
    path.write_text(json.dumps([{"cmd": "ADD", "fields": event}]), encoding="utf-8")
    result = load(warehouse, path)
    assert result.rows_rejected == 1
    assert warehouse.fetchone("select reason from raw.load_rejects") == (reason,)


def _event(rn: str, bhv_value: Any = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "user_id": "u1",
        "biz_id": 1,
        "trace_id": "Alibaba",
        "rn": rn,
        "item_type": "text_response",
        "bhv_type": "dislike",
        "bhv_time": "1748750400",
        "reach_time": "1748750401",
    }
    return event if bhv_value is None else {**event, "bhv_value": bhv_value}


def _write_lines(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_other_bhv_value_keys_in_another_order_are_the_same_event(warehouse: Warehouse, tmp_path: Path) -> None:
    """The keys of bhv_value besides code and expect count in the hash whatever their
    order, nested objects too (they once made a second event)."""
    extra = {"code": [2.3], "expect": "x", "b": 1, "a": {"d": [1, {"f": 1, "e": 2}], "c": 2}}
    reordered = {"a": {"c": 2, "d": [1, {"e": 2, "f": 1}]}, "expect": "x", "b": 1, "code": [2.3]}
    first = load(warehouse, _write_lines(tmp_path / "first.jsonl", [_event("r1", extra), _event("r1", reordered)]))
    assert (first.rows_loaded, first.reasons) == (1, {"duplicate_in_file": 1})
    # across files, and as a JSON string with spaces: already landed
    as_text, changed = _event("r1", json.dumps(reordered)), _event("r1", {**extra, "b": 2})  # the latter another event
    second = load(warehouse, _write_lines(tmp_path / "second.jsonl", [as_text, changed]))
    assert (second.rows_loaded, second.reasons) == (1, {"already_loaded": 1})
    assert warehouse.fetchall("select line_number, reason_code from raw.load_rejects order by source_file, 1") == [
        (2, "duplicate_in_file"),
        (1, "already_loaded"),
    ]


# event_hash of events as landed before the other keys of bhv_value were sorted: an old
# file loaded again must still find them (already_loaded), not land them twice.
HASHES_BEFORE_SORTING = {
    "no bhv_value": (None, "4f150f7bea5eed70d077def6cd377bca"),
    "code and expect only": ({"code": [2.3], "expect": "更详细"}, "7c87c31889f3634815b2c8cb62af90ef"),
    "one other key": ({"code": [2.3], "expect": "更详细", "page": "chat"}, "ec8b3a4552aa8f627ae14be80c64e0c8"),
    "other keys already sorted": ({"a": {"c": [1, {"e": 1, "f": 2}], "d": 2}, "b": 1, "code": [2.3]}, "6487da35acbd6136a3f782b77fce7176"),
}


def test_event_hash_is_unchanged_for_events_without_other_keys_out_of_order(warehouse: Warehouse, tmp_path: Path) -> None:
    cases = list(HASHES_BEFORE_SORTING.values())
    path = _write_lines(tmp_path / "old.jsonl", [_event(f"r{i}", value) for i, (value, _) in enumerate(cases)])
    assert load(warehouse, path).rows_loaded == len(cases)
    assert [h for (h,) in warehouse.fetchall("select event_hash from raw.feedback_events order by rn")] == [h for _, h in cases]


@pytest.mark.parametrize(
    ("code", "problem_codes", "count"),
    [
        # one text holding several codes, as clients send it: each is a code
        ("2.3,2.5", "2.3|2.5", 2),
        ("2.3|2.5", "2.3|2.5", 2),
        ("2.3，2.5", "2.3|2.5", 2),
        ("2.3; 2.5", "2.3|2.5", 2),
        (" 2.5 ,, ;2.3;", "2.3|2.5", 2),
        # the Chinese full-width semicolon and enumeration comma too
        ("2.3；2.5", "2.3|2.5", 2),
        ("2.3、2.5", "2.3|2.5", 2),
        ("2.1、 3.1；2.3，2.5", "2.1|2.3|2.5|3.1", 4),
        (["2.3、2.5", "2.6；"], "2.3|2.5|2.6", 3),
        ("、；", None, 0),
        (",;|", None, 0),
        ("abc,2.3", "2.3|abc", 2),
        # a list entry holding a '|' (or another separator) would break the '|'-joined text
        (["2.3|2.5"], "2.3|2.5", 2),
        (["2.3,2.5", 2.6, "2.5"], "2.3|2.5|2.6", 3),
        # a plain decimal number as text is the number it writes, as a number code is
        ("2.30", "2.3", 1),
        ("02.3", "2.3", 1),
        (["2.30", 2.3, "2.3"], "2.3", 1),
        ("2.0", "2.0", 1),
        # not a plain decimal: kept as sent (an unknown code, 'other' in the marts)
        ("1e2", "1e2", 1),
        # a nested list is flattened, at any depth; its entries are codes as a list's are
        ([[2.3, 2.5]], "2.3|2.5", 2),
        (["2.3", ["2.5"]], "2.3|2.5", 2),
        ([[[["2.30"]]], [2.5, [[]]], []], "2.3|2.5", 2),
        ([["2.3,2.5"], [["2.6、2.1"]]], "2.1|2.3|2.5|2.6", 4),
        ([[None], [[]]], None, 0),
        # other scalars inside are what they are in a flat list (unknown codes)
        ([[True, 2.3], ["abc"]], "2.3|abc|true", 3),
    ],
)
def test_codes_sent_in_one_text_are_split_and_numbers_normalised(
    warehouse: Warehouse, tmp_path: Path, code: Any, problem_codes: str | None, count: int
) -> None:
    assert load(warehouse, _write_lines(tmp_path / "codes.jsonl", [_event("r1", {"code": code})])).rows_loaded == 1
    assert warehouse.fetchone("select problem_codes, problem_code_count from raw.feedback_events") == (problem_codes, count)


def test_a_number_sent_as_text_is_the_same_code_as_the_number(warehouse: Warehouse, tmp_path: Path) -> None:
    # numbers written into the file as they are here (json.dumps would write 2.30 as 2.3)
    numbers = ["2.30", "2.0", "100", "-2.50", "0.50", "0.0000001", "2.3000000000000001", "12345678901234567.0"]
    lines = [json.dumps(_event(f"n{i}", {"code": "N"})).replace('"N"', n) for i, n in enumerate(numbers)]
    lines += [json.dumps(_event(f"t{i}", {"code": t})) for i, t in enumerate(numbers)]
    (tmp_path / "n.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert load(warehouse, tmp_path / "n.jsonl").rows_loaded == 2 * len(numbers)
    codes = dict(warehouse.fetchall("select rn, problem_codes from raw.feedback_events"))
    assert [codes[f"t{i}"] for i in range(len(numbers))] == [codes[f"n{i}"] for i in range(len(numbers))]
    assert [codes[f"t{i}"] for i in range(4)] == ["2.3", "2.0", "100", "-2.5"]
    # leading zeros, which JSON numbers cannot have, do not change the number either
    assert load(warehouse, _write_lines(tmp_path / "z.jsonl", [_event("z", {"code": ["02.30", "00.50", "-007"]})])).rows_loaded == 1
    assert warehouse.fetchone("select problem_codes from raw.feedback_events where rn = 'z'") == ("-7|0.5|2.3",)


def test_the_same_codes_as_a_list_or_as_one_text_are_the_same_event(warehouse: Warehouse, tmp_path: Path) -> None:
    records = [_event("r1", {"code": [2.3, 2.5]}), _event("r1", {"code": "2.5，2.3"}), _event("r1", {"code": ["2.30|2.5"]})]
    result = load(warehouse, _write_lines(tmp_path / "same.jsonl", records))
    assert (result.rows_loaded, result.reasons) == (1, {"duplicate_in_file": 2})


def test_the_limit_on_codes_counts_the_codes_in_one_text(warehouse: Warehouse, tmp_path: Path) -> None:
    twenty, twenty_one = ",".join(f"{i}.1" for i in range(1, 21)), ",".join(f"{i}.1" for i in range(1, 22))
    result = load(warehouse, _write_lines(tmp_path / "many.jsonl", [_event("r1", {"code": twenty}), _event("r2", {"code": twenty_one})]))
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert warehouse.fetchone("select rn, problem_code_count from raw.feedback_events") == ("r1", 20)
    reason = warehouse.fetchone("select reason from raw.load_rejects")[0]  # type: ignore[index]
    assert reason.startswith("bad_bhv_value: more than 20 codes: ")


# event_hash of events as landed before codes sent in one text were split: codes already
# one per entry, and numbers as text already as JSON writes them, keep their hash (an old
# file loaded again finds them), a list entry holding '|' too (same text, count corrected).
HASHES_BEFORE_SPLITTING = {
    "codes as text, one repeated": ({"code": ["2.1", "3.1", "2.1"], "expect": "x"}, "b3ff255ec8f4ccfa817b7e0b2b203bdf"),
    "one code as text": ({"code": "2.3"}, "ff3e9dca35af126fe88fa48ff2dcafcf"),
    "one code as a number": ({"code": 2.3}, "4ad90a9f778c6c0f033596bfd0fc0e9b"),
    "a list entry holding '|'": ({"code": ["2.3|2.5"]}, "ef6e7daa167fdebb18bde344b7a14773"),
    "an unknown code": ({"code": "9.9"}, "a5ad2f19eab54f1810365bb3fa435ce2"),
    "numbers and spaced text": ({"code": [2.30, " 2.5 "]}, "092022d0a36217aaeb1b66b044de50fe"),
}


def test_event_hash_is_unchanged_for_codes_already_one_per_entry(warehouse: Warehouse, tmp_path: Path) -> None:
    cases = list(HASHES_BEFORE_SPLITTING.values())
    path = _write_lines(tmp_path / "old.jsonl", [_event(f"r{i}", value) for i, (value, _) in enumerate(cases)])
    assert load(warehouse, path).rows_loaded == len(cases)
    assert [h for (h,) in warehouse.fetchall("select event_hash from raw.feedback_events order by rn")] == [h for _, h in cases]


def test_codes_in_nested_lists_are_the_codes_of_the_flat_list(warehouse: Warehouse, tmp_path: Path) -> None:
    flat = {"code": [2.3, True, {"a": 1}, "x"]}
    nested = {"code": [[2.3], [[True, [{"a": 1}]]], ["x"]]}
    records = [_event("flat", flat), _event("nested", nested)]
    assert load(warehouse, _write_lines(tmp_path / "nested.jsonl", records)).rows_loaded == 2
    codes = dict(warehouse.fetchall("select rn, problem_codes from raw.feedback_events"))
    assert codes["nested"] == codes["flat"] == '2.3|true|x|{"a":1}'
    # the same codes flat, nested, or as one text are one event
    same = [_event("r1", {"code": [2.3, 2.5]}), _event("r1", {"code": [[2.5], [[2.3]]]}), _event("r1", {"code": ["2.3、2.5"]})]
    result = load(warehouse, _write_lines(tmp_path / "same.jsonl", same))
    assert (result.rows_loaded, result.reasons) == (1, {"duplicate_in_file": 2})


def test_the_limit_on_codes_counts_the_codes_of_nested_lists(warehouse: Warehouse, tmp_path: Path) -> None:
    # 10.1 in both lists: 20 distinct codes land; one more in a list nested deeper is too many
    twenty = [[f"{i}.1" for i in range(1, 11)], [f"{i}.1" for i in range(10, 21)]]
    twenty_one = [*twenty, [["21.1"]]]
    result = load(warehouse, _write_lines(tmp_path / "many.jsonl", [_event("r1", {"code": twenty}), _event("r2", {"code": twenty_one})]))
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    expected = "|".join(sorted(f"{i}.1" for i in range(1, 21)))
    assert warehouse.fetchone("select rn, problem_codes, problem_code_count from raw.feedback_events") == ("r1", expected, 20)
    reason = warehouse.fetchone("select reason from raw.load_rejects")[0]  # type: ignore[index]
    assert reason.startswith("bad_bhv_value: more than 20 codes: ")


# event_hash of events with a flat code list and '[' elsewhere in bhv_value, as landed
# before nested lists were flattened: their codes, and hash, are unchanged.
HASHES_BEFORE_FLATTENING = {
    "brackets in expect": ({"code": ["2.3"], "expect": "[a][b]"}, "3eedeb915cb9db76cf5bddc1bd099125"),
    "flat list of every kind, brackets in other keys": (
        {"code": [2.30, "2.5", None, True, {"a": [1]}], "expect": "[见上] [1]", "page": "[x]"},
        "21b1f93d30d079455e7b4265a509e182",
    ),
}


def test_event_hash_is_unchanged_for_flat_code_lists(warehouse: Warehouse, tmp_path: Path) -> None:
    cases = list(HASHES_BEFORE_FLATTENING.values())
    path = _write_lines(tmp_path / "old.jsonl", [_event(f"r{i}", value) for i, (value, _) in enumerate(cases)])
    assert load(warehouse, path).rows_loaded == len(cases)
    assert [h for (h,) in warehouse.fetchall("select event_hash from raw.feedback_events order by rn")] == [h for _, h in cases]


def test_a_code_list_nested_deeper_than_the_limit_stays_text(warehouse: Warehouse, tmp_path: Path) -> None:
    def nested(depth: int) -> Any:
        code: Any = "2.3"
        for _ in range(depth):
            code = [code]
        return code

    deepest, deeper = MAX_CODE_NESTING + 1, MAX_CODE_NESTING + 2
    records = [_event("deepest", {"code": nested(deepest)}), _event("deeper", {"code": nested(deeper)})]
    assert load(warehouse, _write_lines(tmp_path / "deep.jsonl", records)).rows_loaded == 2
    assert dict(warehouse.fetchall("select rn, problem_codes from raw.feedback_events")) == {"deepest": "2.3", "deeper": '["2.3"]'}


# The numbers of one event as JSON numbers, written into the file as they are here
# (json.dumps would rewrite 116.40 as 116.4).
_AS_NUMBERS = {
    "biz_id": "1365378",
    "item_id": "100",
    "longitude": "116.40",
    "latitude": "39.90",
    "bhv_time": "1748750400",
    "reach_time": "1748750401",
}


def _raw_event(rn: str, **spelled: str) -> str:
    """One event line with its numbers spelled as given (_AS_NUMBERS, changed by `spelled`)."""
    base = {"user_id": "u1", "trace_id": "Alibaba", "rn": rn, "item_type": "text_response", "bhv_type": "like"}
    fields = [json.dumps(base, ensure_ascii=False)[1:-1], *(f'"{name}": {text}' for name, text in {**_AS_NUMBERS, **spelled}.items())]
    return "{" + ", ".join(fields) + "}\n"


def test_numbers_in_any_json_spelling_are_the_same_event(warehouse: Warehouse, tmp_path: Path) -> None:
    """The same events with their numbers as JSON numbers in one file and as text
    (trailing or leading zeros, an exponent) in another land once each; item_id is an
    id, compared as text."""
    second_event = {
        "item_id": "7",
        "longitude": "1.164E2",
        "latitude": "-0.50",
        "bhv_time": "1748750460.0",
        "bhv_value": '{"code": [2.30]}',
    }
    (tmp_path / "fb1.jsonl").write_text(_raw_event("r1") + _raw_event("r2", **second_event), encoding="utf-8")
    as_text = {name: f'"{text}"' for name, text in _AS_NUMBERS.items()} | {"latitude": '"39.9"'}
    second_as_text = {"item_id": '"7"', "longitude": '"0116.4000"', "latitude": '"-5e-1"', "bhv_time": '"1748750460"'}
    second_as_text |= {"biz_id": '"01365378"', "bhv_value": json.dumps(json.dumps({"code": ["2.30"]}))}
    (tmp_path / "fb2.jsonl").write_text(_raw_event("r1", **as_text) + _raw_event("r2", **second_as_text), encoding="utf-8")
    first = load(warehouse, tmp_path / "fb1.jsonl")
    assert (first.rows_read, first.rows_loaded, first.rows_rejected) == (2, 2, 0)
    second = load(warehouse, tmp_path / "fb2.jsonl")
    assert (second.rows_read, second.rows_loaded, second.rows_rejected, second.reasons) == (2, 0, 2, {"already_loaded": 2})
    assert first.reconciles and second.reconciles
    assert warehouse.fetchone("select count(*), count(distinct event_hash) from raw.feedback_events") == (2, 2)
    # the row keeps the first spelling landed (DuckDB writes the number 116.40 as 116.4)
    assert warehouse.fetchone("select item_id, longitude, latitude from raw.feedback_events where rn = 'r1'") == ("100", "116.4", "39.9")
    # genuinely other values are other events; "0100" is another id than "100"
    others = [{"item_id": '"101"'}, {"item_id": '"0100"'}, {"longitude": '"116.41"'}, {"latitude": '"-39.9"'}, {"latitude": "3.99e1"}]
    (tmp_path / "fb3.jsonl").write_text("".join(_raw_event("r1", **other) for other in others), encoding="utf-8")
    third = load(warehouse, tmp_path / "fb3.jsonl")
    assert (third.rows_read, third.rows_loaded, third.rows_rejected, third.reasons) == (5, 4, 1, {"already_loaded": 1})
    assert warehouse.fetchone("select count(*), count(distinct event_hash) from raw.feedback_events") == (6, 6)
