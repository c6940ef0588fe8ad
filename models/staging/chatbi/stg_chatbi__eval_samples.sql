-- One row per eval sample (dataset_id, sample_id).
-- Reads the raw table only when it exists, so a project without ChatBI data still builds.
with source as (

    {{ optional_source('chatbi', 'chatbi_eval_samples', {
        'dataset_id': type_text(),
        'sample_id': type_text(),
        'query': type_text(),
        'reference_date': 'date',
        'expected_description': type_text(),
        'condition_count': type_bigint(),
        'metric_count': type_bigint(),
        'value_count': type_bigint(),
        '_loaded_at': dbt.type_timestamp(),
        '_batch_id': type_text(),
    }) }}

)

select
    dataset_id,
    sample_id,
    query as query_text,
    reference_date,
    expected_description,
    condition_count as listed_condition_count,
    metric_count as listed_metric_count,
    value_count as listed_value_count,
    _loaded_at as loaded_at,
    _batch_id as batch_id
from source
