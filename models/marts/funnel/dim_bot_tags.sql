-- One row per bot × interest tag (兴趣标签). Join on bot_id to roll any bot-level
-- table up by tag; a bot with two tags appears under both.
select
    tags.bot_id,
    tags.tag,
    tags.tag_position,
    bots.bot_name,
    bots.business_line
from {{ ref('int_bot_tags__split') }} as tags
inner join {{ ref('stg_chat_platform__bots') }} as bots
    on
        tags.bot_id = bots.bot_id
        and bots.is_current = 1
