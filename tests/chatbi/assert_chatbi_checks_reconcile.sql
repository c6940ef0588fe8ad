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

)

select
    samples.run_id,
    samples.dataset_id,
    samples.sample_id
from {{ ref('fct_chatbi_sample_results') }} as samples
left join conditions
    on
        samples.run_id = conditions.run_id
        and samples.dataset_id = conditions.dataset_id
        and samples.sample_id = conditions.sample_id
left join value_checks
    on
        samples.run_id = value_checks.run_id
        and samples.dataset_id = value_checks.dataset_id
        and samples.sample_id = value_checks.sample_id
where
    samples.total_expected_conditions <> coalesce(conditions.checks, 0)
    or samples.matched_conditions_count <> coalesce(conditions.matched, 0)
    or samples.total_expected_values <> coalesce(value_checks.checks, 0)
    or samples.correct_values_count <> coalesce(value_checks.correct, 0)
