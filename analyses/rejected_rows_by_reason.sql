-- Ad-hoc: what the loaders rejected, per day, kind and reason, with an example line, to
-- send back to the team that produces the files.
select
    reject_date,
    loader_kind,
    reason_code,
    count(*) as rejected_rows,
    count(distinct source_file) as files,
    min(source_file) as example_file,
    min(line_number) as example_line
from {{ ref('stg_loader__load_rejects') }}
group by
    reject_date,
    loader_kind,
    reason_code
order by
    reject_date desc,
    rejected_rows desc
