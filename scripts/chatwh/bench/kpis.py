"""The daily bot KPIs two other ways, to compare the warehouse with.

Both compute, per reporting day x bot x serving model: exposures, clicks, sessions (on the
day of their first message), chat starts (sessions with a user message), user turns and
active users (distinct users with a user message in that day's sessions), with the same
rules as the marts (model_name else the bot's default; naive times are reporting-local).

- `FLOOR_SQL`: one hand-written DuckDB query over the raw table, the least work an engine
  can do for these numbers (the floor);
- `pandas_daily_bot_kpis`: the way the original scripts did it, reading the JSONL files
  into a DataFrame and grouping.

The floor computes 6 numbers for one mart; the KPI step computes 15 for four marts,
user-level funnel counts among them ("exposed users who clicked" needs each user's
exposures and clicks side by side). `same_work_setup_sql` + `same_work_mart_sql` are
the same work by hand: every count column of the four daily KPI marts, in plain DuckDB
SQL over the raw tables (one temporary user-day table, then one query per mart), so the
cost of the dbt layering can be told apart from the cost of the extra KPIs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

KPI_COLUMNS = ("exposures", "clicks", "sessions", "chat_starts", "user_turns", "active_users")
Key = tuple[str, ...]


@dataclass(frozen=True)
class MartGrain:
    """A daily KPI mart's grain: report_date, `group` (None: none), model_name."""

    group: str | None
    by_hand: str | None = None  # the hand-written query's expression for `group`
    join: str = ""  # what the hand-written query joins to get it

    @property
    def keys(self) -> int:
        return 3 if self.group else 2

    @property
    def one_row_per_user(self) -> bool:
        # at bot level a user is one user-day row of a group; above it, one per bot
        return self.group == "bot_id"


# The four daily KPI marts. All but the bot mart also count their distinct bots.
MARTS: dict[str, MartGrain] = {
    "mart_bot_daily_kpis": MartGrain("bot_id", "u.bot_id"),
    "mart_model_daily_kpis": MartGrain(None),
    "mart_business_line_daily_kpis": MartGrain("business_line", "g.business_line", "inner join bench_bots as g on g.bot_id = u.bot_id"),
    "mart_tag_daily_kpis": MartGrain("tag", "g.tag", "inner join bench_bot_tags as g on g.bot_id = u.bot_id"),
}
# Their count columns, in the marts' order: funnel sums, distinct users, session depths.
FUNNEL_SUMS = ("exposures", "clicks", "sessions", "chat_starts", "user_turns")
USER_COUNTS = (
    ("exposed_users", "u.exposures > 0"),
    ("exposed_users_who_clicked", "u.exposures > 0 and u.clicks > 0"),
    ("clicking_users", "u.clicks > 0"),
    ("clicking_users_who_started", "u.clicks > 0 and u.chat_starts > 0"),
    ("active_users", "u.user_turns > 0"),
)
# sessions by user turns, restated by hand from macros/kpis/funnel.sql (None = open)
DEPTH_BUCKETS = (
    ("sessions_depth_1", 1, 1),
    ("sessions_depth_2_3", 2, 3),
    ("sessions_depth_4_6", 4, 6),
    ("sessions_depth_7_10", 7, 10),
    ("sessions_depth_11_plus", 11, None),
)
MART_KPI_COLUMNS = (*FUNNEL_SUMS, *(name for name, _ in USER_COUNTS), *(name for name, _, _ in DEPTH_BUCKETS))


def events_and_sessions_ctes(raw_schema: str, offset_hours: float, bots: str) -> str:
    """Two CTEs both references share: `events` (the raw events with their reporting day and
    serving model: model_name, else the default_model of `bots`, a relation keyed by bot_id:
    the latest version's, which is the one the marts use on the bench's data, whose
    catalogue holds one version per bot)
    and `sessions` (one row per session: its first message's day, bot, model and user, by
    event_time then event_id, and its user turns)."""
    seconds = int(round(offset_hours * 3600))
    return f"""events as (
    select e.event_id, e.event_time,
           cast(e.event_time + to_seconds({seconds}) as date) as report_date,
           e.user_id, e.bot_id, coalesce(e.model_name, b.default_model, 'unknown') as model_name,
           e.event_type, e.session_id
    from "{raw_schema}".chat_events as e
    left join {bots} as b on e.bot_id = b.bot_id
),
sessions as (
    select session_id,
           arg_min(struct_pack(report_date, bot_id, model_name, user_id), struct_pack(event_time, event_id)) as first_message,
           count(*) filter (where event_type = 'user_message') as user_turns
    from events
    where event_type in ('user_message', 'bot_message')
    group by session_id
)"""


