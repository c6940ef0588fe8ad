-- One row per run × sample whose description states at least one date bound: the date
-- range those clauses state, as inclusive dates. Exclusive bounds become inclusive
-- (日期小于2025-05-01 ends on 2025-04-30, 日期大于2025-03-31 starts on 2025-04-01); a month
-- value covers the whole month (月份等于2025-04), a list of adjoining months their span
-- (int_chatbi_stated_clause_ranges__derived). Several bounds intersect: this is the one
-- range a sample expecting a single range is compared with (one expecting several also
-- matches ranges stated on their own, list values included: see
-- int_chatbi_condition_checks__scored).
with clause_ranges as (

    select * from {{ ref('int_chatbi_stated_clause_ranges__derived') }}

)

select
    run_id,
    dataset_id,
    sample_id,
    max(lower_bound) as stated_start,
    min(upper_bound) as stated_end,
    {{ cast_bigint("sum(date_values)") }} as date_clause_values
from clause_ranges
group by
    run_id,
    dataset_id,
    sample_id
