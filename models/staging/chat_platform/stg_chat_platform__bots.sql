-- One row per loaded version of each bot (a bots file is a snapshot; the loader keeps a
-- row only when it differs from the bot's latest version). A version serves the events
-- from the time it was loaded (valid_from) until the next one was (valid_to); the first
-- version also every earlier event (valid_from NULL), the latest every later one
-- (valid_to NULL, is_current = 1). Versions of one load keep their line order (the loader's
-- order; the raw-table suite checks it is total).
with source as (

    select * from {{ source('chat_platform', 'bots') }}

),

versions as (

    select
        bot_id,
        bot_name,
        model_name as default_model_name,
        business_line,
        tags,
        created_at,
        _loaded_at as loaded_at,
        row_number() over (
            partition by bot_id
            order by _loaded_at, _line_number
        ) as version_number,
        lead(_loaded_at) over (
            partition by bot_id
            order by _loaded_at, _line_number
        ) as next_loaded_at
    from source

)

select
    bot_id,
    version_number,
    bot_name,
    default_model_name,
    business_line,
    tags,
    created_at,
    loaded_at,
    case when version_number > 1 then loaded_at end as valid_from,
    next_loaded_at as valid_to,
    case when next_loaded_at is null then 1 else 0 end as is_current
from versions
