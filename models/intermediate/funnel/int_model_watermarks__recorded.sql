-- One row per successful build of an incremental funnel model: the newest load time
-- (int_chat_events__resolved.loaded_at) it had consumed. Written by the post-hook of
-- each incremental model (macros/incremental/incremental.sql); this model only creates
-- the empty table and is never rewritten except by --full-refresh, which makes every
-- incremental model rebuild all days on its next run.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
) }}

select
    cast(null as {{ chatbot_analytics.watermark_name_type() }}) as model_name,
    cast(null as {{ chatbot_analytics.type_timestamp() }}) as loaded_at,
    cast(null as {{ chatbot_analytics.watermark_name_type() }}) as invocation_id
from (select 1 as one) as empty_source
where 1 = 0
