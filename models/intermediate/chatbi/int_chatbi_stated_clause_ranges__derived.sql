-- One row per run × sample × description clause with a date value: the inclusive bounds
-- that one clause states. ge/eq/in start on the value's first day and gt the day after
-- it; le/eq/in end on its last day and lt the day before it (日期小于2025-05-01 ends on
-- 2025-04-30); between takes its first value's first day and its second value's last day.
-- A list (月份属于2025-04、2025-05, or eq with more values) covers its values when they
-- are all dates and leave no gap; otherwise it states no range (its bounds stay NULL, as
-- for ne and not_in). Intersecting a list's values instead would invert the range. A
-- sample expecting several ranges (上个月 and 2024年4月) reads each date value of a list
-- on its own instead (int_chatbi_condition_checks__scored): one row per clause here keeps
-- the intersection of int_chatbi_stated_ranges__derived one range per clause.
with clauses as (

    select * from {{ ref('stg_chatbi__description_clauses') }}

),

value_bounds as (

    select
        run_id,
        dataset_id,
        sample_id,
        clause_index,
        clause_operator,
        date_start,
        date_end,
        case
            when clause_operator in ('ge', 'eq', 'in') then date_start
            when clause_operator = 'gt' then {{ add_days('date_end', 1) }}
            when clause_operator = 'between' and value_position = 1 then date_start
        end as lower_bound,
        case
            when clause_operator in ('le', 'eq', 'in') then date_end
            when clause_operator = 'lt' then {{ add_days('date_start', -1) }}
            when clause_operator = 'between' and value_position = 2 then date_end
        end as upper_bound,
        case when date_start is null then 1 else 0 end as is_undated
    from clauses

),

per_clause as (

    select
        run_id,
        dataset_id,
        sample_id,
        clause_index,
        min(clause_operator) as clause_operator,
        count(*) as clause_values,
        {{ cast_bigint("sum(case when is_undated = 0 then 1 else 0 end)") }} as date_values,
        {{ cast_bigint("sum(is_undated)") }} as undated_values,
        max(lower_bound) as lower_bound,
        min(upper_bound) as upper_bound,
        min(date_start) as first_day,
        max(date_end) as last_day,
        {{ cast_bigint("sum(" ~ days_between('date_start', 'date_end') ~ " + 1)") }} as covered_days
    from value_bounds
    group by
        run_id,
        dataset_id,
        sample_id,
        clause_index

),

bounded as (

    select
        run_id,
        dataset_id,
        sample_id,
        clause_index,
        clause_operator,
        date_values,
        lower_bound,
        upper_bound,
        first_day,
        last_day,
        case when clause_operator in ('eq', 'in') and clause_values > 1 then 1 else 0 end as is_list,
        -- a list states its values' span when they are all dates and tile it without a gap
        case
            when
                undated_values = 0
                and covered_days = {{ days_between('first_day', 'last_day') }} + 1 then 1
            else 0
        end as tiles_its_span
    from per_clause
    where date_values > 0

)

select
    run_id,
    dataset_id,
    sample_id,
    clause_index,
    clause_operator,
    date_values,
    case when is_list = 0 then lower_bound when tiles_its_span = 1 then first_day end as lower_bound,
    case when is_list = 0 then upper_bound when tiles_its_span = 1 then last_day end as upper_bound
from bounded
