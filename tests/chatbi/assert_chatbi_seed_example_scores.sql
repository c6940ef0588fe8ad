-- The design document's own example (fixture dataset 'seed', run 'seed-run', reference
-- date in May 2025) must score exactly as the document's table says: field match 1.0,
-- coverage 1.0, conditions 1.0, values 0.75 (6001.15 is not 6000; 38.41 is 38), and one
-- value error. Returns the row when it does not (or nothing when the fixture is absent).
select
    run_id,
    sample_id,
    field_match_accuracy,
    result_coverage,
    condition_match_accuracy,
    value_accuracy,
    error_types
from {{ ref('fct_chatbi_sample_results') }}
where
    dataset_id = 'seed'
    and run_id = 'seed-run'
    and not (
        field_match_accuracy = 1
        and result_coverage = 1
        and condition_match_accuracy = 1
        and value_accuracy = 0.75
        and error_types = '数值错误'
        and coalesce(reported_error_types, '') = '数值错误'
    )
