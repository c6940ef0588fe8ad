{%- set scorer = chatbi_text_var('chatbi_similarity_scorer', 'tfidf-char') -%}
-- One row per run × sample × scorer. Scores of different scorers are on different
-- scales: compare or average them only within one scorer.
with scores as (

    select * from {{ ref('stg_chatbi__similarity_scores') }}

),

-- Only scores of samples the run answered and its dataset holds: a score of another
-- dataset's sample, or of a sample that is not in the dataset, would otherwise count in
-- the run's mean similarity although the run's other scores leave it out.
scoped as (

    select
        run_id,
        dataset_id,
        sample_id
    from {{ ref('int_chatbi_results__scoped') }}

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
inner join scoped
    on
        scores.run_id = scoped.run_id
        and scores.dataset_id = scoped.dataset_id
        and scores.sample_id = scoped.sample_id
inner join runs
    on scores.run_id = runs.run_id
