-- Every per-sample count must equal the detail rows behind it: conditions and matches in
-- fct_chatbi_condition_checks, values and correct ones in fct_chatbi_value_checks.
with conditions as (

    select
        run_id,
        dataset_id,
        sample_id,
        count(*) as checks,
        sum(is_matched) as matched
    from {{ ref('fct_chatbi_condition_checks') }}
    group by
        run_id,
        dataset_id,
        sample_id

),

value_checks as (

    select
        run_id,
        dataset_id,
        sample_id,
        count(*) as checks,
        sum(is_correct) as correct
    from {{ ref('fct_chatbi_value_checks') }}
    group by
        run_id,
        dataset_id,
        sample_id

),

-- Both ways (detail rows of a sample missing from fct_chatbi_sample_results are a
-- difference; MySQL has no full outer join, so every sample of any side, then left
-- joins) and null-safe (a NULL count is a difference: -1 is no count).
sample_keys as (

    select run_id, dataset_id, sample_id from {{ ref('fct_chatbi_sample_results') }}
    union
    select run_id, dataset_id, sample_id from conditions
    union
    select run_id, dataset_id, sample_id from value_checks

)

select
    k.run_id,
    k.dataset_id,
    k.sample_id
from sample_keys as k
left join {{ ref('fct_chatbi_sample_results') }} as samples
    on
        k.run_id = samples.run_id
        and k.dataset_id = samples.dataset_id
        and k.sample_id = samples.sample_id
left join conditions
    on
        k.run_id = conditions.run_id
        and k.dataset_id = conditions.dataset_id
        and k.sample_id = conditions.sample_id
left join value_checks
    on
        k.run_id = value_checks.run_id
        and k.dataset_id = value_checks.dataset_id
        and k.sample_id = value_checks.sample_id
where
    samples.sample_id is null
    or coalesce(samples.total_expected_conditions, -1) <> coalesce(conditions.checks, 0)
    or coalesce(samples.matched_conditions_count, -1) <> coalesce(conditions.matched, 0)
    or coalesce(samples.total_expected_values, -1) <> coalesce(value_checks.checks, 0)
    or coalesce(samples.correct_values_count, -1) <> coalesce(value_checks.correct, 0)
