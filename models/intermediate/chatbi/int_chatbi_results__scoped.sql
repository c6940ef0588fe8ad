-- One row per run × sample that can be scored: the run answered it and the sample is in
-- the dataset the run names. Answers to unknown samples are counted in dim_chatbi_runs.
with results as (

    select * from {{ ref('stg_chatbi__eval_results') }}

),

samples as (

    select * from {{ ref('stg_chatbi__eval_samples') }}

)

select
    results.run_id,
    results.dataset_id,
    results.sample_id,
    results.model_name,
    results.query_logic_description,
    results.repeated_sentence_count,
    results.predicted_metric_count,
    samples.query_text,
    samples.reference_date
from results
inner join samples
    on
        results.dataset_id = samples.dataset_id
        and results.sample_id = samples.sample_id
