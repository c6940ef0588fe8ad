-- One row per entry of a run's predicted_values, with the canonical metric name.
with predicted as (

    select * from {{ ref('stg_chatbi__predicted_metrics') }}

),

synonyms as (

    select
        alias,
        canonical_metric
    from {{ ref('chatbi_metric_synonyms') }}

)

select
    predicted.run_id,
    predicted.dataset_id,
    predicted.sample_id,
    predicted.metric_position,
    predicted.metric_name,
    predicted.metric_key,
    predicted.value_unit,
    predicted.value_count,
    predicted.name_unit,
    coalesce(synonyms.canonical_metric, predicted.metric_key) as canonical_metric
from predicted
left join synonyms
    on predicted.metric_key = synonyms.alias
