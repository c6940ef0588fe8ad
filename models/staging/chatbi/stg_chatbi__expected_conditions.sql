-- One row per expected condition of a sample: each time range, then each filter.
-- Reads the raw table only when it exists, so a project without ChatBI data still builds.
with source as (

    {{ optional_source('chatbi', 'chatbi_expected_conditions', {
        'dataset_id': type_text(),
        'sample_id': type_text(),
        'condition_index': type_bigint(),
        'condition_type': type_text(),
        'condition_text': type_text(),
        'filter_field': type_text(),
        'filter_operator': type_text(),
        'filter_polarity': type_text(),
        'filter_value': type_text(),
        'filter_value_key': type_text(),
        'range_start': 'date',
        'range_end': 'date',
    }) }}

)

select
    dataset_id,
    sample_id,
    condition_index,
    condition_type,
    condition_text,
    filter_field,
    filter_operator,
    filter_polarity,
    filter_value,
    filter_value_key,
    range_start,
    range_end
from source
