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

),

-- Both ways (a run with scored samples but no summary row is a difference; MySQL has no
-- full outer join, so every run of either side, then left joins) and null-safe (a NULL
-- count is a difference: -1 is no count).
runs as (

    select run_id from {{ ref('mart_chatbi_run_summary') }}
    union
    select run_id from per_run

)

select runs.run_id
from runs
left join {{ ref('mart_chatbi_run_summary') }} as summary
    on runs.run_id = summary.run_id
left join per_run
    on runs.run_id = per_run.run_id
left join diffs
    on runs.run_id = diffs.run_id
where
    summary.run_id is null
    or coalesce(summary.scored_samples, -1) <> coalesce(per_run.scored, 0)
    or coalesce(summary.pass_count, -1) <> coalesce(per_run.passes, 0)
    or coalesce(summary.samples_with_errors, -1) <> coalesce(per_run.with_errors, 0)
    or (
        summary.base_run_id is not null
        and coalesce(summary.samples_regressed + summary.samples_improved + summary.samples_mixed, -1)
        <> coalesce(diffs.changed, 0)
    )
