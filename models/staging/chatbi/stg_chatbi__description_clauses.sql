-- One row per value of each (field, operator, value) clause parsed from a description.
-- Reads the raw table only when it exists, so a project without ChatBI data still builds.
with source as (

    {{ optional_source('chatbi', 'chatbi_description_clauses', {
        'run_id': type_text(),
        'dataset_id': type_text(),
        'sample_id': type_text(),
        'clause_index': type_bigint(),
        'value_position': type_bigint(),
        'clause_text': type_text(),
        'field_name': type_text(),
        'operator': type_text(),
        'polarity': type_text(),
        'value_text': type_text(),
        'value_key': type_text(),
        'date_start': 'date',
        'date_end': 'date',
    }) }}

)

select
    run_id,
    dataset_id,
    sample_id,
    clause_index,
    value_position,
    clause_text,
    field_name,
    operator as clause_operator,
    polarity,
    value_text,
    value_key,
    date_start,
    date_end
from source
