-- One row per behaviour event. The person is carried on only as user_key: the salted
-- hash of user_id (the same key as the chat events'), or of 'imei:' + the device id
-- when the event has no user_id. Device and network identifiers (imei, ip, mac,
-- phone_md5, longitude, latitude) are dropped here and never reach a mart.
with source as (

    select * from {{ source('feedback', 'feedback_events') }}

)

select
    event_hash,
    case
        when user_id is not null then {{ user_key('user_id') }}
        else {{ user_key("concat('imei:', imei)") }}
    end as user_key,
    case when user_id is not null then 'user_id' else 'device' end as user_key_source,
    biz_id,
    trace_id,
    trace_info,
    rn,
    coalesce(item_id, '0') as item_id,
    lower(item_type) as item_type,
    lower(bhv_type) as bhv_type,
    bhv_value,
    problem_codes,
    problem_code_count,
    expect_text,
    bhv_detail,
    bhv_time as bhv_at,
    {{ report_date('bhv_time') }} as report_date,
    reach_time as reach_at,
    session_id,
    spm,
    login,
    report_src,
    sdk_type,
    sdk_version,
    app_version,
    os,
    os_version,
    brand,
    device_model,
    resolution,
    carrier,
    access,
    access_subtype,
    language,
    reserve1,
    reserve2,
    cmd,
    _batch_id as batch_id,
    -- Where the event sat in its load: bhv_time and reach_time are whole seconds, so two
    -- reactions of one second are told apart by the order the client sent them.
    _line_number as line_number,
    _loaded_at as loaded_at
from source
