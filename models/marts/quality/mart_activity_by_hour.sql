-- One row per bot × weekday × hour of day (reporting-local time), all 168 slots of
-- every bot that has logged answers, zero where nobody asked: when users ask.
with messages as (

    select
        bot_id,
        {{ iso_weekday('report_date') }} as iso_weekday,
        {{ hour_of_day(local_time('logged_at')) }} as hour_of_day,
        report_date,
        message_id,
        session_id,
        user_key
    from {{ ref('int_conversations__rated') }}

),

weekdays as (

    {% for day in range(1, 8) -%}
        select {{ day }} as iso_weekday
        {% if not loop.last %}union all
        {% endif -%}
    {%- endfor %}

),

hours as (

    {% for hour in range(0, 24) -%}
        select {{ hour }} as hour_of_day
        {% if not loop.last %}union all
        {% endif -%}
    {%- endfor %}

),

bots as (

    select distinct bot_id from messages

),

slots as (

    select
        b.bot_id,
        w.iso_weekday,
        h.hour_of_day
    from bots as b
    cross join weekdays as w
    cross join hours as h

),

aggregated as (

    select
        bot_id,
        iso_weekday,
        hour_of_day,
        count(*) as messages,
        count(distinct session_id) as sessions,
        count(distinct user_key) as users,
        count(distinct report_date) as active_days
    from messages
    group by
        bot_id,
        iso_weekday,
        hour_of_day

),

bot_totals as (

    select
        bot_id,
        count(*) as bot_messages
    from messages
    group by bot_id

)

select
    s.bot_id,
    s.iso_weekday,
    case s.iso_weekday
        when 1 then 'Mon'
        when 2 then 'Tue'
        when 3 then 'Wed'
        when 4 then 'Thu'
        when 5 then 'Fri'
        when 6 then 'Sat'
        when 7 then 'Sun'
    end as weekday_name,
    s.hour_of_day,
    coalesce(a.messages, 0) as messages,
    coalesce(a.sessions, 0) as sessions,
    coalesce(a.users, 0) as users,
    coalesce(a.active_days, 0) as active_days,
    {{ safe_divide('coalesce(a.messages, 0)', 't.bot_messages') }} as share_of_bot_messages
from slots as s
inner join bot_totals as t
    on s.bot_id = t.bot_id
left join aggregated as a
    on
        s.bot_id = a.bot_id
        and s.iso_weekday = a.iso_weekday
        and s.hour_of_day = a.hour_of_day
