-- One row per reporting day × bot × model × input category (seed
-- input_category_keywords): how many questions of each kind and the quality mix of
-- their answers (the article's crosstab of category × rating, normalised by row).
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
        input_category,
        count(*) as messages,
        {{ cast_bigint("sum(case when quality_rating = 'excellent' then 1 else 0 end)") }} as excellent_answers,
        {{ cast_bigint("sum(case when quality_rating = 'good' then 1 else 0 end)") }} as good_answers,
        {{ cast_bigint("sum(case when quality_rating = 'fair' then 1 else 0 end)") }} as fair_answers,
        {{ cast_bigint("sum(is_poor)") }} as poor_answers,
        {{ cast_bigint("sum(is_error)") }} as errors,
        avg({{ cast_double('response_time_s') }}) as response_time_mean_s,
        avg({{ cast_double('input_chars') }}) as input_chars_mean,
        avg({{ cast_double('answer_chars') }}) as answer_chars_mean
    from rated
    group by
        report_date,
        bot_id,
        model_name,
        input_category

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
    a.input_category,
    a.messages,
    {{ safe_divide('a.messages', 't.day_messages') }} as share_of_messages,
    a.excellent_answers,
    a.good_answers,
    a.fair_answers,
    a.poor_answers,
    {{ safe_divide('a.excellent_answers', 'a.messages') }} as excellent_rate,
    {{ safe_divide('a.good_answers', 'a.messages') }} as good_rate,
    {{ safe_divide('a.fair_answers', 'a.messages') }} as fair_rate,
    {{ safe_divide('a.poor_answers', 'a.messages') }} as poor_answer_rate,
    a.errors,
    a.response_time_mean_s,
    a.input_chars_mean,
    a.answer_chars_mean
from aggregated as a
inner join day_totals as t
    on
        a.report_date = t.report_date
        and a.bot_id = t.bot_id
        and a.model_name = t.model_name
{{ chatbot_analytics.storage_order('report_date') }}
