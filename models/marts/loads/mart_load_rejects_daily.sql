-- One row per load date × loader kind × reject reason code: how many records the
-- loaders rejected for that reason, and from how many files. The reason code is the
-- loader's stable code (the part of the reason before ':'); the reason's detail and the
-- rejected record's text, which may hold personal data, stay in raw.load_rejects. The
-- load date is the reporting day the rejecting load started (as in mart_loads_daily),
-- so a day's rejected_records sum to that mart's rows_rejected.
with rejects as (

    select * from {{ ref('stg_loader__load_rejects') }}

),

batches as (

    select
        batch_id,
        load_date
    from {{ ref('stg_loader__load_batches') }}

),

dated as (

    select
        r.batch_id,
        r.loader_kind,
        r.reason_code,
        coalesce(b.load_date, r.reject_date) as load_date
    from rejects as r
    left join batches as b
        on r.batch_id = b.batch_id

)

select
    load_date,
    loader_kind,
    reason_code,
    count(*) as rejected_records,
    count(distinct batch_id) as files_with_reason
from dated
group by
    load_date,
    loader_kind,
    reason_code
