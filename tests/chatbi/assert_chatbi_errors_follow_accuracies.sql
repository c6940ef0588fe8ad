-- The error labels (counted from match counts in int_chatbi_sample_errors__derived) must
-- agree with the accuracies (ratios in fct_chatbi_sample_results): 条件理解错误 exactly when
-- condition_match_accuracy < 1, 字段遗漏 when result_coverage < 1, 数值错误 when
-- value_accuracy < 1. Returns each sample where they disagree.
with errors as (

    select
        run_id,
        dataset_id,
        sample_id,
        max(case when error_type = '条件理解错误' then 1 else 0 end) as has_condition_error,
        max(case when error_type = '字段遗漏' then 1 else 0 end) as has_field_error,
        max(case when error_type = '数值错误' then 1 else 0 end) as has_value_error
    from {{ ref('fct_chatbi_sample_errors') }}
    where is_computed = 1
    group by
        run_id,
        dataset_id,
        sample_id

)

select
    samples.run_id,
    samples.dataset_id,
    samples.sample_id
from {{ ref('fct_chatbi_sample_results') }} as samples
left join errors
    on
        samples.run_id = errors.run_id
        and samples.dataset_id = errors.dataset_id
        and samples.sample_id = errors.sample_id
where
    coalesce(errors.has_condition_error, 0) <> (case when samples.condition_match_accuracy < 1 then 1 else 0 end)
    or coalesce(errors.has_field_error, 0) <> (case when samples.result_coverage < 1 then 1 else 0 end)
    or coalesce(errors.has_value_error, 0) <> (case when samples.value_accuracy < 1 then 1 else 0 end)
