"""The scripts' arguments: what a usage error is (exit 2, one `error:` line, no traceback).

Output paths that cannot be written (a file where a folder must be, a folder where a file
must be), dates written other than YYYY-MM-DD or outside the years the warehouse stores,
counts below 1, and a profiles.yml that is not valid YAML are refused before anything is
read or written; a write that fails anyway is one line too. The helpers live in
scripts/chatwh/cli.py.
"""

from __future__ import annotations

import argparse
import errno
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import run_script, scratch_env

from chatwh import cli
from chatwh.loading.sqlparts import STORED_YEARS
from chatwh.project import ProfileError, load_target


def assert_usage_error(completed: object, *says: str) -> None:
    """Exit 2 with a one-line reason (argparse's usage lines aside), no traceback."""
    out = completed.stdout + completed.stderr  # type: ignore[attr-defined]
    assert completed.returncode == 2, out  # type: ignore[attr-defined]
    assert "Traceback" not in out, out
    for text in says:
        assert text in completed.stderr, completed.stderr  # type: ignore[attr-defined]


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "a_file"
    path.write_text("not a folder\n", encoding="utf-8")
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A scratch warehouse that opens (empty): a script gets past connecting."""
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    return scratch_env(db, DBT_TARGET_PATH=str(tmp_path / "dbt_target"), DBT_LOG_PATH=str(tmp_path / "dbt_logs"))


# -- the helpers -------------------------------------------------------------------------------
def test_iso_date_takes_only_yyyy_mm_dd() -> None:
    assert cli.iso_date("2025-05-15") == date(2025, 5, 15)
    for text in ("20250515", "2025-W20-4", "2025-5-15", " 2025-05-15", "2025-02-30", "２０２５-05-15", ""):
        with pytest.raises(argparse.ArgumentTypeError, match="YYYY-MM-DD"):
            cli.iso_date(text)


def test_stored_date_is_within_the_loaders_years() -> None:
    assert cli.STORED_YEARS == STORED_YEARS  # one range, the loaders'
    assert cli.stored_date("1970-01-01") == date(1970, 1, 1)
    assert cli.stored_date("2999-12-31") == date(2999, 12, 31)
    for text in ("1969-12-31", "3000-01-01", "0001-01-01", "9999-12-31"):
        with pytest.raises(argparse.ArgumentTypeError, match="1970-2999"):
            cli.stored_date(text)


def test_number_types() -> None:
    assert cli.positive_int("3") == 3 and cli.non_negative_int("0") == 0 and cli.positive_float("0.5") == 0.5
    for parse, text in ((cli.positive_int, "0"), (cli.positive_int, "-5"), (cli.positive_int, "x"), (cli.non_negative_int, "-1")):
        with pytest.raises(argparse.ArgumentTypeError):
            parse(text)
    for text in ("0", "-1", "inf", "nan", "x"):
        with pytest.raises(argparse.ArgumentTypeError):
            cli.positive_float(text)


def test_output_path_checks(tmp_path: Path, a_file: Path) -> None:
    assert cli.output_file_problem(tmp_path / "new" / "deeper" / "r.html") is None
    assert cli.output_file_problem(a_file) is None  # replaced
    assert "is a directory" in (cli.output_file_problem(tmp_path) or "")
    assert "is a file" in (cli.output_file_problem(a_file / "x" / "r.html") or "")
    assert "not a directory" in (cli.output_file_problem(a_file / "r.html") or "")
    assert cli.output_dir_problem(tmp_path / "new" / "deeper") is None
    assert "not a directory" in (cli.output_dir_problem(a_file) or "")
    assert "is a file" in (cli.output_dir_problem(a_file / "sub") or "")


# -- report.py -----------------------------------------------------------------------------------
def test_report_refuses_an_unusable_out_or_markdown_path(tmp_path: Path, a_file: Path, env: dict[str, str]) -> None:
    for args in (
        ["--out", str(a_file / "r.html")],
        ["--out", str(tmp_path / "r.html"), "--markdown", str(tmp_path)],
        ["--out", str(tmp_path / "r.html"), "--markdown", str(a_file / "sub" / "r.md")],
    ):
        completed = run_script("report.py", "--date", "2025-06-01", *args, env=env, check=False)
        assert_usage_error(completed, "error:")
    assert not (tmp_path / "r.html").exists()  # refused before the warehouse was read


@pytest.mark.parametrize("option", ["--top-questions", "--review-limit"])
@pytest.mark.parametrize("value", ["0", "-5"])
def test_report_counts_must_be_positive(tmp_path: Path, env: dict[str, str], option: str, value: str) -> None:
    completed = run_script("report.py", "--date", "2025-06-01", "--out", str(tmp_path / "r.html"), option, value, env=env, check=False)
    assert_usage_error(completed, option, "at least 1")
    assert not (tmp_path / "r.html").exists()


def test_report_date_is_written_yyyy_mm_dd(tmp_path: Path, env: dict[str, str]) -> None:
    for value in ("20250601", "2025-W22-7"):
        completed = run_script("report.py", "--date", value, "--out", str(tmp_path / "r.html"), env=env, check=False)
        assert_usage_error(completed, "YYYY-MM-DD")


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1969-12-31", "3000-01-01"])
def test_report_date_is_within_the_stored_years(tmp_path: Path, env: dict[str, str], value: str) -> None:
    """0001-01-01 and 9999-12-31 ended in an OverflowError traceback (the day before or
    after them) and exit 1."""
    completed = run_script("report.py", "--date", value, "--out", str(tmp_path / "r.html"), env=env, check=False)
    assert_usage_error(completed, "--date", "1970-2999")
    assert completed.stderr.count("error:") == 1
    assert not (tmp_path / "r.html").exists()


def test_report_help_says_which_users_texts_it_shows(env: dict[str, str]) -> None:
    """The top questions show wordings of questions asked by several people with or
    without --with-texts; the help said only that texts need --with-texts."""
    text = " ".join(run_script("report.py", "--help", env=env).stdout.split())
    assert "the top questions table always shows the wording of the questions asked by at least var top_questions_min_askers" in text
    assert "--with-texts does not change that" in text


def test_report_write_that_fails_is_one_line_and_exit_2(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import report

    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def disk_full(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(report, "write_atomic", disk_full)
    assert report.main(["--date", "2025-06-01", "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "No space left on device" in err and "r.html" in err


# -- validate_sources.py, generate_demo_data.py, generate_eval_queries.py, time_range.py ------
def test_validate_sources_refuses_a_file_as_docs_dir(a_file: Path, env: dict[str, str]) -> None:
    completed = run_script("validate_sources.py", "--docs-dir", str(a_file), env=env, check=False)
    assert_usage_error(completed, "--docs-dir", "not a directory")


def test_generate_demo_data_refuses_a_file_as_out(a_file: Path, env: dict[str, str]) -> None:
    completed = run_script("generate_demo_data.py", "--out", str(a_file), "--days", "1", env=env, check=False)
    assert_usage_error(completed, "--out", "not a directory")


@pytest.mark.parametrize(
    ("days", "end", "says"),
    [
        ("100000", "0001-01-05", "1970-2999"),
        ("1", "9999-12-31", "1970-2999"),
        ("100000", "2020-01-05", "1970-01-01"),
        ("1", "20250101", "YYYY-MM-DD"),
    ],
)
def test_generate_demo_data_window_within_the_stored_years(tmp_path: Path, env: dict[str, str], days: str, end: str, says: str) -> None:
    out = tmp_path / "demo"
    # --only bots: were a window let through, it would write one small file, not years of events.
    args = ["--out", str(out), "--days", days, "--end-date", end, "--scale", "0.01", "--jobs", "1", "--only", "bots"]
    completed = run_script("generate_demo_data.py", *args, env=env, check=False, timeout=120)
    assert_usage_error(completed, says)
    assert not out.exists()


def test_generate_demo_data_write_that_fails_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import generate_demo_data

    def disk_full(ctx: object) -> dict[str, int]:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "bots" / "bots.csv"))

    monkeypatch.setattr(generate_demo_data, "writers", lambda: [("bots", disk_full)])
    assert generate_demo_data.main(["--out", str(tmp_path / "out"), "--days", "1", "--end-date", "2025-06-01"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "No space left on device" in err and "bots.csv" in err


@pytest.mark.parametrize(("value", "says"), [("0001-01-01", "1970-2999"), ("20250515", "YYYY-MM-DD"), ("2025-W20-4", "YYYY-MM-DD")])
def test_generate_eval_queries_reference_date(tmp_path: Path, env: dict[str, str], value: str, says: str) -> None:
    out = tmp_path / "eval.json"
    completed = run_script("generate_eval_queries.py", "--count", "3", "--out", str(out), "--reference-date", value, env=env, check=False)
    assert_usage_error(completed, "--reference-date", says)
    assert not out.exists()


def test_generate_eval_queries_refuses_an_unusable_out(tmp_path: Path, a_file: Path, env: dict[str, str]) -> None:
    for out in (a_file / "eval.json", tmp_path):
        completed = run_script("generate_eval_queries.py", "--count", "3", "--out", str(out), env=env, check=False)
        assert_usage_error(completed, "--out")


@pytest.mark.parametrize("value", ["20250515", "2025-W20-4"])
def test_time_range_reference_date_is_written_yyyy_mm_dd(env: dict[str, str], value: str) -> None:
    completed = run_script("time_range.py", "上个月", "--reference-date", value, env=env, check=False)
    assert_usage_error(completed, "YYYY-MM-DD")
    assert completed.stdout == ""


@pytest.mark.parametrize("script", ["kpis.py", "compare_tag.py"])
def test_analyst_cli_dates_are_written_yyyy_mm_dd(env: dict[str, str], script: str) -> None:
    args = ["--start", "20250601", "--end", "2025-06-02"] + (["--tag", "学习辅导"] if script == "compare_tag.py" else [])
    completed = run_script(script, *args, env=env, check=False)
    assert_usage_error(completed, "YYYY-MM-DD")


def test_demo_refuses_a_file_as_out(a_file: Path, env: dict[str, str]) -> None:
    completed = run_script("demo.py", "--out", str(a_file / "demo"), env=env, check=False)
    assert_usage_error(completed, "--out", "is a file")


# -- profiles.yml --------------------------------------------------------------------------------
BROKEN_PROFILES = """\
chatbot_analytics:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: [unclosed
"""


@pytest.mark.parametrize(
    ("script", "args"),
    [("load.py", ["bots", "nothing.csv"]), ("kpis.py", ["--start", "2025-06-01", "--end", "2025-06-02"])],
)
def test_a_profiles_yml_that_is_not_yaml_is_one_line_and_exit_2(tmp_path: Path, env: dict[str, str], script: str, args: list[str]) -> None:
    (tmp_path / "profiles.yml").write_text(BROKEN_PROFILES, encoding="utf-8")
    env["DBT_PROFILES_DIR"] = str(tmp_path)
    completed = run_script(script, *args, env=env, check=False)
    assert_usage_error(completed, "profiles.yml", "line ")
    assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (BROKEN_PROFILES, "not valid YAML"),
        ("chatbot_analytics: [1, 2]\n", "not a mapping"),
        ("- a list\n", "not a mapping"),
        ("chatbot_analytics:\n  target: dev\n  outputs:\n    dev:\n      path: x.duckdb\n", "has no type"),
        ("chatbot_analytics:\n  target: dev\n  outputs:\n    dev: just text\n", "not a mapping"),
        ("chatbot_analytics:\n  target: dev\n  outputs: [dev]\n", "not a mapping"),
    ],
)
def test_malformed_profiles_are_profile_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, says: str) -> None:
    (tmp_path / "profiles.yml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("DBT_PROFILES_DIR", str(tmp_path))
    monkeypatch.delenv("DBT_TARGET", raising=False)
    with pytest.raises(ProfileError, match=says) as caught:
        load_target()
    assert "profiles.yml" in str(caught.value)
