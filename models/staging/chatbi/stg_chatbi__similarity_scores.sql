-- One row per run × sample × scorer.
-- Reads the raw table only when it exists, so a project without ChatBI data still builds.
with source as (

    {{ optional_source('chatbi', 'chatbi_similarity_scores', {
        'run_id': type_text(),
        'dataset_id': type_text(),
        'sample_id': type_text(),
        'scorer': type_text(),
        'score': type_double(),
        'scorer_model': type_text(),
        'scored_at': dbt.type_timestamp(),
        '_loaded_at': dbt.type_timestamp(),
    }) }}

)

select
    run_id,
    dataset_id,
    sample_id,
    scorer,
    score as similarity_score,
    scorer_model,
    scored_at,
    _loaded_at as loaded_at
from source
