-- One row per firing alert: a rule of the seed alert_thresholds that fired for a bot ×
-- model, at most once per rule, bot, model and clock hour (reporting-local), as the
-- article's monitor de-duplicates with its "%Y-%m-%d %H:message" key. Everything is
-- evaluated as of the latest log time (evaluated_as_of), not the wall clock, so a
-- rebuild on the same logs gives the same alerts. is_open marks the alerts that fired
-- within var alert_open_minutes before that time: what a scheduled run acts on.
with firings as (

    select
        firings.*,
        row_number() over (
            partition by alert_id, bot_id, model_name, fired_report_date, fired_local_hour
            order by fired_at, triggered_by_message_id
        ) as hour_rank,
        count(*) over (
            partition by alert_id, bot_id, model_name, fired_report_date, fired_local_hour
        ) as firings_in_hour
    from {{ ref('int_conversations__alert_firings') }} as firings

),

latest as (

    select max(logged_at) as evaluated_as_of
    from {{ ref('int_conversations__rated') }}

),

deduplicated as (

    select
        f.*,
        l.evaluated_as_of,
        {{ seconds_between('f.fired_at', 'l.evaluated_as_of') }} as seconds_before_evaluation
    from firings as f
    cross join latest as l
    where f.hour_rank = 1

)

select
    concat(
        alert_id, '|', bot_id, '|', model_name, '|',
        {{ cast_text('fired_report_date') }}, ' ',
        lpad({{ cast_text('fired_local_hour') }}, 2, '0'), 'h'
    ) as alert_key,
    alert_id,
    metric,
    severity,
    bot_id,
    model_name,
    window_type,
    window_size,
    case
        when window_type = 'day' then concat('day ', {{ cast_text('fired_report_date') }}, ' so far')
        else concat('last ', {{ cast_text('window_size') }}, ' conversations')
    end as window_label,
    window_start_at,
    rows_in_window,
    metric_value,
    threshold,
    min_rows,
    fired_at,
    fired_report_date,
    fired_local_hour,
    triggered_by_message_id,
    firings_in_hour,
    firings_in_hour - 1 as suppressed_repeats,
    evaluated_as_of,
    seconds_before_evaluation / 60 as minutes_before_evaluation,
    case
        when seconds_before_evaluation < {{ number_var('alert_open_minutes') }} * 60 then 1
        else 0
    end as is_open
from deduplicated
