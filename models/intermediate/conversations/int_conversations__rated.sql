-- One row per logged answer with everything the quality, feedback and alert marts use.
-- The quality rating takes the best source available: an LLM-judge rating, else the
-- rating the app logged (enhanced form), else the SQL heuristics; rating_source says
-- which. Messages without a logged bot or model count under 'unknown'.
-- Incremental by reporting day: the days of newly loaded or newly judged messages are
-- recomputed (macros/incremental/incremental.sql); the two models it reads are stored
-- by the same days, so it reads only those days of them.
{{ config(**chatbot_analytics.incremental_config(
    unique_key='report_date',
    watermark_from_self=true,
    fingerprint_vars=['slow_answer_seconds'],
)) }}
{%- set plan = chatbot_analytics.message_rebuild_plan(judgements=true) %}
{%- set rebuild_dates = plan.dates %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates, newest_load=plan.newest_load) }}

with logs as (

    select * from {{ ref('int_conversation_logs__deduplicated') }}
    where {{ chatbot_analytics.on_rebuilt_days(rebuild_dates, time_column='logged_at') }}

),

categorized as (

    select * from {{ ref('int_conversations__categorized') }}
    where {{ chatbot_analytics.in_report_dates('report_date', rebuild_dates) }}

),

heuristics as (

    select * from {{ ref('int_conversations__heuristic_rated') }}
    where {{ chatbot_analytics.in_report_dates('report_date', rebuild_dates) }}

),

judgements as (

    select * from {{ ref('stg_chainlit__quality_judgements') }}

),

joined as (

    select
        l.message_id,
        l.logged_at,
        l.report_date,
        l.session_id,
        l.user_key,
        coalesce(l.bot_id, 'unknown') as bot_id,
        coalesce(l.model_name, 'unknown') as model_name,
        l.model_version,
        l.log_form,
        l.is_message_id_derived,
        l.response_time_s,
        l.token_count,
        h.input_chars,
        h.answer_chars,
        h.trimmed_answer_chars,
        h.has_refusal_phrase,
        c.input_category,
        c.matched_keyword,
        l.logged_input_category,
        j.judge_quality_rating,
        j.judge_confidence_score,
        j.judge_model,
        l.logged_quality_rating,
        l.logged_confidence_score,
        h.heuristic_rating,
        h.heuristic_rule_id,
        l.logged_has_safety_issue,
        l.error_message,
        {{ question_key('l.user_input') }} as question_key,
        {{ question_fold('l.user_input') }} as question_text,
        -- the later of the log row's and the judgement's load: what this row was built from
        case
            when j.loaded_at > l.loaded_at then j.loaded_at
            else l.loaded_at
        end as loaded_at
    from logs as l
    left join heuristics as h
        on l.message_id = h.message_id
    left join categorized as c
        on l.message_id = c.message_id
    left join judgements as j
        on l.message_id = j.message_id

)

select
    message_id,
    logged_at,
    report_date,
    session_id,
    user_key,
    bot_id,
    model_name,
    model_version,
    log_form,
    is_message_id_derived,
    response_time_s,
    token_count,
    input_chars,
    answer_chars,
    input_category,
    matched_keyword,
    logged_input_category,
    case
        when judge_quality_rating is not null then judge_quality_rating
        when logged_quality_rating is not null then logged_quality_rating
        else heuristic_rating
    end as quality_rating,
    case
        when judge_quality_rating is not null then 'llm_judge'
        when logged_quality_rating is not null then 'logged'
        else 'heuristic'
    end as rating_source,
    -- The confidence of the rating that was used; heuristics have none.
    case
        when judge_quality_rating is not null then judge_confidence_score
        when logged_quality_rating is not null then logged_confidence_score
    end as confidence_score,
    judge_quality_rating,
    judge_model,
    logged_quality_rating,
    logged_confidence_score,
    heuristic_rating,
    heuristic_rule_id,
    has_refusal_phrase,
    coalesce(logged_has_safety_issue, 0) as has_safety_issue,
    case when trimmed_answer_chars = 0 then 1 else 0 end as is_empty_answer,
    case when error_message is not null then 1 else 0 end as has_logged_error,
    -- The monitor's error: an empty answer or a logged error.
    case when trimmed_answer_chars = 0 or error_message is not null then 1 else 0 end as is_error,
    error_message,
    case when response_time_s > {{ number_var('slow_answer_seconds') }} then 1 else 0 end as is_slow,
    case
        when judge_quality_rating = 'poor' then 1
        when judge_quality_rating is not null then 0
        when logged_quality_rating = 'poor' then 1
        when logged_quality_rating is not null then 0
        when heuristic_rating = 'poor' then 1
        else 0
    end as is_poor,
    question_key,
    question_text,
    loaded_at
from joined
