-- One row per run × sample × error the warehouse finds, labelled with the canonical
-- error types of the seed (chatbi_error_types, by rule_code):
--   condition_mismatch  a condition (filter or time range) did not match
--   field_missing       an expected metric is missing (result_coverage < 1)
--   value_wrong         a predicted value is wrong (value_accuracy < 1)
--   format_redundant    values right, but the answer repeats a metric or a sentence
with scores as (

    select * from {{ ref('int_chatbi_sample_scores__joined') }}

),

error_types as (

    select
        error_type,
        rule_code
    from {{ ref('chatbi_error_types') }}

),

raised as (

    select
        run_id,
        dataset_id,
        sample_id,
        'condition_mismatch' as rule_code
    from scores
    where matched_conditions_count < total_expected_conditions

    union all

    select
        run_id,
        dataset_id,
        sample_id,
        'field_missing' as rule_code
    from scores
    where matched_fields_count < total_expected_fields

    union all

    select
        run_id,
        dataset_id,
        sample_id,
        'value_wrong' as rule_code
    from scores
    where correct_values_count < total_expected_values

    union all

    select
        run_id,
        dataset_id,
        sample_id,
        'format_redundant' as rule_code
    from scores
    where
        correct_values_count = total_expected_values
        and (repeated_metric_count > 0 or repeated_sentence_count > 0)

)

select
    raised.run_id,
    raised.dataset_id,
    raised.sample_id,
    raised.rule_code,
    error_types.error_type
from raised
inner join error_types
    on raised.rule_code = error_types.rule_code
