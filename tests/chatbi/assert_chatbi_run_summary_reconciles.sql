-- The run summary must add up to the per-sample rows: scored samples, passes, samples
-- with errors, and regressed + improved + mixed = rows of mart_chatbi_run_diff.
with per_run as (

    select
        run_id,
        count(*) as scored,
        sum(is_pass) as passes,
        sum(case when error_count > 0 then 1 else 0 end) as with_errors
    from {{ ref('fct_chatbi_sample_results') }}
    group by run_id

),

diffs as (

    select
        run_id,
        count(*) as changed
    from {{ ref('mart_chatbi_run_diff') }}
    group by run_id

)

select summary.run_id
from {{ ref('mart_chatbi_run_summary') }} as summary
left join per_run
    on summary.run_id = per_run.run_id
left join diffs
    on summary.run_id = diffs.run_id
where
    summary.scored_samples <> coalesce(per_run.scored, 0)
    or summary.pass_count <> coalesce(per_run.passes, 0)
    or summary.samples_with_errors <> coalesce(per_run.with_errors, 0)
    or (
        summary.base_run_id is not null
        and summary.samples_regressed + summary.samples_improved + summary.samples_mixed <> coalesce(diffs.changed, 0)
    )
