"""Loader defects a review found, each held by a test that failed before the fix.

- reloading (touching) an old bots snapshot put the catalogue back to that snapshot;
- a truncated Parquet file stopped the whole landing run, its message naming a
  temporary link instead of the file;
- a CSV header with an unclosed quote swallowed every record without an error;
- a key repeated in a JSON object: DuckDB's kinds kept the first copy and the ChatBI
  kinds the last; now the first copy counts on every kind;
- one deeply nested ChatBI record failed its whole file (RecursionError);
- a UTF-16 file gave misleading rejects (JSON lines) or "not a header" (CSV);
- a JSON lines line of tabs was a record (invalid_json) while one of spaces was blank;
- a ChatBI reject kept the loader's re-serialised JSON with its `_prepared` object,
  not the record as read.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import PROJECT_DIR

from chatwh.connection import Warehouse
from chatwh.kinds import all_kinds
from chatwh.landing import land_folder
from chatwh.loading.input_file import InputError
from chatwh.loading.runner import load_file

BOTS = PROJECT_DIR / "tests" / "fixtures" / "funnel" / "bots" / "bots.csv"
BOTS_HEADER = "bot_id,bot_name,model_name,business_line,tags,created_at\n"


def event(event_id: str) -> dict[str, str]:
    return {"event_id": event_id, "event_time": "2025-06-01 10:00:00", "user_id": "u1", "bot_id": "b_learn", "event_type": "exposure"}


def sample(sample_id: str) -> dict[str, Any]:
    expected = {"expected_time_range": [], "expected_filters": [], "expected_metrics": ["销售量"], "expected_values": ["销售量 64"]}
    return {"sample_id": sample_id, "query": "上周销售量", "reference_date": "2025-06-01", "expected_result": expected}


def result(sample_id: str) -> dict[str, Any]:
    values = [{"metric_name": "销售量", "value_unit": "Volume", "value_list": [64]}]
    return {
        "sample_id": sample_id,
        "run_id": "r1",
        "predicted_result": {"query_logic_description": "计算销售量", "predicted_values": values},
    }


def lines(path: Path, *records: Any) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records), encoding="utf-8")
    return path


def rejects(wh: Warehouse, path: Path) -> list[tuple[int, str, str]]:
    return wh.fetchall(
        "select line_number, reason, raw_record from raw.load_rejects where source_file = :f order by 1", {"f": str(path.resolve())}
    )


def counts(result: Any) -> tuple[int, int, int, dict[str, int]]:
    return result.rows_read, result.rows_loaded, result.rows_rejected, result.reasons


# -- 1. an old bots snapshot reloaded ------------------------------------------------


def _current_models(wh: Warehouse) -> dict[str, str]:
    rows = wh.fetchall(
        """select bot_id, model_name from raw.bots
           qualify row_number() over (partition by bot_id order by _loaded_at desc, _line_number desc) = 1"""
    )
    return dict(rows)


def _touch(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def test_touching_an_old_bots_snapshot_does_not_put_the_catalogue_back(wh: Warehouse, tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    (folder / "bots").mkdir(parents=True)
    first = folder / "bots" / "bots_2025-06-01.csv"
    first.write_text(BOTS_HEADER + "b_v,V,m1,edu,t1,2025-01-01\nb_w,W,w1,edu,t1,2025-01-01\n", encoding="utf-8")
    land_folder(wh, folder, check=False)
    # the next day: b_v changes, b_w does not (already loaded from the day before)
    second = folder / "bots" / "bots_2025-06-02.csv"
    second.write_text(BOTS_HEADER + "b_v,V,m2,edu,t1,2025-01-01\nb_w,W,w1,edu,t1,2025-01-01\n", encoding="utf-8")
    land_folder(wh, folder, check=False)
    # and then b_w changes
    third = folder / "bots" / "bots_2025-06-03.csv"
    third.write_text(BOTS_HEADER + "b_v,V,m2,edu,t1,2025-01-01\nb_w,W,w2,edu,t1,2025-01-01\n", encoding="utf-8")
    land_folder(wh, folder, check=False)
    assert _current_models(wh) == {"b_v": "m2", "b_w": "w2"}

    # Both old snapshots touched: a reload of what they said then, which changes nothing
    # (b_w of the second file was an already_loaded reject then, never landed from it).
    _touch(first)
    _touch(second)
    report = land_folder(wh, folder, check=False)
    assert {Path(r.source_file).name: counts(r) for r in report.results} == {
        "bots_2025-06-01.csv": (2, 0, 2, {"already_loaded": 2}),
        "bots_2025-06-02.csv": (2, 0, 2, {"already_loaded": 2}),
    }
    assert _current_models(wh) == {"b_v": "m2", "b_w": "w2"}
    # The same by hand.
    again = load_file(wh, all_kinds()["bots"], str(first))
    assert counts(again) == (2, 0, 2, {"already_loaded": 2})
    assert _current_models(wh) == {"b_v": "m2", "b_w": "w2"}
    assert wh.fetchall("select count(*) from raw.bots") == [(4,)]


def test_a_snapshot_rewritten_in_place_back_to_an_earlier_version_lands(wh: Warehouse, tmp_path: Path) -> None:
    """A file rewritten with other content is a change, also back to an earlier
    version: only what the file said at its own last load is a reload."""
    path = tmp_path / "bots.csv"
    kind = all_kinds()["bots"]
    for model in ("m1", "m2", "m1"):
        path.write_text(BOTS_HEADER + f"b_v,V,{model},edu,t1,2025-01-01\n", encoding="utf-8")
        assert counts(load_file(wh, kind, str(path))) == (1, 1, 0, {}), model
    assert _current_models(wh) == {"b_v": "m1"}
    assert counts(load_file(wh, kind, str(path))) == (1, 0, 1, {"already_loaded": 1})


# -- 2. a truncated Parquet file in a landing run --------------------------------------


def test_a_truncated_parquet_file_is_a_failed_file_and_the_rest_lands(wh: Warehouse, tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    (folder / "bots").mkdir(parents=True)
    (folder / "chat-events").mkdir()
    shutil.copy(BOTS, folder / "bots" / "bots.csv")
    whole = tmp_path / "whole.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"copy (select 'p' || i as event_id, '2025-06-01 10:00:00' as event_time, 'u1' as user_id, 'b_learn' as bot_id, 'exposure' as event_type from range(100) t(i)) to '{whole}'"
        )
    data = whole.read_bytes()
    broken = folder / "chat-events" / "a_broken.parquet"
    broken.write_bytes(data[: len(data) // 2])
    lines(folder / "chat-events" / "b_good.jsonl", event("e1"), event("e2"))
    (folder / "quality-judgements").mkdir()
    lines(
        folder / "quality-judgements" / "j.jsonl",
        {"message_id": "m1", "judge_model": "j", "quality_rating": 4, "judged_at": "2025-06-01 10:00:00"},
    )

    report = land_folder(wh, folder, check=False)
    assert sorted(Path(r.source_file).name for r in report.results) == ["b_good.jsonl", "bots.csv", "j.jsonl"]
    assert [path for path, _ in report.failed] == [broken]
    (message,) = [reason for _, reason in report.failed]
    assert message.startswith(f"{broken}: cannot be read as Parquet"), message
    assert "chatwh_read_" not in message and "input.parquet" not in message, message
    assert wh.fetchall("select count(*) from raw.load_batches where source_file = :f", {"f": str(broken)}) == [(0,)]


# -- 3. a CSV header with an unclosed quote --------------------------------------------


def test_a_csv_header_with_an_unclosed_quote_is_an_input_error(wh: Warehouse, tmp_path: Path) -> None:
    load_file(wh, all_kinds()["bots"], str(BOTS))
    path = tmp_path / "h.csv"
    path.write_text('event_id,"event_time,user_id,bot_id,event_type\nz1,2025-06-01 10:00:00,u1,b_learn,exposure\n', encoding="utf-8")
    with pytest.raises(InputError, match="the header has an unterminated quote"):
        load_file(wh, all_kinds()["chat-events"], str(path))
    assert wh.fetchall("select count(*) from raw.load_batches where kind = 'chat-events'") == [(0,)]
    # a quoted newline in a header name is still a header
    fine = tmp_path / "fine.csv"
    fine.write_text('event_id,"event\ntime",user_id,bot_id,event_type\nz1,2025-06-01 10:00:00,u1,b_learn,exposure\n', encoding="utf-8")
    assert counts(load_file(wh, all_kinds()["chat-events"], str(fine)))[:3] == (1, 0, 1)


# -- 4. a key repeated in a record -----------------------------------------------------


def test_a_repeated_key_keeps_its_first_copy_on_every_kind(wh: Warehouse, tmp_path: Path) -> None:
    load_file(wh, all_kinds()["bots"], str(BOTS))
    repeated = (
        '{"event_id":"e2","event_id":"e3","event_time":"2025-06-01 10:00:00","user_id":"u1","bot_id":"b_learn","event_type":"exposure"}'
    )
    events = lines(tmp_path / "events.jsonl", json.dumps(event("e1")), repeated)
    assert counts(load_file(wh, all_kinds()["chat-events"], str(events)))[:3] == (2, 2, 0)
    assert sorted(r[0] for r in wh.fetchall("select event_id from raw.chat_events")) == ["e1", "e2"]

    good = json.dumps(sample("s1"), ensure_ascii=False)
    twice = good.replace('{"sample_id": "s1"', '{"sample_id": "s2", "sample_id": "s3"')
    dataset = lines(tmp_path / "dataset.jsonl", good, twice)
    assert counts(load_file(wh, all_kinds()["eval-dataset"], str(dataset)))[:3] == (2, 2, 0)
    # an element of a wrapper file (read by Python): the same copy
    wrapper = tmp_path / "wrapper.json"
    wrapper.write_text('{"dataset_id": "w", "samples": [' + twice + "]}", encoding="utf-8")
    assert counts(load_file(wh, all_kinds()["eval-dataset"], str(wrapper)))[:3] == (1, 1, 0)
    assert sorted(wh.fetchall("select dataset_id, sample_id from raw.chatbi_eval_samples")) == [
        ("default", "s1"),
        ("default", "s2"),
        ("w", "s2"),
    ]


# -- 5. a deeply nested ChatBI record --------------------------------------------------


@pytest.mark.parametrize("kind", ["eval-dataset", "eval-results"])
def test_a_deeply_nested_record_is_rejected_alone(kind: str, wh: Warehouse, tmp_path: Path) -> None:
    record = sample if kind == "eval-dataset" else result
    deep = json.dumps(record("s2"), ensure_ascii=False)[:-1] + ', "meta": ' + "[" * 1500 + "]" * 1500 + "}"
    path = lines(tmp_path / "deep.jsonl", record("s1"), deep, record("s3"))
    loaded = load_file(wh, all_kinds()[kind], str(path))
    assert counts(loaded) == (3, 2, 1, {"invalid_json": 1})
    ((line, reason, raw),) = rejects(wh, path)
    assert (line, reason) == (2, "invalid_json: nested too deeply to be read")
    assert raw == deep[:2000]
    # and a landing run goes on past it
    folder = tmp_path / "landing"
    (folder / kind).mkdir(parents=True)
    shutil.copy(path, folder / kind / "deep2.jsonl")
    report = land_folder(wh, folder, check=False)
    assert report.failed == [] and [counts(r)[:3] for r in report.results] == [(3, 0, 3)]  # the good ones already loaded


# -- 6. UTF-16 files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "encoding", "bom"), [(".jsonl", "utf-16-le", "FF FE"), (".csv", "utf-16-be", "FE FF"), (".json", "utf-16-le", "FF FE")]
)
def test_a_utf16_file_is_one_clear_input_error(suffix: str, encoding: str, bom: str, wh: Warehouse, tmp_path: Path) -> None:
    text = "".join(json.dumps(event(f"e{i}")) + "\n" for i in range(3))
    if suffix == ".csv":
        text = "event_id,event_time,user_id,bot_id,event_type\n" + "".join(
            f"e{i},2025-06-01 10:00:00,u1,b_learn,exposure\n" for i in range(3)
        )
    path = tmp_path / f"u16{suffix}"
    path.write_bytes(("\ufeff" + text).encode(encoding))
    with pytest.raises(InputError) as raised:
        load_file(wh, all_kinds()["chat-events"], str(path))
    assert str(raised.value).startswith(f"{path}: UTF-16 encoded (BOM {bom}); convert: iconv -f UTF-16 -t UTF-8 {path} > "), raised.value


# -- 7. blank JSON lines -----------------------------------------------------------------


def test_lines_of_tabs_spaces_and_crs_are_blank(wh: Warehouse, tmp_path: Path) -> None:
    load_file(wh, all_kinds()["bots"], str(BOTS))
    path = tmp_path / "blanks.jsonl"
    path.write_text(json.dumps(event("e1")) + "\n\t\n   \n \t \n\n" + json.dumps(event("e2")) + "\n\t \r\n", encoding="utf-8")
    assert counts(load_file(wh, all_kinds()["chat-events"], str(path))) == (2, 2, 0, {})
    assert wh.fetchall("select _line_number from raw.chat_events order by 1") == [(1,), (6,)]


# -- 8. the record as read in a ChatBI reject ------------------------------------------------


@pytest.mark.parametrize("kind", ["eval-dataset", "eval-results"])
def test_a_chatbi_reject_keeps_the_record_as_read(kind: str, wh: Warehouse, tmp_path: Path) -> None:
    record = sample("s1") if kind == "eval-dataset" else result("s1")
    record.pop("sample_id")
    text = json.dumps(record, ensure_ascii=False, indent=None, separators=(" ,", " : "))  # spacing Python would not write
    path = lines(tmp_path / "missing.jsonl", text)
    assert counts(load_file(wh, all_kinds()[kind], str(path)))[:3] == (1, 0, 1)
    ((_, reason, raw),) = rejects(wh, path)
    assert reason.startswith("missing_field"), reason
    assert raw == text
    assert "_prepared" not in raw