def floor_sql(raw_schema: str, offset_hours: float) -> str:
    return f"""
with bots as (
    select bot_id, arg_max(model_name, _loaded_at) as default_model
    from "{raw_schema}".bots
    group by bot_id
),
{events_and_sessions_ctes(raw_schema, offset_hours, "bots")},
page as (
    select report_date, bot_id, model_name,
           count(*) filter (where event_type = 'exposure') as exposures,
           count(*) filter (where event_type = 'click') as clicks
    from events
    where event_type in ('exposure', 'click')
    group by all
),
session_days as (
    select first_message.report_date as report_date, first_message.bot_id as bot_id, first_message.model_name as model_name,
           count(*) as sessions,
           count(*) filter (where user_turns > 0) as chat_starts,
           sum(user_turns) as user_turns,
           count(distinct first_message.user_id) filter (where user_turns > 0) as active_users
    from sessions
    group by all
)
select coalesce(p.report_date, s.report_date) as report_date,
       coalesce(p.bot_id, s.bot_id) as bot_id,
       coalesce(p.model_name, s.model_name) as model_name,
       coalesce(p.exposures, 0) as exposures, coalesce(p.clicks, 0) as clicks,
       coalesce(s.sessions, 0) as sessions, coalesce(s.chat_starts, 0) as chat_starts,
       coalesce(s.user_turns, 0) as user_turns, coalesce(s.active_users, 0) as active_users
from page as p
full outer join session_days as s
    on p.report_date = s.report_date and p.bot_id = s.bot_id and p.model_name = s.model_name
"""


def same_work_setup_sql(raw_schema: str, offset_hours: float) -> list[str]:
    """Temporary tables the four mart queries share: each bot's latest catalogue row, its
    tags, and one row per reporting day x bot x model x user with the user's funnel counts
    (exposures and clicks on their day, sessions on their first message's day)."""
    depth_sums = ",\n           ".join(
        f"count(*) filter (where user_turns >= {low}{f' and user_turns <= {high}' if high else ''}) as {column}"
        for column, low, high in DEPTH_BUCKETS
    )
    depth_columns = ", ".join(f"coalesce(s.{column}, 0) as {column}" for column, _, _ in DEPTH_BUCKETS)
    return [
        f"""
create temp table bench_bots as
select bot_id, latest.model_name as default_model, latest.business_line as business_line, latest.tags as tags
from (
    select bot_id, arg_max(struct_pack(model_name, business_line, tags), struct_pack(_loaded_at, _line_number)) as latest
    from "{raw_schema}".bots
    group by bot_id
)""",
        """
create temp table bench_bot_tags as
select distinct bot_id, tag
from (select bot_id, trim(unnest(string_split(tags, '|'))) as tag from bench_bots)
where tag <> ''""",
        f"""
create temp table bench_user_days as
with {events_and_sessions_ctes(raw_schema, offset_hours, "bench_bots")},
page_users as (
    select report_date, bot_id, model_name, user_id,
           count(*) filter (where event_type = 'exposure') as exposures,
           count(*) filter (where event_type = 'click') as clicks
    from events
    where event_type in ('exposure', 'click')
    group by all
),
session_users as (
    select first_message.report_date as report_date, first_message.bot_id as bot_id,
           first_message.model_name as model_name, first_message.user_id as user_id,
           count(*) as sessions,
           count(*) filter (where user_turns > 0) as chat_starts,
           sum(user_turns) as user_turns,
           {depth_sums}
    from sessions
    group by all
)
select coalesce(p.report_date, s.report_date) as report_date, coalesce(p.bot_id, s.bot_id) as bot_id,
       coalesce(p.model_name, s.model_name) as model_name, coalesce(p.user_id, s.user_id) as user_id,
       coalesce(p.exposures, 0) as exposures, coalesce(p.clicks, 0) as clicks,
       coalesce(s.sessions, 0) as sessions, coalesce(s.chat_starts, 0) as chat_starts,
       coalesce(s.user_turns, 0) as user_turns, {depth_columns}
from page_users as p
full outer join session_users as s
    on p.report_date = s.report_date and p.bot_id = s.bot_id and p.model_name = s.model_name and p.user_id = s.user_id""",
    ]


def same_work_mart_sql(mart: str) -> str:
    """One mart's key and count columns over the temporary tables of same_work_setup_sql:
    report_date, [group,] model_name, [bots,] *MART_KPI_COLUMNS."""
    grain = MARTS[mart]
    keys = ", ".join(k for k in ("u.report_date", grain.by_hand, "u.model_name") if k)
    user_counts = [
        f"count(*) filter (where {condition}) as {name}"
        if grain.one_row_per_user
        else f"count(distinct case when {condition} then u.user_id end) as {name}"
        for name, condition in USER_COUNTS
    ]
    columns = [
        *([] if grain.one_row_per_user else ["count(distinct u.bot_id) as bots"]),
        *(f"sum(u.{column}) as {column}" for column in FUNNEL_SUMS),
        *user_counts,
        *(f"sum(u.{column}) as {column}" for column, _, _ in DEPTH_BUCKETS),
    ]
    return f"select {keys}, {', '.join(columns)}\nfrom bench_user_days as u {grain.join}\ngroup by {keys}"


def run_same_work(con: Any, raw_schema: str, offset_hours: float) -> dict[str, list[tuple[Any, ...]]]:
    """The four marts by hand on a DuckDB connection (it writes temporary tables only):
    {mart: rows in same_work_mart_sql's columns}."""
    for statement in same_work_setup_sql(raw_schema, offset_hours):
        con.execute(statement)
    return {mart: con.execute(same_work_mart_sql(mart)).fetchall() for mart in MARTS}


