-- One row per run × sample × expected condition (each expected time range and filter).
-- A filter matches only when a clause with an equality or inclusion operator (eq, in)
-- names exactly the expected value (comparison keys: width, case, spaces and quotes
-- ignored), so 门店名称不等于北京草桥店, another store, or 北京草桥店 inside a longer name do
-- not match; an expected negative filter (渠道不等于58) needs ne/not_in. An expected filter
-- that names its field (大区名称:东北大区) also needs the clause on that field (folded
-- with question_key: width, case, spaces and punctuation ignored; the clause's field may
-- end with it), so 门店名称等于东北大区 does not state it; a bare value (北京草桥店)
-- matches on any field. A time range
-- matches when the range the description states equals the resolved expected range. A
-- sample that expects several time ranges (上个月 and 去年同期) has the description state
-- several; their intersection cannot equal more than one of them, so there each expected
-- range also matches a range the description states on its own: one clause with both
-- bounds (月份等于2024-04, 日期在A到B之间), each date value of an eq/in list (月份属于
-- 2025-04、2024-04 states 2025-04 and 2024-04, the natural answer to a two-period
-- comparison, whose span or gap states no single range), or a start-only clause with the
-- nearest end-only clause (by clause position; on a tie the later one, as
-- 日期大于等于A、日期小于等于B is written).
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

-- each date value of an eq/in clause on its own (月份属于2025-04、2024-04); only read for
-- samples expecting several ranges (range_hits), where a list names one range per value
list_value_ranges as (

    select
        run_id,
        dataset_id,
        sample_id,
        date_start as range_start,
        date_end as range_end
    from clauses
    where
        clause_operator in ('eq', 'in')
        and date_start is not null
        and date_end is not null

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

    union all

    select
        run_id,
        dataset_id,
        sample_id,
        range_start,
        range_end
    from list_value_ranges

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

-- field names folded for comparison (question_key: width, case, spaces, punctuation)
filter_conditions as (

    select
        dataset_id,
        sample_id,
        condition_index,
        filter_polarity,
        filter_value_key,
        {{ question_key('filter_field') }} as field_key
    from conditions
    where condition_type = 'filter'

),

value_clauses as (

    select
        run_id,
        dataset_id,
        sample_id,
        polarity,
        value_key,
        {{ question_key('field_name') }} as field_key
    from clauses
    where polarity is not null

),

-- expected filters whose value an eq/in (ne/not_in) clause names; names_field is 1 when
-- one such clause is also on the expected field (or the filter names no field), so a
-- value stated for another field (门店名称等于东北大区 for 大区名称:东北大区) is told apart.
-- The clause's field may end with the expected one: text the parser leaves before a
-- field (查询条件:门店名称, 按门店名称, WHERE 门店名称) still names it.
filter_hits as (

    select
        scoped.run_id,
        filter_conditions.dataset_id,
        filter_conditions.sample_id,
        filter_conditions.condition_index,
        max(
            case
                when filter_conditions.field_key is null then 1
                when
                    {{ char_length('value_clauses.field_key') }} >= {{ char_length('filter_conditions.field_key') }}
                    and substr(
                        value_clauses.field_key,
                        {{ char_length('value_clauses.field_key') }}
                        - {{ char_length('filter_conditions.field_key') }} + 1
                    ) = filter_conditions.field_key then 1
                else 0
            end
        ) as names_field
    from scoped
    inner join filter_conditions
        on
            scoped.dataset_id = filter_conditions.dataset_id
            and scoped.sample_id = filter_conditions.sample_id
    inner join value_clauses
        on
            scoped.run_id = value_clauses.run_id
            and scoped.dataset_id = value_clauses.dataset_id
            and scoped.sample_id = value_clauses.sample_id
            and filter_conditions.filter_value_key = value_clauses.value_key
            and filter_conditions.filter_polarity = value_clauses.polarity
    group by
        scoped.run_id,
        filter_conditions.dataset_id,
        filter_conditions.sample_id,
        filter_conditions.condition_index

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
            when conditions.condition_type = 'filter' and filter_hits.names_field = 1 then 1
            when range_hits.condition_index is not null then 1
            when
                conditions.condition_type = 'time_range'
                and stated.stated_start = conditions.range_start
                and stated.stated_end = conditions.range_end then 1
            else 0
        end as is_matched,
        case when filter_hits.condition_index is not null then 1 else 0 end as is_value_stated
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
        when condition_type = 'filter' and is_value_stated = 1 then 'the value is stated for another field'
        when condition_type = 'filter' then 'no equality/inclusion clause names the value'
        when stated_start is null and stated_end is null then 'the description states no date range'
        when stated_start is null then 'the description states no start date'
        when stated_end is null then 'the description states no end date'
        else 'the stated date range differs'
    end as mismatch_reason
from checked
