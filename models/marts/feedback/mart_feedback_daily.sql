-- One row per reporting day (of the reaction) × bot × model × item type: likes and
-- dislikes on answers, counting each user's latest reaction per answer (rn), item type
-- and item (item_id) only. Reactions on answers that were never logged count under bot and model
-- 'unmatched'.
with reactions as (

    select * from {{ ref('int_feedback__latest_reactions') }}

),

aggregated as (

    select
        report_date,
        bot_id,
        model_name,
        item_type,
        count(*) as reactions,
        {{ cast_bigint("sum(is_like)") }} as likes,
        {{ cast_bigint("sum(is_dislike)") }} as dislikes,
        count(distinct user_key) as users,
        count(distinct rn) as answers_reacted_to,
        {{ cast_bigint("sum(reaction_events)") }} as reaction_events,
        {{ cast_bigint("sum(has_switched)") }} as switched_reactions,
        {{ cast_bigint("sum(case when is_dislike = 1 and problem_code_count > 0 then 1 else 0 end)") }}
            as dislikes_with_codes,
        {{ cast_bigint("sum(case when is_dislike = 1 and has_expect = 1 then 1 else 0 end)") }}
            as dislikes_with_expect,
        {{ cast_bigint("sum(case when is_matched = 1 then 0 else 1 end)") }} as unmatched_reactions
    from reactions
    group by
        report_date,
        bot_id,
        model_name,
        item_type

)

select
    report_date,
    bot_id,
    model_name,
    item_type,
    reactions,
    likes,
    dislikes,
    {{ safe_divide('likes', 'likes + dislikes') }} as like_rate,
    {{ safe_divide('dislikes', 'likes + dislikes') }} as dislike_rate,
    {{ wilson_lower('dislikes', 'reactions') }} as dislike_rate_wilson_lower,
    {{ wilson_upper('dislikes', 'reactions') }} as dislike_rate_wilson_upper,
    users,
    answers_reacted_to,
    reaction_events,
    reaction_events - reactions as superseded_events,
    switched_reactions,
    dislikes_with_codes,
    dislikes_with_expect,
    unmatched_reactions
from aggregated
