{#- A value is right when the predicted number, rounded (half away from zero) to the
    decimals the expected value is written with, equals it: 38.41 for 38 is right, 6001.15
    for 6000 is wrong. Compared as integers scaled by 10^6, in DECIMAL(38, 0) so a unit
    conversion cannot overflow, so every engine agrees exactly. With var
    chatbi_value_relative_tolerance set (e.g. 0.01) the rule is instead
    |predicted - expected| <= tolerance * |expected|, also on the scaled integers: as
    doubles, 1.01 for 1.00 at 0.01 was wrong (0.010000000000000009 > 0.01). The tolerance
    is read to 6 decimals.

    Units: when BOTH sides state a magnitude, the numbers are compared in base units. The
    expected side states it after its number (采购金额 1.2亿); the predicted side after its
    value (1.2万), else in its metric name's trailing bracket (综合毛利(万元)). A magnitude
    is a power of ten: 十万/百万/千万/万/亿/千/百 (optionally followed by 元, 台, 个 …), or
    a bare 元/台/个 … (10^0). % and ‰ are ratios (10^-2, 10^-3): converted between
    themselves only; a ratio against a quantity unit, or a side without a unit (the design
    example: 综合毛利 38 vs 综合毛利(万元) 38.41), is compared as written. The rounding
    unit is the expected value's, converted with it. -#}
{%- set tolerance = var('chatbi_value_relative_tolerance', none) -%}
{%- set use_tolerance = tolerance is not none and (tolerance | string | trim) not in ('', 'none', 'None', 'null') -%}
{%- if use_tolerance -%}
    {%- set tolerance_micro = ((validated_number(tolerance, 'chatbi_value_relative_tolerance') | float) * 1000000) | round | int -%}
{%- endif -%}
{%- set magnitudes = {'十万': 5, '百万': 6, '千万': 7, '万': 4, '亿': 8, '千': 3, '百': 2} -%}
{#- The same lists as the loader's (scripts/chatwh/chatbi/text.py MAGNITUDES, BASE_UNITS,
    RATIOS; a test holds them together): a unit it reads must be known here. -#}
{%- set base_units = [
    '元', '块', '台', '辆', '个', '次', '单', '件', '人', '条', '家', '条线索',
    '天', '公里', 'km', 'kg', '吨', 'rmb', 'cny', '人民币',
] -%}
{%- set ratios = {'%': -2, '％': -2, 'percent': -2, 'pct': -2, '‰': -3} -%}
{#- SQL over a unit token (__token__): the power of ten it stands for, NULL when it is no
    known unit (在售). -#}
{%- set ns = namespace(power='case') -%}
{%- for prefix, power in magnitudes.items() -%}
    {%- set ns.power = ns.power ~ " when __token__ in ('" ~ prefix ~ "'" -%}
    {%- for base in base_units -%}{%- set ns.power = ns.power ~ ", '" ~ prefix ~ base ~ "'" -%}{%- endfor -%}
    {%- set ns.power = ns.power ~ ") then " ~ power -%}
{%- endfor -%}
{%- set ns.power = ns.power ~ " when __token__ in ('" ~ (base_units | join("', '")) ~ "') then 0" -%}
{%- for ratio, power in ratios.items() -%}
    {%- set ns.power = ns.power ~ " when __token__ = '" ~ ratio ~ "' then " ~ power -%}
{%- endfor -%}
{%- set power_sql = ns.power ~ ' end' -%}
{#- 10^n for the shift between two known units (0..8). -#}
{%- set ns.ten = 'case __exponent__' -%}
{%- for n in range(1, 9) -%}{%- set ns.ten = ns.ten ~ ' when ' ~ n ~ ' then ' ~ (10 ** n) -%}{%- endfor -%}
{%- set ten_sql = ns.ten ~ ' else 1 end' -%}
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

predicted_metrics as (

    select
        run_id,
        dataset_id,
        sample_id,
        metric_position,
        name_unit
    from {{ ref('int_chatbi_predicted_metrics__canonicalised') }}

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
        expected.stated_unit as expected_unit_token,
        answering_metric.metric_position as predicted_metric_position,
        predicted_values.value_text as predicted_value_text,
        predicted_values.value_number as predicted_number,
        predicted_values.value_scaled as predicted_scaled,
        predicted_values.stated_unit as predicted_value_unit_token,
        predicted_metrics.name_unit as predicted_name_unit_token
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
    left join predicted_metrics
        on
            scoped.run_id = predicted_metrics.run_id
            and scoped.dataset_id = predicted_metrics.dataset_id
            and scoped.sample_id = predicted_metrics.sample_id
            and answering_metric.metric_position = predicted_metrics.metric_position

),

-- The power of ten the unit each side states stands for (NULL: no known unit).
units as (

    select
        *,
        {{ power_sql | replace('__token__', 'expected_unit_token') }} as expected_power,
        {{ power_sql | replace('__token__', 'predicted_value_unit_token') }} as predicted_value_power,
        {{ power_sql | replace('__token__', 'predicted_name_unit_token') }} as predicted_name_power
    from paired

),

-- The predicted value's own unit wins over its metric name's bracket: 1.2万 under
-- 采购金额(元) is 1.2万. Ratios (% ‰) have negative powers, quantities the others; a
-- ratio against a quantity is compared as written.
converted as (

    select
        *,
        case when expected_power is not null then expected_unit_token end as expected_unit,
        case
            when predicted_value_power is not null then predicted_value_unit_token
            when predicted_name_power is not null then predicted_name_unit_token
        end as predicted_unit,
        case
            when
                expected_power is not null
                and coalesce(predicted_value_power, predicted_name_power) is not null
                and (
                    (expected_power < 0 and coalesce(predicted_value_power, predicted_name_power) < 0)
                    or (expected_power >= 0 and coalesce(predicted_value_power, predicted_name_power) >= 0)
                ) then 1
            else 0
        end as is_unit_converted,
        coalesce(predicted_value_power, predicted_name_power) - expected_power as unit_shift
    from units

),

-- Both numbers on one scale: the side in the larger unit is multiplied down to the
-- smaller one (exact: units are powers of ten), the expected rounding unit with it.
shifted as (

    select
        *,
        case when is_unit_converted = 1 and unit_shift > 0 then unit_shift else 0 end as predicted_shift,
        case when is_unit_converted = 1 and unit_shift < 0 then -unit_shift else 0 end as expected_shift
    from converted

),

scaled as (

    select
        *,
        cast(predicted_scaled as decimal(38, 0)) * {{ ten_sql | replace('__exponent__', 'predicted_shift') }}
            as predicted_common,
        cast(expected_scaled as decimal(38, 0)) * {{ ten_sql | replace('__exponent__', 'expected_shift') }}
            as expected_common,
        cast(rounding_unit_scaled as decimal(38, 0)) * {{ ten_sql | replace('__exponent__', 'expected_shift') }}
            as rounding_unit_common
    from shifted

),

judged as (

    select
        *,
        case
            when predicted_scaled is null then 0
            {%- if use_tolerance %}
            -- |p - e| <= tolerance * |e| with the tolerance in millionths, all integers
            when abs(predicted_common - expected_common) * 1000000
                <= {{ tolerance_micro }} * abs(expected_common) then 1
            {%- else %}
                when 2 * abs(predicted_common - expected_common) < rounding_unit_common then 1
                -- exactly half a unit away: rounding half away from zero reaches the expected
                -- value only from the side nearer to zero
                when
                    2 * abs(predicted_common - expected_common) = rounding_unit_common
                    and abs(predicted_common) < abs(expected_common) then 1
            {%- endif %}
            else 0
        end as is_correct
    from scaled

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
    expected_unit,
    predicted_unit,
    is_unit_converted,
    is_correct,
    case
        when is_correct = 1 then null
        when predicted_metric_position is null then 'metric not predicted'
        when predicted_value_text is null then 'no value at this position'
        when predicted_scaled is null then 'predicted value is not a number'
        when is_unit_converted = 1 then 'value differs after unit conversion and rounding'
        else 'value differs after rounding'
    end as mismatch_reason
from judged
