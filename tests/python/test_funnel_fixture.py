"""End to end on the hand-written funnel fixture (tests/fixtures/funnel), expected
values computed by hand from the event list (see the comments per case).

The fixture holds: a session across midnight (s3), naive / offset / Z / epoch times,
a bot with two tags (b_learn), one user on two bots of one tag on one day (u1 on
b_learn and b_quiz, tag 学习辅导), a bot-day with zero exposures (b_chat on 06-02),
events with and without model_name, a duplicate (e05 twice; e01 again in the next
day's file), a truncated line (e90) and an unknown event type (e91).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import query, query_dicts

D1, D2 = date(2025, 6, 1), date(2025, 6, 2)


def bot_row(db: Path, day: date, bot: str, model: str) -> dict:
    rows = query_dicts(
        db, "select * from main.mart_bot_daily_kpis where report_date = ? and bot_id = ? and model_name = ?", [day, bot, model]
    )
    assert len(rows) == 1, rows
    return rows[0]


def test_loader_counts_reconcile(fixture_warehouse: Path) -> None:
    batches = query(
        fixture_warehouse,
        "select regexp_extract(source_file, '[^/]+$'), rows_read, rows_loaded, rows_rejected from raw.load_batches "
        "where kind in ('bots', 'chat-events') order by 1",
    )
    assert batches == [
        ("bots.csv", 3, 3, 0),
        ("chat_events_2025-06-01.jsonl", 24, 21, 3),  # e05 duplicate, e90 truncated, e91 unknown type
        ("chat_events_2025-06-02.jsonl", 8, 7, 1),  # e01 already loaded from the first file
    ]
    reasons = query(
        fixture_warehouse,
        "select line_number, reason_code from raw.load_rejects where kind = 'chat-events' order by source_file, line_number",
    )
    assert reasons == [(6, "duplicate_in_file"), (23, "invalid_json"), (24, "unknown_event_type"), (8, "already_loaded")]


def test_times_are_normalised_to_utc(fixture_warehouse: Path) -> None:
    times = dict(query(fixture_warehouse, "select event_id, strftime(event_time, '%Y-%m-%d %H:%M:%S') from raw.chat_events"))
    assert times["e01"] == "2025-06-01 02:00:00"  # +08:00 offset
    assert times["e02"] == "2025-06-01 02:00:05"  # Z
    assert times["e03"] == "2025-06-01 02:01:00"  # naive = reporting local time (UTC+8)
    assert times["e19"] == "2025-06-01 07:00:00"  # epoch seconds (number)
    assert times["e20"] == "2025-06-01 07:01:00"  # epoch seconds (string)


def test_bot_day_with_two_models_and_default_model(fixture_warehouse: Path) -> None:
    # b_learn on 06-01 under qwen-7b: exposures e01, e11, e12; click e02; session s1
    # (events without model_name take the default qwen-7b) with 2 user turns.
    row = bot_row(fixture_warehouse, D1, "b_learn", "qwen-7b")
    assert (row["exposures"], row["clicks"], row["sessions"], row["chat_starts"], row["user_turns"]) == (3, 1, 1, 1, 2)
    assert (
        row["exposed_users"],
        row["exposed_users_who_clicked"],
        row["clicking_users"],
        row["clicking_users_who_started"],
        row["active_users"],
    ) == (2, 1, 1, 1, 1)
    assert row["ctr"] == pytest.approx(1 / 3)
    assert row["chat_start_rate"] == 1.0
    assert row["avg_turns_per_session"] == 2.0
    assert row["avg_turns_per_user"] == 2.0
    assert row["uv_ctr"] == 0.5
    assert row["sessions_depth_2_3"] == 1 and row["sessions_depth_1"] == 0


def test_session_across_midnight_counts_on_its_first_day(fixture_warehouse: Path) -> None:
    # s3 (u3, glm-4) starts 23:50 local on 06-01; its second user turn is 00:10 on 06-02.
    row = bot_row(fixture_warehouse, D1, "b_learn", "glm-4")
    assert (row["sessions"], row["chat_starts"], row["user_turns"]) == (1, 1, 2)
    assert query(
        fixture_warehouse,
        "select count(*) from main.mart_bot_daily_kpis where report_date = ? and bot_id = 'b_learn' and model_name = 'glm-4'",
        [D2],
    ) == [(0,)]
    session = query_dicts(fixture_warehouse, "select * from main.fct_chat_sessions where session_id = 's3'")[0]
    assert session["report_date"] == D1 and session["crosses_midnight"] == 1 and session["duration_seconds"] == 1204.0


def test_deep_link_chat_and_bot_only_session(fixture_warehouse: Path) -> None:
    # b_chat 06-01: u4 exposed+clicked but only got a bot greeting (s5, no chat start);
    # u5 chatted through a deep link (s4) without a click.
    row = bot_row(fixture_warehouse, D1, "b_chat", "glm-4")
    assert (row["exposures"], row["clicks"], row["sessions"], row["chat_starts"], row["user_turns"]) == (1, 1, 2, 1, 1)
    assert row["chat_start_rate"] == 1.0  # page-view ratio: s4 / the click of u4
    assert row["uv_chat_start_rate"] == 0.0  # the clicking user (u4) never started
    assert row["active_users"] == 1


def test_zero_exposure_day_gives_null_ratios(fixture_warehouse: Path) -> None:
    row = bot_row(fixture_warehouse, D2, "b_chat", "glm-4")
    assert (row["exposures"], row["clicks"]) == (0, 1)
    assert row["ctr"] is None and row["uv_ctr"] is None and row["uv_ctr_lower"] is None
    assert row["avg_turns_per_session"] is None
    assert row["chat_start_rate"] == 0.0


def test_tag_rollup_counts_users_once_per_tag(fixture_warehouse: Path) -> None:
    # 学习辅导 × qwen-7b on 06-01 = b_learn + b_quiz; u1 used both bots and counts once.
    rows = query_dicts(
        fixture_warehouse,
        "select * from main.mart_tag_daily_kpis where report_date = ? and tag = '学习辅导' and model_name = 'qwen-7b'",
        [D1],
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["bots"], row["exposures"], row["clicks"], row["chat_starts"], row["user_turns"]) == (2, 4, 2, 2, 3)
    assert (row["exposed_users"], row["clicking_users"], row["active_users"]) == (2, 1, 1)
    assert row["avg_turns_per_user"] == 3.0
    # b_learn also carries 知识问答: it counts there too (two tags, both rolled up).
    other = query_dicts(
        fixture_warehouse,
        "select * from main.mart_tag_daily_kpis where report_date = ? and tag = '知识问答' and model_name = 'qwen-7b'",
        [D1],
    )
    assert other[0]["exposures"] == 3 and other[0]["bots"] == 1


def test_model_and_business_line_rollups(fixture_warehouse: Path) -> None:
    model = query_dicts(fixture_warehouse, "select * from main.mart_model_daily_kpis where report_date = ? and model_name = 'glm-4'", [D1])[
        0
    ]
    # glm-4 on 06-01: b_learn (u3) + b_chat (u4, u5)
    assert (model["exposures"], model["clicks"], model["sessions"], model["chat_starts"], model["user_turns"]) == (2, 2, 3, 2, 3)
    assert (model["exposed_users"], model["clicking_users"], model["clicking_users_who_started"], model["active_users"]) == (2, 2, 1, 2)
    line = query_dicts(
        fixture_warehouse,
        "select * from main.mart_business_line_daily_kpis where report_date = ? and business_line = '教育' and model_name = 'qwen-7b'",
        [D1],
    )[0]
    assert (line["bots"], line["exposures"], line["exposed_users"], line["active_users"]) == (2, 4, 2, 1)


def test_dimensions(fixture_warehouse: Path) -> None:
    assert query(fixture_warehouse, "select bot_id, tag from main.dim_bot_tags order by 1, 2") == [
        ("b_chat", "情感陪伴"),
        ("b_learn", "学习辅导"),
        ("b_learn", "知识问答"),
        ("b_quiz", "学习辅导"),
    ]
    bot = query_dicts(fixture_warehouse, "select * from main.dim_bots where bot_id = 'b_learn'")[0]
    assert bot["tags"] == "学习辅导, 知识问答" and bot["serving_models"] == "glm-4, qwen-7b"


def test_marts_never_expose_raw_user_ids(fixture_warehouse: Path) -> None:
    columns = query(
        fixture_warehouse,
        "select table_name, column_name from information_schema.columns where table_schema = 'main' "
        "and (table_name like 'mart_%' or table_name like 'fct_%' or table_name like 'dim_%')",
    )
    forbidden = {"user_id", "ip", "mac", "phone_md5", "imei", "idfa", "oaid", "android_id", "latitude", "longitude", "lat", "lng"}
    assert not [(t, c) for t, c in columns if c.lower() in forbidden]
    keys = query(fixture_warehouse, "select distinct user_key from main.fct_chat_sessions")
    assert all(len(k) == 64 and not k.startswith("u") for (k,) in keys)
