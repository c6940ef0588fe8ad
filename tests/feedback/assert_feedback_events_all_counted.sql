-- Feedback is counted, never dropped: every staged event is either behind a latest
-- answer reaction (reaction_events, superseded ones included) or counted in the other
-- events mart. Unmatched answers count under 'unmatched'.
with staged as (

    select count(*) as events from {{ ref('stg_feedback__events') }}

),

counted as (

    select sum(reaction_events) as events from {{ ref('mart_feedback_daily') }}
    union all
    select sum(events) as events from {{ ref('mart_feedback_other_events_daily') }}

),

total as (

    select sum(events) as events from counted

)

select
    s.events as staged_events,
    t.events as counted_events
from staged as s
cross join total as t
where s.events <> coalesce(t.events, 0)
