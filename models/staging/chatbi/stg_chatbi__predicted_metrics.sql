-- One row per entry of predicted_values.
-- name_unit is what the metric name's trailing bracket says (综合毛利(万元) → 万元,
-- 采购金额(单位:亿元) → 亿元, 推广中车源量(在售) → 在售), NULL without a trailing bracket;
-- int_chatbi_value_checks__scored decides whether it is a unit. Read from the landed
-- name, so rows of older loads get it too.
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

),

-- half width, without spaces: （万元）, ( 万元 ) and (万元) say the same
folded as (

    select
        *,
        replace({{ half_width('metric_name') }}, ' ', '') as folded_name
    from source

)

select
    run_id,
    dataset_id,
    sample_id,
    metric_position,
    metric_name,
    metric_key,
    value_unit,
    value_count,
    case
        when
            folded_name like '%)'
            or folded_name like '%）'
            or folded_name like '%】'
            or folded_name like '%]'
            then nullif(
                lower(
                    {{ regexp_replace_all(
                        regexp_replace_all('folded_name', regex_literal('^.*[(（【\\[](单位[:：]?)?'), "''"),
                        regex_literal('[)）】\\]]$'),
                        "''"
                    ) }}
                ),
                ''
            )
    end as name_unit
from folded
