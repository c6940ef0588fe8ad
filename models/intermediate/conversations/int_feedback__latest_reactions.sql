-- One row per user × answer (rn) × item_type × item_id: the user's latest like or
-- dislike on it (a user may switch like to dislike; only the last reaction counts).
-- item_id is the index of the item acted on (the feedback document; '0' when not sent):
-- a like on the answer's retrieved doc 0 and a dislike on its doc 1 are two reactions,
-- not one switched reaction. Ties of the whole-second times go to the event the client
-- sent last (load order), not to whichever event_hash sorts last. Only item types
-- the seed feedback_item_types marks as answer feedback; other events are counted in
-- mart_feedback_other_events_daily. The answer's bot and model come from the
-- conversation log (rn = message_id); a reaction whose rn was never logged is kept as
-- 'unmatched', not dropped.
with events as (

    select
        e.event_hash,
        e.user_key,
        e.user_key_source,
        e.rn,
        e.item_type,
        e.item_id,
        e.bhv_type,
        e.bhv_at,
        e.reach_at,
        e.problem_codes,
        e.problem_code_count,
        e.expect_text,
        e.loaded_at,
        e.line_number
    from {{ ref('stg_feedback__events') }} as e
    inner join {{ ref('feedback_item_types') }} as t
        on
            e.item_type = t.item_type
            and t.is_answer_feedback = 1
    where e.bhv_type in ('like', 'dislike')

),

ranked as (

    select
        events.*,
        row_number() over (
            partition by user_key, rn, item_type, item_id
            order by bhv_at desc, reach_at desc, loaded_at desc, line_number desc, event_hash desc
        ) as reaction_rank,
        count(*) over (partition by user_key, rn, item_type, item_id) as reaction_events,
        -- Both a like and a dislike among the user's events: the reaction was switched.
        min(bhv_type) over (partition by user_key, rn, item_type, item_id) as first_type_alphabetically,
        max(bhv_type) over (partition by user_key, rn, item_type, item_id) as last_type_alphabetically
    from events

),

messages as (

    select
        message_id,
        bot_id,
        model_name,
        report_date as answer_report_date
    from {{ ref('int_conversations__rated') }}

)

select
    r.event_hash,
    r.user_key,
    r.user_key_source,
    r.rn,
    r.item_type,
    r.item_id,
    r.bhv_type,
    case when r.bhv_type = 'like' then 1 else 0 end as is_like,
    case when r.bhv_type = 'dislike' then 1 else 0 end as is_dislike,
    r.bhv_at as reacted_at,
    {{ report_date('r.bhv_at') }} as report_date,
    r.reaction_events,
    case when r.first_type_alphabetically <> r.last_type_alphabetically then 1 else 0 end as has_switched,
    r.problem_codes,
    r.problem_code_count,
    case when r.expect_text is not null then 1 else 0 end as has_expect,
    r.expect_text,
    case when m.message_id is not null then 1 else 0 end as is_matched,
    coalesce(m.bot_id, 'unmatched') as bot_id,
    coalesce(m.model_name, 'unmatched') as model_name,
    m.answer_report_date
from ranked as r
left join messages as m
    on r.rn = m.message_id
where r.reaction_rank = 1
