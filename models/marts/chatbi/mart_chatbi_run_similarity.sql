-- One row per run × scorer: semantic similarity of the run's answers by one scorer
-- (never averaged across scorers).
select
    run_id,
    dataset_id,
    model_name,
    scorer,
    min(scorer_model) as scorer_model,
    count(*) as scored_samples,
    avg(similarity_score) as mean_similarity,
    min(similarity_score) as min_similarity,
    max(similarity_score) as max_similarity
from {{ ref('fct_chatbi_similarity_scores') }}
group by
    run_id,
    dataset_id,
    model_name,
    scorer
