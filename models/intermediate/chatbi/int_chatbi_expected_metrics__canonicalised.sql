-- One row per expected metric of a sample, with the canonical name the synonym seed
-- gives its normalised key (the loader already stripped units, width and case).
with expected as (

    select * from {{ ref('stg_chatbi__expected_metrics') }}

),

synonyms as (

    select
        alias,
        canonical_metric
    from {{ ref('chatbi_metric_synonyms') }}

)

select
    expected.dataset_id,
    expected.sample_id,
    expected.metric_index,
    expected.metric_name,
    expected.metric_key,
    coalesce(synonyms.canonical_metric, expected.metric_key) as canonical_metric
from expected
left join synonyms
    on expected.metric_key = synonyms.alias
