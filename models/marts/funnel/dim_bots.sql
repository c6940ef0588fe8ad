-- One row per bot: the catalogue with its tags as text and the models seen serving it.
with bots as (

    select * from {{ ref('stg_chat_platform__bots') }}
    where is_current = 1

),

tags as (

    select
        bot_id,
        {{ string_agg_distinct('tag', "', '") }} as tag_list,
        count(*) as tag_count
    from {{ ref('int_bot_tags__split') }}
    group by bot_id

),

bot_models as (

    -- Each bot x model's first and last day first: the distinct aggregates below then
    -- see a handful of rows per bot, not every event (half the time of one pass).
    select
        bot_id,
        model_name,
        min(report_date) as first_activity_date,
        max(report_date) as last_activity_date
    from {{ ref('int_chat_events__resolved') }}
    group by
        bot_id,
        model_name

),

models_seen as (

    select
        bot_id,
        {{ string_agg_distinct('model_name', "', '") }} as serving_models,
        count(distinct model_name) as serving_model_count,
        min(first_activity_date) as first_activity_date,
        max(last_activity_date) as last_activity_date
    from bot_models
    group by bot_id

)

select
    bots.bot_id,
    bots.bot_name,
    bots.business_line,
    bots.default_model_name,
    coalesce(tags.tag_list, '') as tags,
    coalesce(tags.tag_count, 0) as tag_count,
    coalesce(models_seen.serving_models, '') as serving_models,
    coalesce(models_seen.serving_model_count, 0) as serving_model_count,
    models_seen.first_activity_date,
    models_seen.last_activity_date,
    bots.created_at
from bots
left join tags
    on bots.bot_id = tags.bot_id
left join models_seen
    on bots.bot_id = models_seen.bot_id
