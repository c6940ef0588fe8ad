{%- set scorer = chatbi_text_var('chatbi_similarity_scorer', 'tfidf-char') -%}
-- One row per run × sample × scorer. Scores of different scorers are on different
-- scales: compare or average them only within one scorer.
with scores as (

    select * from {{ ref('stg_chatbi__similarity_scores') }}

),

runs as (

    select
        run_id,
        model_name
    from {{ ref('dim_chatbi_runs') }}

)

select
    scores.run_id,
    scores.dataset_id,
    scores.sample_id,
    scores.scorer,
    scores.scorer_model,
    runs.model_name,
    scores.similarity_score,
    scores.scored_at,
    case when scores.scorer = '{{ scorer }}' then 1 else 0 end as is_primary_scorer
from scores
inner join runs
    on scores.run_id = runs.run_id
