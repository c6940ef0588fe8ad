-- One row per (conversation, alert rule) where the rule fires: the article's monitor
-- replayed over the logs. After each conversation of a bot × model every enabled rule of
-- the seed alert_thresholds is evaluated over its window — the last window_size
-- conversations of that bot × model (the article's deque(maxlen=100)) or the reporting
-- day so far — once the window holds min_rows conversations; it fires when the metric
-- is above the threshold. mart_alerts keeps the first firing of each clock hour.
--
-- Window sums are differences of running sums (an equi-join on the conversation number
-- window_size back), so the window length can come from the seed and the SQL stays
-- portable and linear in the number of conversations.
--
-- Incremental: a changed conversation (new, logged again or re-judged) changes the
-- last-N windows of the conversations after it, so a run rebuilds every day from the
-- first day it touches (rated_mart_rebuild_dates) on, reading before that day only the
-- last window_size conversations of each bot × model (where those windows start).
{{ config(**chatbot_analytics.incremental_config(
    unique_key='fired_report_date',
    partition_by='fired_report_date',
    watermark_from='int_conversations__rated',
    through_last_day=true,
)) }}
{%- set rebuild_dates = chatbot_analytics.rated_mart_rebuild_dates() %}
{%- set conversation_columns = [
    'message_id', 'logged_at', 'report_date', 'bot_id', 'model_name',
    'response_time_s', 'is_error', 'is_poor', 'is_slow',
] %}
{#- the days before the first rebuilt day where the last windows are looked for first -#}
{%- set recent_days = 7 %}
{%- set recent_from = chatbot_analytics.days_before_first(rebuild_dates, recent_days) %}
{%- set recent_dates = none if recent_from is none else [recent_from] %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}

with rules as (

    select
        alert_id,
        metric,
        window_type,
        window_size,
        threshold,
        severity,
        min_rows
    from {{ ref('alert_thresholds') }}
    where is_enabled = 1

),

window_reach as (

    select max(window_size) as conversations_back
    from rules
    where window_type = 'last_n'

),

-- Each CTE below reads int_conversations__rated itself: DuckDB materialises a CTE that
-- several others read, and one shared CTE of every conversation copied the whole
-- history on each run.

-- the conversations whose firings this run writes: every one on a full build
rebuilt as (

    select {{ conversation_columns | join(', ') }}
    from {{ ref('int_conversations__rated') }}
    where {{ chatbot_analytics.in_report_dates('report_date', rebuild_dates, and_later_days=true) }}

),

-- Before them (nothing on a full build), the last window_size conversations of each
-- bot × model: their windows reach back into these. They are looked for in the
-- recent_days before the first rebuilt day; a bot × model with fewer conversations there
-- than the longest window is read further back, to its first conversation. Exact either
-- way, and an active bot × model is not numbered over its whole history on every run.
recent_before as (

    select {{ conversation_columns | join(', ') }}
    from {{ ref('int_conversations__rated') }}
    where
        {{ chatbot_analytics.before_first_date('report_date', rebuild_dates) }}
        and {{ chatbot_analytics.in_report_dates('report_date', recent_dates, and_later_days=true) }}

),

recent_counts as (

    select
        bot_id,
        model_name,
        count(*) as conversations
    from recent_before
    group by
        bot_id,
        model_name

),

older_before as (

    select older.{{ conversation_columns | join(', older.') }}
    from {{ ref('int_conversations__rated') }} as older
    cross join window_reach as w
    -- no match (a NULL bot or model, or nothing recent) counts as 0: read further back
    left join recent_counts as c
        on
            older.bot_id = c.bot_id
            and older.model_name = c.model_name
    where
        {{ chatbot_analytics.before_first_date('older.report_date', recent_dates) }}
        and coalesce(c.conversations, 0) < w.conversations_back

),

before_rebuilt as (

    select
        candidates.*,
        row_number() over (
            partition by bot_id, model_name
            order by logged_at desc, message_id desc
        ) as conversations_back
    from (
        select * from recent_before
        union all
        select * from older_before
    ) as candidates

),

conversations as (

    select * from rebuilt
    union all
    select
        b.message_id,
        b.logged_at,
        b.report_date,
        b.bot_id,
        b.model_name,
        b.response_time_s,
        b.is_error,
        b.is_poor,
        b.is_slow
    from before_rebuilt as b
    inner join window_reach as w
        on b.conversations_back <= w.conversations_back

),

running as (

    select
        conversations.*,
        row_number() over (
            partition by bot_id, model_name
            order by logged_at, message_id
        ) as conversation_number,
        sum(response_time_s) over (
            partition by bot_id, model_name
            order by logged_at, message_id
            rows between unbounded preceding and current row
        ) as cum_response_time_s,
        sum(is_error) over (
            partition by bot_id, model_name
            order by logged_at, message_id
            rows between unbounded preceding and current row
        ) as cum_errors,
        sum(is_poor) over (
            partition by bot_id, model_name
            order by logged_at, message_id
            rows between unbounded preceding and current row
        ) as cum_poor,
        sum(is_slow) over (
            partition by bot_id, model_name
            order by logged_at, message_id
            rows between unbounded preceding and current row
        ) as cum_slow,
        row_number() over (
            partition by bot_id, model_name, report_date
            order by logged_at, message_id
        ) as day_conversation_number,
        sum(response_time_s) over (
            partition by bot_id, model_name, report_date
            order by logged_at, message_id
            rows between unbounded preceding and current row
        ) as day_response_time_s,
        sum(is_error) over (
            partition by bot_id, model_name, report_date
            order by logged_at, message_id
            rows between unbounded preceding and current row
        ) as day_errors,
        sum(is_poor) over (
            partition by bot_id, model_name, report_date
            order by logged_at, message_id
            rows between unbounded preceding and current row
        ) as day_poor,
        sum(is_slow) over (
            partition by bot_id, model_name, report_date
            order by logged_at, message_id
            rows between unbounded preceding and current row
        ) as day_slow,
        min(logged_at) over (partition by bot_id, model_name, report_date) as day_first_at
    from conversations

),

last_n_windows as (

    select
        c.message_id,
        c.logged_at,
        c.report_date,
        c.bot_id,
        c.model_name,
        r.alert_id,
        r.metric,
        r.window_type,
        r.window_size,
        r.threshold,
        r.severity,
        r.min_rows,
        c.conversation_number - coalesce(p.conversation_number, 0) as rows_in_window,
        c.cum_response_time_s - coalesce(p.cum_response_time_s, 0) as window_response_time_s,
        c.cum_errors - coalesce(p.cum_errors, 0) as window_errors,
        c.cum_poor - coalesce(p.cum_poor, 0) as window_poor,
        c.cum_slow - coalesce(p.cum_slow, 0) as window_slow,
        coalesce(p.conversation_number, 0) + 1 as window_first_number
    from running as c
    cross join rules as r
    left join running as p
        on
            c.bot_id = p.bot_id
            and c.model_name = p.model_name
            and p.conversation_number = c.conversation_number - r.window_size
    where r.window_type = 'last_n'

),

day_windows as (

    select
        c.message_id,
        c.logged_at,
        c.report_date,
        c.bot_id,
        c.model_name,
        r.alert_id,
        r.metric,
        r.window_type,
        r.window_size,
        r.threshold,
        r.severity,
        r.min_rows,
        c.day_conversation_number as rows_in_window,
        c.day_response_time_s as window_response_time_s,
        c.day_errors as window_errors,
        c.day_poor as window_poor,
        c.day_slow as window_slow,
        c.conversation_number - c.day_conversation_number + 1 as window_first_number
    from running as c
    cross join rules as r
    where r.window_type = 'day'

),

windows as (

    select * from last_n_windows
    union all
    select * from day_windows

),

evaluated as (

    select
        windows.*,
        case metric
            -- Rounded: a difference of running sums may carry 1e-15 of float noise. Halves
            -- away from zero on every engine (MariaDB's round() of a double goes to even).
            when 'avg_response_time_s'
                then {{ round_half_away(safe_divide('window_response_time_s', 'rows_in_window'), 6) }}
            when 'error_rate' then {{ safe_divide('window_errors', 'rows_in_window') }}
            when 'poor_answer_rate' then {{ safe_divide('window_poor', 'rows_in_window') }}
            when 'slow_answer_rate' then {{ safe_divide('window_slow', 'rows_in_window') }}
        end as metric_value
    from windows
    where rows_in_window >= min_rows

)

select
    e.alert_id,
    e.metric,
    e.severity,
    e.bot_id,
    e.model_name,
    e.window_type,
    e.window_size,
    e.threshold,
    e.min_rows,
    e.metric_value,
    e.rows_in_window,
    -- bigint, as in the marts (DuckDB sums integers to a 128-bit HUGEINT)
    {{ cast_bigint('e.window_errors') }} as window_errors,
    {{ cast_bigint('e.window_poor') }} as window_poor,
    {{ cast_bigint('e.window_slow') }} as window_slow,
    e.message_id as triggered_by_message_id,
    e.logged_at as fired_at,
    e.report_date as fired_report_date,
    {{ hour_of_day(local_time('e.logged_at')) }} as fired_local_hour,
    s.logged_at as window_start_at
from evaluated as e
inner join running as s
    on
        e.bot_id = s.bot_id
        and e.model_name = s.model_name
        and e.window_first_number = s.conversation_number
where
    e.metric_value > e.threshold
    -- the conversations read only as the start of a window fire nothing here
    and {{ chatbot_analytics.in_report_dates('e.report_date', rebuild_dates, and_later_days=true) }}
{{ chatbot_analytics.storage_order('e.report_date') }}
