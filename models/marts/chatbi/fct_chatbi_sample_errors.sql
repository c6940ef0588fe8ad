-- One row per run × sample × error type: the errors the warehouse computes and the ones
-- the results file reported (spellings mapped through seed chatbi_error_type_aliases; an
-- unknown spelling is kept as written with is_canonical = 0). Count errors here.
with computed as (

    select
        run_id,
        dataset_id,
        sample_id,
        error_type,
        1 as is_computed,
        0 as is_reported,
        1 as is_canonical
    from {{ ref('int_chatbi_sample_errors__derived') }}

),

aliases as (

    select
        alias,
        error_type
    from {{ ref('chatbi_error_type_aliases') }}

),

scoped as (

    select
        run_id,
        dataset_id,
        sample_id
    from {{ ref('int_chatbi_results__scoped') }}

),

reported as (

    select
        reported_errors.run_id,
        reported_errors.dataset_id,
        reported_errors.sample_id,
        coalesce(aliases.error_type, reported_errors.error_label) as error_type,
        0 as is_computed,
        1 as is_reported,
        case when aliases.error_type is not null then 1 else 0 end as is_canonical
    from {{ ref('stg_chatbi__reported_errors') }} as reported_errors
    inner join scoped
        on
            reported_errors.run_id = scoped.run_id
            and reported_errors.dataset_id = scoped.dataset_id
            and reported_errors.sample_id = scoped.sample_id
    left join aliases
        on reported_errors.error_key = aliases.alias

),

both_sources as (

    select * from computed
    union all
    select * from reported

)

select
    both_sources.run_id,
    both_sources.dataset_id,
    both_sources.sample_id,
    both_sources.error_type,
    max(both_sources.is_computed) as is_computed,
    max(both_sources.is_reported) as is_reported,
    max(both_sources.is_canonical) as is_canonical
from both_sources
group by
    both_sources.run_id,
    both_sources.dataset_id,
    both_sources.sample_id,
    both_sources.error_type
