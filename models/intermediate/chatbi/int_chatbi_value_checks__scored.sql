{#- A value is right when the predicted number, rounded (half away from zero) to the
    decimals the expected value is written with, equals it: 38.41 for 38 is right, 6001.15
    for 6000 is wrong. Compared as integers scaled by 10^6 so every engine agrees exactly.
    With var chatbi_value_relative_tolerance set (e.g. 0.01) the rule is instead
    |predicted - expected| <= tolerance * |expected|. -#}
{%- set tolerance = var('chatbi_value_relative_tolerance', none) -%}
{%- set use_tolerance = tolerance is not none and (tolerance | string | trim) not in ('', 'none', 'None', 'null') -%}
-- One row per run × sample × expected value.
with scoped as (

    select * from {{ ref('int_chatbi_results__scoped') }}

),

expected as (

    select * from {{ ref('int_chatbi_expected_values__canonicalised') }}

),

-- The first predicted_values entry of a metric answers it; repeats are 格式冗余.
answering_metric as (

    select
        run_id,
        dataset_id,
        sample_id,
        canonical_metric,
        min(metric_position) as metric_position
    from {{ ref('int_chatbi_predicted_metrics__canonicalised') }}
    group by
        run_id,
        dataset_id,
        sample_id,
        canonical_metric

),

predicted_values as (

    select * from {{ ref('stg_chatbi__predicted_values') }}

),

paired as (

    select
        scoped.run_id,
        expected.dataset_id,
        expected.sample_id,
        expected.value_index,
        expected.value_text,
        expected.canonical_metric,
        expected.metric_value_position,
        expected.number_text as expected_number_text,
        expected.value_decimals,
        expected.value_number as expected_number,
        expected.value_scaled as expected_scaled,
        expected.rounding_unit_scaled,
        answering_metric.metric_position as predicted_metric_position,
        predicted_values.value_text as predicted_value_text,
        predicted_values.value_number as predicted_number,
        predicted_values.value_scaled as predicted_scaled
    from scoped
    inner join expected
        on
            scoped.dataset_id = expected.dataset_id
            and scoped.sample_id = expected.sample_id
    left join answering_metric
        on
            scoped.run_id = answering_metric.run_id
            and scoped.dataset_id = answering_metric.dataset_id
            and scoped.sample_id = answering_metric.sample_id
            and expected.canonical_metric = answering_metric.canonical_metric
    left join predicted_values
        on
            scoped.run_id = predicted_values.run_id
            and scoped.dataset_id = predicted_values.dataset_id
            and scoped.sample_id = predicted_values.sample_id
            and answering_metric.metric_position = predicted_values.metric_position
            and expected.metric_value_position = predicted_values.value_position

),

judged as (

    select
        *,
        case
            when predicted_scaled is null then 0
            {%- if use_tolerance %}
            when abs(predicted_number - expected_number)
                <= {{ validated_number(tolerance, 'chatbi_value_relative_tolerance') }} * abs(expected_number) then 1
            {%- else %}
                when 2 * abs(predicted_scaled - expected_scaled) < rounding_unit_scaled then 1
                -- exactly half a unit away: rounding half away from zero reaches the expected
                -- value only from the side nearer to zero
                when
                    2 * abs(predicted_scaled - expected_scaled) = rounding_unit_scaled
                    and abs(predicted_scaled) < abs(expected_scaled) then 1
            {%- endif %}
            else 0
        end as is_correct
    from paired

)

select
    run_id,
    dataset_id,
    sample_id,
    value_index,
    value_text,
    canonical_metric,
    metric_value_position,
    expected_number_text,
    value_decimals,
    expected_number,
    predicted_metric_position,
    predicted_value_text,
    predicted_number,
    is_correct,
    case
        when is_correct = 1 then null
        when predicted_metric_position is null then 'metric not predicted'
        when predicted_value_text is null then 'no value at this position'
        when predicted_scaled is null then 'predicted value is not a number'
        else 'value differs after rounding'
    end as mismatch_reason
from judged
