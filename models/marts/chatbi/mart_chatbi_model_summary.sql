-- One row per model × dataset: every run of the model on the dataset pooled (means over
-- run × sample rows), plus the pass rate of its latest run.
with samples as (

    select * from {{ ref('fct_chatbi_sample_results') }}

),

runs as (

    select * from {{ ref('dim_chatbi_runs') }}

),

latest as (

    select
        model_name,
        dataset_id,
        run_id as latest_run_id,
        run_at as latest_run_at
    from (
        select
            model_name,
            dataset_id,
            run_id,
            run_at,
            row_number() over (
                partition by model_name, dataset_id
                order by run_at desc, run_id desc
            ) as recency
        from runs
    ) as ranked
    where recency = 1

),

pooled as (

    select
        model_name,
        dataset_id,
        count(distinct run_id) as runs,
        count(*) as scored_samples,
        avg(field_match_accuracy) as mean_field_match_accuracy,
        avg(result_coverage) as mean_result_coverage,
        avg(condition_match_accuracy) as mean_condition_match_accuracy,
        avg(value_accuracy) as mean_value_accuracy,
        {{ cast_bigint("sum(is_pass)") }} as pass_count,
        avg(semantic_similarity_score) as mean_semantic_similarity
    from samples
    group by
        model_name,
        dataset_id

),

latest_pass as (

    select
        run_id,
        {{ cast_bigint("sum(is_pass)") }} as pass_count,
        count(*) as scored_samples
    from samples
    group by run_id

)

select
    pooled.model_name,
    pooled.dataset_id,
    pooled.runs,
    pooled.scored_samples,
    pooled.mean_field_match_accuracy,
    pooled.mean_result_coverage,
    pooled.mean_condition_match_accuracy,
    pooled.mean_value_accuracy,
    pooled.pass_count,
    {{ safe_divide('pooled.pass_count', 'pooled.scored_samples') }} as pass_rate,
    pooled.mean_semantic_similarity,
    latest.latest_run_id,
    latest.latest_run_at,
    {{ safe_divide('latest_pass.pass_count', 'latest_pass.scored_samples') }} as latest_run_pass_rate
from pooled
left join latest
    on
        pooled.model_name = latest.model_name
        and pooled.dataset_id = latest.dataset_id
left join latest_pass
    on latest.latest_run_id = latest_pass.run_id
