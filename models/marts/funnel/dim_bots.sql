-- One row per bot: the catalogue with its tags as text and the models seen serving it.
-- A model serves a bot when a page event (exposure, click) of the bot carries it, or when
-- a session of the bot is credited to it (int_chat_sessions__sessionized: the model its
-- first message naming one names). The default model a user message naming none falls
-- back to at event level is not a serving model unless a session or page event has it.
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

event_models as (

    -- Each bot x model's first and last day first, in one pass over the events: the
    -- aggregates below then see a handful of rows per bot, not every event. Activity
    -- dates count every event; is_page_model marks a model a page event carried.
    select
        bot_id,
        model_name,
        max(case when event_type in ('exposure', 'click') then 1 else 0 end) as is_page_model,
        min(report_date) as first_activity_date,
        max(report_date) as last_activity_date
    from {{ ref('int_chat_events__resolved') }}
    group by
        bot_id,
        model_name

),

serving_models as (

    select
        bot_id,
        model_name
    from event_models
    where is_page_model = 1

    union

    select
        bot_id,
        model_name
    from {{ ref('int_chat_sessions__sessionized') }}
    group by
        bot_id,
        model_name

),

models_seen as (

    select
        bot_id,
        {{ string_agg_distinct('model_name', "', '") }} as serving_models,
        count(distinct model_name) as serving_model_count
    from serving_models
    group by bot_id

),

activity as (

    select
        bot_id,
        min(first_activity_date) as first_activity_date,
        max(last_activity_date) as last_activity_date
    from event_models
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
    activity.first_activity_date,
    activity.last_activity_date,
    bots.created_at
from bots
left join tags
    on bots.bot_id = tags.bot_id
left join models_seen
    on bots.bot_id = models_seen.bot_id
left join activity
    on bots.bot_id = activity.bot_id
