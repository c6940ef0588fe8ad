-- One row per evaluation run: mean accuracies, pass rate (all four accuracies 1.0) with
-- its 95 % Wilson interval, errors, mean similarity of the primary scorer, and how many
-- samples regressed, improved or dropped against the run's base run
-- (dim_chatbi_runs.base_run_id).
with runs as (

    select * from {{ ref('dim_chatbi_runs') }}

),

samples as (

    select * from {{ ref('fct_chatbi_sample_results') }}

),

per_run as (

    select
        run_id,
        min(similarity_scorer) as similarity_scorer,
        avg(field_match_accuracy) as mean_field_match_accuracy,
        avg(result_coverage) as mean_result_coverage,
        avg(condition_match_accuracy) as mean_condition_match_accuracy,
        avg(value_accuracy) as mean_value_accuracy,
        {{ cast_bigint("sum(is_pass)") }} as pass_count,
        {{ cast_bigint("sum(case when error_count > 0 then 1 else 0 end)") }} as samples_with_errors,
        avg(semantic_similarity_score) as mean_semantic_similarity,
        {{ cast_bigint("sum(case when semantic_similarity_score is not null then 1 else 0 end)") }}
            as similarity_scored_samples,
        avg(reported_value_accuracy) as reported_mean_value_accuracy,
        {{ cast_bigint("sum(case when agrees_with_reported = 0 then 1 else 0 end)") }}
            as samples_disagreeing_with_reported
    from samples
    group by run_id

),

changes as (

    select
        run_id,
        -- a dropped sample (answered by the base run, not by the run) is a regression:
        -- the answer is lost whatever it scored, so skipping a question cannot hide one
        {{ cast_bigint("sum(case when change_direction in ('regressed', 'dropped') then 1 else 0 end)") }}
            as samples_regressed,
        {{ cast_bigint("sum(case when change_direction = 'improved' then 1 else 0 end)") }} as samples_improved,
        {{ cast_bigint("sum(case when change_direction = 'mixed' then 1 else 0 end)") }} as samples_mixed,
        {{ cast_bigint("sum(case when change_direction = 'dropped' then 1 else 0 end)") }} as samples_dropped
    from {{ ref('mart_chatbi_run_diff') }}
    group by run_id

)

select
    runs.run_id,
    runs.dataset_id,
    runs.model_name,
    runs.run_at,
    runs.run_sequence,
    runs.dataset_samples,
    runs.scored_samples,
    runs.unanswered_samples,
    runs.results_without_sample,
    per_run.mean_field_match_accuracy,
    per_run.mean_result_coverage,
    per_run.mean_condition_match_accuracy,
    per_run.mean_value_accuracy,
    coalesce(per_run.pass_count, 0) as pass_count,
    {{ safe_divide('per_run.pass_count', 'runs.scored_samples') }} as pass_rate,
    {{ wilson_lower('coalesce(per_run.pass_count, 0)', 'runs.scored_samples') }} as pass_rate_wilson_lower,
    {{ wilson_upper('coalesce(per_run.pass_count, 0)', 'runs.scored_samples') }} as pass_rate_wilson_upper,
    -- unanswered samples count as failed here, so skipping hard questions does not pay
    {{ safe_divide('per_run.pass_count', 'runs.dataset_samples') }} as pass_rate_over_dataset,
    coalesce(per_run.samples_with_errors, 0) as samples_with_errors,
    per_run.similarity_scorer,
    per_run.mean_semantic_similarity,
    coalesce(per_run.similarity_scored_samples, 0) as similarity_scored_samples,
    per_run.reported_mean_value_accuracy,
    coalesce(per_run.samples_disagreeing_with_reported, 0) as samples_disagreeing_with_reported,
    runs.base_run_id,
    case when runs.base_run_id is null then null else coalesce(changes.samples_regressed, 0) end as samples_regressed,
    case when runs.base_run_id is null then null else coalesce(changes.samples_improved, 0) end as samples_improved,
    case when runs.base_run_id is null then null else coalesce(changes.samples_mixed, 0) end as samples_mixed,
    case when runs.base_run_id is null then null else coalesce(changes.samples_dropped, 0) end as samples_dropped
from runs
left join per_run
    on runs.run_id = per_run.run_id
left join changes
    on runs.run_id = changes.run_id
