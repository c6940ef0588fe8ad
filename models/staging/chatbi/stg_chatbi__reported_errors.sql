-- One row per error label a results file reported for a sample.
-- Reads the raw table only when it exists, so a project without ChatBI data still builds.
with source as (

    {{ optional_source('chatbi', 'chatbi_reported_errors', {
        'run_id': type_text(),
        'dataset_id': type_text(),
        'sample_id': type_text(),
        'error_index': type_bigint(),
        'error_label': type_text(),
        'error_key': type_text(),
    }) }}

)

select
    run_id,
    dataset_id,
    sample_id,
    error_index,
    error_label,
    error_key
from source
