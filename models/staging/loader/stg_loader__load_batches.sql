with source as (

    select * from {{ source('loader', 'load_batches') }}

)

select
    batch_id,
    kind as loader_kind,
    source_file,
    file_bytes,
    rows_read,
    rows_loaded,
    rows_rejected,
    started_at,
    finished_at,
    {{ report_date('started_at') }} as load_date
from source
