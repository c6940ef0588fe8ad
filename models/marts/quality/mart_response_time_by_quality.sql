-- One row per reporting day × bot × model × quality rating: how long answers of each
-- rating took (the article's groupby('quality_rating')['response_time'].agg(mean, std)).
-- Incremental by reporting day: rebuilds the days of newly logged or newly judged
-- answers (macros/incremental/incremental.sql, rated_mart_rebuild_dates).
{{ config(**chatbot_analytics.incremental_config(
    unique_key='report_date',
    watermark_from='int_conversations__rated',
)) }}
{%- set rebuild_dates = chatbot_analytics.rated_mart_rebuild_dates() %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}

with rated as (

    select * from {{ ref('int_conversations__rated') }}
    where {{ chatbot_analytics.in_report_dates('report_date', rebuild_dates) }}

),

aggregated as (

    select
        report_date,
        bot_id,
        model_name,
        quality_rating,
        count(*) as messages,
        avg({{ cast_double('response_time_s') }}) as response_time_mean_s,
        -- Sample standard deviation (pandas' std, ddof = 1): NULL for a single answer.
        stddev_samp({{ cast_double('response_time_s') }}) as response_time_std_s,
        min(response_time_s) as response_time_min_s,
        max(response_time_s) as response_time_max_s,
        {{ cast_bigint("sum(case when rating_source = 'llm_judge' then 1 else 0 end)") }} as rated_by_llm_judge,
        {{ cast_bigint("sum(case when rating_source = 'logged' then 1 else 0 end)") }} as rated_by_log,
        {{ cast_bigint("sum(case when rating_source = 'heuristic' then 1 else 0 end)") }} as rated_by_heuristic
    from rated
    group by
        report_date,
        bot_id,
        model_name,
        quality_rating

),

day_totals as (

    select
        report_date,
        bot_id,
        model_name,
        {{ cast_bigint("sum(messages)") }} as day_messages
    from aggregated
    group by
        report_date,
        bot_id,
        model_name

)

select
    a.report_date,
    a.bot_id,
    a.model_name,
    a.quality_rating,
    case a.quality_rating
        when 'excellent' then 1
        when 'good' then 2
        when 'fair' then 3
        when 'poor' then 4
    end as quality_rank,
    a.messages,
    {{ safe_divide('a.messages', 't.day_messages') }} as share_of_messages,
    a.response_time_mean_s,
    a.response_time_std_s,
    a.response_time_min_s,
    a.response_time_max_s,
    a.rated_by_llm_judge,
    a.rated_by_log,
    a.rated_by_heuristic
from aggregated as a
inner join day_totals as t
    on
        a.report_date = t.report_date
        and a.bot_id = t.bot_id
        and a.model_name = t.model_name
{{ chatbot_analytics.storage_order('report_date') }}
