{%- set scorer = chatbi_text_var('chatbi_similarity_scorer', 'tfidf-char') -%}
-- One row per run × sample: the design document's evaluation metrics as the warehouse
-- computes them, next to what the results file reported (reported_*).
with scores as (

    select * from {{ ref('int_chatbi_sample_scores__joined') }}

),

runs as (

    select
        run_id,
        run_at
    from {{ ref('dim_chatbi_runs') }}

),

errors as (

    select
        run_id,
        dataset_id,
        sample_id,
        {{ string_agg_distinct('error_type', "'|'") }} as error_types,
        count(*) as error_count
    from {{ ref('fct_chatbi_sample_errors') }}
    where is_computed = 1
    group by
        run_id,
        dataset_id,
        sample_id

),

reported_errors as (

    select
        run_id,
        dataset_id,
        sample_id,
        {{ string_agg_distinct('error_type', "'|'") }} as reported_error_types
    from {{ ref('fct_chatbi_sample_errors') }}
    where is_reported = 1
    group by
        run_id,
        dataset_id,
        sample_id

),

similarity as (

    select
        run_id,
        dataset_id,
        sample_id,
        similarity_score
    from {{ ref('stg_chatbi__similarity_scores') }}
    where scorer = '{{ scorer }}'

),

results as (

    select * from {{ ref('stg_chatbi__eval_results') }}

)

select
    scores.run_id,
    scores.dataset_id,
    scores.sample_id,
    scores.model_name,
    runs.run_at,
    scores.query_text,
    scores.reference_date,
    scores.total_expected_fields,
    scores.predicted_fields_count,
    scores.matched_fields_count,
    scores.result_coverage,
    scores.field_match_accuracy,
    scores.total_expected_conditions,
    scores.matched_conditions_count,
    scores.condition_match_accuracy,
    scores.expected_time_ranges,
    scores.matched_time_ranges,
    scores.expected_filters,
    scores.matched_filters,
    scores.stated_start,
    scores.stated_end,
    scores.total_expected_values,
    scores.correct_values_count,
    scores.value_accuracy,
    scores.repeated_metric_count,
    scores.repeated_sentence_count,
    similarity.similarity_score as semantic_similarity_score,
    '{{ scorer }}' as similarity_scorer,
    errors.error_types,
    coalesce(errors.error_count, 0) as error_count,
    scores.is_pass,
    results.reported_field_match_accuracy,
    results.reported_result_coverage,
    results.reported_condition_match_accuracy,
    results.reported_value_accuracy,
    results.reported_semantic_similarity_score,
    reported_errors.reported_error_types,
    -- the file's accuracies agree when each reported one is within 0.005 of the computed one
    -- (files round to 2 decimals). An accuracy the file left out, or with nothing to check
    -- (computed NULL: the sample asks for no field, condition or value), is not compared:
    -- abs() is NULL then, and counts as agreeing.
    case
        when
            results.reported_field_match_accuracy is null
            and results.reported_result_coverage is null
            and results.reported_condition_match_accuracy is null
            and results.reported_value_accuracy is null then null
        when
            coalesce(abs(results.reported_field_match_accuracy - scores.field_match_accuracy), 0) <= 0.005
            and coalesce(abs(results.reported_result_coverage - scores.result_coverage), 0) <= 0.005
            and coalesce(abs(results.reported_condition_match_accuracy - scores.condition_match_accuracy), 0) <= 0.005
            and coalesce(abs(results.reported_value_accuracy - scores.value_accuracy), 0) <= 0.005
            then 1
        else 0
    end as agrees_with_reported
from scores
inner join runs
    on scores.run_id = runs.run_id
inner join results
    on
        scores.run_id = results.run_id
        and scores.dataset_id = results.dataset_id
        and scores.sample_id = results.sample_id
left join errors
    on
        scores.run_id = errors.run_id
        and scores.dataset_id = errors.dataset_id
        and scores.sample_id = errors.sample_id
left join reported_errors
    on
        scores.run_id = reported_errors.run_id
        and scores.dataset_id = reported_errors.dataset_id
        and scores.sample_id = reported_errors.sample_id
left join similarity
    on
        scores.run_id = similarity.run_id
        and scores.dataset_id = similarity.dataset_id
        and scores.sample_id = similarity.sample_id
