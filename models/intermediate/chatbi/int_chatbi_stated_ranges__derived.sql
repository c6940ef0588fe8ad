-- One row per run × sample whose description states at least one date bound: the date
-- range those clauses state, as inclusive dates. Exclusive bounds become inclusive
-- (日期小于2025-05-01 ends on 2025-04-30, 日期大于2025-03-31 starts on 2025-04-01); a month
-- value covers the whole month (月份等于2025-04). Several bounds intersect.
with clauses as (

    select * from {{ ref('stg_chatbi__description_clauses') }}
    where date_start is not null

),

bounds as (

    select
        run_id,
        dataset_id,
        sample_id,
        case
            when clause_operator in ('ge', 'eq') then date_start
            when clause_operator = 'gt' then {{ add_days('date_end', 1) }}
            when clause_operator = 'between' and value_position = 1 then date_start
        end as lower_bound,
        case
            when clause_operator in ('le', 'eq') then date_end
            when clause_operator = 'lt' then {{ add_days('date_start', -1) }}
            when clause_operator = 'between' and value_position = 2 then date_end
        end as upper_bound
    from clauses

)

select
    run_id,
    dataset_id,
    sample_id,
    max(lower_bound) as stated_start,
    min(upper_bound) as stated_end,
    count(*) as date_clause_values
from bounds
group by
    run_id,
    dataset_id,
    sample_id
