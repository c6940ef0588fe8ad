-- One row per value of a predicted metric's value_list.
-- stated_unit is the unit written after the value itself (1.2万 → 万), NULL when none;
-- read from the landed text, so rows of older loads get it too.
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
    value_scaled,
    -- everything after the last digit of a value that is a number (a number with a unit
    -- suffix is one: the loader read 1.2万 as 1.2), without any whitespace (12000\u00a0万)
    case
        when value_scaled is not null
            then nullif(
                {{ regexp_replace_all(
                    'lower(' ~ regexp_replace_all(half_width('value_text'), "'^.*[0-9]'", "''") ~ ')',
                    whitespace_pattern(),
                    "''"
                ) }},
                ''
            )
    end as stated_unit
from source
