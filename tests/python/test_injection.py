"""Values that reach SQL from users — tag and model names, dates, compare_tag.py --tag,
`dbt --vars`, seed values, data-quality thresholds — with quotes, semicolons and comment
markers are only ever values: they never change a query.

* Every dbt var the SQL reads is compiled with a hostile value: a number or date var must
  stop the compile with a message naming it (macros/vars.sql); a text var must either be
  refused or end up inside a string literal.
* Hostile names land through the loaders and hostile seed rows through `dbt seed` into a
  copy of the project; `dbt run` must carry them verbatim into the marts and leave every
  table standing; compare_tag.py and kpis.py find them by bound parameters.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT_DIR, PYTHON, query, run_script, scratch_env

PAYLOAD = "1'\"); drop table raw.bots; -- injected_marker /*"
MARKER = "injected_marker"
FIXTURES = PROJECT_DIR / "tests" / "fixtures"


# ---- dbt vars ----------------------------------------------------------------------------
def _strip_literals(sql: str) -> str:
    """SQL with every '...' string and "..." identifier removed (doubled quotes escape)."""
    out, i = [], 0
    while i < len(sql):
        ch = sql[i]
        if ch in "'\"":
            j = i + 1
            while j < len(sql):
                if sql[j] == ch and j + 1 < len(sql) and sql[j + 1] == ch:
                    j += 2
                    continue
                if sql[j] == ch:
                    break
                j += 1
            i = j + 1
            out.append(" ")
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def test_strip_literals() -> None:
    assert _strip_literals("select 'a''b; --x' as \"c\"\"d\", 1") == "select   as  , 1"
    assert MARKER in _strip_literals(f"select '1'; drop table t; -- {MARKER}'")


def _sql_files() -> list[Path]:
    return sorted(p for folder in ("models", "macros", "tests", "analyses") for p in (PROJECT_DIR / folder).rglob("*.sql"))


def var_users() -> dict[str, list[str]]:
    """Each var the SQL reads -> models that read it: directly, through a macro that reads
    it (followed through the macros that call that one, and adapter.dispatch), or as the
    schema of their sources."""
    var_call = re.compile(r"""\bvar\(\s*['"](\w+)['"]|_var\(\s*['"](\w+)['"]""")
    macro_block = re.compile(r"{%-?\s*macro\s+(\w+)\(.*?{%-?\s*endmacro\s*-?%}", re.S)
    bodies = {
        m.group(1): m.group(0) for p in (PROJECT_DIR / "macros").rglob("*.sql") for m in macro_block.finditer(p.read_text(encoding="utf-8"))
    }
    models = {p.stem: p.read_text(encoding="utf-8") for p in sorted((PROJECT_DIR / "models").rglob("*.sql"))}

    def calls(text: str, names: set[str]) -> bool:
        return bool(names) and re.search(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\(", text) is not None

    found_vars = {m.group(1) or m.group(2) for p in _sql_files() for m in var_call.finditer(p.read_text(encoding="utf-8"))}
    users: dict[str, list[str]] = {}
    for name in sorted(found_vars):
        reader = re.compile(rf"""\bvar\(\s*['"]{name}['"]|_var\(\s*['"]{name}['"]""")
        names = {m for m, body in bodies.items() if reader.search(body)}
        while True:
            # dispatch: x() calls default__x() / mysql__x() ... through adapter.dispatch('x')
            dispatched = {m.split("__", 1)[1] for m in names if "__" in m and m.split("__", 1)[1] in bodies}
            callers = {m for m, body in bodies.items() if calls(body, names)} | dispatched
            if callers <= names:
                break
            names |= callers
        found = sorted(stem for stem, text in models.items() if reader.search(text) or calls(text, names))
        if found:
            users[name] = found
    for yml in sorted((PROJECT_DIR / "models").rglob("*.yml")):
        for match in var_call.finditer(yml.read_text(encoding="utf-8")):
            sql = sorted(yml.parent.glob("*.sql"))
            if sql:
                users.setdefault(match.group(1) or match.group(2), []).append(sql[0].stem)
    return users


def _must_be_refused(name: str, default: object) -> bool:
    """Numbers and dates are validated; only free text may compile."""
    return isinstance(default, (int, float)) or name.endswith(("_start", "_end", "_date"))


COMPILE_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from dbt.cli.main import dbtRunner
    jobs, target_path = json.loads(sys.argv[1]), sys.argv[2]
    results = {}
    runner = dbtRunner()  # one process: dbt is imported once for every compile
    models = sorted({model for _, model in jobs})
    base = runner.invoke(["compile", "--quiet", "--select", *models, "--target-path", f"{target_path}/base"])
    results["__baseline__"] = {n.node.name: n.node.compiled_code for n in (base.result or [])}
    for i, (name, model) in enumerate(jobs):
        res = runner.invoke(["compile", "--quiet", "--select", model, "--vars", json.dumps({name: sys.argv[3]}), "--target-path", f"{target_path}/{i}"])
        if res.exception is not None:  # a compile error stops the invocation
            results[name] = {"status": "error", "message": str(res.exception), "sql": None}
            continue
        nodes = [n for n in (res.result or []) if n.node.name == model]
        results[name] = {"status": str(nodes[0].status), "message": str(nodes[0].message or ""), "sql": nodes[0].node.compiled_code} if nodes else None
    print("RESULTS" + json.dumps(results))
    """
)


def test_hostile_dbt_vars_are_refused_or_stay_literals(tmp_path: Path) -> None:
    with open(PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as handle:
        defaults = dict(yaml.safe_load(handle)["vars"])
    users = var_users()
    # Vars no SQL reads (dq_* thresholds: Python only) are checked in test_dq_threshold_vars.
    assert {"comparison_start", "comparison_end", "comparison_min_users", "reporting_utc_offset_hours", "confidence_z"} <= set(users)
    jobs = [(name, users[name][0]) for name in sorted(users)]
    env = scratch_env(tmp_path / "compile.duckdb")
    done = subprocess.run(
        [PYTHON, "-c", COMPILE_SCRIPT, json.dumps(jobs), str(tmp_path / "target"), PAYLOAD],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULTS")), None)
    assert line, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(line[len("RESULTS") :])
    baseline = results.pop("__baseline__")
    problems = []
    for name, model in jobs:
        node = results.get(name)
        if node is None:
            problems.append(f"{name}: model {model} was not compiled")
        elif node["status"] != "success":
            if f"var {name} must be" not in node["message"]:
                problems.append(f"{name}: {model} failed without naming the var: {node['message'][:300]}")
        elif _must_be_refused(name, defaults.get(name)) and node["sql"] != baseline.get(model):
            # A number var this compile never evaluates (e.g. only on incremental runs)
            # leaves the SQL as it was; one that was evaluated must have been refused,
            # not silently coerced (a `| float` filter turns text into 0.0).
            problems.append(f"{name}: a number/date var accepted {PAYLOAD!r} in {model}")
        elif MARKER in _strip_literals(node["sql"] or "") or "drop table" in _strip_literals(node["sql"] or "").lower():
            problems.append(f"{name}: the value escaped its literal in {model}")
    assert problems == [], "\n".join(problems)


RANGE_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from dbt.cli.main import dbtRunner
    cases, target_path = json.loads(sys.argv[1]), sys.argv[2]
    runner = dbtRunner()
    messages = []
    for i, (model, overrides) in enumerate(cases):
        res = runner.invoke(["compile", "--quiet", "--select", model, "--vars", json.dumps(overrides), "--target-path", f"{target_path}/{i}"])
        messages.append(None if res.exception is None else str(res.exception))
    print("RESULTS" + json.dumps(messages))
    """
)


def test_number_vars_out_of_range_and_a_reversed_window_are_refused(tmp_path: Path) -> None:
    """Numbers, but nonsense: a negative z put every Wilson lower bound above its upper
    bound and made every pair "significant"; a window that ends before it starts built
    an empty comparison mart without a word. A value at the edge of its range compiles."""
    cases = [
        ("mart_bot_daily_kpis", {"confidence_z": -1}, "var confidence_z must be more than 0"),
        ("mart_model_comparison", {"confidence_z": 0}, "var confidence_z must be more than 0"),
        ("mart_top_questions", {"top_questions_limit": 0}, "var top_questions_limit must be at least 1"),
        ("mart_model_comparison", {"comparison_start": "2025-06-05", "comparison_end": "2025-06-02"}, "the window starts after it ends"),
        ("mart_model_comparison", {"comparison_start": "2025-06-02", "comparison_end": "2025-06-02", "comparison_min_users": 0}, None),
        ("mart_model_comparison", {"comparison_start": "2025-06-05"}, None),  # the end is the default
        # well-formed but no day: the message names the var (it was strptime's own error)
        ("mart_model_comparison", {"comparison_start": "2026-13-01"}, "var comparison_start must be a real date YYYY-MM-DD"),
        ("mart_model_comparison", {"comparison_end": "2025-02-29"}, "var comparison_end must be a real date YYYY-MM-DD"),
        ("mart_model_comparison", {"comparison_start": "2024-02-29", "comparison_end": "2024-03-01"}, None),
    ]
    done = subprocess.run(
        [PYTHON, "-c", RANGE_SCRIPT, json.dumps([(m, v) for m, v, _ in cases]), str(tmp_path / "target")],
        cwd=PROJECT_DIR,
        env=scratch_env(tmp_path / "compile.duckdb"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULTS")), None)
    assert line, done.stdout[-3000:] + done.stderr[-3000:]
    for (model, overrides, expected), message in zip(cases, json.loads(line[len("RESULTS") :]), strict=True):
        if expected is None:
            assert message is None, (model, overrides, message)
        else:
            assert message is not None and expected in message, (model, overrides, message)


def test_dq_threshold_vars_are_numbers(tmp_path: Path) -> None:
    env = scratch_env(tmp_path / "w.duckdb")
    done = run_script("validate_sources.py", "--var", f"dq_max_reject_share={PAYLOAD}", env=env, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr


# ---- loaders, seeds and scripts ----------------------------------------------------------
HOSTILE_TAG = "情感'); drop table raw.bots; --"
HOSTILE_MODEL = 'glm-4"; delete from raw.chat_events; /*'
HOSTILE_KEYWORD = "o'reilly; drop table raw.bots; --"
HOSTILE_PHRASE = "it's'); drop table raw.bots; --"
HOSTILE_LABEL = "标签'); drop table raw.bots; --"


def _copy_project(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("target", "logs", "dbt_packages", "*.duckdb*")
    dest.mkdir()
    for name in ("models", "macros", "seeds", "analyses"):
        if (PROJECT_DIR / name).exists():
            shutil.copytree(PROJECT_DIR / name, dest / name, ignore=ignore)
    (dest / "tests").mkdir()
    shutil.copy(PROJECT_DIR / "dbt_project.yml", dest / "dbt_project.yml")
    return dest


def _append_csv(path: Path, row: dict[str, str]) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        columns = next(csv.reader(handle))
    with open(path, "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow([row.get(c, "") for c in columns])


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("hostile")
    project = _copy_project(root / "project")
    _append_csv(project / "seeds" / "input_category_keywords.csv", {"category": "technical", "keyword": HOSTILE_KEYWORD, "priority": "1"})
    _append_csv(project / "seeds" / "refusal_phrases.csv", {"phrase": HOSTILE_PHRASE, "language": "en"})
    _append_csv(
        project / "seeds" / "feedback_problem_codes.csv",
        {"problem_code": "9.9", "category_zh": "测试", "label_zh": HOSTILE_LABEL, "category_en": "test", "label_en": HOSTILE_LABEL},
    )
    db = root / "hostile.duckdb"
    env = scratch_env(db)
    data = root / "data"
    (data / "bots").mkdir(parents=True)
    with open(data / "bots" / "bots.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["bot_id", "bot_name", "model_name", "business_line", "tags", "created_at"])
        writer.writerow(
            ["b_evil", 'O\'Brien "quoted" -- bot', HOSTILE_MODEL, "line'; --", f"{HOSTILE_TAG}|学习辅导", "2025-01-01T00:00:00Z"]
        )
    events = []
    for i, kind in enumerate(["exposure", "click", "user_message", "bot_message"] * 2):
        events.append(
            {
                "event_id": f"h{i}",
                "event_time": f"2025-06-01T10:0{i}:00+08:00",
                "user_id": f"u'{i % 2}; --",
                "bot_id": "b_evil",
                "event_type": kind,
                "session_id": f"s'{i % 2}" if kind.endswith("message") else None,
                "model_name": HOSTILE_MODEL,
            }
        )
    _write_jsonl(data / "chat-events" / "hostile.jsonl", [{k: v for k, v in e.items() if v is not None} for e in events])
    _write_jsonl(
        data / "conversation-logs" / "hostile.jsonl",
        [
            {
                "timestamp": "2025-06-01T10:00:00",
                "user_input": f"how do I cite {HOSTILE_KEYWORD}?",
                "model_response": f"Sorry, {HOSTILE_PHRASE} not something I can answer here, but here is a long enough reply.",
                "bot_id": "b_evil",
                "metadata": {
                    "session_id": "s'x",
                    "message_id": "m'1; --",
                    "response_time": 1.0,
                    "token_count": 5,
                    "model_name": HOSTILE_MODEL,
                },
            }
        ],
    )
    _write_jsonl(
        data / "feedback" / "hostile.jsonl",
        [
            {
                "user_id": "u'0; --",
                "biz_id": 1,
                "trace_id": "Alibaba",
                "rn": "m'1; --",
                "item_type": "text_response",
                "bhv_type": "dislike",
                "bhv_value": {"code": ["9.9"], "expect": "'); drop table raw.bots; --"},
                "bhv_time": "1748743200",
                "reach_time": "1748743201",
            }
        ],
    )
    run_script("build_fixture.py", "--target", "duckdb", "--no-build", env=env, timeout=600)  # the hand-written fixtures, for company
    loaded = subprocess.run(
        [PYTHON, "-c", f"import sys; sys.path.insert(0, 'scripts'); from pathlib import Path; from chatwh.connection import connect; "
         f"from chatwh.landing import land_folder; wh = connect(); r = land_folder(wh, Path({str(data)!r}), skip_landed=False); wh.close(); "
         f"print('rejected', r.rows_rejected)"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "rejected 0" in loaded.stdout
    dbt = str(Path(PYTHON).parent / "dbt")
    with open(FIXTURES / "dbt_vars.yml", encoding="utf-8") as handle:
        dbt_vars = json.dumps(yaml.safe_load(handle))
    select = [
        "+mart_tag_daily_kpis", "+mart_model_comparison", "+fct_chat_sessions", "+dim_bot_tags",
        "+int_conversations__categorized", "+int_conversations__heuristic_rated", "+mart_feedback_problem_codes",
    ]  # fmt: skip
    for args in (["seed", "--full-refresh"], ["run", "--full-refresh", "--select", *select]):
        done = subprocess.run(
            [dbt, *args, "--vars", dbt_vars, "--project-dir", str(project)],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, done.stdout[-4000:]
    return db, env


def test_hostile_names_and_seed_values_are_data(hostile_warehouse: tuple[Path, dict[str, str]]) -> None:
    db, _ = hostile_warehouse
    # Every table is still there, with its rows.
    assert query(db, "select count(*) from raw.bots") == [(4,)]
    assert query(db, "select count(*) from raw.chat_events where bot_id = 'b_evil'") == [(8,)]
    # Names arrive verbatim.
    assert query(db, "select tag from main.dim_bot_tags where bot_id = 'b_evil' order by tag") == sorted([(HOSTILE_TAG,), ("学习辅导",)])
    assert query(db, "select distinct model_name from main.fct_chat_sessions where bot_id = 'b_evil'") == [(HOSTILE_MODEL,)]
    tag_rows = query(
        db, "select exposures, clicks from main.mart_tag_daily_kpis where tag = ? and model_name = ?", [HOSTILE_TAG, HOSTILE_MODEL]
    )
    assert tag_rows == [(2, 2)]
    # Seed values are data: the hostile keyword categorises, the phrase is found, the label shows.
    assert query(db, "select input_category from main.int_conversations__categorized where message_id = 'm''1; --'") == [("technical",)]
    assert query(db, "select has_refusal_phrase from main.int_conversations__heuristic_rated where message_id = 'm''1; --'") == [(1,)]
    labels = query(db, "select label_zh from main.mart_feedback_problem_codes where problem_code = '9.9'")
    assert labels and all(label == HOSTILE_LABEL for (label,) in labels)


def test_scripts_bind_hostile_arguments(hostile_warehouse: tuple[Path, dict[str, str]]) -> None:
    db, env = hostile_warehouse
    done = run_script("compare_tag.py", "--tag", HOSTILE_TAG, env=env)
    assert HOSTILE_MODEL.split('"')[0] in done.stdout
    # A classic always-true tag matches nothing (it is a value, not SQL).
    done = run_script("compare_tag.py", "--tag", "x' or '1'='1", env=env, check=False)
    assert done.returncode == 1 and "no KPIs" in done.stdout
    done = run_script("kpis.py", "--start", "2025-06-01", "--end", "2025-06-02", "--by", "tag", "--only", HOSTILE_TAG, env=env)
    assert "情感" in done.stdout
    done = run_script(
        "kpis.py", "--start", "2025-06-01", "--end", "2025-06-02", "--by", "tag", "--only", "x' or '1'='1", env=env, check=False
    )
    assert done.returncode == 1 and "No tag KPIs for" in done.stdout, done.stdout
    # Dates are parsed before anything reaches SQL or dbt.
    for script, args in (
        ("compare_tag.py", ["--tag", "学习辅导", "--start", "2025-06-01'; --", "--end", "2025-06-02"]),
        ("kpis.py", ["--start", "2025-06-01 or 1=1", "--end", "2025-06-02"]),
    ):
        done = run_script(script, *args, env=env, check=False)
        assert done.returncode == 2 and "not a date" in done.stderr
    assert query(db, "select count(*) from raw.bots") == [(4,)]
