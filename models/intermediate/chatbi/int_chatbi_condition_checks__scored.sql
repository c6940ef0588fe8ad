-- One row per run × sample × expected condition (each expected time range and filter).
-- A filter matches only when a clause with an equality or inclusion operator (eq, in)
-- names exactly the expected value (comparison keys: width, case, spaces and quotes
-- ignored), so 门店名称不等于北京草桥店, another store, or 北京草桥店 inside a longer name do
-- not match; an expected negative filter (渠道不等于58) needs ne/not_in. A time range
-- matches when the range the description states equals the resolved expected range.
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
        -- the stated range only concerns time-range conditions
        case when conditions.condition_type = 'time_range' then stated.stated_start end as stated_start,
        case when conditions.condition_type = 'time_range' then stated.stated_end end as stated_end,
        case
            when conditions.condition_type = 'filter' and filter_hits.condition_index is not null then 1
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
