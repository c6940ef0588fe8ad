-- The load-health marts reconcile, per load date × loader kind:
-- * in mart_loads_daily every record read was loaded or rejected
--   (rows_read = rows_loaded + rows_rejected);
-- * the records mart_load_rejects_daily counts (one per row of raw.load_rejects) sum to
--   mart_loads_daily.rows_rejected (the counts in raw.load_batches). The loader counts a
--   file's rejects from the very rows it writes to load_rejects, in the same transaction
--   (scripts/chatwh/loading/runner.py), so every counted reject is stored and the two
--   must be equal; a day or kind present on one side only is a difference too.
-- A row here names the check that fails, the day, the kind and the difference.
with daily as (

    select
        load_date,
        loader_kind,
        rows_read,
        rows_loaded,
        rows_rejected
    from {{ ref('mart_loads_daily') }}

),

unreconciled_reads as (

    select
        'rows_read <> rows_loaded + rows_rejected' as failed_check,
        load_date,
        loader_kind,
        rows_read - rows_loaded - rows_rejected as difference
    from daily
    where rows_read <> rows_loaded + rows_rejected

),

-- Rejects counted by the batches, and the rejects mart's negated: a day and kind sums
-- to 0 when the two agree (also when it is missing from one side).
signed as (

    select
        load_date,
        loader_kind,
        rows_rejected as rejected
    from daily

    union all

    select
        load_date,
        loader_kind,
        0 - rejected_records as rejected
    from {{ ref('mart_load_rejects_daily') }}

),

unreconciled_rejects as (

    select
        'rows_rejected <> sum of mart_load_rejects_daily.rejected_records' as failed_check,
        load_date,
        loader_kind,
        sum(rejected) as difference
    from signed
    group by
        load_date,
        loader_kind
    having sum(rejected) <> 0

)

select
    failed_check,
    load_date,
    loader_kind,
    difference
from unreconciled_reads

union all

select
    failed_check,
    load_date,
    loader_kind,
    difference
from unreconciled_rejects
