-- The session-depth buckets (macros/kpis/funnel.sql) at each of their bounds: a session
-- with N user turns lands in the bucket written here ('none': no bucket, it is not a chat
-- start). The generated data compares the marts with hand-written SQL, which restates the
-- same bounds, so a bound moved in both places would pass there; this pins them. Runs on
-- every engine and on dbt 1.7, which has no unit tests. Returns the misplaced counts.
with reference as (
    select 0 as user_turns, 'none' as expected_bucket
    union all
    select 1 as user_turns, '1' as expected_bucket
    union all
    select 2 as user_turns, '2-3' as expected_bucket
    union all
    select 3 as user_turns, '2-3' as expected_bucket
    union all
    select 4 as user_turns, '4-6' as expected_bucket
    union all
    select 6 as user_turns, '4-6' as expected_bucket
    union all
    select 7 as user_turns, '7-10' as expected_bucket
    union all
    select 10 as user_turns, '7-10' as expected_bucket
    union all
    select 11 as user_turns, '11+' as expected_bucket
    union all
    select 250 as user_turns, '11+' as expected_bucket
),

bucketed as (
    select
        user_turns,
        expected_bucket,
        coalesce({{ depth_bucket('user_turns') }}, 'none') as actual_bucket
    from reference
)

select *
from bucketed
where actual_bucket <> expected_bucket
