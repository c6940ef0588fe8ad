-- One row per reporting day × serving model, across all bots: users are counted
-- distinct at model level, never summed from bot rows.
with aggregated as (

    select
        f.report_date,
        f.model_name,
        count(distinct f.bot_id) as bots,
        {{ funnel_aggregates('f') }}
    from {{ ref('int_user_bot_days__funnel') }} as f
    group by
        f.report_date,
        f.model_name

)

select
    a.report_date,
    a.model_name,
    a.bots,
    {{ funnel_columns('a') }}
from aggregated as a
