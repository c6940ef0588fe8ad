-- One row per reporting day × business id × item type × behaviour for every event that
-- is not a like / dislike on an answer item type (e.g. the feedback document's own
-- goods / click examples, or exposures): kept and counted here, apart from the
-- answer feedback.
with events as (

    select
        e.event_hash,
        e.report_date,
        e.biz_id,
        e.item_type,
        e.bhv_type,
        e.user_key,
        e.rn
    from {{ ref('stg_feedback__events') }} as e
    left join {{ ref('feedback_item_types') }} as t
        on e.item_type = t.item_type
    where
        coalesce(t.is_answer_feedback, 0) = 0
        or e.bhv_type not in ('like', 'dislike')

)

select
    report_date,
    biz_id,
    item_type,
    bhv_type,
    count(*) as events,
    count(distinct user_key) as users,
    count(distinct rn) as requests
from events
group by
    report_date,
    biz_id,
    item_type,
    bhv_type
