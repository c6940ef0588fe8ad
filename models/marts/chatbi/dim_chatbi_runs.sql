{%- set baseline = chatbi_text_var('chatbi_baseline_run_id') -%}
-- One row per evaluation run: its dataset, model, time, coverage of the dataset, and the
-- run it is compared with in mart_chatbi_run_diff (var chatbi_baseline_run_id when set,
-- else the previous run on the same dataset).
with results as (

    select * from {{ ref('stg_chatbi__eval_results') }}

),

dataset_sizes as (

    select
        dataset_id,
        count(*) as dataset_samples
    from {{ ref('stg_chatbi__eval_samples') }}
    group by dataset_id

),

scored as (

    select
        run_id,
        count(*) as scored_samples
    from {{ ref('int_chatbi_results__scoped') }}
    group by run_id

),

runs as (

    select
        run_id,
        min(dataset_id) as dataset_id,
        count(distinct dataset_id) as dataset_count,
        min(model_name) as model_name,
        count(distinct model_name) as model_count,
        min(run_at) as stated_run_at,
        min(loaded_at) as first_loaded_at,
        count(*) as answered_samples
    from results
    group by run_id

),

ordered as (

    select
        run_id,
        dataset_id,
        dataset_count,
        model_name,
        model_count,
        stated_run_at,
        first_loaded_at,
        answered_samples,
        -- a run without run_at is placed at its load time
        coalesce(stated_run_at, first_loaded_at) as run_at,
        row_number() over (
            partition by dataset_id
            order by coalesce(stated_run_at, first_loaded_at), run_id
        ) as run_sequence
    from runs

),

sequenced as (

    select
        *,
        lag(run_id) over (partition by dataset_id order by run_sequence) as previous_run_id
    from ordered

),

baseline as (

    select
        run_id as baseline_run_id,
        dataset_id
    from sequenced
    {%- if baseline is not none %}
    where run_id = '{{ baseline }}'
    {%- else %}
        where 1 = 0
    {%- endif %}

)

select
    sequenced.run_id,
    sequenced.dataset_id,
    sequenced.model_name,
    sequenced.run_at,
    sequenced.stated_run_at,
    sequenced.first_loaded_at,
    sequenced.run_sequence,
    sequenced.previous_run_id,
    case
        when baseline.baseline_run_id is not null and baseline.baseline_run_id <> sequenced.run_id
            then baseline.baseline_run_id
        when baseline.baseline_run_id is not null then null
        else sequenced.previous_run_id
    end as base_run_id,
    coalesce(dataset_sizes.dataset_samples, 0) as dataset_samples,
    sequenced.answered_samples,
    coalesce(scored.scored_samples, 0) as scored_samples,
    coalesce(dataset_sizes.dataset_samples, 0) - coalesce(scored.scored_samples, 0) as unanswered_samples,
    sequenced.answered_samples - coalesce(scored.scored_samples, 0) as results_without_sample,
    sequenced.dataset_count,
    sequenced.model_count
from sequenced
left join dataset_sizes
    on sequenced.dataset_id = dataset_sizes.dataset_id
left join scored
    on sequenced.run_id = scored.run_id
left join baseline
    on sequenced.dataset_id = baseline.dataset_id
