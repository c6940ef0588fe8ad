-- Every logged answer is counted exactly once in the daily quality mart, in the input
-- category mart and in the rating mart; a row here names the mart that disagrees.
with logged as (

    select count(*) as answers from {{ ref('int_conversation_logs__deduplicated') }}

),

counted as (

    select 'mart_answer_quality_daily' as mart_name, sum(messages) as answers
    from {{ ref('mart_answer_quality_daily') }}
    union all
    select 'mart_input_categories_daily' as mart_name, sum(messages) as answers
    from {{ ref('mart_input_categories_daily') }}
    union all
    select 'mart_response_time_by_quality' as mart_name, sum(messages) as answers
    from {{ ref('mart_response_time_by_quality') }}
    union all
    select 'mart_activity_by_hour' as mart_name, sum(messages) as answers
    from {{ ref('mart_activity_by_hour') }}

)

select
    c.mart_name,
    c.answers as answers_in_mart,
    l.answers as answers_logged
from counted as c
cross join logged as l
where coalesce(c.answers, 0) <> l.answers
