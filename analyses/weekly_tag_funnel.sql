-- Ad-hoc: the funnel per interest tag and model by reporting week (Monday start), over
-- the last 8 weeks. Compile with `dbt compile --select weekly_tag_funnel` and run the SQL
-- in target/compiled/ (or paste it into a Metabase native question).
-- Users are summed per day (user-days): a weekly distinct count needs the user grain.
with daily as (

    select
        report_date,
        {{ add_days('report_date', '1 - ' ~ iso_weekday('report_date')) }} as week_start,
        tag,
        model_name,
        exposures,
        clicks,
        chat_starts,
        user_turns,
        active_users
    from {{ ref('mart_tag_daily_kpis') }}
    where report_date >= {{ add_days(current_report_date(), -56) }}

)

select
    week_start,
    tag,
    model_name,
    sum(exposures) as exposures,
    sum(clicks) as clicks,
    sum(chat_starts) as chat_starts,
    sum(user_turns) as user_turns,
    sum(active_users) as active_user_days,
    {{ safe_divide('sum(clicks)', 'sum(exposures)') }} as ctr,
    {{ safe_divide('sum(chat_starts)', 'sum(clicks)') }} as chat_start_rate,
    {{ safe_divide('sum(user_turns)', 'sum(chat_starts)') }} as avg_turns_per_session
from daily
group by
    week_start,
    tag,
    model_name
order by
    week_start,
    tag,
    model_name
