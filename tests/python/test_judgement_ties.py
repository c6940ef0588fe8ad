"""Two judges rating one answer at the same judged_at: the rating the marts use must not
depend on how the files were landed. A landing run gives its files one load time, so
the staging model broke the tie by scan order (judge-a on DuckDB and MariaDB for a
grouped landing, judge-b when the same files were loaded one by one)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import query, scratch_env
from test_incremental import _dbt, _load

from chatwh.connection import connect
from chatwh.landing import land_folder


def _judgement(judge: str, rating: str) -> str:
    record = {"message_id": "m1", "judge_model": judge, "quality_rating": rating, "judged_at": "2025-06-30T20:00:00", "rationale": "r"}
    return json.dumps(record, ensure_ascii=False) + "\n"


def _picked(db: Path) -> list[tuple[object, ...]]:
    return query(db, "select judge_model, judge_quality_rating from main.stg_chainlit__quality_judgements")


def test_a_tie_goes_to_the_later_file_however_the_files_were_landed(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "landing" / "quality-judgements"
    folder.mkdir(parents=True)
    files = [folder / "judgements_judge-a.jsonl", folder / "judgements_judge-b.jsonl"]
    files[0].write_text(_judgement("judge-a", "poor"), encoding="utf-8")
    files[1].write_text(_judgement("judge-b", "excellent"), encoding="utf-8")

    grouped_db = tmp_path / "grouped.duckdb"
    grouped = scratch_env(grouped_db)
    for name in ("DBT_PROFILES_DIR", "CHATBOT_TARGET", "CHATBOT_DUCKDB_PATH"):
        monkeypatch.setenv(name, grouped[name])
    with connect(None) as warehouse:
        report = land_folder(warehouse, tmp_path / "landing", check=False, show_ignored=False)
    assert not report.failed
    assert query(grouped_db, "select count(distinct _loaded_at) from raw.quality_judgements") == [(1,)]
    _dbt(grouped, tmp_path / "g", "run", "--select", "stg_chainlit__quality_judgements")

    one_by_one_db = tmp_path / "one_by_one.duckdb"
    one_by_one = scratch_env(one_by_one_db)
    for path in files:
        _load(one_by_one, path, "quality-judgements", path.read_text(encoding="utf-8"))
    _dbt(one_by_one, tmp_path / "o", "run", "--select", "stg_chainlit__quality_judgements")

    assert _picked(grouped_db) == _picked(one_by_one_db) == [("judge-b", "excellent")]
