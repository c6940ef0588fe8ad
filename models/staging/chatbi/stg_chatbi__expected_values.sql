-- One row per expected value of a sample (销售量 64).
-- Reads the raw table only when it exists, so a project without ChatBI data still builds.
with source as (

    {{ optional_source('chatbi', 'chatbi_expected_values', {
        'dataset_id': type_text(),
        'sample_id': type_text(),
        'value_index': type_bigint(),
        'value_text': type_text(),
        'metric_name': type_text(),
        'metric_key': type_text(),
        'number_text': type_text(),
        'value_decimals': type_bigint(),
        'value_number': type_double(),
        'value_scaled': type_bigint(),
        'rounding_unit_scaled': type_bigint(),
    }) }}

)

select
    dataset_id,
    sample_id,
    value_index,
    value_text,
    metric_name,
    metric_key,
    number_text,
    value_decimals,
    value_number,
    value_scaled,
    rounding_unit_scaled,
    -- everything after the last digit: the loader accepted the text as '<name> <number>
    -- [unit]', so that is the unit (or nothing); without any whitespace, the no-break
    -- space Python's NFKC reads as one included
    nullif(
        {{ regexp_replace_all(
            'lower(' ~ regexp_replace_all(half_width('value_text'), "'^.*[0-9]'", "''") ~ ')',
            whitespace_pattern(),
            "''"
        ) }},
        ''
    ) as stated_unit
from source
