-- RESTRICTED. One row per latest reaction that says what the user expected
-- (bhv_value.expect), with the codes it cites and, when the answer was logged, the
-- question and the answer: the review queue for answer writers. It carries free text
-- written by users and the raw conversation; grant it only to reviewers.
with reactions as (

    select * from {{ ref('int_feedback__latest_reactions') }}
    where has_expect = 1

),

labels as (

    select
        event_hash,
        {{ string_agg_distinct('problem_code', "'|'") }} as problem_codes_mapped,
        {{ string_agg_distinct('label_zh', "'；'") }} as problem_labels_zh
    from {{ ref('int_feedback__problem_codes') }}
    group by event_hash

),

texts as (

    select
        message_id,
        user_input,
        model_response
    from {{ ref('int_conversation_logs__deduplicated') }}

),

ratings as (

    select
        message_id,
        quality_rating,
        rating_source
    from {{ ref('int_conversations__rated') }}

)

select
    r.event_hash,
    r.rn,
    r.item_type,
    r.item_id,
    r.user_key,
    r.bhv_type,
    r.reacted_at,
    r.report_date,
    r.bot_id,
    r.model_name,
    r.is_matched,
    r.problem_codes as problem_codes_sent,
    l.problem_codes_mapped,
    l.problem_labels_zh,
    r.expect_text,
    q.quality_rating,
    q.rating_source,
    t.user_input,
    t.model_response
from reactions as r
left join labels as l
    on r.event_hash = l.event_hash
left join texts as t
    on r.rn = t.message_id
left join ratings as q
    on r.rn = q.message_id
