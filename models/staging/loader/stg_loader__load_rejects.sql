with source as (

    select * from {{ source('loader', 'load_rejects') }}

)

select
    batch_id,
    kind as loader_kind,
    source_file,
    line_number,
    reason_code,
    reason,
    rejected_at,
    {{ report_date('rejected_at') }} as reject_date
from source
