"""The daily report (scripts/report.py) on the hand-written fixture warehouse.

Expected numbers are computed by hand from the fixture files:
- funnel (tests/fixtures/funnel): 2025-06-01 has exposures e01 e07 e11 e12 e13 e19 (6),
  clicks e02 e08 e14 e20 (4), chat starts s1 s2 s3 s4 (4; s5 has only a bot message),
  active users u1 u3 u5 (3); 2025-06-02 has exposure e25 (1), clicks e26 e29 (2), chat
  start s6 (1; s3 counts on its first day), active user u2 (1). Per tag on 06-01:
  学习辅导 = b_learn + b_quiz (5 exposures, 3 clicks, 3 chat starts), 知识问答 = b_learn
  (4, 2, 2), 情感陪伴 = b_chat (1, 1, 1).
- conversations: 06-01 keeps m1..m6 and one line without message_id (7 answers; response
  times 0.5 1.0 1.5 3.0 4.0 2.5 0.8 → mean 1.90 s; > 2 s: m4 m5 m6 = 3 → 42.9 %; poor:
  m3 (empty) and m5 (logged poor) = 2 → 28.6 %; to review: m3 (error) and m5 (safety));
  06-02 keeps m7 m8 m9 m11 and the line without message_id (5 answers, mean 5.6 / 5 =
  1.12 s, none slow). 06-03: b_alert · slow-llm answers every 5 minutes from 09:00 local
  in 6 s, so the last-100 rule (min 10 rows) fires from the 10th answer (09:45) and is
  kept once per clock hour (09:45, 10:00: 2 hours), the day rule (min 20 rows) from the
  20th (10:35: 1 hour).
- chatbi: cases-v1 (2025-05-20 01:00 UTC = 09:00 local), seed-run (02:00 UTC, another dataset) and
  cases-v2 (2025-05-21 01:00 UTC); cases-v2's base is cases-v1.

The render test opens the HTML in headless Chromium (Debian's package, installed through
apt-get when missing), waits for every chart, checks that the page logged no error and
made no network request, and keeps a full-page screenshot in the pytest tmp dir.
"""

from __future__ import annotations

import re
import shutil
import struct
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import SCRIPTS_DIR, query_dicts, run_script, scratch_env

sys.path.insert(0, str(SCRIPTS_DIR))

from chatwh.project import project_vars  # noqa: E402
from chatwh.report import formats  # noqa: E402
from chatwh.report.browser import check_page, ensure_chromium  # noqa: E402

SECTION_KEYS = ["overview", "funnel", "models", "quality", "questions", "feedback", "eval", "alerts", "suggestions"]
DAYS = ["2025-05-20", "2025-06-01", "2025-06-02", "2025-06-03", "2025-07-01"]


# -- helpers --------------------------------------------------------------------------------
def section_text(markdown: str, number: int) -> str:
    """The Markdown of section `number` (from its `## N.` heading to the next one)."""
    match = re.search(rf"^## {number}\. .*?(?=^## |\Z|^---$)", markdown, flags=re.S | re.M)
    assert match, f"section {number} missing"
    return match.group(0)


def table_rows(text: str, first_cell: str) -> list[list[str]]:
    """Cells of the Markdown table rows whose first cell is `first_cell`."""
    rows = []
    for line in text.splitlines():
        if line.startswith("| "):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            if cells[0] == first_cell:
                rows.append(cells)
    return rows


def tile(markdown: str, label: str) -> list[str]:
    rows = table_rows(section_text(markdown, 1), label)
    assert len(rows) == 1, (label, rows)
    return rows[0][1:]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", header[16:24])


