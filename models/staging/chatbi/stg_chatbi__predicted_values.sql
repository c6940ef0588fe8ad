-- One row per value of a predicted metric's value_list.
-- Reads the raw table only when it exists, so a project without ChatBI data still builds.
with source as (

    {{ optional_source('chatbi', 'chatbi_predicted_values', {
        'run_id': type_text(),
        'dataset_id': type_text(),
        'sample_id': type_text(),
        'metric_position': type_bigint(),
        'value_position': type_bigint(),
        'metric_key': type_text(),
        'value_text': type_text(),
        'value_number': type_double(),
        'value_scaled': type_bigint(),
    }) }}

)

select
    run_id,
    dataset_id,
    sample_id,
    metric_position,
    value_position,
    metric_key,
    value_text,
    value_number,
    value_scaled
from source
