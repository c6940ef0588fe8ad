-- One row per run × sample answered.
-- Reads the raw table only when it exists, so a project without ChatBI data still builds.
with source as (

    {{ optional_source('chatbi', 'chatbi_eval_results', {
        'run_id': type_text(),
        'dataset_id': type_text(),
        'sample_id': type_text(),
        'model': type_text(),
        'run_at': dbt.type_timestamp(),
        'query_logic_description': type_text(),
        'answer_text': type_text(),
        'repeated_sentence_count': type_bigint(),
        'predicted_metric_count': type_bigint(),
        'reported_field_match_accuracy': type_double(),
        'reported_result_coverage': type_double(),
        'reported_condition_match_accuracy': type_double(),
        'reported_value_accuracy': type_double(),
        'reported_semantic_similarity_score': type_double(),
        'reported_total_expected_fields': type_bigint(),
        'reported_matched_fields_count': type_bigint(),
        'reported_total_expected_conditions': type_bigint(),
        'reported_matched_conditions_count': type_bigint(),
        'reported_error_types': type_text(),
        '_loaded_at': dbt.type_timestamp(),
        '_batch_id': type_text(),
    }) }}

)

select
    run_id,
    dataset_id,
    sample_id,
    model as model_name,
    run_at,
    query_logic_description,
    answer_text,
    repeated_sentence_count,
    predicted_metric_count,
    reported_field_match_accuracy,
    reported_result_coverage,
    reported_condition_match_accuracy,
    reported_value_accuracy,
    reported_semantic_similarity_score,
    reported_total_expected_fields,
    reported_matched_fields_count,
    reported_total_expected_conditions,
    reported_matched_conditions_count,
    reported_error_types,
    _loaded_at as loaded_at,
    _batch_id as batch_id
from source
