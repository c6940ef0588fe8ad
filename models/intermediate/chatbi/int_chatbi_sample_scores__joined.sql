-- One row per run × sample: the four accuracies of the design document with their counts.
-- A ratio with an empty denominator is NULL (nothing asked); for the pass flag it counts
-- as met, since there was nothing to get wrong.
with scoped as (

    select * from {{ ref('int_chatbi_results__scoped') }}

),

fields as (

    select * from {{ ref('int_chatbi_field_matches__scored') }}

),

conditions as (

    select
        run_id,
        dataset_id,
        sample_id,
        count(*) as total_expected_conditions,
        {{ cast_bigint("sum(is_matched)") }} as matched_conditions_count,
        {{ cast_bigint("sum(case when condition_type = 'time_range' then 1 else 0 end)") }} as expected_time_ranges,
        {{ cast_bigint("sum(case when condition_type = 'time_range' then is_matched else 0 end)") }}
            as matched_time_ranges,
        {{ cast_bigint("sum(case when condition_type = 'filter' then 1 else 0 end)") }} as expected_filters,
        {{ cast_bigint("sum(case when condition_type = 'filter' then is_matched else 0 end)") }} as matched_filters
    from {{ ref('int_chatbi_condition_checks__scored') }}
    group by
        run_id,
        dataset_id,
        sample_id

),

stated as (

    select * from {{ ref('int_chatbi_stated_ranges__derived') }}

),

values_checked as (

    select
        run_id,
        dataset_id,
        sample_id,
        count(*) as total_expected_values,
        {{ cast_bigint("sum(is_correct)") }} as correct_values_count
    from {{ ref('int_chatbi_value_checks__scored') }}
    group by
        run_id,
        dataset_id,
        sample_id

),

joined as (

    select
        scoped.run_id,
        scoped.dataset_id,
        scoped.sample_id,
        scoped.model_name,
        scoped.query_text,
        scoped.reference_date,
        fields.total_expected_fields,
        fields.predicted_fields_count,
        fields.matched_fields_count,
        fields.repeated_metric_count,
        fields.result_coverage,
        fields.field_match_accuracy,
        coalesce(conditions.total_expected_conditions, 0) as total_expected_conditions,
        coalesce(conditions.matched_conditions_count, 0) as matched_conditions_count,
        coalesce(conditions.expected_time_ranges, 0) as expected_time_ranges,
        coalesce(conditions.matched_time_ranges, 0) as matched_time_ranges,
        coalesce(conditions.expected_filters, 0) as expected_filters,
        coalesce(conditions.matched_filters, 0) as matched_filters,
        stated.stated_start,
        stated.stated_end,
        coalesce(values_checked.total_expected_values, 0) as total_expected_values,
        coalesce(values_checked.correct_values_count, 0) as correct_values_count,
        coalesce(scoped.repeated_sentence_count, 0) as repeated_sentence_count
    from scoped
    inner join fields
        on
            scoped.run_id = fields.run_id
            and scoped.dataset_id = fields.dataset_id
            and scoped.sample_id = fields.sample_id
    left join conditions
        on
            scoped.run_id = conditions.run_id
            and scoped.dataset_id = conditions.dataset_id
            and scoped.sample_id = conditions.sample_id
    left join stated
        on
            scoped.run_id = stated.run_id
            and scoped.dataset_id = stated.dataset_id
            and scoped.sample_id = stated.sample_id
    left join values_checked
        on
            scoped.run_id = values_checked.run_id
            and scoped.dataset_id = values_checked.dataset_id
            and scoped.sample_id = values_checked.sample_id

),

scored as (

    select
        *,
        {{ safe_divide('matched_conditions_count', 'total_expected_conditions') }} as condition_match_accuracy,
        {{ safe_divide('correct_values_count', 'total_expected_values') }} as value_accuracy
    from joined

)

select
    run_id,
    dataset_id,
    sample_id,
    model_name,
    query_text,
    reference_date,
    total_expected_fields,
    predicted_fields_count,
    matched_fields_count,
    repeated_metric_count,
    result_coverage,
    field_match_accuracy,
    total_expected_conditions,
    matched_conditions_count,
    expected_time_ranges,
    matched_time_ranges,
    expected_filters,
    matched_filters,
    stated_start,
    stated_end,
    condition_match_accuracy,
    total_expected_values,
    correct_values_count,
    value_accuracy,
    repeated_sentence_count,
    case
        when
            coalesce(field_match_accuracy, 1) = 1
            and coalesce(result_coverage, 1) = 1
            and coalesce(condition_match_accuracy, 1) = 1
            and coalesce(value_accuracy, 1) = 1 then 1
        else 0
    end as is_pass
from scored
