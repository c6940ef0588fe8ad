-- One row per run × canonical error type (every type of seed chatbi_error_types, zero
-- counts included): how many scored samples have the error, as computed and as the
-- results file reported it.
with runs as (

    select
        run_id,
        dataset_id,
        model_name,
        scored_samples
    from {{ ref('dim_chatbi_runs') }}

),

error_types as (

    select
        error_type,
        sort_order
    from {{ ref('chatbi_error_types') }}

),

errors as (

    select
        run_id,
        error_type,
        {{ cast_bigint("sum(is_computed)") }} as samples_with_error,
        {{ cast_bigint("sum(is_reported)") }} as samples_reported,
        {{ cast_bigint("sum(case when is_computed = 1 and is_reported = 1 then 1 else 0 end)") }}
            as samples_computed_and_reported
    from {{ ref('fct_chatbi_sample_errors') }}
    group by
        run_id,
        error_type

)

select
    runs.run_id,
    runs.dataset_id,
    runs.model_name,
    error_types.error_type,
    error_types.sort_order,
    runs.scored_samples,
    coalesce(errors.samples_with_error, 0) as samples_with_error,
    {{ safe_divide('coalesce(errors.samples_with_error, 0)', 'runs.scored_samples') }} as error_rate,
    coalesce(errors.samples_reported, 0) as samples_reported,
    coalesce(errors.samples_computed_and_reported, 0) as samples_computed_and_reported
from runs
cross join error_types
left join errors
    on
        runs.run_id = errors.run_id
        and error_types.error_type = errors.error_type