# -- reports of the fixture warehouse (one run per day, shared by the tests) ----------------
@pytest.fixture(scope="module")
def reports(fixture_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    out = tmp_path_factory.mktemp("reports")
    env = scratch_env(fixture_warehouse)
    written: dict[str, tuple[Path, str]] = {}
    for day in DAYS:
        html, md = out / f"report_{day}.html", out / f"report_{day}.md"
        completed = run_script("report.py", "--date", day, "--out", str(html), "--markdown", str(md), env=env)
        assert f"report {day}: 9 sections" in completed.stdout
        written[day] = (html, md.read_text(encoding="utf-8"))
    return written


def test_change_formatting() -> None:
    assert formats.change(1, 6, "count") == ("-83.3%", "down")
    assert formats.change(2, 1, "count") == ("+100.0%", "up")
    assert formats.change(0.5, 1.0, "rate") == ("-50.0 pp", "down")
    assert formats.change(1.12, 1.9, "seconds") == ("-0.78 s", "down")
    assert formats.change(3, 0, "count") == ("new", "up")
    assert formats.change(0, 0, "count") == ("±0", "flat")
    assert formats.change(5, None, "count") == ("n/a", None)
    # A rise is good news for clicks, bad news for response time.
    assert formats.tile("x", 2.0, 1.0, "seconds", better="down", source="m").good is False
    assert formats.tile("x", 2, 1, "count", better="up", source="m").good is True
    assert formats.excerpt("如何部署Python代码？" * 5, 11) == "如何部署Python…"  # 10 characters + …


def test_overview_tiles_with_day_over_day_change(reports: dict[str, tuple[Path, str]]) -> None:
    md = reports["2025-06-02"][1]
    assert tile(md, "曝光 Exposures") == ["1", "6", "-83.3%"]
    assert tile(md, "点击 Clicks") == ["2", "4", "-50.0%"]
    assert tile(md, "点击率 CTR") == ["200.0%", "66.7%", "+133.3 pp"]
    assert tile(md, "开聊 Chat starts") == ["1", "4", "-75.0%"]
    assert tile(md, "开聊率 Chat start rate") == ["50.0%", "100.0%", "-50.0 pp"]
    assert tile(md, "活跃用户 Active users") == ["1", "3", "-66.7%"]
    assert tile(md, "总对话数 Answers logged") == ["5", "7", "-28.6%"]
    assert tile(md, "平均响应时间 Mean response") == ["1.12 s", "1.90 s", "-0.78 s"]
    assert tile(md, "慢回答 Slow answers") == ["0.0%", "42.9%", "-42.9 pp"]
    assert tile(md, "低质量率 Poor answers") == ["0.0%", "28.6%", "-28.6 pp"]
    # 2025-06-01 has no previous day in the fixture.
    assert tile(reports["2025-06-01"][1], "曝光 Exposures") == ["6", "–", "n/a"]


def test_funnel_per_tag(reports: dict[str, tuple[Path, str]]) -> None:
    funnel = section_text(reports["2025-06-01"][1], 2)
    assert table_rows(funnel, "学习辅导")[0][1:6] == ["5", "3", "60.0%", "3", "100.0%"]
    assert table_rows(funnel, "知识问答")[0][1:6] == ["4", "2", "50.0%", "2", "100.0%"]
    assert table_rows(funnel, "情感陪伴")[0][1:6] == ["1", "1", "100.0%", "1", "100.0%"]


def test_model_comparison_rows_come_from_the_mart(fixture_warehouse: Path, reports: dict[str, tuple[Path, str]]) -> None:
    models = section_text(reports["2025-06-01"][1], 3)
    mart = query_dicts(fixture_warehouse, "select * from main.mart_model_comparison")
    assert mart, "the fixture builds model pairs"
    assert "Comparison window: 2025-06-01 … 2025-06-02" in models
    # A window ending after the report date is worth a note; one ending the day before is
    # what every hourly build makes (its own day is not complete yet).
    assert "does not end on the report date 2025-06-01" in models
    next_day = section_text(reports["2025-06-03"][1], 3)
    assert "ends on the last complete day before the report date" in next_day and "does not end" not in next_day
    for row in mart:
        cells = [
            r
            for r in table_rows(models, row["tag"])
            if r[1] == {"uv_ctr": "UV CTR", "uv_chat_start_rate": "UV chat start rate"}[row["metric"]]
        ]
        assert len(cells) == 1
        assert cells[0][2] == row["model_a"] and cells[0][5] == row["model_b"]
        assert cells[0][3] == formats.interval(row["rate_a"], row["rate_a_lower"], row["rate_a_upper"])
        # No p-value (too few users, or both arms at 0 % / 100 %): not tested, as compare_tag.py
        # says, not "no" (not significant).
        assert cells[0][10] == ("not tested" if row["p_value"] is None else "yes" if row["is_significant"] else "no")
    assert any(row["p_value"] is None for row in mart), "the fixture has an untested pair"


def test_quality_latency_and_suggestions(reports: dict[str, tuple[Path, str]]) -> None:
    md = reports["2025-06-01"][1]
    quality = section_text(md, 4)
    # b_learn · qwen-7b: m1 0.5, m2 1.0, m3 1.5, m4 3.0, m5 4.0 → p50 1.5, p95 3.8 (linear), max 4.0.
    assert table_rows(quality, "b_learn")[0][:9] == [
        "b_learn",
        "qwen-7b",
        "5",
        "2.00 s",
        "1.50 s",
        "3.80 s",
        "4.00 s",
        "2 (40.0%)",
        "1 (20.0%)",
    ]
    suggestions = section_text(md, 9)
    assert "发现 2 条低质量响应，建议检查相关对话" in suggestions
    assert "3 条对话响应时间超过 2 秒 (42.9%)" in suggestions
    assert table_rows(suggestions, "m5")[0][3:5] == ["safety_issue", "poor (logged)"]
    assert table_rows(suggestions, "m3")[0][3] == "error"
    # Users' texts stay out of the report unless asked for (--with-texts).
    assert "How do I fix this BUG" not in md and "deleting the system files" not in md


def test_with_texts_puts_question_and_answer_in(fixture_warehouse: Path, tmp_path: Path) -> None:
    md = tmp_path / "r.md"
    run_script(
        "report.py",
        "--date",
        "2025-06-01",
        "--out",
        str(tmp_path / "r.html"),
        "--markdown",
        str(md),
        "--with-texts",
        env=scratch_env(fixture_warehouse),
    )
    suggestions = section_text(md.read_text(encoding="utf-8"), 9)
    assert table_rows(suggestions, "m5")
    assert "How do I fix this BUG in my code?" in suggestions and "deleting the system files" in suggestions
    assert "for reviewers only" in suggestions


def test_low_quality_count_is_the_answers_rated_poor(fixture_warehouse: Path, tmp_path: Path) -> None:
    """The article's 发现 N 条低质量响应 counts answers rated poor (section 4's poor rate),
    not every answer to review: an answer with a logged error that is not rated poor is
    to review, not 低质量. On the fixture both poor answers are also to review, so the
    copy rates one of them fair in the quality mart."""
    db = tmp_path / "fair.duckdb"
    shutil.copy(fixture_warehouse, db)
    with duckdb.connect(str(db)) as con:
        con.execute(
            """update main.mart_answer_quality_daily set poor_answers = poor_answers - 1, fair_answers = fair_answers + 1
               where report_date = '2025-06-01' and bot_id = 'b_learn'"""
        )
    md = tmp_path / "r.md"
    run_script("report.py", "--date", "2025-06-01", "--out", str(tmp_path / "r.html"), "--markdown", str(md), env=scratch_env(db))
    suggestions = section_text(md.read_text(encoding="utf-8"), 9)
    assert "发现 1 条低质量响应，建议检查相关对话" in suggestions
    assert "2 answers to review: poor, failed or unsafe (error: 1, safety_issue: 1)." in suggestions


def test_feedback_section(fixture_warehouse: Path, reports: dict[str, tuple[Path, str]]) -> None:
    feedback = section_text(reports["2025-06-01"][1], 6)
    mart = query_dicts(
        fixture_warehouse,
        "select sum(likes) as likes, sum(dislikes) as dislikes from main.mart_feedback_daily where report_date = ?",
        [date(2025, 6, 1)],
    )[0]
    likes, dislikes = int(mart["likes"]), int(mart["dislikes"])
    assert f"{likes} likes and {dislikes} dislikes: like rate {formats.pct(likes / (likes + dislikes))}." in feedback
    codes = query_dicts(
        fixture_warehouse,
        "select problem_code, min(label_zh) as label_zh, sum(dislikes_citing) as n from main.mart_feedback_problem_codes where report_date = ? group by problem_code",
        [date(2025, 6, 1)],
    )
    assert codes
    for code in codes:
        row = table_rows(feedback, code["problem_code"])
        assert row and row[0][2] == code["label_zh"] and row[0][3] == str(code["n"])
    assert "No data" in section_text(reports["2025-06-02"][1], 6)


def test_alerts_fired_on_the_day(reports: dict[str, tuple[Path, str]]) -> None:
    alerts = section_text(reports["2025-06-03"][1], 8)
    rows = table_rows(alerts, "warn")
    by_rule = {r[1]: r for r in rows}
    assert set(by_rule) == {"avg_response_time_last_100", "avg_response_time_day"}
    assert by_rule["avg_response_time_last_100"][2:] == [
        "b_alert",
        "slow-llm",
        "last 100 conversations",
        "2",
        "6.00 s",
        "5.00 s",
        "2025-06-03 09:45",
        "2025-06-03 10:00",
        "yes",
    ]
    assert by_rule["avg_response_time_day"][5:10] == ["1", "6.00 s", "5.00 s", "2025-06-03 10:35", "2025-06-03 10:35"]
    assert "No alert fired on 2025-06-01." in section_text(reports["2025-06-01"][1], 8)


def test_eval_latest_run_vs_previous(fixture_warehouse: Path, reports: dict[str, tuple[Path, str]]) -> None:
    evals = section_text(reports["2025-06-03"][1], 7)
    assert "Latest run cases-v2 (model-b, 2025-05-21 09:00 UTC+8) on dataset cases" in evals
    assert "Compared with cases-v1 (model-a, 2025-05-20 09:00 UTC+8)" in evals
    worse = query_dicts(
        fixture_warehouse,
        "select sample_id, change_direction from main.mart_chatbi_run_diff where run_id = 'cases-v2' and base_run_id = 'cases-v1'"
        " and change_direction in ('regressed', 'mixed', 'dropped')",
    )
    assert {r["change_direction"] for r in worse} >= {"regressed", "dropped"}, "the fixture has a regression and a dropped sample"
    # Every sample that got worse is listed, a dropped one (answered by cases-v1 only) too,
    # marked as dropped: the table listed regressed and mixed ones only.
    listed = {
        cells[0]: cells
        for cells in (
            [c.strip() for c in line.strip().strip("|").split(" | ")]
            for line in evals.split("**Regressions")[1].split("\n\n**")[0].splitlines()
            if line.startswith("| ") and not line.startswith("| sample")
        )
    }
    assert set(listed) == {str(r["sample_id"]) for r in worse}
    for r in worse:
        assert listed[str(r["sample_id"])][2] == r["change_direction"]
        if r["change_direction"] == "dropped":
            assert listed[str(r["sample_id"])][3].endswith("→ not answered")
    assert f"(samples: {len(worse)})" in evals
    # The summary counts regressed and dropped apart: the mart's samples_regressed includes
    # the dropped ones (mart_chatbi_run_summary), which the summary printed as "regressed".
    counts = query_dicts(
        fixture_warehouse,
        "select samples_regressed, samples_dropped, samples_improved, samples_mixed from main.mart_chatbi_run_summary where run_id = 'cases-v2'",
    )[0]
    assert counts["samples_dropped"] >= 1
    assert (
        f"samples regressed {counts['samples_regressed'] - counts['samples_dropped']}, dropped {counts['samples_dropped']} "
        f"(answered before, not now), improved {counts['samples_improved']}, mixed {counts['samples_mixed']}." in evals
    )
    by_direction = {d: sum(1 for r in worse if r["change_direction"] == d) for d in ("regressed", "dropped")}
    assert counts["samples_regressed"] - counts["samples_dropped"] == by_direction["regressed"]
    assert counts["samples_dropped"] == by_direction["dropped"]
    summary = query_dicts(
        fixture_warehouse, "select run_id, pass_rate from main.mart_chatbi_run_summary where run_id in ('cases-v1', 'cases-v2')"
    )
    rates = {r["run_id"]: formats.pct(r["pass_rate"]) for r in summary}
    assert table_rows(evals, "通过率 pass rate")[0][1:3] == [rates["cases-v1"], rates["cases-v2"]]
    # On 2025-05-20 (local) cases-v2 has not run yet: the latest is seed-run, with nothing to compare.
    early = section_text(reports["2025-05-20"][1], 7)
    assert "Latest run seed-run" in early and "no earlier run on the same dataset" in early


def test_top_questions_say_they_count_up_to_the_build_date(fixture_warehouse: Path, reports: dict[str, tuple[Path, str]]) -> None:
    """mart_top_questions counts every logged day (by design): a report for an earlier day
    lists the same counts, which its title must not present as that day's."""
    built = query_dicts(fixture_warehouse, "select max(last_asked_date) as d, max(asks) as asks from main.mart_top_questions")[0]
    build_date = built["d"].isoformat()
    assert build_date == "2025-06-02", "the fixture's top question is last asked on 06-02"
    early = section_text(reports["2025-06-01"][1], 5)
    assert re.search(rf"\*\*Top \d+ questions asked up to the build date \({build_date}\)\*\*", early), early
    assert f"counts every ask up to the build date ({build_date}, the newest ask it counts), days after 2025-06-01 included." in early
    # Counted on 06-02 too, but listed in the 06-01 report (first asked on or before the day).
    assert str(built["asks"]) in [cells[3] for cells in table_rows(early, "1")]
    late = section_text(reports["2025-06-03"][1], 5)
    assert f"up to the build date ({build_date})" in late and "days after" not in late


def test_day_without_data_says_so(reports: dict[str, tuple[Path, str]]) -> None:
    md = reports["2025-07-01"][1]
    assert "No data: none of the overview marts has rows for 2025-07-01." in section_text(md, 1)
    assert "No data: mart_tag_daily_kpis has no rows for 2025-07-01." in section_text(md, 2)
    assert "No data: mart_answer_quality_daily has no rows for 2025-07-01." in section_text(md, 4)
    assert "No data: mart_feedback_daily has no rows for 2025-07-01." in section_text(md, 6)
    assert "No data: mart_answer_quality_daily has no rows for 2025-07-01." in section_text(md, 9)
    html = reports["2025-07-01"][0].read_text(encoding="utf-8")
    assert html.count('data-no-data="true"') == 5


def test_warehouse_without_marts_renders_every_section_as_no_data(scratch_db: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    path, env = scratch_db
    duckdb.connect(str(path)).close()  # a warehouse file with nothing built in it
    html, md = tmp_path / "empty.html", tmp_path / "empty.md"
    completed = run_script("report.py", "--date", "2025-06-01", "--out", str(html), "--markdown", str(md), env=env)
    assert "0 charts" in completed.stdout
    text = md.read_text(encoding="utf-8")
    assert text.count("> **No data:") == len(SECTION_KEYS)
    assert "mart_tag_daily_kpis is not built on this target" in text
    assert html.read_text(encoding="utf-8").count('data-no-data="true"') == len(SECTION_KEYS)

    # --date yesterday is the reporting day before today (UTC shifted by the offset var); {date} in --out names the file.
    def yesterday() -> str:
        local_now = datetime.now(UTC) + timedelta(hours=float(project_vars()["reporting_utc_offset_hours"]))
        return (local_now - timedelta(days=1)).date().isoformat()

    before = yesterday()
    named = run_script("report.py", "--date", "yesterday", "--out", str(tmp_path / "r_{date}.html"), env=env)
    # (before and after: the run may straddle local midnight)
    assert {p.name for p in tmp_path.glob("r_*.html")} & {f"r_{before}.html", f"r_{yesterday()}.html"}, named.stdout


def test_usage_errors_exit_2(scratch_db: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    _, env = scratch_db
    assert run_script("report.py", "--date", "2025-13-01", "--out", str(tmp_path / "r.html"), env=env, check=False).returncode == 2
    assert run_script("report.py", "--date", "2025-06-01", "--out", str(tmp_path / "r.pdf"), env=env, check=False).returncode == 2
    # The warehouse file does not exist (scratch_db only names it): a clear error, not a crash.
    missing = run_script("report.py", "--date", "2025-06-01", "--out", str(tmp_path / "r.html"), env=env, check=False)
    assert missing.returncode == 2 and "cannot open DuckDB file" in missing.stderr
    unknown = run_script("report.py", "--date", "2025-06-01", "--out", str(tmp_path / "r.html"), "--target", "nope", env=env, check=False)
    assert unknown.returncode == 2 and "nope" in unknown.stderr


def test_html_is_self_contained(reports: dict[str, tuple[Path, str]]) -> None:
    html = reports["2025-06-01"][0].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html), "scripts must be inline"
    assert "<link" not in html and "@import" not in html and not re.search(r"url\(\s*['\"]?https?:", html)
    assert html.count("<script") >= 2 and "Plotly.newPlot" in html
    for title in ("1. 基础统计", "4. 响应质量", "5. 热门问题", "9. 改进建议"):
        assert title in html and title in reports["2025-06-01"][1]


@pytest.mark.parametrize(
    ("day", "charts", "empty"),
    [
        (
            "2025-06-01",
            {
                "chart-trend",
                "chart-funnel",
                "chart-model-diff",
                "chart-latency",
                "chart-quality-mix",
                "chart-dislike-rate",
                "chart-problem-codes",
                "chart-eval-runs",
            },
            set(),
        ),
        (
            "2025-06-03",
            {"chart-trend", "chart-model-diff", "chart-latency", "chart-quality-mix", "chart-eval-runs"},
            {"funnel", "feedback"},
        ),
    ],
)
def test_report_renders_in_headless_chromium(
    reports: dict[str, tuple[Path, str]], tmp_path: Path, day: str, charts: set[str], empty: set[str]
) -> None:
    ensure_chromium()
    screenshot = tmp_path / f"report_{day}.png"
    check = check_page(reports[day][0], screenshot, section_shots=tmp_path / f"sections_{day}")
    print(f"screenshot: {screenshot} ({check.page_height}px, {check.seconds:.1f}s)")
    assert check.errors == [], check.errors
    assert check.external_requests == [], "a self-contained report loads nothing"
    assert {c["id"] for c in check.charts} == charts
    for chart in check.charts:
        assert chart["rendered"], chart
        assert chart["traces"] >= 1 and chart["width"] > 300 and chart["height"] >= 200, chart
    assert check.cjk_font_ok, "no CJK font: apt-get install fonts-noto-cjk"
    assert [s["key"] for s in check.sections] == SECTION_KEYS
    assert {s["key"] for s in check.sections if s["noData"]} == empty
    if "chart-funnel" in charts:
        funnel = next(c for c in check.charts if c["id"] == "chart-funnel")
        assert {"学习辅导", "知识问答", "情感陪伴"} <= set(funnel["texts"]), "tag names drawn in the chart"
    width, height = png_size(screenshot)
    assert width == 1400 and height == check.page_height and height > 2000
    assert screenshot.stat().st_size > 100_000
    assert len(list((tmp_path / f"sections_{day}").glob("*.png"))) == len(SECTION_KEYS) + 1


def test_pairs_without_a_p_value_are_explained_by_their_cause() -> None:
    """Both arms at 0 % (or 100 %) leave the z-test undefined however many users there
    are: that is not "an arm has fewer users than comparison_min_users"."""
    from chatwh.report.sections import untested_pair_notes

    rows = [
        {"p_value": None, "trials_a": 200, "trials_b": 150},  # 0/200 vs 0/150
        {"p_value": None, "trials_a": 12, "trials_b": 150},
        {"p_value": 0.2, "trials_a": 40, "trials_b": 50},
    ]
    assert untested_pair_notes(rows, 30) == [
        "1 pairs have no p-value: an arm has fewer users than var comparison_min_users (30).",
        "1 pairs have no p-value: both arms are at 0 % or both at 100 %, where the test is undefined.",
    ]
    assert untested_pair_notes(rows[2:], 30) == []
