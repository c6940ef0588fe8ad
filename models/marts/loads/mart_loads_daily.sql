-- One row per load date (reporting day the load started) × loader kind: how many files
-- landed, the records they held (read = loaded + rejected), the share rejected, and when
-- the day's first load started and its last load finished (UTC): how fresh each source
-- is. Rejected records count every reason, `already_loaded` (a file loaded again) too;
-- mart_load_rejects_daily splits them by reason. No file path or record text leaves the
-- loader's bookkeeping (raw.load_batches, raw.load_rejects).
with batches as (

    select * from {{ ref('stg_loader__load_batches') }}

),

aggregated as (

    select
        load_date,
        loader_kind,
        count(*) as files_loaded,
        {{ cast_bigint('sum(rows_read)') }} as rows_read,
        {{ cast_bigint('sum(rows_loaded)') }} as rows_loaded,
        {{ cast_bigint('sum(rows_rejected)') }} as rows_rejected,
        min(started_at) as first_load_started_at,
        max(finished_at) as last_load_finished_at
    from batches
    group by
        load_date,
        loader_kind

)

select
    load_date,
    loader_kind,
    files_loaded,
    rows_read,
    rows_loaded,
    rows_rejected,
    {{ safe_divide('rows_rejected', 'rows_read') }} as reject_rate,
    first_load_started_at,
    last_load_finished_at
from aggregated
