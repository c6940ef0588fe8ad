-- One row per run × sample × expected condition (each expected time range and filter).
-- A filter matches only when a clause with an equality or inclusion operator (eq, in)
-- names exactly the expected value (comparison keys: width, case, spaces and quotes
-- ignored), so 门店名称不等于北京草桥店, another store, or 北京草桥店 inside a longer name do
-- not match; an expected negative filter (渠道不等于58) needs ne/not_in. A time range
-- matches when the range the description states equals the resolved expected range. A
-- sample that expects several time ranges (上个月 and 去年同期) has the description state
-- several; their intersection cannot equal more than one of them, so there each expected
-- range also matches a range the description states on its own: one clause with both
-- bounds (月份等于2024-04, 日期在A到B之间), or a start-only clause with the nearest
-- end-only clause (by clause position; on a tie the later one, as 日期大于等于A、日期小于等于B
-- is written).
with scoped as (

    select * from {{ ref('int_chatbi_results__scoped') }}

),

conditions as (

    select * from {{ ref('stg_chatbi__expected_conditions') }}

),

clauses as (

    select * from {{ ref('stg_chatbi__description_clauses') }}

),

stated as (

    select * from {{ ref('int_chatbi_stated_ranges__derived') }}

),

clause_ranges as (

    select * from {{ ref('int_chatbi_stated_clause_ranges__derived') }}

),

multi_range_samples as (

    select
        dataset_id,
        sample_id
    from conditions
    where condition_type = 'time_range'
    group by
        dataset_id,
        sample_id
    having count(*) > 1

),

-- start-only clauses with their nearest end-only clause
bound_pairs as (

    select
        starts.run_id,
        starts.dataset_id,
        starts.sample_id,
        starts.lower_bound as range_start,
        ends.upper_bound as range_end,
        row_number() over (
            partition by starts.run_id, starts.dataset_id, starts.sample_id, starts.clause_index
            order by abs(ends.clause_index - starts.clause_index), ends.clause_index desc
        ) as nearness
    from clause_ranges as starts
    inner join clause_ranges as ends
        on
            starts.run_id = ends.run_id
            and starts.dataset_id = ends.dataset_id
            and starts.sample_id = ends.sample_id
    where
        starts.lower_bound is not null
        and starts.upper_bound is null
        and ends.upper_bound is not null
        and ends.lower_bound is null

),

stated_parts as (

    select
        run_id,
        dataset_id,
        sample_id,
        lower_bound as range_start,
        upper_bound as range_end
    from clause_ranges
    where lower_bound is not null and upper_bound is not null

    union all

    select
        run_id,
        dataset_id,
        sample_id,
        range_start,
        range_end
    from bound_pairs
    where nearness = 1

),

range_hits as (

    select distinct
        scoped.run_id,
        conditions.dataset_id,
        conditions.sample_id,
        conditions.condition_index
    from scoped
    inner join conditions
        on
            scoped.dataset_id = conditions.dataset_id
            and scoped.sample_id = conditions.sample_id
    inner join multi_range_samples
        on
            conditions.dataset_id = multi_range_samples.dataset_id
            and conditions.sample_id = multi_range_samples.sample_id
    inner join stated_parts
        on
            scoped.run_id = stated_parts.run_id
            and scoped.dataset_id = stated_parts.dataset_id
            and scoped.sample_id = stated_parts.sample_id
            and conditions.range_start = stated_parts.range_start
            and conditions.range_end = stated_parts.range_end
    where conditions.condition_type = 'time_range'

),

filter_hits as (

    select distinct
        scoped.run_id,
        conditions.dataset_id,
        conditions.sample_id,
        conditions.condition_index
    from scoped
    inner join conditions
        on
            scoped.dataset_id = conditions.dataset_id
            and scoped.sample_id = conditions.sample_id
    inner join clauses
        on
            scoped.run_id = clauses.run_id
            and scoped.dataset_id = clauses.dataset_id
            and scoped.sample_id = clauses.sample_id
            and conditions.filter_value_key = clauses.value_key
            and conditions.filter_polarity = clauses.polarity
    where conditions.condition_type = 'filter'

),

checked as (

    select
        scoped.run_id,
        conditions.dataset_id,
        conditions.sample_id,
        conditions.condition_index,
        conditions.condition_type,
        conditions.condition_text,
        conditions.filter_operator,
        conditions.filter_value,
        conditions.range_start as expected_start,
        conditions.range_end as expected_end,
        -- the stated range only concerns time-range conditions; a range matched on its
        -- own (several expected) shows that range
        case
            when range_hits.condition_index is not null then conditions.range_start
            when conditions.condition_type = 'time_range' then stated.stated_start
        end as stated_start,
        case
            when range_hits.condition_index is not null then conditions.range_end
            when conditions.condition_type = 'time_range' then stated.stated_end
        end as stated_end,
        case
            when conditions.condition_type = 'filter' and filter_hits.condition_index is not null then 1
            when range_hits.condition_index is not null then 1
            when
                conditions.condition_type = 'time_range'
                and stated.stated_start = conditions.range_start
                and stated.stated_end = conditions.range_end then 1
            else 0
        end as is_matched
    from scoped
    inner join conditions
        on
            scoped.dataset_id = conditions.dataset_id
            and scoped.sample_id = conditions.sample_id
    left join filter_hits
        on
            scoped.run_id = filter_hits.run_id
            and conditions.dataset_id = filter_hits.dataset_id
            and conditions.sample_id = filter_hits.sample_id
            and conditions.condition_index = filter_hits.condition_index
    left join range_hits
        on
            scoped.run_id = range_hits.run_id
            and conditions.dataset_id = range_hits.dataset_id
            and conditions.sample_id = range_hits.sample_id
            and conditions.condition_index = range_hits.condition_index
    left join stated
        on
            scoped.run_id = stated.run_id
            and scoped.dataset_id = stated.dataset_id
            and scoped.sample_id = stated.sample_id

)

select
    run_id,
    dataset_id,
    sample_id,
    condition_index,
    condition_type,
    condition_text,
    filter_operator,
    filter_value,
    expected_start,
    expected_end,
    stated_start,
    stated_end,
    is_matched,
    case
        when is_matched = 1 then null
        when condition_type = 'filter' then 'no equality/inclusion clause names the value'
        when stated_start is null and stated_end is null then 'the description states no date range'
        when stated_start is null then 'the description states no start date'
        when stated_end is null then 'the description states no end date'
        else 'the stated date range differs'
    end as mismatch_reason
from checked
