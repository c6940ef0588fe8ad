-- One row per bot: the latest loaded version of each bot_id (a bots file is a snapshot).
with source as (

    select * from {{ source('chat_platform', 'bots') }}

),

ranked as (

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
            order by _loaded_at desc, _line_number desc
        ) as version_rank
    from source

)

select
    bot_id,
    bot_name,
    default_model_name,
    business_line,
    tags,
    created_at,
    loaded_at
from ranked
where version_rank = 1
