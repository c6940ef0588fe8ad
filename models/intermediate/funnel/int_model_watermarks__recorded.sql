-- One row per successful build of an incremental model: the newest load time it had
-- consumed, the fingerprint of the seeds, models and vars it was built with, and when the
-- row was recorded (only a model's latest row counts: see incremental_watermark). Written
-- by the post-hook of each incremental model (macros/incremental/incremental.sql); this
-- model only creates the empty table. full_refresh=false: a `--full-refresh` of some
-- models (which selects this one as their parent) must not erase the watermarks of all
-- the others; a model rebuilt in full records its new watermark itself.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    full_refresh=false,
    post_hook=["{{ chatbot_analytics.add_missing_watermark_columns() }}"],
) }}

select
    cast(null as {{ chatbot_analytics.watermark_name_type() }}) as model_name,
    cast(null as {{ chatbot_analytics.type_timestamp() }}) as loaded_at,
    cast(null as {{ chatbot_analytics.watermark_name_type() }}) as invocation_id,
    cast(null as {{ chatbot_analytics.watermark_name_type() }}) as config_fingerprint,
    cast(null as {{ chatbot_analytics.type_timestamp() }}) as recorded_at
from (select 1 as one) as empty_source
where 1 = 0
