-- One row per reporting day × business line × serving model; users counted distinct
-- per business line.
with aggregated as (

    select
        f.report_date,
        bots.business_line,
        f.model_name,
        count(distinct f.bot_id) as bots,
        {{ funnel_aggregates('f') }}
    from {{ ref('int_user_bot_days__funnel') }} as f
    inner join {{ ref('stg_chat_platform__bots') }} as bots
        on f.bot_id = bots.bot_id
    group by
        f.report_date,
        bots.business_line,
        f.model_name

)

select
    a.report_date,
    a.business_line,
    a.model_name,
    a.bots,
    {{ funnel_columns('a') }}
from aggregated as a
