"""The benchmark's reference computations (scripts/chatwh/bench/kpis.py) agree with the
marts on the hand-written fixture warehouse, whose edge cases the generated benchmark
data may lack: a session across midnight, a bot with two tags, one user on two bots of
one tag, a bot-day with no exposures, events without model_name.

The benchmark divides our KPI step's time by theirs; a reference that computed other
numbers would make that ratio meaningless, so each must give every mart row exactly.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from chatwh.bench.kpis import (
    DEPTH_BUCKETS,
    MART_KPI_COLUMNS,
    MARTS,
    as_mapping,
    bot_mart_floor_columns_sql,
    differences,
    floor_sql,
    mart_select_sql,
    run_same_work,
)
from chatwh.project import raw_schema, reporting_offset_hours


@pytest.fixture(scope="module")
def by_hand(fixture_warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        return run_same_work(con, raw_schema(), reporting_offset_hours())


@pytest.mark.parametrize("mart", list(MARTS))
def test_each_mart_by_hand_is_identical_to_the_mart(fixture_warehouse: Path, by_hand: dict[str, list[tuple]], mart: str) -> None:
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        built = con.execute(mart_select_sql(mart)).fetchall()
    keys = MARTS[mart].keys
    assert built, f"{mart} is empty in the fixture warehouse"
    assert differences(as_mapping(by_hand[mart], keys), as_mapping(built, keys), limit=20) == []
    # every count column is compared, not only the keys
    assert len(built[0]) == keys + (0 if MARTS[mart].one_row_per_user else 1) + len(MART_KPI_COLUMNS)


def test_the_fixture_counts_a_user_once_across_bots(fixture_warehouse: Path) -> None:
    """Some tag-day counts fewer users than the sum over its bots (u1 on b_learn and b_quiz),
    so a hand-written query that summed bot rows would fail the comparison above."""
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        (overlapping,) = con.execute(
            """
            select count(*) from (
                select t.report_date, t.tag, t.model_name, t.exposed_users + t.active_users as users,
                       sum(b.exposed_users + b.active_users) as summed_over_bots
                from main.mart_tag_daily_kpis as t
                inner join main.int_bot_tags__split as g on g.tag = t.tag
                inner join main.mart_bot_daily_kpis as b
                    on b.bot_id = g.bot_id and b.report_date = t.report_date and b.model_name = t.model_name
                group by all
                having t.exposed_users + t.active_users < sum(b.exposed_users + b.active_users)
            )
            """
        ).fetchone()
    assert overlapping >= 1


def test_the_floor_gives_the_bot_marts_counts(fixture_warehouse: Path) -> None:
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        floor = con.execute(floor_sql(raw_schema(), reporting_offset_hours())).fetchall()
        built = con.execute(bot_mart_floor_columns_sql()).fetchall()
    assert floor
    assert differences(as_mapping(floor), as_mapping(built), limit=20) == []


def test_the_reference_splits_session_depths_at_the_marts_bounds() -> None:
    """The fixture's sessions are shallow, so the hand-written depth buckets meet their
    bounds here: one session per bound (tests/kpis/assert_depth_buckets_split_at_their_bounds.sql
    pins the marts' side to the same bounds)."""
    turns_per_session = [1, 2, 3, 4, 6, 7, 10, 11, 12]
    with duckdb.connect(":memory:") as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.bots as select 'b1' as bot_id, 'm1' as model_name, 'learn' as business_line,"
            " 'tag_a' as tags, timestamp '2025-06-01 00:00:00' as _loaded_at, 1 as _line_number"
        )
        con.execute(
            """
            create table raw.chat_events as
            select 's' || s.i || '-' || t.j as event_id,
                   timestamp '2025-06-01 02:00:00' + to_seconds(t.j) as event_time,
                   'u' || s.i as user_id, 'b1' as bot_id, null::varchar as model_name,
                   'user_message' as event_type, 's' || s.i as session_id
            from unnest(?::integer[]) with ordinality as s(turns, i), range(s.turns) as t(j)
            """,
            [turns_per_session],
        )
        by_hand = run_same_work(con, "raw", 8)
    (row,) = by_hand["mart_bot_daily_kpis"]
    counts = dict(zip(MART_KPI_COLUMNS, row[MARTS["mart_bot_daily_kpis"].keys :]))
    assert counts["sessions"] == len(turns_per_session)
    assert [counts[column] for column, _, _ in DEPTH_BUCKETS] == [1, 2, 2, 2, 2]
