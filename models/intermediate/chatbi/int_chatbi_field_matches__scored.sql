-- One row per run × sample: which expected metrics the answer covers.
-- Metrics are compared by canonical name (distinct per sample), so a metric the answer
-- repeats counts once here and is reported as repeated_metric_count (格式冗余).
with scoped as (

    select * from {{ ref('int_chatbi_results__scoped') }}

),

expected as (

    select distinct
        dataset_id,
        sample_id,
        canonical_metric
    from {{ ref('int_chatbi_expected_metrics__canonicalised') }}

),

predicted as (

    select
        run_id,
        dataset_id,
        sample_id,
        canonical_metric,
        count(*) as mentions
    from {{ ref('int_chatbi_predicted_metrics__canonicalised') }}
    group by
        run_id,
        dataset_id,
        sample_id,
        canonical_metric

),

expected_counts as (

    select
        scoped.run_id,
        scoped.dataset_id,
        scoped.sample_id,
        count(*) as total_expected_fields,
        {{ cast_bigint("sum(case when predicted.canonical_metric is not null then 1 else 0 end)") }}
            as matched_fields_count
    from scoped
    inner join expected
        on
            scoped.dataset_id = expected.dataset_id
            and scoped.sample_id = expected.sample_id
    left join predicted
        on
            scoped.run_id = predicted.run_id
            and scoped.dataset_id = predicted.dataset_id
            and scoped.sample_id = predicted.sample_id
            and expected.canonical_metric = predicted.canonical_metric
    group by
        scoped.run_id,
        scoped.dataset_id,
        scoped.sample_id

),

predicted_counts as (

    select
        run_id,
        dataset_id,
        sample_id,
        count(*) as predicted_fields_count,
        {{ cast_bigint("sum(mentions - 1)") }} as repeated_metric_count
    from predicted
    group by
        run_id,
        dataset_id,
        sample_id

),

counted as (

    select
        scoped.run_id,
        scoped.dataset_id,
        scoped.sample_id,
        coalesce(expected_counts.total_expected_fields, 0) as total_expected_fields,
        coalesce(expected_counts.matched_fields_count, 0) as matched_fields_count,
        coalesce(predicted_counts.predicted_fields_count, 0) as predicted_fields_count,
        coalesce(predicted_counts.repeated_metric_count, 0) as repeated_metric_count
    from scoped
    left join expected_counts
        on
            scoped.run_id = expected_counts.run_id
            and scoped.dataset_id = expected_counts.dataset_id
            and scoped.sample_id = expected_counts.sample_id
    left join predicted_counts
        on
            scoped.run_id = predicted_counts.run_id
            and scoped.dataset_id = predicted_counts.dataset_id
            and scoped.sample_id = predicted_counts.sample_id

)

select
    run_id,
    dataset_id,
    sample_id,
    total_expected_fields,
    predicted_fields_count,
    matched_fields_count,
    repeated_metric_count,
    -- recall: expected metrics the answer contains
    {{ safe_divide('matched_fields_count', 'total_expected_fields') }} as result_coverage,
    -- precision: answered metrics that were asked for; an answer with no metric at all
    -- to a question that asked for some extracted nothing right (0, not undefined)
    case
        when predicted_fields_count = 0 and total_expected_fields > 0 then {{ cast_double('0') }}
        else {{ safe_divide('matched_fields_count', 'predicted_fields_count') }}
    end as field_match_accuracy
from counted
