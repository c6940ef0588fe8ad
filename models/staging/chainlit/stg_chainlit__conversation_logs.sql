-- One row per log line (message_id × log form × load): an answer logged by both
-- handlers, or loaded again, is here more than once; int_conversation_logs__deduplicated
-- keeps one row per message. Times are UTC; report_date is the reporting day.
-- Raw user ids stop here: only their salted user_key goes on.
with source as (

    select * from {{ source('chainlit', 'conversation_logs') }}

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
    _line_number as line_number,
    -- When the line was loaded: incremental models find new or re-logged messages by it.
    _loaded_at as loaded_at
from source