def bot_mart_floor_columns_sql(schema: str = "main") -> str:
    """mart_bot_daily_kpis in the floor's columns: report_date, bot_id, model_name, *KPI_COLUMNS."""
    return f"select report_date, bot_id, model_name, {', '.join(KPI_COLUMNS)} from {schema}.mart_bot_daily_kpis"


def mart_select_sql(mart: str, schema: str = "main") -> str:
    """The same columns, in the same order, read back from the built mart."""
    grain = MARTS[mart]
    keys = [k for k in ("report_date", grain.group, "model_name") if k]
    bots = [] if grain.one_row_per_user else ["bots"]
    return f"select {', '.join([*keys, *bots, *MART_KPI_COLUMNS])} from {schema}.{mart}"


def pandas_daily_bot_kpis(event_files: list[Path], bots_file: Path, offset_hours: float) -> Any:
    """The pandas way: every JSONL file into one DataFrame, then group by."""
    import pandas as pd

    events = pd.concat([pd.read_json(path, lines=True, dtype=False) for path in event_files], ignore_index=True)
    events = events.drop_duplicates("event_id", keep="first")
    events = events[events["event_type"].isin(["exposure", "click", "user_message", "bot_message"])]

    # Times: epoch seconds, ISO-8601 with an offset or Z, or naive reporting-local time.
    text = events["event_time"].astype(str).str.strip()
    is_epoch = text.str.fullmatch(r"-?\d+(?:\.\d+)?")
    has_offset = ~is_epoch & text.str.contains(r"(?:Z|z|[+-]\d{2}(?::?\d{2})?)$")
    is_naive = ~is_epoch & ~has_offset
    utc = pd.Series(pd.NaT, index=events.index, dtype="datetime64[us]")
    utc[is_epoch] = pd.to_datetime(text[is_epoch].astype(float), unit="s").astype("datetime64[us]")
    utc[has_offset] = pd.to_datetime(text[has_offset], utc=True, format="ISO8601").dt.tz_localize(None).astype("datetime64[us]")
    local_naive = pd.to_datetime(text[is_naive], format="ISO8601").astype("datetime64[us]")
    utc[is_naive] = local_naive - pd.Timedelta(hours=offset_hours)
    events = events.assign(event_time_utc=utc, report_date=(utc + pd.Timedelta(hours=offset_hours)).dt.date)

    bots = pd.read_csv(bots_file)
    default_model = bots.drop_duplicates("bot_id", keep="last").set_index("bot_id")["model_name"]
    if "model_name" not in events:
        events["model_name"] = None
    events["model_name"] = events["model_name"].fillna(events["bot_id"].map(default_model)).fillna("unknown")
    keys = ["report_date", "bot_id", "model_name"]

    page = events[events["event_type"].isin(["exposure", "click"])]
    page_counts = page.groupby(keys)["event_type"].value_counts().unstack(fill_value=0)
    page_counts = page_counts.reindex(columns=["exposure", "click"], fill_value=0).rename(
        columns={"exposure": "exposures", "click": "clicks"}
    )

    messages = events[events["event_type"].isin(["user_message", "bot_message"])].sort_values(["event_time_utc", "event_id"])
    first = messages.drop_duplicates("session_id", keep="first").set_index("session_id")[[*keys, "user_id"]]
    turns = messages.assign(user_turn=messages["event_type"].eq("user_message").astype("int64")).groupby("session_id")["user_turn"].sum()
    sessions = first.join(turns.rename("user_turns"))
    sessions["chat_start"] = (sessions["user_turns"] > 0).astype("int64")
    session_days = sessions.groupby(keys).agg(
        sessions=("user_turns", "size"), chat_starts=("chat_start", "sum"), user_turns=("user_turns", "sum")
    )
    active = sessions[sessions["user_turns"] > 0].groupby(keys)["user_id"].nunique().rename("active_users")

    kpis = page_counts.join(session_days, how="outer").join(active, how="outer").fillna(0).astype("int64")
    return kpis.reset_index()


def as_mapping(rows: list[tuple[Any, ...]] | list[list[Any]], keys: int = 3) -> dict[Key, tuple[int, ...]]:
    """(report_date, *other keys, *counts) rows -> {key: counts}; `keys` columns make the key
    (default: report_date, bot_id, model_name)."""
    out: dict[Key, tuple[int, ...]] = {}
    for row in rows:
        day = row[0].isoformat() if isinstance(row[0], date) else str(row[0])[:10]
        out[(day, *(str(v) for v in row[1:keys]))] = tuple(int(v or 0) for v in row[keys:])
    return out


def differences(a: dict[Key, tuple[int, ...]], b: dict[Key, tuple[int, ...]], limit: int = 5) -> list[str]:
    diffs: list[str] = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            diffs.append(f"{key}: {a.get(key)} vs {b.get(key)}")
            if len(diffs) >= limit:
                break
    return diffs
