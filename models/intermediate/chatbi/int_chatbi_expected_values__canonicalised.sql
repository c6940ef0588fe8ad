-- One row per expected value (销售量 64) with its canonical metric and its position among
-- the expected values of the same metric: the k-th expected value of a metric is compared
-- with the k-th entry of that metric's predicted value_list.
with expected as (

    select * from {{ ref('stg_chatbi__expected_values') }}

),

synonyms as (

    select
        alias,
        canonical_metric
    from {{ ref('chatbi_metric_synonyms') }}

),

canonical as (

    select
        expected.dataset_id,
        expected.sample_id,
        expected.value_index,
        expected.value_text,
        expected.metric_name,
        expected.metric_key,
        coalesce(synonyms.canonical_metric, expected.metric_key) as canonical_metric,
        expected.number_text,
        expected.value_decimals,
        expected.value_number,
        expected.value_scaled,
        expected.rounding_unit_scaled,
        expected.stated_unit
    from expected
    left join synonyms
        on expected.metric_key = synonyms.alias

)

select
    dataset_id,
    sample_id,
    value_index,
    value_text,
    metric_name,
    metric_key,
    canonical_metric,
    number_text,
    value_decimals,
    value_number,
    value_scaled,
    rounding_unit_scaled,
    stated_unit,
    row_number() over (
        partition by dataset_id, sample_id, canonical_metric
        order by value_index
    ) as metric_value_position
from canonical
