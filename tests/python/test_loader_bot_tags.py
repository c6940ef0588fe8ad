"""The bots loader and the tag limit.

int_bot_tags__split splits a bot's |-separated tags over integer_spine(20), so a 21st tag
would be dropped from dim_bot_tags and every tag mart without a word. The loader rejects
such a row instead (`bad_value`, naming the count), like feedback's MAX_CODES: the file
still loads, read = loaded + rejected, and a bot's earlier version stays the current one.
Tags are counted as they are stored: trimmed, empty entries dropped, '｜' read as '|'.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import PROJECT_DIR, PYTHON, SCRIPTS_DIR, query, run_script
from test_bad_input import _summary, bot
from test_landing_together import LAND

from chatwh.kinds.bots import MAX_TAGS

SPLIT_MODEL = PROJECT_DIR / "models" / "intermediate" / "funnel" / "int_bot_tags__split.sql"


def _tags(count: int, separator: str = "|") -> str:
    return separator.join(f"标签{i}" for i in range(1, count + 1))


def _write(path: Path, records: list[dict[str, str]]) -> Path:
    if path.suffix == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows(records)
    else:
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_the_limit_is_the_split_models_spine() -> None:
    spines = re.findall(r"integer_spine\((\d+)", SPLIT_MODEL.read_text(encoding="utf-8"))
    assert spines == [str(MAX_TAGS)], f"{SPLIT_MODEL.name} splits {spines} tags, the bots loader allows {MAX_TAGS}"


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_bot_with_more_tags_than_the_split_keeps_is_rejected(suffix: str, scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    records = [
        {**bot(1), "tags": _tags(MAX_TAGS)},
        {**bot(2), "tags": _tags(MAX_TAGS + 1)},
        # blanks and empty entries are not tags; '｜' separates like '|'
        {**bot(3), "tags": " | ".join(_tags(MAX_TAGS).split("|")) + "| |  ||"},
        {**bot(4), "tags": _tags(MAX_TAGS + 1, "｜")},
        # a tag listed twice still takes two places in the split
        {**bot(5), "tags": _tags(MAX_TAGS) + "|标签1"},
    ]
    path = _write(tmp_path / f"bots{suffix}", records)
    done = run_script("load.py", "bots", str(path), env=env)
    assert done.stderr.strip() == ""
    assert _summary(done.stdout, "bots") == "bots: files=1 read=5 loaded=2 rejected=3"
    landed = dict(query(db, "select bot_id, tags from raw.bots"))
    assert landed == {"b1": _tags(MAX_TAGS), "b3": _tags(MAX_TAGS)}
    rejects = query(db, "select line_number, reason_code, reason from raw.load_rejects where source_file = ? order by 1", [str(path)])
    # line numbers are physical lines: a CSV's header is line 1
    first = 2 if suffix == ".csv" else 1
    assert [(line - first, code) for line, code, _ in rejects] == [(1, "bad_value"), (3, "bad_value"), (4, "bad_value")]
    for _, _, reason in rejects:
        assert reason.startswith(f"bad_value: tags: {MAX_TAGS + 1} listed, at most {MAX_TAGS}: 标签1|标签2|"), reason


def test_a_new_version_with_too_many_tags_leaves_the_bot_as_it_was(scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    run_script("load.py", "bots", str(_write(tmp_path / "bots_v1.jsonl", [bot(1)])), env=env)
    done = run_script("load.py", "bots", str(_write(tmp_path / "bots_v2.jsonl", [{**bot(1), "tags": _tags(MAX_TAGS + 5)}])), env=env)
    assert _summary(done.stdout, "bots") == "bots: files=1 read=1 loaded=0 rejected=1"
    assert query(db, "select bot_id, tags from raw.bots") == [("b1", bot(1)["tags"])]


def _latest_versions(db: Path) -> dict[str, tuple[str, str]]:
    """Each bot's latest version, in staging's order (load, then line)."""
    rows = query(
        db,
        """select bot_id, model_name, tags from raw.bots
           qualify row_number() over (partition by bot_id order by _loaded_at desc, _line_number desc) = 1""",
    )
    return {bot_id: (model, tags) for bot_id, model, tags in rows}


def test_a_bot_put_back_to_an_earlier_version_lands_as_its_newest(scratch_db, tmp_path: Path) -> None:
    """Default model m1 → m2 → m1: the third file is a change, not a reload. Were it
    rejected as already loaded (its row equals the first version), staging would keep m2
    and every event without a model_name would count under m2."""
    db, env = scratch_db
    first = {**bot(1), "model_name": "m1"}
    second = {**bot(1), "model_name": "m2", "tags": "情感陪伴"}
    for name, record in (("v1", first), ("v2", second), ("v3", first)):
        done = run_script("load.py", "bots", str(_write(tmp_path / f"bots_{name}.csv", [record])), env=env)
        assert _summary(done.stdout, "bots") == "bots: files=1 read=1 loaded=1 rejected=0", name
    assert _latest_versions(db) == {"b1": ("m1", bot(1)["tags"])}
    # The same row once more is a reload of the latest version: a duplicate, as before.
    done = run_script("load.py", "bots", str(_write(tmp_path / "bots_v4.csv", [first])), env=env)
    assert _summary(done.stdout, "bots") == "bots: files=1 read=1 loaded=0 rejected=1"
    assert query(db, "select reason_code from raw.load_rejects") == [("already_loaded",)]
    assert query(db, "select count(*) from raw.bots") == [(3,)]


def test_snapshots_landed_together_end_at_the_last_one(scratch_db, tmp_path: Path) -> None:
    """One landing of a folder with three snapshots (m1, m2, back to m1): each file is
    checked against the versions before it, as if landed one run at a time."""
    db, env = scratch_db
    folder = tmp_path / "landing"
    (folder / "bots").mkdir(parents=True)
    first, second = {**bot(1), "model_name": "m1"}, {**bot(1), "model_name": "m2"}
    for name, records in (("2025-01", [first, bot(2)]), ("2025-02", [second, bot(2)]), ("2025-03", [first, bot(2)])):
        _write(folder / "bots" / f"bots_{name}.jsonl", records)
    done = subprocess.run([str(PYTHON), "-c", LAND, str(folder)], env=env, cwd=SCRIPTS_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _latest_versions(db) == {"b1": ("m1", bot(1)["tags"]), "b2": ("glm-4", bot(2)["tags"])}
    # b2 never changed: landed once, its two repeats rejected as already loaded.
    assert query(db, "select bot_id, count(*) from raw.bots group by 1 order by 1") == [("b1", 3), ("b2", 1)]
    assert query(db, "select count(*) from raw.load_rejects where reason_code = 'already_loaded'") == [(2,)]
