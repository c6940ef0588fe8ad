-- One row per message with its input category from the editable seed
-- input_category_keywords (the article's analyze_input_category): a question matching
-- keywords of several categories takes the lowest priority; no match is 'other'.
-- Incremental by reporting day: the days of newly loaded messages are recomputed; an
-- edit of the keyword seed recomputes every day (macros/incremental/incremental.sql).
{{ config(**chatbot_analytics.incremental_config(
    unique_key='report_date',
    watermark_from_self=true,
)) }}
{%- set plan = chatbot_analytics.message_rebuild_plan() %}
{%- set rebuild_dates = plan.dates %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates, newest_load=plan.newest_load) }}

with messages as (

    select
        message_id,
        report_date,
        loaded_at,
        lower(user_input) as question_lower
    from {{ ref('int_conversation_logs__deduplicated') }}
    where {{ chatbot_analytics.on_rebuilt_days(rebuild_dates, time_column='logged_at') }}

),

keywords as (

    select
        category,
        lower(keyword) as keyword,
        priority
    from {{ ref('input_category_keywords') }}
    where keyword is not null

),

-- Substring search (instr), not words: Chinese has no spaces between words.
matches as (

    select
        m.message_id,
        k.category,
        k.keyword,
        row_number() over (
            partition by m.message_id
            order by k.priority, k.category, k.keyword
        ) as match_rank
    from messages as m
    inner join keywords as k
        on instr(m.question_lower, k.keyword) > 0

)

select
    m.message_id,
    coalesce(x.category, 'other') as input_category,
    x.keyword as matched_keyword,
    m.loaded_at,
    m.report_date
from messages as m
left join matches as x
    on
        m.message_id = x.message_id
        and x.match_rank = 1
