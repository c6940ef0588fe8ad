-- One row per successful build of an incremental model: the newest load time it had
-- consumed, the fingerprint of the seeds, models and vars it was built with, and when the
-- row was recorded (only a model's latest row counts: see incremental_watermark). Written
-- by the post-hook of each incremental model (macros/incremental/incremental.sql) and of
-- each seed (the checksum of the file it loaded: macros/incremental/seed_loads.sql). The
-- on-run-start hook prepare_watermark_table creates the table before any seed or model
-- runs; this model declares it (columns, docs, tests). full_refresh=false: a
-- `--full-refresh` of some models (which selects this one as their parent) must not erase
-- the watermarks of all the others; a model rebuilt in full records its new watermark
-- itself.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    full_refresh=false,
) }}

-- the columns of macro watermark_columns, all NULL: the table starts empty
select
    {%- for name, type in chatbot_analytics.watermark_columns() %}
        cast(null as {{ type }}) as {{ name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from (select 1 as one) as empty_source
where 1 = 0
