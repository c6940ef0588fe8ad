-- One row per entry of predicted_values.
-- Reads the raw table only when it exists, so a project without ChatBI data still builds.
with source as (

    {{ optional_source('chatbi', 'chatbi_predicted_metrics', {
        'run_id': type_text(),
        'dataset_id': type_text(),
        'sample_id': type_text(),
        'metric_position': type_bigint(),
        'metric_name': type_text(),
        'metric_key': type_text(),
        'value_unit': type_text(),
        'value_count': type_bigint(),
    }) }}

)

select
    run_id,
    dataset_id,
    sample_id,
    metric_position,
    metric_name,
    metric_key,
    value_unit,
    value_count
from source
