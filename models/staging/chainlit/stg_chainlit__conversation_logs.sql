-- One row per logged answer (message_id). Times are UTC; report_date is the reporting
-- day. An answer logged by both handlers keeps its enhanced row (it carries the rating).
-- Raw user ids stop here: only their salted user_key goes on.
with source as (

    select * from {{ source('chainlit', 'conversation_logs') }}

),

-- Which row of each message to keep, decided on the narrow key columns only (a window
-- over the whole rows would sort every question and answer text); the kept rows are
-- then joined back. A filter on the result (report_date, loaded_at) reaches the scan of
-- the wide rows, so incremental models read only the days they rebuild.
ranked as (

    select
        message_id,
        _batch_id,
        _line_number,
        row_number() over (
            partition by message_id
            order by
                case when log_form = 'enhanced' then 0 else 1 end,
                _loaded_at desc,
                _line_number desc
        ) as form_rank
    from source

),

kept as (

    select source.*
    from source
    inner join ranked
        on
            source.message_id = ranked.message_id
            and source._batch_id = ranked._batch_id
            and source._line_number = ranked._line_number
    where ranked.form_rank = 1

)

select
    message_id,
    case when message_id_derived then 1 else 0 end as is_message_id_derived,
    log_form,
    logged_at,
    {{ report_date('logged_at') }} as report_date,
    session_id,
    case when user_id is not null then {{ user_key('user_id') }} end as user_key,
    bot_id,
    model_name,
    model_version,
    user_input,
    model_response,
    response_time_s,
    token_count,
    input_length as logged_input_length,
    response_length as logged_response_length,
    input_category as logged_input_category,
    quality_rating as logged_quality_rating,
    confidence_score as logged_confidence_score,
    case
        when has_safety_issue is null then null
        when has_safety_issue then 1
        else 0
    end as logged_has_safety_issue,
    error_message,
    _batch_id as batch_id,
    -- When the row kept was loaded: incremental models find new or re-logged messages by it.
    _loaded_at as loaded_at
from kept
