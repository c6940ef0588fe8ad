-- One row per expected metric of a sample, as listed.
-- Reads the raw table only when it exists, so a project without ChatBI data still builds.
with source as (

    {{ optional_source('chatbi', 'chatbi_expected_metrics', {
        'dataset_id': type_text(),
        'sample_id': type_text(),
        'metric_index': type_bigint(),
        'metric_name': type_text(),
        'metric_key': type_text(),
    }) }}

)

select
    dataset_id,
    sample_id,
    metric_index,
    metric_name,
    metric_key
from source
