"""The daily bot KPIs two other ways, to compare the warehouse with.

Both compute, per reporting day x bot x serving model: exposures, clicks, sessions (on the
day of their first message), chat starts (sessions with a user message), user turns and
active users (distinct users with a user message in that day's sessions), with the same
rules as the marts (model_name else the bot's default; naive times are reporting-local).

- `FLOOR_SQL`: one hand-written DuckDB query over the raw table, the least work an engine
  can do for these numbers (the floor);
- `pandas_daily_bot_kpis`: the way the original scripts did it, reading the JSONL files
  into a DataFrame and grouping.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

KPI_COLUMNS = ("exposures", "clicks", "sessions", "chat_starts", "user_turns", "active_users")
Key = tuple[str, str, str]


def floor_sql(raw_schema: str, offset_hours: float) -> str:
    seconds = int(round(offset_hours * 3600))
    return f"""
with bots as (
    select bot_id, arg_max(model_name, _loaded_at) as default_model
    from "{raw_schema}".bots
    group by bot_id
),
events as (
    select e.event_id, e.event_time,
           cast(e.event_time + to_seconds({seconds}) as date) as report_date,
           e.user_id, e.bot_id, coalesce(e.model_name, b.default_model, 'unknown') as model_name,
           e.event_type, e.session_id
    from "{raw_schema}".chat_events as e
    left join bots as b on e.bot_id = b.bot_id
),
page as (
    select report_date, bot_id, model_name,
           count(*) filter (where event_type = 'exposure') as exposures,
           count(*) filter (where event_type = 'click') as clicks
    from events
    where event_type in ('exposure', 'click')
    group by all
),
sessions as (
    select session_id,
           arg_min(struct_pack(report_date, bot_id, model_name, user_id), struct_pack(event_time, event_id)) as first_message,
           count(*) filter (where event_type = 'user_message') as user_turns
    from events
    where event_type in ('user_message', 'bot_message')
    group by session_id
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


def as_mapping(rows: list[tuple[Any, ...]]) -> dict[Key, tuple[int, ...]]:
    """(report_date, bot_id, model_name, *KPI_COLUMNS) rows -> {key: counts}."""
    out: dict[Key, tuple[int, ...]] = {}
    for row in rows:
        day = row[0].isoformat() if isinstance(row[0], date) else str(row[0])[:10]
        out[(day, str(row[1]), str(row[2]))] = tuple(int(v or 0) for v in row[3:])
    return out


def differences(a: dict[Key, tuple[int, ...]], b: dict[Key, tuple[int, ...]], limit: int = 5) -> list[str]:
    diffs: list[str] = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            diffs.append(f"{key}: {a.get(key)} vs {b.get(key)}")
            if len(diffs) >= limit:
                break
    return diffs
