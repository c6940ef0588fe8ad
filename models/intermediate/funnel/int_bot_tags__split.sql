-- One row per bot × interest tag: the bot's |-separated tag list split into rows.
-- A tag listed twice on one bot counts once, so a bot never counts twice inside a tag.
-- The current catalogue's tags: a re-tagged bot takes its history to its new tags.
with bots as (

    select
        bot_id,
        tags
    from {{ ref('stg_chat_platform__bots') }}
    where is_current = 1

),

positions as (

    {{ integer_spine(20, 'tag_position') }}

),

split as (

    select
        bots.bot_id,
        positions.tag_position,
        trim({{ split_part('bots.tags', "'|'", 'positions.tag_position') }}) as tag
    from bots
    inner join positions
        on positions.tag_position <= {{ count_parts('bots.tags', "'|'") }}

)

select
    bot_id,
    tag,
    min(tag_position) as tag_position
from split
where tag <> ''
group by
    bot_id,
    tag
