-- The design document's own example (fixture dataset 'seed', run 'seed-run', reference
-- date in May 2025) must score exactly as the document's table says: field match 1.0,
-- coverage 1.0, conditions 1.0, values 0.75 (6001.15 is not 6000; 38.41 is 38), and one
-- value error. Returns a row when it does not: when a score differs or is NULL, or when
-- the sample is loaded (stg_chatbi__eval_samples) but the run has no scored row for it.
-- Nothing when the fixture is not loaded (the demo and production warehouses).
with seed_sample as (

    select
        dataset_id,
        sample_id
    from {{ ref('stg_chatbi__eval_samples') }}
    where
        dataset_id = 'seed'
        and sample_id = '1'

),

seed_scores as (

    select
        run_id,
        dataset_id,
        sample_id,
        field_match_accuracy,
        result_coverage,
        condition_match_accuracy,
        value_accuracy,
        error_types,
        reported_error_types
    from {{ ref('fct_chatbi_sample_results') }}
    where
        dataset_id = 'seed'
        and run_id = 'seed-run'

)

select
    s.dataset_id,
    s.sample_id,
    r.run_id,
    r.field_match_accuracy,
    r.result_coverage,
    r.condition_match_accuracy,
    r.value_accuracy,
    r.error_types,
    r.reported_error_types
from seed_sample as s
left join seed_scores as r
    on
        s.dataset_id = r.dataset_id
        and s.sample_id = r.sample_id
-- a NULL score (or no row: every column NULL) is not the expected score
where
    case
        when
            r.field_match_accuracy = 1
            and r.result_coverage = 1
            and r.condition_match_accuracy = 1
            and r.value_accuracy = 0.75
            and r.error_types = '数值错误'
            and r.reported_error_types = '数值错误'
            then 0
        else 1
    end = 1
