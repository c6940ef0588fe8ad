-- One row per (base run, run, sample) whose result changed: a sample answered by both a
-- run and its base run (dim_chatbi_runs.base_run_id) that regressed, improved, or both
-- (mixed), and a sample of the run's dataset the base run answered but the run no longer
-- does (dropped): left out, a run could stop answering the questions it used to pass
-- and show no regression. An accuracy with an empty denominator counts as 1, as for the
-- pass flag.
with runs as (

    select
        run_id,
        base_run_id,
        dataset_id,
        model_name
    from {{ ref('dim_chatbi_runs') }}
    where base_run_id is not null

),

samples as (

    select * from {{ ref('fct_chatbi_sample_results') }}

),

paired as (

    select
        runs.dataset_id,
        runs.base_run_id,
        runs.run_id,
        current_run.sample_id,
        base_run.model_name as base_model_name,
        current_run.model_name,
        current_run.query_text,
        base_run.is_pass as base_is_pass,
        current_run.is_pass,
        base_run.field_match_accuracy as base_field_match_accuracy,
        current_run.field_match_accuracy,
        base_run.result_coverage as base_result_coverage,
        current_run.result_coverage,
        base_run.condition_match_accuracy as base_condition_match_accuracy,
        current_run.condition_match_accuracy,
        base_run.value_accuracy as base_value_accuracy,
        current_run.value_accuracy,
        base_run.error_types as base_error_types,
        current_run.error_types,
        coalesce(current_run.field_match_accuracy, 1) - coalesce(base_run.field_match_accuracy, 1) as field_match_delta,
        coalesce(current_run.result_coverage, 1) - coalesce(base_run.result_coverage, 1) as coverage_delta,
        coalesce(current_run.condition_match_accuracy, 1)
        - coalesce(base_run.condition_match_accuracy, 1) as condition_delta,
        coalesce(current_run.value_accuracy, 1) - coalesce(base_run.value_accuracy, 1) as value_delta
    from runs
    inner join samples as current_run
        on runs.run_id = current_run.run_id
    inner join samples as base_run
        on
            runs.base_run_id = base_run.run_id
            and current_run.dataset_id = base_run.dataset_id
            and current_run.sample_id = base_run.sample_id

),

-- Samples of the run's dataset the base run answered and the run did not: the run's
-- side is NULL (it has no result to score).
dropped as (

    select
        runs.dataset_id,
        runs.base_run_id,
        runs.run_id,
        base_run.sample_id,
        base_run.model_name as base_model_name,
        runs.model_name,
        base_run.query_text,
        base_run.is_pass as base_is_pass,
        base_run.field_match_accuracy as base_field_match_accuracy,
        base_run.result_coverage as base_result_coverage,
        base_run.condition_match_accuracy as base_condition_match_accuracy,
        base_run.value_accuracy as base_value_accuracy,
        base_run.error_types as base_error_types
    from runs
    inner join samples as base_run
        on
            runs.base_run_id = base_run.run_id
            and runs.dataset_id = base_run.dataset_id
    left join samples as current_run
        on
            runs.run_id = current_run.run_id
            and base_run.dataset_id = current_run.dataset_id
            and base_run.sample_id = current_run.sample_id
    where current_run.sample_id is null

),

flagged as (

    select
        *,
        case
            when
                is_pass < base_is_pass
                or field_match_delta < -0.000001 or coverage_delta < -0.000001
                or condition_delta < -0.000001 or value_delta < -0.000001 then 1
            else 0
        end as got_worse,
        case
            when
                is_pass > base_is_pass
                or field_match_delta > 0.000001 or coverage_delta > 0.000001
                or condition_delta > 0.000001 or value_delta > 0.000001 then 1
            else 0
        end as got_better
    from paired

),

changed as (

    select
        dataset_id,
        base_run_id,
        run_id,
        sample_id,
        base_model_name,
        model_name,
        query_text,
        case
            when got_worse = 1 and got_better = 1 then 'mixed'
            when got_worse = 1 then 'regressed'
            else 'improved'
        end as change_direction,
        base_is_pass,
        is_pass,
        base_field_match_accuracy,
        field_match_accuracy,
        base_result_coverage,
        result_coverage,
        base_condition_match_accuracy,
        condition_match_accuracy,
        base_value_accuracy,
        value_accuracy,
        field_match_delta,
        coverage_delta,
        condition_delta,
        value_delta,
        base_error_types,
        error_types
    from flagged
    where got_worse = 1 or got_better = 1

    union all

    select
        dataset_id,
        base_run_id,
        run_id,
        sample_id,
        base_model_name,
        model_name,
        query_text,
        'dropped' as change_direction,
        base_is_pass,
        {{ cast_bigint('null') }} as is_pass,
        base_field_match_accuracy,
        {{ null_double() }} as field_match_accuracy,
        base_result_coverage,
        {{ null_double() }} as result_coverage,
        base_condition_match_accuracy,
        {{ null_double() }} as condition_match_accuracy,
        base_value_accuracy,
        {{ null_double() }} as value_accuracy,
        {{ null_double() }} as field_match_delta,
        {{ null_double() }} as coverage_delta,
        {{ null_double() }} as condition_delta,
        {{ null_double() }} as value_delta,
        base_error_types,
        {{ null_text() }} as error_types
    from dropped

)

select
    dataset_id,
    base_run_id,
    run_id,
    sample_id,
    base_model_name,
    model_name,
    query_text,
    change_direction,
    base_is_pass,
    is_pass,
    base_field_match_accuracy,
    field_match_accuracy,
    base_result_coverage,
    result_coverage,
    base_condition_match_accuracy,
    condition_match_accuracy,
    base_value_accuracy,
    value_accuracy,
    field_match_delta,
    coverage_delta,
    condition_delta,
    value_delta,
    base_error_types,
    error_types
from changed
